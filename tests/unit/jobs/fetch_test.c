/* fetch_test.c - the pure rules of settle fetch: hostile remote names and
 * the local name a remote name becomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fetch/fetch.h"

#define PROBLEM(s) fetch_name_problem((s), sizeof(s) - 1)

static void test_acceptable_names(void **state)
{
    (void)state;
    assert_null(PROBLEM("CB281101.RET"));
    assert_null(PROBLEM("extrato-pix-2026-11-28.csv.gz"));
    assert_null(PROBLEM("a.b.c"));
    assert_null(PROBLEM("retorno ção.RET"));
    assert_null(PROBLEM("x."));
}

static void test_hostile_names(void **state)
{
    (void)state;
    assert_string_equal(fetch_name_problem("", 0), "empty name");
    assert_string_equal(PROBLEM(".hidden"), "name starts with a dot");
    assert_string_equal(PROBLEM(".."), "name starts with a dot");
    assert_string_equal(PROBLEM("a/b"), "name contains '/'");
    assert_string_equal(PROBLEM("a..b"), "name contains '..'");
    assert_string_equal(PROBLEM("evil.."), "name contains '..'");
    assert_string_equal(PROBLEM("new\nline"), "name contains a control character");
    assert_string_equal(PROBLEM("tab\there"), "name contains a control character");
    assert_string_equal(PROBLEM("esc\x1b[31m"), "name contains a control character");
    assert_string_equal(PROBLEM("del\x7f"), "name contains a control character");
    /* a NUL inside the name the server sent: the length says so */
    assert_string_equal(PROBLEM("ok.RET\0../../etc/passwd"), "name contains a control character");
    /* names a compromised server could send to escape the spool */
    assert_string_equal(PROBLEM("../x"), "name starts with a dot");
    /* C1 controls: a Latin-1 CSI or NEL byte, or U+009B / U+0085 in UTF-8 */
    assert_string_equal(PROBLEM("a\x9b" "2J.RET"), "name contains a control character");
    assert_string_equal(PROBLEM("a\x85.RET"), "name contains a control character");
    assert_string_equal(PROBLEM("a\xc2\x9b" "2J.RET"), "name contains a control character");
    assert_string_equal(PROBLEM("a\xc2\x85.RET"), "name contains a control character");
    /* UTF-8 letters whose continuation bytes are 80-9F stay accepted */
    assert_null(PROBLEM("Se\xc5\x9f.RET"));           /* ş */
    assert_null(PROBLEM("\xc3\x80gua.RET"));           /* À */
    assert_null(PROBLEM("a\xe2\x82\xac.RET"));          /* € */
    assert_null(PROBLEM("a\xc2\xa0" "b.RET"));          /* NBSP: not a control */
    assert_string_equal(PROBLEM("a/../../b"), "name contains '/'");
    assert_string_equal(PROBLEM("/etc/passwd"), "name contains '/'");
    assert_string_equal(PROBLEM("x/.."), "name contains '/'");
    assert_string_equal(PROBLEM("RET/"), "name contains '/'");
}

/* Whatever name is accepted, its local name is one plain component of
 * [A-Za-z0-9._-] that is neither "." nor "..": it cannot leave incoming/. */
static void test_local_names_stay_in_the_spool(void **state)
{
    (void)state;
    for (int b1 = 1; b1 < 256; b1++)
        for (int b2 = 1; b2 < 256; b2 += 7) {
            char name[4] = { (char)b1, (char)b2, (char)b1, '\0' };
            if (fetch_name_problem(name, 3))
                continue;
            char out[FETCH_NAME_MAX + 1];
            fetch_local_name(name, out);
            assert_int_equal(strlen(out), 3);
            assert_int_equal(strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"), 3);
            assert_true(out[0] != '.');
        }
}

static void test_local_name(void **state)
{
    (void)state;
    char out[FETCH_NAME_MAX + 1];
    fetch_local_name("CB281101.RET", out);
    assert_string_equal(out, "CB281101.RET");
    fetch_local_name("retorno 28-11 (1).RET", out);
    assert_string_equal(out, "retorno_28-11__1_.RET");
    fetch_local_name("ção.txt", out);
    assert_string_equal(out, "____o.txt");
    fetch_local_name("a;rm -rf $HOME`x`", out);
    assert_string_equal(out, "a_rm_-rf__HOME_x_");
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    fetch_local_name(longname, out);
    assert_int_equal(strlen(out), FETCH_NAME_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acceptable_names),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_local_names_stay_in_the_spool),
        cmocka_unit_test(test_local_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
