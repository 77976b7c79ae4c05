/* fmt.h - pure text formatting for reports and batches: money, dates,
 * CPF/CNPJ masking, HTML escaping.
 *
 * No I/O except fmt_html_escape() writing to a caller's stream, no globals,
 * no locale: the caller says which decimal and grouping characters it wants.
 * Money is int64_t cents formatted with integer arithmetic only. */
#ifndef SETTLE_FMT_H
#define SETTLE_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest output of fmt_money() plus its NUL: "-92.233.720.368.547.758,08". */
#define FMT_MONEY_MAX 32

/* Write cents as reais: "-1.234,56" with dec ',' and group '.', "1234.56"
 * with dec '.' and group 0 (no grouping). Handles INT64_MIN. buf must hold
 * FMT_MONEY_MAX bytes. Returns buf. */
char *fmt_money(int64_t cents, char dec, char group, char *buf);

/* "YYYY-MM-DD..." -> "DD/MM/YYYY" into buf (at least 11 bytes). Returns 0,
 * or -1 (and buf = "") when iso does not start with a date of that shape. */
int fmt_date_br(const char *iso, char *buf, size_t n);

/* A CPF (11 digits) or CNPJ (14 digits) for people to read, into buf (at
 * least 19 bytes). Masked (the default, LGPD):
 *   CPF  12345678901    -> ***.456.789-**
 *   CNPJ 12345678000199 -> **.345.678/0001-**
 * unmasked: 123.456.789-01 and 12.345.678/0001-99. NULL or "" gives "";
 * anything else gives "***" when masked and the text as is when not (cut to
 * n-1 bytes). Returns buf. */
char *fmt_doc(const char *doc, int unmask, char *buf, size_t n);

/* Write s (may be NULL: nothing) to out with & < > " ' as entities and
 * control characters (C0 but TAB and LF, DEL, C1 U+0080-U+009F) as spaces. */
void fmt_html_escape(FILE *out, const char *s);

#endif
