/* cnab.c - pure pieces of the CNAB readers: line normalisation (CRLF, BOM,
 * 0x1A, Latin-1 vs UTF-8), padding to the layout length, and the decoding of
 * the fields of a layout table into a settle_record. */
#include "parsers/cnab.h"
#include "parsers/utf8.h"

#include <stdio.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(b & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        uint32_t c = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        *cp = c;
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                     ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (c < 0x10000 || c > 0x10FFFF)
            return 0;
        *cp = c;
        return 4;
    }
    return 0;
}

void cnab_line_norm(const unsigned char *raw, size_t n, int first, cnab_line *out)
{
    if (first && n >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF)
        raw += 3, n -= 3;
    while (n > 0 && (raw[n - 1] == '\r' || raw[n - 1] == 0x1A))
        n--;
    if (n > CNAB_MAX_CHARS)
        n = CNAB_MAX_CHARS; /* the caller refuses lines this long before */

    out->wide = 0;
    out->utf8 = 0;
    /* copy, then test for ASCII 32 bytes at a time (four independent
     * words): this runs on every line */
    memcpy(out->c, raw, n);
    uint64_t hi = 0, h1 = 0, h2 = 0, h3 = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, raw + i, 32);
        hi |= w[0], h1 |= w[1], h2 |= w[2], h3 |= w[3];
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, raw + i, 8);
        hi |= w;
    }
    for (; i < n; i++)
        hi |= raw[i];
    hi |= h1 | h2 | h3;
    out->ascii = (hi & 0x8080808080808080ULL) == 0;
    if (out->ascii) {
        out->len = n;
    } else {
        /* valid UTF-8? */
        int valid = 1;
        uint32_t cp;
        for (size_t i = 0; i < n;) {
            size_t k = utf8_seq_len(raw + i, n - i, &cp);
            if (!k) {
                valid = 0;
                break;
            }
            i += k;
        }
        size_t j = 0;
        if (valid) {
            out->utf8 = 1;
            for (size_t i = 0; i < n;) {
                size_t k = utf8_seq_len(raw + i, n - i, &cp);
                if (cp > 0xFF) {
                    out->wide = 1;
                    out->wide_cp[j] = cp;
                    out->c[j++] = '?';
                } else {
                    out->wide_cp[j] = cp;
                    out->c[j++] = (unsigned char)cp;
                }
                i += k;
            }
        } else {
            memcpy(out->c, raw, n); /* Latin-1: one byte, one character */
            j = n;
        }
        out->len = j;
    }
    /* a character above U+00FF is stored as '?', never ' ' */
    while (out->len >= 8) {
        uint64_t w;
        memcpy(&w, out->c + out->len - 8, 8);
        if (w != 0x2020202020202020ULL)
            break;
        out->len -= 8;
    }
    while (out->len > 0 && out->c[out->len - 1] == ' ')
        out->len--;
    out->c[out->len] = '\0';
}

int cnab_line_fit(cnab_line *l, size_t layout, size_t *found)
{
    if (l->len > layout) {
        *found = l->len;
        return -1;
    }
    memset(l->c + l->len, ' ', layout - l->len);
    if (l->wide)
        for (size_t i = l->len; i < layout; i++)
            l->wide_cp[i] = ' ';
    l->c[layout] = '\0';
    return 0;
}

/* Quote the characters of a field for a message: 'ABC' (printable ASCII,
 * other characters as '?'). */
static void quote_field(const cnab_line *l, size_t start, size_t len, char *buf, size_t size)
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

