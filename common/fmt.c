/* fmt.c - money, dates, CPF/CNPJ masking and HTML escaping (see fmt.h). */
#include "common/fmt.h"

#include <string.h>

char *fmt_money(int64_t cents, char dec, char group, char *buf)
{
    /* Work on the magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t u = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    uint64_t reais = u / 100, frac = u % 100;
    char tmp[FMT_MONEY_MAX];
    int t = 0, digits = 0;

    tmp[t++] = (char)('0' + frac % 10);
    tmp[t++] = (char)('0' + frac / 10);
    tmp[t++] = dec;
    do {
        if (group && digits && digits % 3 == 0)
            tmp[t++] = group;
        tmp[t++] = (char)('0' + reais % 10);
        reais /= 10;
        digits++;
    } while (reais);
    if (cents < 0)
        tmp[t++] = '-';
    for (int i = 0; i < t; i++)
        buf[i] = tmp[t - 1 - i];
    buf[t] = '\0';
    return buf;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int fmt_date_br(const char *iso, char *buf, size_t n)
{
    if (n < 11)
        return -1;
    buf[0] = '\0';
    if (!iso || strlen(iso) < 10 || !all_digits(iso, 4) || iso[4] != '-' || !all_digits(iso + 5, 2) ||
        iso[7] != '-' || !all_digits(iso + 8, 2) || (iso[10] && iso[10] != 'T' && iso[10] != ' '))
        return -1;
    memcpy(buf, iso + 8, 2);
    buf[2] = '/';
    memcpy(buf + 3, iso + 5, 2);
    buf[5] = '/';
    memcpy(buf + 6, iso, 4);
    buf[10] = '\0';
    return 0;
}

/* A CNPJ: 14 digits, or the alphanumeric CNPJ (Receita Federal, API Pix
 * 2.9): 12 digits or capital letters, then 2 digits. */
static int cnpj_chars(const char *s)
{
    for (int i = 0; i < 12; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return all_digits(s + 12, 2);
}

char *fmt_doc(const char *doc, int unmask, char *buf, size_t n)
{
    size_t len = doc ? strlen(doc) : 0;
    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (len == 0)
        return buf;
    if (len == 11 && all_digits(doc, 11) && n >= 15) {
        if (unmask)
            snprintf(buf, n, "%.3s.%.3s.%.3s-%.2s", doc, doc + 3, doc + 6, doc + 9);
        else
            snprintf(buf, n, "***.%.3s.%.3s-**", doc + 3, doc + 6);
    } else if (len == 14 && cnpj_chars(doc) && n >= 19) {
        if (unmask)
            snprintf(buf, n, "%.2s.%.3s.%.3s/%.4s-%.2s", doc, doc + 2, doc + 5, doc + 8, doc + 12);
        else
            snprintf(buf, n, "**.%.3s.%.3s/%.4s-**", doc + 2, doc + 5, doc + 8);
    } else {
        snprintf(buf, n, "%s", unmask ? doc : "***");
    }
    return buf;
}

void fmt_html_escape(FILE *out, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            /* control characters (C0 but TAB and LF, DEL, the UTF-8 C1
             * controls U+0080-U+009F) are not HTML text: a space */
            if (((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7F) {
                fputc(' ', out);
            } else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F) {
                fputc(' ', out);
                s++;
            } else {
                fputc(*s, out);
            }
        }
    }
}
