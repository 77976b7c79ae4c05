/* config_test.c - settle.conf parsing: defaults, every error's exact text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "common/config.h"
#include "common/db.h"

static char path[64];

static config *load_text(const char *text, err_t *e)
{
    snprintf(path, sizeof path, "/tmp/settle-config-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config *c = config_load(path, 1, e);
    unlink(path);
    return c;
}

/* The message without the temporary path in front. */
static const char *msg_after_path(const err_t *e)
{
    size_t n = strlen(path);
    assert_memory_equal(e->msg, path, n);
    return e->msg + n;
}

static void test_defaults(void **state)
{
    (void)state;
    config *c = config_defaults();
    assert_non_null(c);
    assert_string_equal(c->db_conninfo, "");
    assert_string_equal(c->spool_dir, "/var/spool/settle");
    assert_int_equal(c->batch_size, 1000);
    assert_int_equal(c->tolerance_cents, 0);
    assert_int_equal(c->n_sources, 0);
    config_free(c);
}

static void test_full_file(void **state)
{
    (void)state;
    err_t e = { 0 };
    config *c = load_text("\xEF\xBB\xBF; comment\n"
                          "[database]\nconninfo = host=/tmp dbname=pay\n"
                          "[spool]\ndir = /srv/spool\n"
                          "[export]\nbatch_size = 50\n"
                          "[profile psp1]\ndelimiter = semicolon\ndecimal = ,\n"
                          "[source bb]\nhost = sftp.bb.example\nuser = comex\nidentity = /k\n"
                          "known_hosts = /kh\nremote_dir = /out\nmin_age_seconds = 0\nprofile = psp1\n"
                          "after_fetch = move:done\n",
                          &e);
    assert_non_null(c);
    assert_string_equal(c->db_conninfo, "host=/tmp dbname=pay");
    assert_string_equal(c->spool_dir, "/srv/spool");
    assert_int_equal(c->batch_size, 50);
    assert_int_equal(c->n_sources, 1);
    const source_cfg *s = config_source(c, "bb");
    assert_non_null(s);
    assert_int_equal(s->ep.port, 22);
    assert_int_equal(s->ep.line, 11);
    assert_int_equal(s->min_age_seconds, 0);
    assert_int_equal(s->ep.timeout_seconds, 30);
    assert_string_equal(s->ep.host_key_check, "strict");
    assert_string_equal(s->after_fetch, "move:done");
    const profile_cfg *p = config_profile(c, "psp1");
    assert_non_null(p);
    assert_string_equal(p->delimiter, "semicolon");
    assert_string_equal(p->decimal, ",");
    assert_string_equal(p->col_amount, "amount");
    assert_null(config_source(c, "nope"));
    config_free(c);
}

static void expect_error(const char *text, const char *msg)
{
    err_t e = { 0 };
    config *c = load_text(text, &e);
    assert_null(c);
    assert_int_equal(e.code, EX_CONFIG);
    assert_string_equal(msg_after_path(&e), msg);
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_error("[database]\n\nconninf = x\n",
                 ":3: unknown key 'conninf' in [database]; expected one of: conninfo");
}

static void test_unknown_section(void **state)
{
    (void)state;
    expect_error("[databse]\nconninfo = x\n",
                 ":1: unknown section [databse]; expected one of: database, spool, reconcile, ingest, export, "
                 "cards, metrics, source NAME, destination NAME, profile NAME, card_fee NAME");
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_error("[export]\nbatch_size = ten\n",
                 ":2: bad value for 'batch_size' in [export]: expected an integer from 1 to 1000000; found 'ten'");
    expect_error("[export]\nbatch_size = 0\n",
                 ":2: bad value for 'batch_size' in [export]: expected an integer from 1 to 1000000; found '0'");
    expect_error("[source a]\nhost_key_check = yes\n",
                 ":2: bad value for 'host_key_check' in [source]: expected one of: strict|accept-new|fingerprint; "
                 "found 'yes'");
    expect_error("[source a]\nbank = 1\n",
                 ":2: bad value for 'bank' in [source]: expected a 3-digit bank code such as 001 or 341; found '1'");
    expect_error("[reconcile]\npix_reference_pattern = PED-(\n",
                 ":2: bad value for 'pix_reference_pattern' in [reconcile]: expected a PCRE2 pattern: missing closing "
                 "parenthesis at offset 5; found 'PED-('");
}

