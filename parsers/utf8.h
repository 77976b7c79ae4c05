/* utf8.h - one code point written as UTF-8: the encoder the readers that
 * convert a legacy charset share (cnab.c: Latin-1 and windows-1252 text;
 * cards.c: the acquirers' windows-1252). Inline: it runs per character of
 * a record's text fields. */
#ifndef SETTLE_PARSERS_UTF8_H
#define SETTLE_PARSERS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Write cp (at most U+10FFFF) at dst as 1-4 bytes, no NUL; their count. */
static inline size_t utf8_put(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
