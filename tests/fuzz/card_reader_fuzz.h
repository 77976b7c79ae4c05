/* card_reader_fuzz.h - the one libFuzzer body of the card acquirer readers
 * (parsers/cielo.c, parsers/rede.c; shared helpers in parsers/cards.c). A
 * target defines CARD_FUZZ_FORMAT (FMT_CIELO, FMT_REDE) and includes this
 * file: any bytes go through parser_open_mem() with the format forced to it
 * (odd sizes: through detection), every record read. What a caller relies
 * on is checked: an error is EX_DATAERR-or-memory with a message, records
 * carry a card kind, terminated text, real dates and installments within
 * 0..99, an adjustment names its kind, and only payouts carry money paid to
 * the store. Not a target itself (`make fuzz` builds each tests/fuzz/NAME_fuzz.c). */
#ifndef SETTLE_CARD_READER_FUZZ_H
#define SETTLE_CARD_READER_FUZZ_H

#ifndef CARD_FUZZ_FORMAT
#error "define CARD_FUZZ_FORMAT (FMT_CIELO or FMT_REDE) before including card_reader_fuzz.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/record.h"

static int bad_date(settle_date d)
{
    return d.y != 0 && (d.m < 1 || d.m > 12 || d.d < 1 || d.d > 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_opts o = { .format = (size & 1) ? FMT_UNKNOWN : CARD_FUZZ_FORMAT };
    err_t e = { 0 };
    parser *p = parser_open_mem(data, size, "fuzz.txt", &o, &e);
    if (!p) {
        if (!e.msg[0])
            abort();
        return 0;
    }
    settle_record rec;
    int rc;
    long n = 0;
    while ((rc = parser_next(p, &rec, &e)) == 1) {
        if (rec.format != CARD_FUZZ_FORMAT)
            continue; /* detection picked another reader */
        if (rec.kind != KIND_CARD_SALE && rec.kind != KIND_CARD_SETTLEMENT && rec.kind != KIND_CARD_ADJUSTMENT)
            abort();
        if (strlen(rec.acquirer_key) >= sizeof rec.acquirer_key || strlen(rec.card_tid) >= sizeof rec.card_tid ||
            strlen(rec.message) >= sizeof rec.message || strlen(rec.card_brand) >= sizeof rec.card_brand ||
            rec.installment < 0 || rec.installment > 99 || rec.installments < 0 || rec.installments > 99 ||
            bad_date(rec.occurred_on) || bad_date(rec.credited_on) || bad_date(rec.due_on))
            abort();
        if (rec.kind == KIND_CARD_ADJUSTMENT && !rec.adjustment[0])
            abort();
        if (rec.kind != KIND_CARD_SETTLEMENT && rec.paid)
            abort(); /* only payouts carry money paid to the store */
        if (++n > 10000000)
            abort();
    }
    if (rc < 0 && !e.msg[0])
        abort();
    (void)parser_info(p);
    parser_close(p);
    return 0;
}

#endif
