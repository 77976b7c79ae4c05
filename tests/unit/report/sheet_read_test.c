/* sheet_read_test.c - finance's filled-in sheet read back (report/sheet_read.c)
 * on the fixtures of tests/fixtures/resolve/ (made by make-fixtures.py there):
 * shared strings with rich-text runs, inline strings, numbers stored as
 * 102.0, cells without references, blank rows keeping their numbers, the
 * sheet found by its headers; CSV with BOM, ';', CRLF and a quoted line
 * break; the row checks; and every malformed or hostile file refused with
 * its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/sheet_read.h"

#define FIX "tests/fixtures/resolve/"

typedef struct seen {
    char text[4096];
    int n;
} seen;

static void collect(void *ctx, long row, const char *msg)
{
    seen *s = ctx;
    size_t l = strlen(s->text);
    snprintf(s->text + l, sizeof s->text - l, "row %ld: %s\n", row, msg);
    s->n++;
}


static void test_xlsx_shared_strings(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "good_shared.xlsx", &r, &e), 0);
    assert_string_equal(r.kind, "xlsx");
    assert_string_equal(r.sheet, "Exceções abertas");
    assert_int_equal(r.n, 4);
    assert_int_equal(r.v[0].row, 2);
    assert_string_equal(r.v[0].cell[SHEET_ID], "101");
    assert_string_equal(r.v[0].cell[SHEET_ACAO], "Pago");
    assert_string_equal(r.v[0].cell[SHEET_NOTA], "cliente pagou por TED"); /* runs joined, phonetic run left out */
    assert_string_equal(r.v[0].cell[SHEET_PAGAMENTO], "18");
    assert_int_equal(r.v[1].row, 4); /* row 3 is blank: the number stays the spreadsheet's */
    assert_string_equal(r.v[1].cell[SHEET_ID], "102.0");
    assert_string_equal(r.v[1].cell[SHEET_ACAO], "Ignorar");
    assert_string_equal(r.v[1].cell[SHEET_NOTA], "nada a fazer");
    assert_int_equal(r.v[2].row, 5);
    assert_string_equal(r.v[2].cell[SHEET_ACAO], "");
    assert_int_equal(r.v[3].row, 6);
    assert_string_equal(r.v[3].cell[SHEET_ID], "");
    assert_string_equal(r.v[3].cell[SHEET_ACAO], "DEVOLVER");
    sheet_rows_free(&r);
}

/* A sheet saved by LibreOffice Calc 7.4 (shared strings, styles, every
 * cell with its reference): made from an openpyxl sheet with
 * soffice --headless --convert-to xlsx, kept byte for byte. */
static void test_xlsx_libreoffice(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "libreoffice.xlsx", &r, &e), 0);
    assert_string_equal(r.sheet, "Exceções abertas");
    assert_int_equal(r.n, 4);
    assert_int_equal(r.v[0].row, 2);
    assert_string_equal(r.v[0].cell[SHEET_ID], "201");
    assert_string_equal(r.v[0].cell[SHEET_NOTA], "cliente pagou o resto \xe2\x80\x94 por TED");
    assert_int_equal(r.v[2].row, 5);
    assert_string_equal(r.v[2].cell[SHEET_ACAO], "pago");
    assert_string_equal(r.v[2].cell[SHEET_PAGAMENTO], "13");
    assert_int_equal(r.v[3].row, 6);
    assert_string_equal(r.v[3].cell[SHEET_ACAO], "");
    sheet_item items[4];
    size_t n = 0;
    long skipped = 0;
    seen s = { "", 0 };
    assert_int_equal(sheet_validate(&r, items, &n, &skipped, collect, &s), 0);
    assert_int_equal(n, 3);
    assert_int_equal(skipped, 1);
    assert_int_equal(items[2].id, 204);
    assert_int_equal(items[2].payment, 13);
    sheet_rows_free(&r);
}

static void test_csv_bom_semicolon_crlf(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "good.csv", &r, &e), 0);
    assert_string_equal(r.kind, "csv");
    assert_int_equal(r.n, 3);
    assert_int_equal(r.v[0].row, 2);
    assert_string_equal(r.v[0].cell[SHEET_ACAO], "Pagó");
    assert_string_equal(r.v[0].cell[SHEET_NOTA], "cliente \"pagou\"\r\npor TED");
    assert_string_equal(r.v[0].cell[SHEET_PAGAMENTO], "18");
    assert_int_equal(r.v[1].row, 5); /* a quoted line break and a blank line before it */
    assert_string_equal(r.v[1].cell[SHEET_ID], "102");
    assert_int_equal(r.v[2].row, 6);
    sheet_rows_free(&r);
}

/* Old Mac line ends (a lone CR), inside a quoted note too: rows keep the
 * lines they start on, ascending. */
/* The report itself: report_demo.xlsx is `make demo`'s
 * exceptions-20261130.xlsx as the finance-report branch's libxlsxwriter
 * writer made it (five sheets, comments, names in row 1, the three columns
 * empty); report_filled_libreoffice.xlsx is that file with three rows filled
 * by openpyxl and saved again by LibreOffice Calc 7.4. Both byte for byte. */
