/* pixval.c - the values every Pix reader parses (parsers/pixval.h). */
#include "parsers/pixval.h"

#include "common/civil.h"
#include "parsers/cnab.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A calendar day of 1970-9999. */
static int valid_day(int y, int m, int d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int pixval_num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int pixval_amount(const char *s, size_t n, int64_t *cents)
{
    if (n < 4 || n > 13 || s[n - 3] != '.')
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == n - 3)
            continue;
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *cents = v;
    return 0;
}

int pixval_amount_grouped(const char *s, size_t n, char dec, int64_t *cents)
{
    char sep = dec == '.' ? ',' : '.';
    if (n && *s == '-')
        return -2;
    int64_t v = 0;
    int digits = 0, group = 0, groups = 0;
    size_t i = 0;
    for (; i < n && s[i] != dec; i++) {
        if (is_digit(s[i])) {
            v = v * 10 + (s[i] - '0');
            digits++;
            group++;
            if (digits > 10)
                return -1;
        } else if (s[i] == sep) {
            if ((groups == 0 && (group < 1 || group > 3)) || (groups > 0 && group != 3))
                return -1;
            groups++;
            group = 0;
        } else {
            return -1;
        }
    }
    if (!digits || (groups > 0 && group != 3) || i + 3 != n || s[i] != dec || !is_digit(s[i + 1]) ||
        !is_digit(s[i + 2]))
        return -1;
    *cents = v * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    return 0;
}

int pixval_timestamp(const char *s, size_t n, unsigned flags, int default_offset_min, int64_t *out)
{
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = pixval_num(s, 4), mo = pixval_num(s + 5, 2), d = pixval_num(s + 8, 2);
    int h = 0, mi = 0, se = 0, off = default_offset_min, have_off = 0;
    size_t i = 10;
    if (i == n) {
        if (!(flags & PIXVAL_TS_DATE_OK))
            return -1;
    } else {
        if (!(s[i] == 'T' || s[i] == 't' || (s[i] == ' ' && (flags & PIXVAL_TS_SPACE_OK))))
            return -1;
        i++;
        if (n - i < 8 || s[i + 2] != ':' || s[i + 5] != ':')
            return -1;
        h = pixval_num(s + i, 2), mi = pixval_num(s + i + 3, 2), se = pixval_num(s + i + 6, 2);
        i += 8;
        if (i < n && s[i] == '.') {
            size_t f = ++i;
            while (i < n && is_digit(s[i]))
                i++;
            if (i == f || i - f > 18)
                return -1;
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            off = 0, have_off = 1;
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            if (flags & PIXVAL_TS_UTC_ONLY)
                return -1;
            if (n - i != 6 || s[i + 3] != ':')
                return -1;
            int oh = pixval_num(s + i + 1, 2), om = pixval_num(s + i + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59)
                return -1;
            off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1), have_off = 1;
            i += 6;
        }
        if (i != n || (!have_off && (flags & (PIXVAL_TS_OFFSET_REQUIRED | PIXVAL_TS_UTC_ONLY))))
            return -1;
    }
    if (!valid_day(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 59)
        return -1;
    *out = civil_days_from(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - (int64_t)off * 60;
    return 0;
}

settle_date pixval_brazil_date(int64_t t)
{
    int y, m, d;
    int64_t local = t - 3 * 3600;
    civil_from_days((local - ((local % 86400) + 86400) % 86400) / 86400, &y, &m, &d);
    return (settle_date){ (int16_t)y, (int8_t)m, (int8_t)d };
}

void pixval_copy_text(char *dst, size_t size, const char *src, size_t n)
{
    const unsigned char *u = (const unsigned char *)src;
    while (n && (u[0] == ' ' || u[0] < 0x20 || u[0] == 0x7F))
        u++, n--;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t l = utf8_seq_len(u + i, n - i, &cp);
        int space = !l || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); /* !l: not UTF-8 (callers validate) */
        if (!l)
            l = 1;
        if (o + (space ? 1 : l) >= size)
            break;
        if (space)
            dst[o++] = ' ';
        else
            for (size_t k = 0; k < l; k++)
                dst[o++] = (char)u[i + k];
        i += l;
    }
    while (o && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}
