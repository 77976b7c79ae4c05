/* pixapi_fuzz.c - libFuzzer target for the API Pix JSON reader.
 *
 * The first input byte picks detection from the content (even) or
 * --format pix-api (odd); the rest is the file, read through
 * parser_open_mem() and parser_next() to the end, as `settle parse` does.
 * Seeds: tests/fuzz/seeds/pixapi/ (a mode byte followed by a fixture). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"

static void ignore(void *arg, long line, const char *msg)
{
    (void)arg, (void)line;
    if (!msg || !*msg)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    parse_opts o = { .format = (data[0] & 1) ? FMT_PIX_API : FMT_UNKNOWN, .warn = ignore };
    data++, size--;
    err_t e = { 0 };
    parser *p = parser_open_mem(data, size, "fuzz.json", &o, &e);
    if (!p) {
        if (!e.msg[0] || (e.code != EX_DATAERR && e.code != EX_SOFTWARE))
            abort();
        return 0;
    }
    settle_record rec;
    int rc;
    long n = 0;
    while ((rc = parser_next(p, &rec, &e)) == 1) {
        if (rec.format != FMT_PIX_API)
            continue;   /* detection chose another reader */
        /* what a caller relies on: terminated text, sane values */
        if (strlen(rec.end_to_end_id) != 32 || rec.amount_paid_cents <= 0 || rec.line < 1 ||
            rec.amount_paid_cents > 999999999999LL ||
            strlen(rec.payer_name) >= sizeof rec.payer_name || strlen(rec.message) >= sizeof rec.message ||
            strlen(rec.txid) > 35 || strlen(rec.seu_numero) > 35 ||
            (rec.payer_doc[0] && strlen(rec.payer_doc) != 11 && strlen(rec.payer_doc) != 14) ||
            (rec.kind == KIND_PIX_REFUND && (strlen(rec.refund_id) != 32 || !rec.refund_status[0] || rec.paid)) ||
            (rec.kind == KIND_PIX && !rec.paid) || rec.occurred_on.y < 1969 || rec.occurred_on.m < 1 ||
            rec.occurred_on.m > 12)
            abort();
        if (++n > 10000000)
            abort();
    }
    if (rc < 0 && (!e.msg[0] || (e.code != EX_DATAERR && e.code != EX_SOFTWARE)))
        abort();
    parser_close(p);
    return 0;
}
