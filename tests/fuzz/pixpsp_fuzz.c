/* pixpsp_fuzz.c - libFuzzer target for PSP record-typed Pix statements
 * (parsers/pixpsp.c): any bytes through parser_open_mem() with the format
 * forced to pix-psp (odd sizes: through detection), every record read. What
 * a caller relies on is checked: an error is EX_DATAERR with a message,
 * records carry terminated text and sane values, a received Pix's credited
 * amount is its amount less a fee between zero and the amount. Seeds:
 * tests/fuzz/seeds/pixpsp/ (the fixtures of tests/fixtures/pix/psp/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_opts o = { .format = (size & 1) ? FMT_UNKNOWN : FMT_PIX_PSP };
    err_t e = { 0 };
    parser *p = parser_open_mem(data, size, "fuzz.csv", &o, &e);
    if (!p) {
        if (!e.msg[0])
            abort();
        return 0;
    }
    settle_record rec;
    int rc;
    long n = 0;
    while ((rc = parser_next(p, &rec, &e)) == 1) {
        if (rec.format != FMT_PIX_PSP)
            continue; /* detection picked another reader */
        if (strlen(rec.end_to_end_id) != 32 || rec.amount_paid_cents <= 0 ||
            strlen(rec.message) >= sizeof rec.message || strlen(rec.payer_doc) >= sizeof rec.payer_doc ||
            (rec.payer_doc[0] && strlen(rec.payer_doc) != 11 && strlen(rec.payer_doc) != 14) ||
            rec.occurred_on.m < 1 || rec.occurred_on.m > 12)
            abort();
        if (rec.kind == KIND_PIX && (rec.fee_cents < 0 || rec.fee_cents > rec.amount_paid_cents ||
                                     rec.amount_credited_cents != rec.amount_paid_cents - rec.fee_cents))
            abort();
        if (rec.kind == KIND_PIX_REFUND && (strlen(rec.refund_id) != 32 || strcmp(rec.refund_status, "DEVOLVIDO")))
            abort();
        if (++n > 10000000)
            abort();
    }
    if (rc < 0 && !e.msg[0])
        abort();
    (void)parser_info(p);
    parser_close(p);
    return 0;
}
