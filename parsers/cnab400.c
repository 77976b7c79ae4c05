/* cnab400.c - the CNAB 400 cobrança return reader: header, detail records
 * (with the optional records some banks put after a detail folded into it:
 * Santander type 2 / Bradesco type 4 txid, Itaú type 3), and trailer. Each
 * bank's positions come from its table in banks.c. */
#include "parsers/parser_int.h"

#include <string.h>

static int check_seq(parser *p, err_t *e)
{
    int64_t seq;
    cnab_ferr fe;
    if (cnab_digits(&p->line, 395, 6, "record sequence number", &seq, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    if (seq != p->lineno)
        return parser_fail(p, e, p->lineno, 395, "expected record sequence number %06ld at 395-400, found '%06lld'",
                           p->lineno, (long long)seq);
    return 0;
}

int cnab400_start(parser *p, err_t *e)
{
    cnab_line *l = &p->line;
    if (parser_fit(p, 400, e) < 0)
        return -1;
    if (l->c[1] == '1')
        return parser_fail(p, e, 1, 2,
                           "expected '02RETORNO' at 1-9 of the CNAB 400 header, found '01REMESSA': "
                           "this is a remessa, a file sent to the bank, not a return");
    memcpy(p->info.bank, l->c + 76, 3);
    p->info.bank[3] = '\0';
    const char *code = p->opts.bank ? p->opts.bank : p->info.bank;
    p->b400 = cnab400_bank_find(code);
    if (!p->b400) {
        char found[8];
        cnab_text(l, 77, 3, found, sizeof found);
        return parser_fail(p, e, 1, 77, "expected a CNAB 400 bank code we read at 77-79 (%s), found '%s'%s",
                           cnab400_bank_list(), p->opts.bank ? p->opts.bank : found,
                           p->opts.bank ? "" : "\nHINT: --bank NNN reads the file with another bank's layout");
    }
    if (p->opts.bank)
        snprintf(p->info.bank, sizeof p->info.bank, "%s", p->opts.bank);
    /* issue 19: a header date elsewhere (C6 125-130) */
    p->x400 = cnab400_extra_find(p->b400->code);
    size_t date_at = p->x400 && p->x400->hdr_date_start ? p->x400->hdr_date_start : 95;
    cnab_ferr fe;
    if (cnab_date(l, date_at, 6, "file generation date", &p->info.generated_on, &fe) < 0)
        return parser_fail(p, e, 1, fe.col, "%s", fe.msg);
    return check_seq(p, e);
}

static void finish(parser *p, settle_record *rec)
{
    settle_record *t = &p->pend;
    t->format = FMT_CNAB400;
    memcpy(t->bank, p->info.bank, 4);
    t->kind = KIND_BOLETO;
    const cnab400_bank *b = p->b400;
    if (b->flags & C400_PAID_IS_NET) {
        /* 254-266 is "valor lançado em conta corrente": the net; what the
         * payer paid is that plus the fee */
        t->amount_credited_cents = t->amount_paid_cents;
        if (t->amount_paid_cents)
            t->amount_paid_cents += t->fee_cents;
    }
    cnab_set_paid(t, b->paid, b->liq_baixa);
    parser_xcheck(p, t, b->xcheck);
    *rec = *t;
    p->have_pend = 0;
}

int cnab400_next(parser *p, settle_record *rec, err_t *e)
{
    cnab_line *l = &p->line;
    const cnab400_bank *b = p->b400;
    cnab_ferr fe;
    for (;;) {
        int r = parser_read_line(p, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return parser_fail(p, e, p->lineno + 1, 1,
                               "expected a trailer (record type 9), found the end of the file (truncated?)");
        if (parser_fit(p, 400, e) < 0)
            return -1;
        char type = (char)l->c[0];
        /* trailers often hold a count there instead (BRB, Unicred samples) */
        if (type != '9' && check_seq(p, e) < 0)
            return -1;
        /* issue 19: other record types in the detail layout (Citibank 7, 8) */
        int more = p->x400 && type && strchr(p->x400->more_detail_types, type);
        if (type == b->detail_type || (b->detail7 && type == '7') || more) {
            if (p->have_pend) {
                p->have_peek = 1;
                finish(p, rec);
                return 1;
            }
            settle_record *t = &p->pend;
            memset(t, 0, sizeof *t);
            if (cnab_apply(type == '7' && b->detail7 ? b->detail7 : b->detail, l, t, &fe) < 0)
                return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
            t->line = p->lineno;
            p->have_pend = 1;
            continue;
        }
        /* type '\0' must not reach strchr(), which finds the terminator */
        int is_pix = b->pix_type && type == b->pix_type;
        if (type && (is_pix || (type != '9' && type != '0' && strchr(b->skip_types, type)))) {
            if (!p->have_pend)
                return parser_fail(p, e, p->lineno, 1,
                                   "expected a detail record (type %c) before the optional record type %c, found "
                                   "record type %c with no title before it",
                                   b->detail_type, type, type);
            if (is_pix)
                cnab_text(l, b->pix_start, b->pix_len, p->pend.txid, sizeof p->pend.txid);
            continue;
        }
        if (type == '9') {
            if (p->have_pend) {
                p->have_peek = 1;
                finish(p, rec);
                return 1;
            }
            r = parser_read_line(p, e);
            if (r < 0)
                return -1;
            if (r > 0)
                return parser_fail(p, e, p->lineno, 1, "expected the end of the file after the trailer, found a record");
            return 0;
        }
        char found[8];
        cnab_text(l, 1, 1, found, sizeof found);
        return parser_fail(p, e, p->lineno, 1, "expected record type %c%s%s%s or 9 at position 1, found '%s'%s",
                           b->detail_type, b->detail7 ? ", 7" : "", b->pix_type ? ", " : "",
                           b->pix_type ? (char[]){ b->pix_type, 0 } : "", found,
                           type == '0' ? " (a second header)" : "");
    }
}
