/* natkey.h - the natural key of a settlement record.
 *
 * The same record delivered twice (a second file, an overlapping file, a
 * re-run) has the same key; settlements.natural_key is UNIQUE, so it is
 * stored once and the other copies are counted as duplicates.
 *   CNAB:       bank|nosso número without leading zeros|movement|occurrence date|amount paid
 *   Pix:        pix|end-to-end id
 *   Pix refund: pix_refund|refund id (settled, DEVOLVIDO or no status), or
 *               pix_refund|refund id|status (EM_PROCESSAMENTO, NAO_REALIZADO)
 *   Card:       card|acquirer|merchant|kind|adjustment|code|TID|NSU|authorization|
 *               sale date|installment/installments|order reference|acquirer key|
 *               gross|net|fee|payment date (card|sha256:HEX when longer than
 *               NATKEY_MAX): never the header's date or sequence, so a file
 *               the acquirer sends again is the same records
 * A Pix record without an end-to-end id (never seen; kept safe) falls back to
 * pix|txid|amount|settled_at. Pure.
 *
 * Two identical CNAB (or card) records inside one file are two reports the bank made
 * (two payments of one boleto on one day, for the same amount), not one
 * record delivered twice: the second gets the key KEY#2, the third KEY#3, and
 * so on (natkey_occ). The same file delivered again gives the same keys, so
 * across files identical records are still re-deliveries. A Pix end-to-end
 * id is unique per Pix, so a repeated one is always a re-delivery. */
#ifndef SETTLE_NATKEY_H
#define SETTLE_NATKEY_H

#include <stddef.h>

#include "parsers/record.h"

#define NATKEY_MAX 128

/* Write the key of r into out (size n, NATKEY_MAX is enough). Returns out. */
char *natkey_build(const settle_record *r, char *out, size_t n);

/* The keys a file has produced so far (128-bit hashes with a count), to
 * number in-file repeats. */
typedef struct natkey_occ {
    struct natkey_slot *slots;
    size_t cap, used;
} natkey_occ;

int natkey_occ_init(natkey_occ *o);   /* 0, or -1 when out of memory */
void natkey_occ_free(natkey_occ *o);

/* natkey_build() for r, then, for a CNAB record, the occurrence suffix when
 * the file already produced that key. Returns out, or NULL when out of
 * memory. */
char *natkey_build_in_file(natkey_occ *o, const settle_record *r, char *out, size_t n);

#endif
