/* pix_api_test.c - the pure rules of the API Pix pull (fetch/pix_api_rules.c):
 * RFC 3339 times, the window arithmetic, a page's envelope, the
 * completeness of a page sequence, Retry-After, limits from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fetch/pix_api.h"

static time_t T(const char *s)
{
    time_t t = 0;
    assert_int_equal(pix_parse_rfc3339(s, &t), 0);
    return t;
}

static void test_rfc3339(void **state)
{
    (void)state;
    assert_int_equal(T("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(T("2026-11-30T03:00:00Z"), T("2026-11-30T00:00:00-03:00"));
    assert_int_equal(T("2026-11-30T03:00:00.123456Z"), T("2026-11-30T03:00:00Z"));
    assert_int_equal(T("2026-11-30t03:00:00z"), T("2026-11-30T03:00:00Z"));
    assert_int_equal(T("2026-11-30T05:30:00+02:30"), T("2026-11-30T03:00:00Z"));
    assert_int_equal(T("2024-02-29T00:00:00Z") + 86400, T("2024-03-01T00:00:00Z"));
    time_t t;
    const char *bad[] = { "", "2026-11-30", "2026-11-30T03:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-30T24:00:00Z", "2026-11-30T03:00:00+0300", "2026-11-30T03:00:00Zx",
                          "2026-11-30T03:00:00.Z", "26-11-30T03:00:00Z", "2026-11-30T03:00:00 Z" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pix_parse_rfc3339(bad[i], &t), -1);
    char out[21];
    pix_format_rfc3339(T("2026-11-30T00:00:01-03:00"), out);
    assert_string_equal(out, "2026-11-30T03:00:01Z");
}

static void test_window(void **state)
{
    (void)state;
    time_t now = T("2026-11-30T05:00:00Z"), first = T("2026-11-01T00:00:00Z"), i, f;
    /* first pull: first_window_start to now */
    assert_int_equal(pix_window(0, 0, 1, first, 3600, now, &i, &f), 0);
    assert_int_equal(i, first);
    assert_int_equal(f, now);
    /* next pulls: last fim - overlap */
    assert_int_equal(pix_window(1, T("2026-11-29T05:00:00Z"), 1, first, 3600, now, &i, &f), 0);
    assert_int_equal(i, T("2026-11-29T04:00:00Z"));
    assert_int_equal(f, now);
    assert_int_equal(pix_window(1, T("2026-11-29T05:00:00Z"), 0, 0, 0, now, &i, &f), 0);
    assert_int_equal(i, T("2026-11-29T05:00:00Z"));
    /* never before first_window_start */
    assert_int_equal(pix_window(1, first + 60, 1, first, 3600, now, &i, &f), 0);
    assert_int_equal(i, first);
    /* no window at all, or one that would start now or later */
    assert_int_equal(pix_window(0, 0, 0, 0, 3600, now, &i, &f), -2);
    assert_int_equal(pix_window(0, 0, 1, now, 3600, now, &i, &f), -1);
    assert_int_equal(pix_window(0, 0, 1, now + 1, 3600, now, &i, &f), -1);
    assert_int_equal(pix_window(1, now + 7200, 0, 0, 3600, now, &i, &f), -1);
    /* a pull in the same second as the last one (or with the clock set back) asks nothing */
    assert_int_equal(pix_window(1, now, 0, 0, 3600, now, &i, &f), -1);
    assert_int_equal(pix_window(1, now + 1, 1, first, 3600, now, &i, &f), -1);
}

#define ENV(pag, pix)                                                                                 \
    "{\"parametros\":{\"inicio\":\"2026-11-29T00:00:00Z\",\"fim\":\"2026-11-30T00:00:00Z\"" pag "}" \
    pix "}"
#define PAG(a, n, p, t) \
    ",\"paginacao\":{\"paginaAtual\":" #a ",\"itensPorPagina\":" #n ",\"quantidadeDePaginas\":" #p ",\"quantidadeTotalDeItens\":" #t "}"

