/* fetch_names.c - which remote file names settle fetch refuses, and the
 * local name a remote one becomes (fetch/fetch.h). Pure functions, kept
 * apart from fetch/fetch.c so unit tests link them alone. */
#include "fetch/fetch.h"

const char *fetch_name_problem(const char *name, size_t len)
{
    if (!len)
        return "empty name";
    if (name[0] == '.')
        return "name starts with a dot";
    size_t cont = 0; /* continuation bytes still expected after a UTF-8 lead byte */
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '/')
            return "name contains '/'";
        if (ch < 0x20 || ch == 0x7f)
            return "name contains a control character";
        /* C1 controls (U+0080-U+009F; 0x9B is CSI to a terminal): as UTF-8
         * (C2 80-9F) or as a Latin-1 byte, i.e. 80-9F not continuing a
         * UTF-8 character */
        if (cont && (ch & 0xC0) == 0x80) {
            cont--;
        } else {
            if ((ch >= 0x80 && ch <= 0x9f) ||
                (ch == 0xc2 && i + 1 < len && (unsigned char)name[i + 1] >= 0x80 && (unsigned char)name[i + 1] <= 0x9f))
                return "name contains a control character";
            cont = ch >= 0xc2 && ch <= 0xdf ? 1 : ch >= 0xe0 && ch <= 0xef ? 2 : ch >= 0xf0 && ch <= 0xf4 ? 3 : 0;
        }
        if (ch == '.' && i + 1 < len && name[i + 1] == '.')
            return "name contains '..'";
    }
    return NULL;
}

void fetch_local_name(const char *name, char *out)
{
    size_t i = 0;
    for (; i < FETCH_NAME_MAX && name[i]; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                 ch == '_' || ch == '-';
        out[i] = ok ? ch : '_';
    }
    out[i] = '\0';
}