static void test_xlsx_the_report(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "report_demo.xlsx", &r, &e), 0);
    assert_string_equal(r.sheet, "Exceções em aberto");
    assert_int_equal(r.n, 25);
    assert_string_equal(r.v[0].cell[SHEET_ID], "1");
    sheet_item items[25];
    size_t n = 0;
    long skipped = 0;
    seen s = { "", 0 };
    assert_int_equal(sheet_validate(&r, items, &n, &skipped, collect, &s), 0);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 25);
    sheet_rows_free(&r);

    assert_int_equal(sheet_read_file(FIX "report_filled_libreoffice.xlsx", &r, &e), 0);
    assert_int_equal(r.n, 25);
    assert_int_equal(sheet_validate(&r, items, &n, &skipped, collect, &s), 0);
    assert_int_equal(n, 3);
    assert_int_equal(skipped, 22);
    assert_int_equal(items[0].row, 2);
    assert_int_equal(items[0].action, SHEET_ACT_REFUND);
    assert_string_equal(items[1].note, "já tratado");
    assert_int_equal(items[2].id, 3);
    assert_int_equal(items[2].action, SHEET_ACT_PAID);
    assert_int_equal(items[2].payment, 12);
    sheet_rows_free(&r);
}

/* A title above the header, as a report may put one. */
static void test_xlsx_title_row(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "title_row.xlsx", &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].row, 4);
    assert_string_equal(r.v[0].cell[SHEET_ID], "301");
    assert_string_equal(r.v[0].cell[SHEET_ACAO], "ignorar");
    sheet_rows_free(&r);
}

static void test_csv_lone_cr(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "lone_cr.csv", &r, &e), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0].row, 2);
    assert_string_equal(r.v[0].cell[SHEET_NOTA], "a\rb");
    assert_int_equal(r.v[1].row, 5);
    assert_string_equal(r.v[1].cell[SHEET_ID], "2");
    sheet_rows_free(&r);
}

static void test_actions(void **state)
{
    (void)state;
    assert_int_equal(sheet_action_parse("paid"), SHEET_ACT_PAID);
    assert_int_equal(sheet_action_parse(" PAGO "), SHEET_ACT_PAID);
    assert_int_equal(sheet_action_parse("Pagó"), SHEET_ACT_PAID);
    assert_int_equal(sheet_action_parse("refund"), SHEET_ACT_REFUND);
    assert_int_equal(sheet_action_parse("Devolver"), SHEET_ACT_REFUND);
    assert_int_equal(sheet_action_parse("ignore"), SHEET_ACT_IGNORE);
    assert_int_equal(sheet_action_parse("IGNORAR"), SHEET_ACT_IGNORE);
    assert_int_equal(sheet_action_parse("ígnorar"), SHEET_ACT_IGNORE);
    assert_int_equal(sheet_action_parse(""), SHEET_ACT_EMPTY);
    assert_int_equal(sheet_action_parse("  \t"), SHEET_ACT_EMPTY);
    assert_int_equal(sheet_action_parse("\xc2\xa0"), SHEET_ACT_EMPTY);
    assert_int_equal(sheet_action_parse("talvez"), SHEET_ACT_UNKNOWN);
    assert_int_equal(sheet_action_parse("paid paid"), SHEET_ACT_UNKNOWN);
    assert_int_equal(sheet_action_parse("pagoooooooooooooooooooooooooooooooooooooooo"), SHEET_ACT_UNKNOWN);
    assert_string_equal(sheet_action_name(SHEET_ACT_REFUND), "refund");
}

static void test_validate_every_bad_kind(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "bad_rows.csv", &r, &e), 0);
    sheet_item items[16];
    size_t n = 0;
    long skipped = -1;
    seen s = { "", 0 };
    long bad = sheet_validate(&r, items, &n, &skipped, collect, &s);
    assert_int_equal(skipped, 0);
    assert_string_equal(s.text,
                        "row 2: acao: expected paid, refund or ignore (pago, devolver, ignorar), found 'talvez'\n"
                        "row 3: nota: expected a note saying why, found nothing\n"
                        "row 4: pagamento_id: goes with acao paid only, found it with ignore\n"
                        "row 5: id: expected an exception number, found 'abc'\n"
                        "row 8: pagamento_id: expected a payment number, found '1.5'\n"
                        "row 7: id: exception #4 appears again (first on row 6)\n");
    assert_int_equal(bad, 6);
    assert_int_equal(n, 1); /* the first row of #4 only: the second is the problem */
    assert_int_equal(items[0].row, 6);
    assert_int_equal(items[0].id, 4);
    assert_int_equal(items[0].action, SHEET_ACT_REFUND);
    sheet_rows_free(&r);
}

