/* pix_api_rules.c - the pure rules of the API Pix pull (fetch/pix_api.h):
 * RFC 3339 times, the window, a page's envelope (json-c), the completeness
 * of a page sequence and Retry-After. No I/O, so unit tests and the config
 * checks link them without the rest of fetch. */
#include "fetch/pix_api.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- times ----------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int pix_parse_rfc3339(const char *s, time_t *out)
{
    int Y, M, D, h, m, sec;
    if (!s || strlen(s) < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long off = 0;
    if ((*p == 'Z' || *p == 'z') && !p[1]) {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    struct tm tm = { .tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m,
                     .tm_sec = sec == 60 ? 59 : sec };
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != D || tm.tm_mon != M - 1) /* 2026-02-30 normalises: refused */
        return -1;
    *out = t - off;
    return 0;
}

void pix_format_rfc3339(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int pix_window(int have_last, time_t last_fim, int have_first, time_t first_start, long long overlap, time_t now,
               time_t *inicio, time_t *fim)
{
    time_t start;
    if (have_last) {
        start = last_fim - (time_t)overlap;
        if (have_first && start < first_start)
            start = first_start;
    } else if (have_first) {
        start = first_start;
    } else {
        return -2;
    }
    if (start >= now || (have_last && last_fim >= now)) /* a second pull in the same second asks nothing */
        return -1;
    *inicio = start;
    *fim = now;
    return 0;
}

/* ---- the envelope ---------------------------------------------------------- */

static int get_int(json_object *o, const char *key, long long *out, char *why, size_t n)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
        snprintf(why, n, "parametros.paginacao.%s is missing or not an integer", key);
        return -1;
    }
    errno = 0;
    long long x = json_object_get_int64(v);
    if (x < 0 || errno) {
        snprintf(why, n, "parametros.paginacao.%s is negative or out of range", key);
        return -1;
    }
    *out = x;
    return 0;
}

static int get_time(json_object *o, const char *key, time_t *out, char *why, size_t n)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
        pix_parse_rfc3339(json_object_get_string(v), out) < 0) {
        snprintf(why, n, "parametros.%s is missing or not an RFC 3339 time", key);
        return -1;
    }
    return 0;
}

int pix_parse_envelope(const char *json, size_t len, pix_page *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    if (len > (size_t)INT_MAX) {
        snprintf(why, n, "page too large");
        return -1;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    int ret = -1;
    if (!root || jerr != json_tokener_success) {
        snprintf(why, n, "not JSON: %s", json_tokener_error_desc(jerr == json_tokener_success ? json_tokener_continue : jerr));
        goto out;
    }
    for (size_t i = end; i < len; i++)
        if (!isspace((unsigned char)json[i])) {
            snprintf(why, n, "not JSON: text after the object at byte %zu", i);
            goto out;
        }
    json_object *par, *pag, *pix;
    if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "parametros", &par) ||
        !json_object_is_type(par, json_type_object)) {
        snprintf(why, n, "no parametros object");
        goto out;
    }
    if (get_time(par, "inicio", &out->inicio, why, n) < 0 || get_time(par, "fim", &out->fim, why, n) < 0)
        goto out;
    if (!json_object_object_get_ex(par, "paginacao", &pag) || !json_object_is_type(pag, json_type_object)) {
        snprintf(why, n, "no parametros.paginacao object");
        goto out;
    }
    if (get_int(pag, "paginaAtual", &out->pagina_atual, why, n) < 0 ||
        get_int(pag, "itensPorPagina", &out->itens_por_pagina, why, n) < 0 ||
        get_int(pag, "quantidadeDePaginas", &out->paginas, why, n) < 0 ||
        get_int(pag, "quantidadeTotalDeItens", &out->total, why, n) < 0)
        goto out;
    if (json_object_object_get_ex(root, "pix", &pix)) {
        if (!json_object_is_type(pix, json_type_array)) {
            snprintf(why, n, "pix is not an array");
            goto out;
        }
        out->items = (long long)json_object_array_length(pix);
    } else if (out->total) {
        snprintf(why, n, "no pix array, and quantidadeTotalDeItens is %lld", out->total);
        goto out;
    }
    ret = 0;