static void test_structure_errors(void **state)
{
    (void)state;
    expect_error("conninfo = x\n", ":1: key 'conninfo' outside any section; put it under [database], [spool], ...");
    expect_error("[spool]\ndir = a\ndir = b\n", ":3: key 'dir' set twice in this section (first at line 2)");
    expect_error("[spool]\n[spool]\n", ":2: section [spool] appears twice (first at line 1)");
    expect_error("[source]\n", ":1: section [source] needs a NAME of letters, digits, '_', '-' or '.', as in "
                               "[source NAME]; found [source]");
    expect_error("[source a]\nhost = h\n", ":1: [source a] needs 'user'");
    expect_error("[source a]\nhost = h\nuser = u\nremote_dir = /\nidentity = k\n",
                 ":1: [source a] needs 'known_hosts' (host_key_check = strict)");
    expect_error("[source a]\nhost = h\nuser = u\nremote_dir = /\nidentity = k\nhost_key_check = fingerprint\n",
                 ":1: [source a] has host_key_check = fingerprint but no 'host_key_sha256'");
    expect_error("[source a]\nhost = h\nuser = u\nremote_dir = /\nidentity = k\nknown_hosts = x\nprofile = p\n",
                 ":1: [source a] names profile 'p', which has no [profile p] section");
    expect_error("[profile p]\ndelimiter = ;\n",
                 ":2: bad value for 'delimiter' in [profile]: expected comma, semicolon, tab, pipe or one other "
                 "character; found ''");
    expect_error("[spool]\nthis line has no equals sign\n",
                 ":2: syntax error; expected [section], key = value, or a ; or # comment");
}

static void test_secret_not_echoed(void **state)
{
    (void)state;
    /* password_file is a path, but any key naming a password or passphrase
     * never has its value repeated in a message. */
    err_t e = { 0 };
    config *c = load_text("[source a]\npassword_file\n", &e);
    assert_null(c);
    assert_null(strstr(e.msg, "hunter2"));
}

/* [database] conninfo: a malformed one is named by key, never echoed (libpq's
 * own message would quote it); a password in it needs a 0600 file. */