static int all_blank(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ')
            return 0;
    return 1;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the SWAR digit decoding below assumes a little-endian machine"
#endif

/* 1 when the 8 bytes of w are all ASCII digits. */
static inline int swar_all_digits(uint64_t w)
{
    return (w & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL &&
           ((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL;
}

/* The value of 8 ASCII digits (first byte most significant), little-endian
 * load: three multiplications instead of eight (the well-known SWAR trick). */
static inline uint64_t swar_eight(uint64_t w)
{
    w -= 0x3030303030303030ULL;
    w = (w * 10) + (w >> 8);
    w = (((w & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((w >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return w;
}

/* Not all digits: all blank (= 0) or an error. Kept out of the hot path. */
static __attribute__((noinline, cold)) int digits_slow(const cnab_line *l, size_t start, size_t len,
                                                       const char *what, int64_t *v, cnab_ferr *fe)
{
    const unsigned char *s = l->c + start - 1;
    if (all_blank(s, len)) {
        *v = 0;
        return 0;
    }
    size_t i = 0;
    while ((unsigned)s[i] - '0' <= 9)
        i++;
    char q[64];
    quote_field(l, start, len, q, sizeof q);
    fe->col = start + i;
    snprintf(fe->msg, sizeof fe->msg, "expected digits in %s (positions %zu-%zu), found %s", what, start,
             start + len - 1, q);
    return -1;
}

/* cnab_digits(), inlined where the field tables are applied (every money
 * field of every record goes through it). */
static inline __attribute__((always_inline)) int digits_inline(const cnab_line *l, size_t start, size_t len,
                                                               const char *what, int64_t *v, cnab_ferr *fe)
{
    const unsigned char *s = l->c + start - 1;
    uint64_t x = 0;
    unsigned bad = 0;
    size_t head = len & 7, i = head;
    if (head) {
        /* the first len % 8 digits as one 8-digit group padded with '0' in
         * front: fields lie inside the line buffer, so 8 bytes can be read */
        uint64_t w;
        memcpy(&w, s, 8);
        w = (w << (8 * (8 - head))) | (0x3030303030303030ULL >> (8 * head));
        bad |= !swar_all_digits(w);
        x = swar_eight(w);
    }
    for (; i < len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        bad |= !swar_all_digits(w);
        x = x * 100000000ULL + swar_eight(w);
    }
    if (__builtin_expect(!bad, 1)) {
        *v = (int64_t)x;
        return 0;
    }
    return digits_slow(l, start, len, what, v, fe);
}

int cnab_digits(const cnab_line *l, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe)
{
    return digits_inline(l, start, len, what, v, fe);
}

int cnab_pivot_year(int yy)
{
    return yy < 70 ? 2000 + yy : 1900 + yy;
}

int cnab_valid_date(int y, int m, int d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

int cnab_date(const cnab_line *l, size_t start, size_t len, const char *what, settle_date *out, cnab_ferr *fe)
{
    const unsigned char *s = l->c + start - 1;
    if (len == 8) { /* fast path: eight digits, a real date */
        uint64_t w;
        memcpy(&w, s, 8);
        if (swar_all_digits(w) && w != 0x3030303030303030ULL) {
            int d = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[2] - '0') * 10 + (s[3] - '0');
            int y = (s[4] - '0') * 1000 + (s[5] - '0') * 100 + (s[6] - '0') * 10 + (s[7] - '0');
            if (cnab_valid_date(y, m, d)) {
                out->y = (int16_t)y, out->m = (int8_t)m, out->d = (int8_t)d;
                return 0;
            }
        }
    }
    int zero = 1;
    out->y = 0, out->m = 0, out->d = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '0' && s[i] != ' ')
            zero = 0;
    if (zero) {
        if (all_blank(s, len))
            return 0;
        for (size_t i = 0; i < len; i++)
            if (s[i] == ' ')
                goto bad;
        return 0;
    }
    int v[8] = { 0 };
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)s[i] - '0';
        if (d > 9)
            goto bad;
        v[i] = (int)d;
    }
    {
        int d = v[0] * 10 + v[1], m = v[2] * 10 + v[3], y;
        if (len == 8)
            y = v[4] * 1000 + v[5] * 100 + v[6] * 10 + v[7];
        else
            y = cnab_pivot_year(v[4] * 10 + v[5]);
        if (!cnab_valid_date(y, m, d))
            goto bad;
        out->y = (int16_t)y, out->m = (int8_t)m, out->d = (int8_t)d;
        return 0;
    }
bad : {
    char q[64];
    quote_field(l, start, len, q, sizeof q);
    fe->col = start;
    snprintf(fe->msg, sizeof fe->msg, "expected a date %s or zeros in %s (positions %zu-%zu), found %s",
             len == 8 ? "DDMMAAAA" : "DDMMAA", what, start, start + len - 1, q);
    return -1;
}
}

int cnab_date_ymd(const cnab_line *l, size_t start, const char *what, settle_date *out, cnab_ferr *fe)
{
    const unsigned char *s = l->c + start - 1;
    int v[8];
    out->y = 0, out->m = 0, out->d = 0;
    if (all_blank(s, 8) || !memcmp(s, "00000000", 8))
        return 0;
    for (size_t i = 0; i < 8; i++) {
        v[i] = (int)((unsigned)s[i] - '0');
        if ((unsigned)v[i] > 9)
            goto bad;
    }
    {
        int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
        if (!cnab_valid_date(y, m, d))
            goto bad;
        out->y = (int16_t)y, out->m = (int8_t)m, out->d = (int8_t)d;
        return 0;
    }
bad : {
    char q[64];
    quote_field(l, start, 8, q, sizeof q);
    fe->col = start;
    snprintf(fe->msg, sizeof fe->msg, "expected a date AAAAMMDD or zeros in %s (positions %zu-%zu), found %s", what,
             start, start + 7, q);
    return -1;
}
}

/* Flags (high bits) for the bytes of w below 0x20 or equal to 0x7F, the
 * controls cnab_text() blanks. A flag may be set above a flagged byte
 * (the borrow), never when no byte qualifies: a filter, not an index. */
static inline uint64_t ctl_bytes(uint64_t w)
{
    uint64_t d = w ^ 0x7F7F7F7F7F7F7F7FULL;
    return ((w - 0x2020202020202020ULL) | (d - 0x0101010101010101ULL)) & ~w & 0x8080808080808080ULL;
}

void cnab_text(const cnab_line *l, size_t start, size_t len, char *dst, size_t size)
{
    size_t a = start - 1, b = start - 1 + len;
    while (a < b && l->c[a] == ' ')
        a++;
    /* trailing spaces, eight at a time first (text fields are padded) */
    while (b >= a + 8) {
        uint64_t w;
        memcpy(&w, l->c + b - 8, 8);
        if (w != 0x2020202020202020ULL)
            break;
        b -= 8;
    }
    while (b > a && l->c[b - 1] == ' ')
        b--;
    size_t j = 0;
    if (l->ascii) { /* the common case: copy, then blank control characters */
        j = b - a < size - 1 ? b - a : size - 1;
        memcpy(dst, l->c + a, j);
        dst[j] = '\0';
        size_t k = 0;
        for (; k + 8 <= j; k += 8) { /* skip words without a control character */
            uint64_t w;
            memcpy(&w, dst + k, 8);
            if (ctl_bytes(w))
                break;
        }
        for (; k < j; k++)
            if ((unsigned char)dst[k] < 0x20 || dst[k] == 0x7F)
                dst[k] = ' ';
        return;
    }
    for (size_t i = a; i < b; i++) {
        uint32_t cp = l->wide ? l->wide_cp[i] : l->c[i];
        if (cp < 0x80) {
            if (j + 1 >= size)
                break;
            /* control characters would break the CSV consumers' lines */
            dst[j++] = cp < 0x20 || cp == 0x7F ? ' ' : (char)cp;
        } else if (cp <= 0x9F) {
            /* C1 controls (U+0080-U+009F: a Latin-1 0x9B is CSI, 0x85 NEL)
             * drive terminals and break lines just like C0: blanked too */
            if (j + 1 >= size)
                break;
            dst[j++] = ' ';
        } else {
            char tmp[4];
            size_t k = utf8_put(tmp, cp);
            if (j + k >= size)
                break;
            memcpy(dst + j, tmp, k);
            j += k;
        }
    }
    dst[j] = '\0';
}

/* The error of a code field that is not 2 digits (FK_CODE) or 2 digits or
 * capital letters (FK_CODE_AN). Returns -1. */
static __attribute__((noinline, cold)) int code_error(const cnab_field *t, const cnab_line *l, cnab_ferr *fe)
{
    char q[16];
    quote_field(l, t->start, 2, q, sizeof q);
    fe->col = t->start;
    snprintf(fe->msg, sizeof fe->msg, "expected a 2-%s %s (positions %u-%u), found %s",
             t->kind == FK_CODE_AN ? "character (digits or capital letters)" : "digit", t->name,
             (unsigned)t->start, (unsigned)t->start + 1, q);
    return -1;
}

/* FK_CODE, FK_CODE_AN: a 2-character code into dst, blank = "". */
static inline __attribute__((always_inline)) int field_code(const cnab_field *t, const cnab_line *l, char *dst,
                                                            cnab_ferr *fe)
{
    const unsigned char *s = l->c + t->start - 1;
    if (s[0] == ' ' && s[1] == ' ') {
        dst[0] = '\0';
        return 0;
    }
    if (t->kind == FK_CODE_AN ? !(((unsigned)s[0] - '0' <= 9 || (unsigned)s[0] - 'A' < 26) &&
                                  ((unsigned)s[1] - '0' <= 9 || (unsigned)s[1] - 'A' < 26))
                              : ((unsigned)s[0] - '0' > 9 || (unsigned)s[1] - '0' > 9))
        return code_error(t, l, fe);
    dst[0] = (char)s[0], dst[1] = (char)s[1], dst[2] = '\0';
    return 0;
}

/* FK_MONEY_ADD, FK_MONEY4, FK_MONEY_CR: an amount added to *dst, cut to
 * cents, or stored only when it is a credit. */
static inline __attribute__((always_inline)) int field_money_more(const cnab_field *t, const cnab_line *l,
                                                                  int64_t *dst, cnab_ferr *fe)
{
    int64_t v;
    if (digits_inline(l, t->start, t->len, t->name, &v, fe) < 0)
        return -1;
    if (t->kind == FK_MONEY_ADD)
        *dst += v;
    else if (t->kind == FK_MONEY4)
        *dst = v / 100; /* 4 decimals: the sub-cent digits are dropped, never rounded up */
    else if (l->c[t->start - 1 + t->len] == 'C')
        *dst = v;
    return 0;
}

/* FK_DOC: an alphanumeric CNPJ (Receita Federal, from July 2026: 12 of
 * [0-9A-Z] then 2 check digits), right-aligned in the numeric field
 * [a, b) with leading zeros and not marked CPF ('1'): kept as its 14
 * characters. Returns 1 when dst holds it, 0 when the field is not one
 * (anything else with a letter is refused by the caller). */
static inline __attribute__((always_inline)) int doc_alnum_cnpj(const cnab_field *t, const cnab_line *l,
                                                                size_t a, size_t b, char *dst)
{
    if (!(b - a >= 14 && t->size >= 15 && (t->start < 2 || l->c[t->start - 2] != '1')))
        return 0;
    size_t s14 = b - 14;
    int ok = 1, letters = 0;
    for (size_t k = a; k < s14; k++)
        ok &= l->c[k - 1] == '0';
    for (size_t k = 0; k < 14; k++) {
        unsigned char c = l->c[s14 + k - 1];
        letters += c >= 'A' && c <= 'Z';
        ok &= (c >= '0' && c <= '9') || (k < 12 && c >= 'A' && c <= 'Z');
    }
    if (!(ok && letters))
        return 0;
    memcpy(dst, &l->c[s14 - 1], 14);
    dst[14] = '\0';
    return 1;
}

/* FK_DOC: payer CPF/CNPJ. 1 = CPF, 2 = CNPJ at the position before the
 * field; keep the significant 11 or 14 digits; anything else is left as
 * digits. */
static inline __attribute__((always_inline)) int field_doc(const cnab_field *t, const cnab_line *l, char *dst,
                                                           cnab_ferr *fe)
{
    int64_t v = 0;
    /* digits, possibly with spaces around them (BTG left-justifies) */
    size_t a = t->start, b = t->start + t->len;
    while (a < b && l->c[a - 1] == ' ')
        a++;
    while (b > a && l->c[b - 2] == ' ')
        b--;
    if (doc_alnum_cnpj(t, l, a, b, dst))
        return 0;
    if (b > a && cnab_digits(l, a, b - a, t->name, &v, fe) < 0) {
        /* Personal data (LGPD): name the position, never echo the
         * CPF/CNPJ into logs, .error files or return_files.error. */
        snprintf(fe->msg, sizeof fe->msg,
                 "expected digits in %s (positions %zu-%zu), found a non-digit at position %zu"
                 " (value not shown: personal data)",
                 t->name, a, b - 1, fe->col);
        return -1;
    }
    if (v == 0) {
        dst[0] = '\0';
        return 0;
    }
    unsigned char type = t->start > 1 ? l->c[t->start - 2] : '0';
    int width = (type == '1' || (type != '2' && v < 100000000000LL)) ? 11 : 14;
    if (v >= 100000000000000LL)
        width = 15 < (int)t->size - 1 ? 15 : (int)t->size - 1;
    if (width > (int)t->size - 1)
        width = (int)t->size - 1;
    dst[width] = '\0';
    for (int k = width - 1; k >= 0; k--, v /= 10)
        dst[k] = (char)('0' + v % 10);
    return 0;
}

int cnab_apply(const cnab_field *t, const cnab_line *l, settle_record *rec, cnab_ferr *fe)
{
    char *base = (char *)rec;
    for (; t->name; t++) {
        switch (t->kind) {
        case FK_TEXT:
            cnab_text(l, t->start, t->len, base + t->off, t->size);
            break;
        case FK_TEXT_ALT:
            if (!base[t->off])
                cnab_text(l, t->start, t->len, base + t->off, t->size);
            break;
        case FK_NUMTEXT: {
            int64_t dummy;
            if (t->len <= 18 && cnab_digits(l, t->start, t->len, t->name, &dummy, fe) < 0)
                return -1;
            cnab_text(l, t->start, t->len, base + t->off, t->size);
            break;
        }
        case FK_CODE:
        case FK_CODE_AN:
            if (field_code(t, l, base + t->off, fe) < 0)
                return -1;
            break;
        case FK_MONEY:
            if (digits_inline(l, t->start, t->len, t->name, (int64_t *)(void *)(base + t->off), fe) < 0)
                return -1;
            break;
        case FK_DATE8:
        case FK_DATE6:
            if (cnab_date(l, t->start, t->len, t->name, (settle_date *)(void *)(base + t->off), fe) < 0)
                return -1;
            break;
        case FK_DATE8R:
            if (cnab_date_ymd(l, t->start, t->name, (settle_date *)(void *)(base + t->off), fe) < 0)
                return -1;
            break;
        case FK_DATE6_OPT: {
            settle_date d;
            cnab_ferr ignore;
            if (cnab_date(l, t->start, t->len, t->name, &d, &ignore) == 0 && d.y)
                memcpy(base + t->off, &d, sizeof d);
            break;
        }
        case FK_MONEY_ADD:
        case FK_MONEY4:
        case FK_MONEY_CR:
            if (field_money_more(t, l, (int64_t *)(void *)(base + t->off), fe) < 0)
                return -1;
            break;
        case FK_DOC:
            if (field_doc(t, l, base + t->off, fe) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

void cnab_set_paid(settle_record *rec, const char *paid, const char *liq_baixa)
{
    if (!rec->movement_code[0]) {
        rec->paid = 0;
        return;
    }
    rec->paid = cnab_code_in(rec->movement_code, paid) ||
                (liq_baixa && cnab_code_in(rec->movement_code, liq_baixa) &&
                 (rec->amount_paid_cents > 0 || rec->amount_credited_cents > 0));
}

int cnab_xcheck(const settle_record *r, unsigned flags, char *msg, size_t n)
{
    if (!r->paid)
        return 0;
    if (flags & XC_GROSS) {
        int64_t want = r->amount_face_cents + r->interest_cents + r->other_credits_cents - r->discount_cents -
                       r->rebate_cents;
        if (r->amount_paid_cents != want) {
            snprintf(msg, n,
                     "amount paid %lld != face %lld + interest %lld + other credits %lld - discount %lld"
                     " - rebate %lld = %lld",
                     (long long)r->amount_paid_cents, (long long)r->amount_face_cents, (long long)r->interest_cents,
                     (long long)r->other_credits_cents, (long long)r->discount_cents, (long long)r->rebate_cents,
                     (long long)want);
            return 1;
        }
    }
    if ((flags & XC_NET) && r->amount_credited_cents && r->amount_credited_cents != r->amount_paid_cents - r->fee_cents) {
        snprintf(msg, n, "amount credited %lld != amount paid %lld - fee %lld = %lld",
                 (long long)r->amount_credited_cents, (long long)r->amount_paid_cents, (long long)r->fee_cents,
                 (long long)(r->amount_paid_cents - r->fee_cents));
        return 1;
    }
    if ((flags & XC_NET_IS_PAID) && r->amount_credited_cents && r->amount_credited_cents != r->amount_paid_cents) {
        snprintf(msg, n, "amount credited %lld != amount paid %lld", (long long)r->amount_credited_cents,
                 (long long)r->amount_paid_cents);
        return 1;
    }
    return 0;
}