static void test_envelope(void **state)
{
    (void)state;
    pix_page p;
    char why[256];
    const char *ok = ENV(PAG(1, 2, 3, 5), ",\"pix\":[{\"valor\":\"1.00\"},{\"endToEndId\":\"E1\"}]");
    assert_int_equal(pix_parse_envelope(ok, strlen(ok), &p, why, sizeof why), 0);
    assert_int_equal(p.inicio, T("2026-11-29T00:00:00Z"));
    assert_int_equal(p.fim, T("2026-11-30T00:00:00Z"));
    assert_int_equal(p.pagina_atual, 1);
    assert_int_equal(p.itens_por_pagina, 2);
    assert_int_equal(p.paginas, 3);
    assert_int_equal(p.total, 5);
    assert_int_equal(p.items, 2);
    /* an empty result may leave pix[] out */
    const char *empty = ENV(PAG(0, 100, 0, 0), "");
    assert_int_equal(pix_parse_envelope(empty, strlen(empty), &p, why, sizeof why), 0);
    assert_int_equal(p.items, 0);

    struct { const char *json, *why; } bad[] = {
        { "", "not JSON" },
        { "{\"parametros\":", "not JSON" },
        { ENV(PAG(0, 1, 1, 1), ",\"pix\":[{}]") " x", "not JSON: text after the object" },
        { "[]", "no parametros object" },
        { ENV("", ",\"pix\":[]"), "no parametros.paginacao object" },
        { ENV(PAG(0, 1, 1, 1), ""), "no pix array, and quantidadeTotalDeItens is 1" },
        { ENV(PAG(0, 1, 1, 1), ",\"pix\":{}"), "pix is not an array" },
        { ENV(PAG("0", 1, 1, 1), ",\"pix\":[{}]"), "parametros.paginacao.paginaAtual is missing or not an integer" },
        { ENV(PAG(0, 1.5, 1, 1), ",\"pix\":[{}]"), "parametros.paginacao.itensPorPagina is missing or not an integer" },
        { ENV(PAG(0, 1, -1, 1), ",\"pix\":[{}]"), "parametros.paginacao.quantidadeDePaginas is negative or out of range" },
        { "{\"parametros\":{\"inicio\":\"ontem\",\"fim\":\"2026-11-30T00:00:00Z\"}}", "parametros.inicio is missing or not an RFC 3339 time" },
        { "{\"parametros\":{\"inicio\":\"2026-11-29T00:00:00Z\"}}", "parametros.fim is missing or not an RFC 3339 time" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(pix_parse_envelope(bad[i].json, strlen(bad[i].json), &p, why, sizeof why), -1);
        if (strncmp(why, bad[i].why, strlen(bad[i].why)))
            fail_msg("case %zu: expected '%s', found '%s'", i, bad[i].why, why);
    }
}

/* n pages of a result of total items at size per page, for [inicio, fim]. */
static size_t make_pages(pix_page *pg, long long total, long long size, time_t inicio, time_t fim)
{
    long long n = total ? (total + size - 1) / size : 1;
    for (long long i = 0; i < n; i++) {
        pg[i] = (pix_page){ inicio, fim, i, size, total ? n : 0, total, 0 };
        pg[i].items = i + 1 < n ? size : total - i * size;
    }
    return (size_t)n;
}

static void test_completeness(void **state)
{
    (void)state;
    time_t a = T("2026-11-29T00:00:00Z"), b = T("2026-11-30T00:00:00Z");
    pix_page pg[8];
    char why[256];
    size_t n = make_pages(pg, 250, 100, a, b);
    assert_int_equal(n, 3);
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), 0);
    /* exact multiple, a single page, nothing at all */
    n = make_pages(pg, 200, 100, a, b);
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), 0);
    n = make_pages(pg, 7, 100, a, b);
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), 0);
    n = make_pages(pg, 0, 100, a, b);
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), 0);
    pg[0].paginas = 1; /* some servers say one empty page */
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), 0);

    /* a page short */
    n = make_pages(pg, 250, 100, a, b);
    pg[1].items = 99;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 1 holds 99 items, 100 expected (250 in all, 100 per page): a page is short");
    /* the last page short */
    n = make_pages(pg, 250, 100, a, b);
    pg[2].items = 49;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 2 holds 49 items, 50 expected (250 in all, 100 per page): a page is short");
    /* a page missing: page 1 received twice */
    n = make_pages(pg, 250, 100, a, b);
    pg[2] = pg[1];
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 2 was asked for, paginaAtual 1 came back (a page is missing)");
    /* a page missing at the end */
    n = make_pages(pg, 250, 100, a, b);
    assert_int_equal(pix_check_pages(pg, 2, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "2 page(s) received, quantidadeDePaginas is 3");
    /* no page */
    assert_int_equal(pix_check_pages(pg, 0, a, b, 100, why, sizeof why), -1);
    /* the window not echoed */
    n = make_pages(pg, 250, 100, a, b);
    pg[1].fim = b + 3600;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 1 answers for the window 2026-11-29T00:00:00Z..2026-11-30T01:00:00Z, not the one "
                             "asked for (2026-11-29T00:00:00Z..2026-11-30T00:00:00Z)");
    /* totals changing between pages */
    n = make_pages(pg, 250, 100, a, b);
    pg[2].total = 251;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 2 says 3 pages and 251 items, page 0 said 3 and 250 (the result changed)");
    /* a page count that does not fit the items */
    n = make_pages(pg, 250, 100, a, b);
    for (size_t i = 0; i < n; i++)
        pg[i].paginas = 4;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "quantidadeDePaginas 4 does not fit 250 items of 100 per page");
    /* another page size than asked */
    n = make_pages(pg, 250, 100, a, b);
    assert_int_equal(pix_check_pages(pg, n, a, b, 50, why, sizeof why), -1);
    assert_string_equal(why, "page 0 says itensPorPagina 100, 50 was asked for");
    /* more items on a page than its size */
    n = make_pages(pg, 250, 100, a, b);
    pg[0].items = 101;
    assert_int_equal(pix_check_pages(pg, n, a, b, 100, why, sizeof why), -1);
    assert_string_equal(why, "page 0 holds 101 items, more than itensPorPagina 100");
    /* an absurd page count is refused before it is followed */
    pix_page huge = { a, b, 0, 1, PIX_MAX_PAGES + 1, PIX_MAX_PAGES + 1, 1 };
    assert_int_equal(pix_check_page(&huge, 0, &huge, a, b, 1, why, sizeof why), -1);
    assert_string_equal(why, "quantidadeDePaginas 10001 is more than 10000");
}

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = T("1994-11-06T08:49:30Z");
    assert_int_equal(pix_retry_after("120", now), 120);
    assert_int_equal(pix_retry_after(" 0\r\n", now), 0);
    assert_int_equal(pix_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 7);
    assert_int_equal(pix_retry_after("Sun, 06 Nov 1994 08:49:37 GMT\r\n", now), 7);
    assert_int_equal(pix_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), 0); /* already past */
    assert_int_equal(pix_retry_after("99999999999999", now), 999999999);
    const char *bad[] = { NULL, "", "  ", "-1", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "12 s" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pix_retry_after(bad[i], now), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339),     cmocka_unit_test(test_window),      cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_completeness), cmocka_unit_test(test_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
