/* natkey.h - the natural key of a settlement record.
 *
 * The same record delivered twice (a second file, an overlapping file, a
 * re-run) has the same key; settlements.natural_key is UNIQUE, so it is
 * stored once and the other copies are counted as duplicates.
 *   CNAB:       bank|nosso número without leading zeros|movement|occurrence date|amount paid
 *   Pix:        pix|end-to-end id
 *   Pix refund: pix_refund|refund id
 * A Pix record without an end-to-end id (never seen; kept safe) falls back to
 * pix|txid|amount|settled_at. Pure. */
#ifndef SETTLE_NATKEY_H
#define SETTLE_NATKEY_H

#include <stddef.h>

#include "parsers/record.h"

#define NATKEY_MAX 128

/* Write the key of r into out (size n, NATKEY_MAX is enough). Returns out. */
char *natkey_build(const settle_record *r, char *out, size_t n);

#endif
