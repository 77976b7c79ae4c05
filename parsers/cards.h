/* cards.h - what the card acquirer readers share (parsers/cielo.c,
 * parsers/rede.c): windows-1252 text, signed and unsigned amounts, brand
 * names, and the limits on a file.
 *
 * Everything here is pure (no I/O, no allocation): the readers call these
 * on the normalised line (cnab_line) parser.c hands them. */
#ifndef SETTLE_CARDS_H
#define SETTLE_CARDS_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/cnab.h"

/* Most detail records one acquirer file may hold; more is refused with a
 * message naming the limit (a runaway or hostile file). Variables so tests
 * can lower them. */
#define CARDS_MAX_RECORDS 5000000
extern long cards_max_records;
/* Most payouts (Cielo UR: Chave UR + tipo de lançamento) one Cielo file 04
 * may hold: the reader keeps one ~150-byte entry per payout to join its E
 * records and check their count. */
#define CIELO_MAX_UR 200000
extern long cielo_max_ur;

/* Copy characters [start, start+len) trimmed of spaces into dst (size
 * bytes, NUL-terminated) as UTF-8. The acquirers write windows-1252: when
 * the line was not valid UTF-8, bytes 0x80-0x9F are the windows-1252
 * characters (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ), not
 * C1 controls; the five bytes windows-1252 leaves undefined and every
 * control character become a space. */
void cards_text(const cnab_line *l, size_t start, size_t len, char *dst, size_t size);

/* A signed amount written as a sign byte at sign_pos ('+' or '-') and len
 * digits from start with 2 implied decimals (Cielo). Sign and digits all
 * blank = 0. Returns 0 or -1 with *fe set ("expected '+' or '-' as the sign
 * of WHAT (position N), found 'x'"). */
int cards_smoney(const cnab_line *l, size_t sign_pos, size_t start, size_t len, const char *what, int64_t *v,
                 cnab_ferr *fe);

/* DDMMAAAA at start; zeros or blanks = no date (d->y == 0). 0 or -1. */
int cards_date8(const cnab_line *l, size_t start, const char *what, settle_date *d, cnab_ferr *fe);

/* Set fe to "expected WHAT (positions a-b), found 'xx'" for the field. */
void cards_expected(const cnab_line *l, size_t start, size_t len, const char *what, cnab_ferr *fe);

/* 1 when the field [start, start+len) is all digits. */
int cards_all_digits(const cnab_line *l, size_t start, size_t len);

#endif
