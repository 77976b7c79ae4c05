/* fetch_names.c - which remote file names settle fetch refuses, and the
 * local name a remote one becomes (jobs/fetch.h). Pure functions, kept
 * apart from jobs/fetch.c so unit tests link them alone. */
#include "jobs/fetch.h"

const char *fetch_name_problem(const char *name, size_t len)
{
    if (!len)
        return "empty name";
    if (name[0] == '.')
        return "name starts with a dot";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '/')
            return "name contains '/'";
        if (ch < 0x20 || ch == 0x7f)
            return "name contains a control character";
        if (ch == '.' && i + 1 < len && name[i + 1] == '.')
            return "name contains '..'";
    }
    return NULL;
}

void fetch_local_name(const char *name, char *out)
{
    size_t i = 0;
    for (; name[i] && i < FETCH_NAME_MAX; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                 ch == '_' || ch == '-';
        out[i] = ok ? ch : '_';
    }
    out[i] = '\0';
}