static void test_validate_good_and_skipped(void **state)
{
    (void)state;
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_file(FIX "good_shared.xlsx", &r, &e), 0);
    sheet_item items[8];
    size_t n = 0;
    long skipped = 0;
    seen s = { "", 0 };
    long bad = sheet_validate(&r, items, &n, &skipped, collect, &s);
    assert_string_equal(s.text, "row 6: id: expected an exception number, found nothing\n");
    assert_int_equal(bad, 1);
    assert_int_equal(skipped, 1);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, 101);
    assert_int_equal(items[0].payment, 18);
    assert_int_equal(items[1].id, 102); /* 102.0 as a number cell */
    assert_int_equal(items[1].action, SHEET_ACT_IGNORE);
    assert_int_equal(items[1].payment, 0);
    sheet_rows_free(&r);
}

static void test_long_note(void **state)
{
    (void)state;
    char *buf = malloc(8000);
    assert_non_null(buf);
    int o = snprintf(buf, 8000, "id,acao,nota,pagamento_id\n1,ignore,");
    memset(buf + o, 'x', 1001);
    o += 1001;
    o += snprintf(buf + o, 8000 - (size_t)o, ",\n2,ignore,");
    memset(buf + o, 'y', (size_t)(7000 - o));
    o = 7000;
    o += snprintf(buf + o, 8000 - (size_t)o, ",\n");
    sheet_rows r = { 0 };
    err_t e = { 0 };
    assert_int_equal(sheet_read_mem("long.csv", (unsigned char *)buf, (size_t)o, &r, &e), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(strlen(r.v[1].cell[SHEET_NOTA]), SHEET_CELL_MAX); /* kept cut, flagged by its length */
    sheet_item items[2];
    size_t n = 0;
    long skipped = 0;
    seen s = { "", 0 };
    assert_int_equal(sheet_validate(&r, items, &n, &skipped, collect, &s), 2);
    assert_string_equal(s.text, "row 2: nota: expected at most 1000 characters, found more\n"
                                "row 3: nota: expected at most 1000 characters, found more than 4096 bytes\n");
    sheet_rows_free(&r);
    free(buf);
}

/* Each malformed or hostile file: refused whole, with this message. */
static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *file, *msg;
    } cases[] = {
        { "bomb.xlsx", "xl/worksheets/sheet2.xml: refused as a zip bomb: 41943173 bytes inflated from" },
        { "doctype.xlsx", "xl/sharedStrings.xml: expected no DOCTYPE in an xlsx part, found one" },
        { "no_columns.xlsx", "expected a sheet with a header row naming the columns acao, nota, pagamento_id and the "
                             "exception id (id or Exceção), found none in 2 sheets" },
        { "bad_index.xlsx", "xl/worksheets/sheet2.xml: row 2: expected a shared string index below 11, found '999'" },
        { "malformed.xlsx", "xl/worksheets/sheet2.xml:1: malformed XML:" },
        { "truncated.xlsx", "expected an xlsx workbook (a zip), found a damaged zip" },
        { "no_column.csv", "no_column.csv:1: header: expected a column pagamento_id, found none" },
        { "unterminated.csv", "unterminated.csv:2: expected a closing quote, found the end of the file" },
        { "missing.csv", "missing.csv: cannot open: No such file or directory" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", cases[i].file);
        sheet_rows r = { 0 };
        err_t e = { 0 };
        if (sheet_read_file(path, &r, &e) != -1)
            fail_msg("%s: read, expected a refusal", cases[i].file);
        assert_int_equal(e.code, EX_DATAERR);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("%s: expected '%s' in '%s'", cases[i].file, cases[i].msg, e.msg);
        sheet_rows_free(&r);
    }
}

static void test_refused_in_memory(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *msg;
    } cases[] = {
        { "PK\x03\x04garbage", 11, "x: expected an xlsx workbook (a zip), found a damaged zip" },
        { "PK\x05\x06", 4, "x: expected an xlsx workbook, found a zip that does not start with a file" },
        { "id,acao\0,nota", 13, "x: expected an xlsx workbook or a CSV text file, found binary data (a NUL byte)" },
        { "", 0, "x:1: expected a header line id,acao,nota,pagamento_id, found an empty file" },
        { "id,acao,nota,pagamento_id,acao\n", 31, "x:1: header: the column acao appears twice" },
        { "id,acao,nota,pagamento_id\n1,pa\"id,x,\n", 37, "x:2: expected a CSV field, found a stray quote" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sheet_rows r = { 0 };
        err_t e = { 0 };
        if (sheet_read_mem("x", (const unsigned char *)cases[i].bytes, cases[i].n, &r, &e) != -1)
            fail_msg("case %zu: read, expected a refusal", i);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].msg, e.msg);
        sheet_rows_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx_shared_strings),
        cmocka_unit_test(test_xlsx_libreoffice),
        cmocka_unit_test(test_csv_bom_semicolon_crlf),
        cmocka_unit_test(test_xlsx_the_report),
        cmocka_unit_test(test_xlsx_title_row),
        cmocka_unit_test(test_csv_lone_cr),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_validate_every_bad_kind),
        cmocka_unit_test(test_validate_good_and_skipped),
        cmocka_unit_test(test_long_note),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_refused_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
