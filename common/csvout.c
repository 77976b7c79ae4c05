/* csvout.c - CSV rows through libcsv (see csvout.h). */
#include "common/csvout.h"

#include <stdio.h>
#include <string.h>

/* [+-]digits[(.|,)digits]: what we write for an amount or a count. */
static int plain_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    size_t d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        size_t f = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return 0;
    }
    return i == len;
}

/* ="digits": a code written as a text constant (csvout_code()). */
static int text_code(const char *s, size_t len)
{
    if (len < 3 || s[0] != '=' || s[1] != '"' || s[len - 1] != '"')
        return 0;
    for (size_t i = 2; i < len - 1; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

char *csvout_code(const char *code, char *buf, size_t n)
{
    size_t len = strlen(code);
    int digits = len > 0;
    for (size_t i = 0; i < len && digits; i++)
        digits = code[i] >= '0' && code[i] <= '9';
    if (digits)
        snprintf(buf, n, "=\"%s\"", code);
    else
        snprintf(buf, n, "%s", code);
    return buf;
}

int csvout_needs_guard(const char *s, size_t len)
{
    if (!len || text_code(s, len))
        return 0;
    switch (s[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r':
        return !plain_number(s, len);
    default:
        return 0;
    }
}

/* A byte to write as a space: C0 controls other than TAB, CR and LF (which
 * a quoted field may hold), DEL, and the two bytes of a UTF-8 C1 control
 * (U+0080-U+009F, e.g. CSI, NEL), which terminals and viewers act on. */
static size_t blank_len(const unsigned char *p)
{
    if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7F)
        return 1;
    if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    return 0;
}

/* Bytes that need a look of their own: the quote (doubled), C0 controls
 * and DEL (maybe blanked), and 0xC2 (maybe the lead byte of a C1 control).
 * Every other byte is written as it is, in runs. */
static const unsigned char special[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, [0x0E] = 1, [0x0F] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1,
    ['"'] = 1, [0x7F] = 1, [0xC2] = 1,
};

/* One field's content (after the opening quote): runs of ordinary bytes
 * in one write each, a doubled quote, a space for a control character. */
static int put_content(FILE *out, const char *f, size_t len)
{
    size_t run = 0; /* start of the pending run of ordinary bytes */
    for (size_t k = 0; k < len; k++) {
        if (!special[(unsigned char)f[k]])
            continue;
        size_t b = blank_len((const unsigned char *)f + k);
        if (!b && f[k] != '"')
            continue; /* TAB, CR, LF, or a 0xC2 that starts no C1 control: as is */
        if (k > run && fwrite(f + run, 1, k - run, out) != k - run)
            return -1;
        if (b) {
            if (putc_unlocked(' ', out) == EOF)
                return -1;
            k += b - 1;
        } else if (putc_unlocked('"', out) == EOF || putc_unlocked('"', out) == EOF) {
            return -1;
        }
        run = k + 1;
    }
    if (len > run && fwrite(f + run, 1, len - run, out) != len - run)
        return -1;
    return 0;
}

int csvout_row(FILE *out, char sep, const char *eol, const char *const *fields, int n)
{
    flockfile(out); /* one lock for the row, not one per byte */
    int bad = 0;
    for (int i = 0; i < n && !bad; i++) {
        if (i && putc_unlocked(sep, out) == EOF)
            bad = 1;
        const char *f = fields[i] ? fields[i] : "";
        size_t len = strlen(f);
        /* quoted as libcsv's csv_fwrite does (always, quotes doubled), after
         * an apostrophe when the field would be a formula */
        if (!bad && (putc_unlocked('"', out) == EOF || (csvout_needs_guard(f, len) && putc_unlocked('\'', out) == EOF) ||
                     put_content(out, f, len) < 0 || putc_unlocked('"', out) == EOF))
            bad = 1;
    }
    if (!bad && fputs(eol, out) == EOF)
        bad = 1;
    funlockfile(out);
    return bad || ferror(out) ? -1 : 0;
}