static void test_conninfo(void **state)
{
    (void)state;
    static const struct { const char *ci, *want; } bad[] = {
        { "postgresql://u:S3cr%ZZ3tPw@h/db", "the password in the URI is not valid percent-encoding" },
        { "postgresql://u%G1:pw@h/db", "the user name in the URI is not valid percent-encoding" },
        { "postgresql://u@h/db?sslmode=S3cr%Z", "the value of query parameter 'sslmode' of the URI" },
        { "postgresql://u@h/db?S3crKey", "query parameter a key of the URI is not KEY=VALUE" },
        { "host=h password='S3cr3t", "the value of 'password' has no closing quote" },
        { "host=h S3cr3t", "word 2 is not KEY=VALUE" },
        { "host=h passwrd=S3cr3t", "'passwrd' is not a libpq connection key" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[database]\nconninfo = %s\n", bad[i].ci);
        err_t e = { 0 };
        assert_null(load_text(text, &e));
        if (!strstr(e.msg, bad[i].want))
            fail_msg("%s: %s", bad[i].ci, e.msg);
        assert_null(strstr(e.msg, "S3cr"));
        assert_int_equal(e.code, EX_CONFIG);
    }
    int pw;
    char why[256];
    assert_int_equal(db_conninfo_check("host=h user=u password=x", &pw, why, sizeof why), 0);
    assert_int_equal(pw, 1);
    assert_int_equal(db_conninfo_check("postgresql://u:x@h/db", &pw, why, sizeof why), 0);
    assert_int_equal(pw, 1);
    assert_int_equal(db_conninfo_check("host=h user=u", &pw, why, sizeof why), 0);
    assert_int_equal(pw, 0);
    assert_int_equal(db_conninfo_check("", &pw, why, sizeof why), 0);

    /* a password: refused when group or others may read the file (mkstemp
     * makes 0600; load_text's file is chmod-ed here) */
    err_t e = { 0 };
    const char *text = "[database]\nconninfo = host=h password=Pw-9\n";
    snprintf(path, sizeof path, "/tmp/settle-config-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config *c = config_load(path, 1, &e);
    assert_non_null(c);
    config_free(c);
    chmod(path, 0640);
    assert_null(config_load(path, 1, &e));
    assert_non_null(strstr(e.msg, "conninfo holds a password and the file is readable by its group (mode 0640)"));
    assert_null(strstr(e.msg, "Pw-9"));
    unlink(path);
}

#define PIX_OK "[source p]\ntype = pix_api\nbase_url = https://pix.psp.example/api/v2\nclient_id = c\n" \
               "cert = /k/c.crt\nkey = /k/c.key\n"

static void test_pix_api_source(void **state)
{
    (void)state;
    err_t e = { 0 };
    config *c = load_text(PIX_OK "client_secret_file = /k/s\nfirst_window_start = 2026-11-01T00:00:00-03:00\n", &e);
    assert_non_null(c);
    const source_cfg *s = config_source(c, "p");
    assert_string_equal(s->type, "pix_api");
    assert_string_equal(s->base_url, "https://pix.psp.example/api/v2");
    assert_null(s->token_url);
    assert_int_equal(s->overlap_seconds, 3600);
    assert_int_equal(s->page_size, 100);
    assert_int_equal(s->ep.timeout_seconds, 30);
    assert_int_equal(s->client_secret_line, 0);
    config_free(c);

    expect_error(PIX_OK "client_secret_file = /k/s\nbase_url = http://x\n", ":8: key 'base_url' set twice in this section (first at line 3)");
    expect_error("[source p]\ntype = pix_api\nbase_url = http://pix.example\n",
                 ":3: bad value for 'base_url' in [source]: expected an https:// URL without a query or fragment"
                 " (plain http is refused); found 'http://pix.example'");
    expect_error("[source p]\ntype = pix_api\ntoken_url = https://x/t?a=1\n",
                 ":3: bad value for 'token_url' in [source]: expected an https:// URL without a query or fragment"
                 " (plain http is refused); found 'https://x/t?a=1'");
    expect_error("[source p]\ntype = pix_api\nfirst_window_start = 2026-11-01\n",
                 ":3: bad value for 'first_window_start' in [source]: expected an RFC 3339 time such as"
                 " 2026-11-01T00:00:00-03:00 or 2026-11-01T03:00:00Z; found '2026-11-01'");
    expect_error("[source p]\ntype = pix_api\npage_size = 0\n",
                 ":3: bad value for 'page_size' in [source]: expected an integer from 1 to 1000; found '0'");
    expect_error("[source p]\ntype = ftp\n", ":2: bad value for 'type' in [source]: expected one of: sftp|pix_api; found 'ftp'");
    expect_error(PIX_OK, ":1: [source p] needs exactly one of 'client_secret_file' or 'client_secret'");
    expect_error(PIX_OK "client_secret_file = /k/s\nremote_dir = /x\n",
                 ":1: [source p] sets 'remote_dir', which applies only to type = sftp (this source is type = pix_api)");
    expect_error("[source p]\nhost = h\nuser = u\nidentity = /i\nknown_hosts = /k\nremote_dir = /r\nclient_id = c\n",
                 ":1: [source p] sets 'client_id', which applies only to type = pix_api (this source is type = sftp)");
    expect_error("[source p]\ntype = pix_api\nclient_id = c\n", ":1: [source p] has type = pix_api but no 'base_url'");
}

/* An inline client_secret: fine in a 0600 file (mkstemp's), refused in a
 * 0644 one, at its line, and never echoed. */
static void test_pix_api_inline_secret(void **state)
{
    (void)state;
    const char *text = PIX_OK "client_secret = hunter2\n";
    err_t e = { 0 };
    config *c = load_text(text, &e);
    assert_non_null(c);
    assert_int_equal(config_source(c, "p")->client_secret_line, 7);
    config_free(c);

    snprintf(path, sizeof path, "/tmp/settle-config-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, 0644);
    close(fd);
    c = config_load(path, 1, &e);
    unlink(path);
    assert_null(c);
    assert_int_equal(e.code, EX_CONFIG);
    assert_non_null(strstr(e.msg, ":7: client_secret of [source p] is in a file readable or writable by group or others (mode 0644); refusing to use it"));
    assert_null(strstr(e.msg, "hunter2"));
    /* a bad value of a secret key is hidden */
    expect_error("[source p]\nclient_secret = a\nclient_secret = hunter2\n",
                 ":3: key 'client_secret' set twice in this section (first at line 2)");
}

static void test_long_line(void **state)
{
    (void)state;
    char text[600];
    snprintf(text, sizeof text, "[database]\nconninfo = %0300d\n", 0);
    err_t e = { 0 };
    config *c = load_text(text, &e);
    assert_null(c);
    assert_non_null(strstr(e.msg, ":2: line longer than"));
}

static void test_missing_file(void **state)
{
    (void)state;
    err_t e = { 0 };
    assert_null(config_load("/nonexistent/settle.conf", 1, &e));
    assert_int_equal(e.code, EX_CONFIG);
    assert_non_null(strstr(e.msg, "cannot open config file /nonexistent/settle.conf"));
    config *c = config_load("/nonexistent/settle.conf", 0, &e);
    assert_non_null(c); /* a missing default file means "use the defaults" */
    config_free(c);
}

/* The Pix profile keys added for parsers/pixcsv.c, read from memory. */
/* [cards] and [card_fee NAME]: defaults, values, and what is refused. */
static void test_card_fees(void **state)
{
    (void)state;
    err_t e = { 0 };
    const char *text = "[cards]\nsale_missing_days = 5\n[card_fee cv]\nacquirer = cielo\nbrand = visa\n"
                       "product = credit\nrate_basis_points = 248\n[card_fee rp]\nacquirer = rede\n"
                       "installments_min = 2\ninstallments_max = 6\nrate_basis_points = 0\n";
    config *c = config_load_mem(text, strlen(text), "mem.conf", &e);
    if (!c)
        fail_msg("%s", e.msg);
    assert_int_equal(c->card_sale_missing_days, 5);
    assert_int_equal(c->card_fee_tolerance_cents, 1);
    assert_int_equal(c->card_overdue_days, 2);
    assert_int_equal(c->n_card_fees, 2);
    assert_string_equal(c->card_fees[0].acquirer, "cielo");
    assert_string_equal(c->card_fees[0].brand, "visa");
    assert_int_equal(c->card_fees[0].rate_bp, 248);
    assert_string_equal(c->card_fees[1].brand, "*");
    assert_string_equal(c->card_fees[1].product, "*");
    assert_int_equal(c->card_fees[1].installments_min, 2);
    assert_int_equal(c->card_fees[1].rate_bp, 0);
    config_free(c);

    static const struct { const char *text, *msg; } bad[] = {
        { "[card_fee x]\nrate_basis_points = 248\n", "mem.conf:1: [card_fee x] needs 'acquirer' (cielo or rede)" },
        { "[card_fee x]\nacquirer = cielo\n", "mem.conf:1: [card_fee x] needs 'rate_basis_points' (e.g. 248 for 2.48 %)" },
        { "[card_fee x]\nacquirer = getnet\nrate_basis_points = 1\n",
          "mem.conf:2: bad value for 'acquirer' in [card_fee]: expected one of: cielo|rede; found 'getnet'" },
        { "[card_fee x]\nacquirer = rede\nrate_basis_points = 2.48\n",
          "mem.conf:3: bad value for 'rate_basis_points' in [card_fee]: expected an integer from -1 to 10000; found '2.48'" },
        { "[card_fee x]\nacquirer = rede\nrate_basis_points = 5\ninstallments_min = 7\ninstallments_max = 3\n",
          "mem.conf:1: [card_fee x] has installments_min 7 above installments_max 3" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err_t e2 = { 0 };
        assert_null(config_load_mem(bad[i].text, strlen(bad[i].text), "mem.conf", &e2));
        assert_string_equal(e2.msg, bad[i].msg);
    }
}

static void test_profile_keys_mem(void **state)
{
    (void)state;
    err_t e = { 0 };
    const char *text = "[profile a]\n[profile b]\ntimezone = +05:30\nkind_pix = C|Credito\nkind_refund = D\n";
    config *c = config_load_mem(text, strlen(text), "mem.conf", &e);
    if (!c)
        fail_msg("%s", e.msg);
    const profile_cfg *a = config_profile(c, "a"), *b = config_profile(c, "b");
    assert_string_equal(a->timezone, "-03:00");
    assert_string_equal(a->kind_pix, "pix");
    assert_string_equal(a->kind_refund, "pix_refund");
    assert_string_equal(b->timezone, "+05:30");
    assert_string_equal(b->kind_pix, "C|Credito");
    assert_string_equal(b->kind_refund, "D");
    assert_string_equal(c->path, "mem.conf");
    config_free(c);

    const char *bad[] = { "-3:00", "-03", "+15:00", "-03:60", "UTC" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char t[128], want[256];
        snprintf(t, sizeof t, "[profile p]\ntimezone = %s\n", bad[i]);
        snprintf(want, sizeof want,
                 "mem.conf:2: bad value for 'timezone' in [profile]: expected a UTC offset such as -03:00; found '%s'",
                 bad[i]);
        assert_null(config_load_mem(t, strlen(t), "mem.conf", &e));
        assert_int_equal(e.code, EX_CONFIG);
        assert_string_equal(e.msg, want);
    }
    /* an empty text is an empty file: the defaults */
    c = config_load_mem("", 0, "empty.conf", &e);
    assert_non_null(c);
    assert_int_equal(c->batch_size, 1000);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),         cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_unknown_key),      cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_bad_values),       cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_secret_not_echoed), cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_conninfo),         cmocka_unit_test(test_pix_api_source),
        cmocka_unit_test(test_pix_api_inline_secret),
        cmocka_unit_test(test_missing_file),     cmocka_unit_test(test_profile_keys_mem),
        cmocka_unit_test(test_card_fees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
