/* cards.c - helpers the card acquirer readers share (cards.h): windows-1252
 * text, signed amounts, dates and messages. Pure functions over a
 * normalised line. */
#include "parsers/cards.h"
#include "parsers/utf8.h"

#include <stdio.h>
#include <string.h>

long cards_max_records = CARDS_MAX_RECORDS;
long cielo_max_ur = CIELO_MAX_UR;

/* windows-1252 0x80-0x9F as Unicode code points; 0 = undefined there. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

void cards_text(const cnab_line *l, size_t start, size_t len, char *dst, size_t size)
{
    size_t a = start - 1, b = start - 1 + len;
    if (b > CNAB_MAX_CHARS)
        b = CNAB_MAX_CHARS;
    while (a < b && l->c[a] == ' ')
        a++;
    while (b > a && l->c[b - 1] == ' ')
        b--;
    size_t j = 0;
    if (!size)
        return;
    for (size_t i = a; i < b; i++) {
        uint32_t cp = l->wide ? l->wide_cp[i] : l->c[i];
        if (!l->wide && cp >= 0x80 && cp <= 0x9F && !l->utf8)
            cp = cp1252_high[cp - 0x80];  /* a windows-1252 byte (0 = undefined: blanked below) */
        else if (cp >= 0x80 && cp <= 0x9F)
            cp = 0;                       /* a real C1 control character */
        if (cp < 0x20 || cp == 0x7F)
            cp = ' ';
        char tmp[4];
        size_t k = utf8_put(tmp, cp);
        if (j + k >= size)
            break;
        memcpy(dst + j, tmp, k);
        j += k;
    }
    /* trailing spaces made from control characters */
    while (j > 0 && dst[j - 1] == ' ')
        j--;
    dst[j] = '\0';
}

static void quote(const cnab_line *l, size_t start, size_t len, char *buf, size_t size)
{
    size_t j = 0;
    if (size < 4)
        return;
    buf[j++] = '\'';
    for (size_t i = start - 1; i < start - 1 + len && j + 2 < size; i++) {
        unsigned char ch = l->c[i];
        buf[j++] = (ch >= 0x20 && ch < 0x7F) ? (char)ch : '?';
    }
    buf[j++] = '\'';
    buf[j] = '\0';
}

void cards_expected(const cnab_line *l, size_t start, size_t len, const char *what, cnab_ferr *fe)
{
    char q[64];
    quote(l, start, len > 40 ? 40 : len, q, sizeof q);
    fe->col = start;
    if (len == 1)
        snprintf(fe->msg, sizeof fe->msg, "expected %s (position %zu), found %s", what, start, q);
    else
        snprintf(fe->msg, sizeof fe->msg, "expected %s (positions %zu-%zu), found %s", what, start,
                 start + len - 1, q);
}

int cards_all_digits(const cnab_line *l, size_t start, size_t len)
{
    for (size_t i = start - 1; i < start - 1 + len; i++)
        if ((unsigned)l->c[i] - '0' > 9)
            return 0;
    return 1;
}

int cards_smoney(const cnab_line *l, size_t sign_pos, size_t start, size_t len, const char *what, int64_t *v,
                 cnab_ferr *fe)
{
    unsigned char s = l->c[sign_pos - 1];
    if (s != '+' && s != '-') {
        int blank = s == ' ';
        for (size_t i = start - 1; blank && i < start - 1 + len; i++)
            blank = l->c[i] == ' ';
        if (blank) {
            *v = 0;
            return 0;
        }
        char w[160];
        snprintf(w, sizeof w, "'+' or '-' as the sign of %s", what);
        cards_expected(l, sign_pos, 1, w, fe);
        return -1;
    }
    if (!cards_all_digits(l, start, len)) {
        char w[160];
        snprintf(w, sizeof w, "%zu digits (2 decimals) in %s", len, what);
        cards_expected(l, start, len, w, fe);
        size_t i = start - 1;
        while ((unsigned)l->c[i] - '0' <= 9)
            i++;
        fe->col = i + 1;
        return -1;
    }
    int64_t x;
    if (cnab_digits(l, start, len, what, &x, fe) < 0)
        return -1;
    *v = s == '-' ? -x : x;
    return 0;
}

int cards_date8(const cnab_line *l, size_t start, const char *what, settle_date *d, cnab_ferr *fe)
{
    if (cnab_date(l, start, 8, what, d, fe) < 0) {
        char w[160];
        snprintf(w, sizeof w, "a date DDMMAAAA in %s", what);
        cards_expected(l, start, 8, w, fe);
        return -1;
    }
    return 0;
}