out:
    json_object_put(root);
    return ret;
}

/* ---- completeness ---------------------------------------------------------- */

int pix_check_page(const pix_page *p, long long index, const pix_page *first, time_t inicio, time_t fim,
                   long long page_size, char *why, size_t n)
{
    char a[21], b[21], c[21], d[21];
    if (p->inicio != inicio || p->fim != fim) {
        pix_format_rfc3339(p->inicio, a);
        pix_format_rfc3339(p->fim, b);
        pix_format_rfc3339(inicio, c);
        pix_format_rfc3339(fim, d);
        snprintf(why, n, "page %lld answers for the window %s..%s, not the one asked for (%s..%s)", index, a, b, c, d);
        return -1;
    }
    if (p->pagina_atual != index) {
        snprintf(why, n, "page %lld was asked for, paginaAtual %lld came back (a page is missing)", index,
                 p->pagina_atual);
        return -1;
    }
    if (p->itens_por_pagina != page_size) {
        snprintf(why, n, "page %lld says itensPorPagina %lld, %lld was asked for", index, p->itens_por_pagina,
                 page_size);
        return -1;
    }
    if (p->items > page_size) {
        snprintf(why, n, "page %lld holds %lld items, more than itensPorPagina %lld", index, p->items, page_size);
        return -1;
    }
    if (p->paginas != first->paginas || p->total != first->total) {
        snprintf(why, n, "page %lld says %lld pages and %lld items, page 0 said %lld and %lld (the result changed)",
                 index, p->paginas, p->total, first->paginas, first->total);
        return -1;
    }
    if (p->paginas > PIX_MAX_PAGES) {
        snprintf(why, n, "quantidadeDePaginas %lld is more than %d", p->paginas, PIX_MAX_PAGES);
        return -1;
    }
    /* the page count must fit the item count and the page size */
    long long want = (p->total + page_size - 1) / page_size;
    if (p->paginas != want && !(p->total == 0 && p->paginas <= 1)) {
        snprintf(why, n, "quantidadeDePaginas %lld does not fit %lld items of %lld per page", p->paginas, p->total,
                 page_size);
        return -1;
    }
    long long expect = index + 1 < want ? page_size : p->total - index * page_size;
    if (p->total && p->items != expect) {
        snprintf(why, n, "page %lld holds %lld items, %lld expected (%lld in all, %lld per page): a page is short",
                 index, p->items, expect, p->total, page_size);
        return -1;
    }
    return 0;
}

int pix_check_pages(const pix_page *pages, size_t n, time_t inicio, time_t fim, long long page_size, char *why,
                    size_t whylen)
{
    if (!n) {
        snprintf(why, whylen, "no page received");
        return -1;
    }
    long long sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (pix_check_page(&pages[i], (long long)i, &pages[0], inicio, fim, page_size, why, whylen) < 0)
            return -1;
        sum += pages[i].items;
    }
    long long want_pages = pages[0].paginas ? pages[0].paginas : 1;
    if ((long long)n != want_pages) {
        snprintf(why, whylen, "%zu page(s) received, quantidadeDePaginas is %lld", n, pages[0].paginas);
        return -1;
    }
    if (sum != pages[0].total) {
        snprintf(why, whylen, "%lld items received, quantidadeTotalDeItens is %lld", sum, pages[0].total);
        return -1;
    }
    return 0;
}

/* ---- Retry-After ------------------------------------------------------------ */

long long pix_retry_after(const char *v, time_t now)
{
    if (!v)
        return -1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (!len)
        return -1;
    size_t nd = 0;
    while (nd < len && isdigit((unsigned char)v[nd]))
        nd++;
    if (nd == len) {
        if (len > 9)
            return 999999999; /* absurd, but a number: the caller's bound refuses it */
        return atoll(v);
    }
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    char wd[4], mon[4], tz[4];
    int d, y, h, mi, s, used = 0;
    if (len != 29 || sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wd, &d, mon, &y, &h, &mi, &s,
                            tz, &used) != 8 || used != 29 || strcmp(tz, "GMT"))
        return -1;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (!strcmp(mon, months[i]))
            m = i;
    if (m < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return t > now ? (long long)(t - now) : 0;
}
