/* cnab400.c - the CNAB 400 cobrança return reader: header, detail records
 * (with the optional records some banks put after a detail folded into it:
 * Santander type 2 / Bradesco type 4 txid, Itaú type 3/4, BB 2/3/5,
 * Bradesco 3, Banrisul 3/8; Banrisul's further type-1 records of a
 * distributed title), and trailer. Each bank's positions come from its
 * table in banks.c. */
#include "parsers/parser_int.h"

#include <ctype.h>
#include <string.h>

/* 1 when the Caixa header's message (101-158, manual 104-caixa-cnab400.txt
 * L18-20, L45) says "Não houve Retorno na Data Indicada": compared in ASCII
 * lower case from "houve", so the accent of "Não" (Latin-1, UTF-8 or
 * dropped) does not matter. */
static int says_no_return(const cnab_line *l)
{
    static const char want[] = "houve retorno na data indicada";
    size_t n = sizeof want - 1;
    for (size_t i = 100; i + n <= 158; i++) {
        size_t k = 0;
        while (k < n && tolower(l->c[i + k]) == want[k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

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
    const char *code = p->opts.bank ? p->opts.bank : p->info.bank, *canon = NULL;
    p->b400 = cnab400_bank_for_header(l, code, &canon);
    if (!p->b400) {
        char found[8];
        cnab_text(l, 77, 3, found, sizeof found);
        return parser_fail(p, e, 1, 77, "expected a CNAB 400 bank code we read at 77-79 (%s), found '%s'%s",
                           cnab400_bank_list(), p->opts.bank ? p->opts.bank : found,
                           p->opts.bank ? "" : "\nHINT: --bank NNN reads the file with another bank's layout");
    }
    /* an alias (Santander's 353) reads as the bank's code */
    snprintf(p->info.bank, sizeof p->info.bank, "%s", canon);
    /* issue 19: a header date elsewhere (C6 125-130) */
    size_t date_at = p->b400->hdr_date_start ? p->b400->hdr_date_start : 95;
    cnab_ferr fe;
    const cnab400_bank *b = p->b400;
    int r = b->hdr_date == C400_HD_AAAAMMDD   ? cnab_date_ymd(l, date_at, "file generation date", &p->info.generated_on, &fe)
            : b->hdr_date == C400_HD_DDMMAAAA ? cnab_date(l, date_at, 8, "file generation date", &p->info.generated_on, &fe)
                                              : cnab_date(l, date_at, 6, "file generation date", &p->info.generated_on, &fe);
    if (r < 0 && b->hdr_date == C400_HD_AAAAMMDD) {
        /* Sicredi's manual (748-sicredi-cnab400.txt L29) has AAAAMMDD; an
         * older DDMMAA header (laravel-boleto's sample) is still read, with
         * a warning: the date is not money, the file is not refused for it */
        cnab_ferr fe6;
        if (cnab_date(l, 95, 6, "file generation date", &p->info.generated_on, &fe6) == 0) {
            parser_warn(p, 1, 95, "%s; read as DDMMAA at 95-100", fe.msg);
            r = 0;
        }
    }
    if (r < 0)
        return parser_fail(p, e, 1, fe.col, "%s", fe.msg);
    if (b->hdr_credit && cnab_date(l, b->hdr_credit, 6, "credit date", &p->hdr_credit, &fe) < 0)
        return parser_fail(p, e, 1, fe.col, "%s", fe.msg);
    if ((b->flags & C400_NO_RETURN_MSG) && says_no_return(l))
        p->no_return_msg = 1;
    return check_seq(p, e);
}

int64_t cnab400_banrisul_paid(const settle_record *t, int64_t other_exp)
{
    /* Banrisul's Nota 1 (041-banrisul-cnab400.txt L219-229): 254-266 "valor
     * pago" is, per client setting, one of
     *   1 (padrão) título - descontos + outros recebimentos - abatimentos - outras despesas
     *   2 título + juros - desconto - abatimento
     *   3 título + juros
     *   4 título - descontos + outros recebimentos + juros - abatimentos
     *   5 as 4 - despesas de cobrança - outras despesas (partilhada/distribuída)
     *   6 valor nominal do título
     * What the payer paid is 4, built from the record's own fields. When
     * 254-266 is one of the six, the record is consistent and amount paid
     * is 4; when it is none of them, 254-266 is kept as the bank sent it
     * (and the money cross-check warns). */
    int64_t f = t->amount_face_cents, j = t->interest_cents, d = t->discount_cents, a = t->rebate_cents,
            o = t->other_credits_cents, v = t->amount_paid_cents;
    int64_t gross = f - d + o + j - a;
    const int64_t kinds[] = { f - d + o - a - other_exp, f + j - d - a, f + j, gross, gross - t->fee_cents - other_exp, f };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (v == kinds[i])
            return gross;
    return v;
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
    if ((b->flags & C400_BANRISUL_NOTA1) && t->amount_paid_cents)
        t->amount_paid_cents = cnab400_banrisul_paid(t, p->pend_other_exp);
    cnab_set_paid(t, b->paid, b->liq_baixa);
    if (p->pend_hold)
        t->paid = 0; /* paid by cheque, awaiting clearance: not money yet */
    if (t->paid && !t->credited_on.y && p->hdr_credit.y)
        t->credited_on = p->hdr_credit;
    parser_xcheck(p, t, b->xcheck);
    *rec = *t;
    p->have_pend = 0;
}

/* The txid in an EMV QR payload (BR Code, "Pix copia e cola") at
 * start..start+len-1: ID-length-value fields, two digits each for ID and
 * length; the txid is subfield 05 of field 62 (additional data). A dynamic
 * QR code has "***" there (its txid is behind the location, field 26
 * subfield 25): then, or when the payload is not a well-formed EMV, txid is
 * left as it is. */
static void emv_txid(const cnab_line *l, size_t start, size_t len, char *txid, size_t size)
{
    char emv[512];
    cnab_text(l, start, len, emv, sizeof emv);
    size_t n = strlen(emv);
    for (size_t i = 0; i + 4 <= n;) {
        int id = (emv[i] - '0') * 10 + (emv[i + 1] - '0');
        int fl = (emv[i + 2] - '0') * 10 + (emv[i + 3] - '0');
        for (int k = 0; k < 4; k++)
            if (emv[i + (size_t)k] < '0' || emv[i + (size_t)k] > '9')
                return;
        if (i + 4 + (size_t)fl > n)
            return;
        if (id == 62) {
            const char *v = emv + i + 4;
            for (int j = 0; j + 4 <= fl;) {
                int sid = (v[j] - '0') * 10 + (v[j + 1] - '0');
                int sl = (v[j + 2] - '0') * 10 + (v[j + 3] - '0');
                for (int k = 0; k < 4; k++)
                    if (v[j + k] < '0' || v[j + k] > '9')
                        return;
                if (j + 4 + sl > fl)
                    return;
                if (sid == 5) {
                    if (sl < 1 || sl > 35 || (size_t)sl >= size)
                        return;
                    for (int k = 0; k < sl; k++) {
                        char c = v[j + 4 + k];
                        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                            return; /* "***": a dynamic QR code */
                    }
                    memcpy(txid, v + j + 4, (size_t)sl);
                    txid[sl] = '\0';
                    return;
                }
                j += 4 + sl;
            }
            return;
        }
        i += 4 + (size_t)fl;
    }
}

/* The input ended: the end of a Caixa file whose header alone says "Não
 * houve Retorno na Data Indicada" (nothing to return), else an error. */
static int unexpected_end(parser *p, err_t *e)
{
    if (p->no_return_msg && p->lineno == 1)
        return 0;
    return parser_fail(p, e, p->lineno + 1, 1,
                       "expected a trailer (record type 9), found the end of the file (truncated?)");
}

/* 1 when record type is read with the detail layout: the bank's detail
 * type, BB's convênio-7 type, or issue 19's other types (Citibank 7, 8). */
static inline int is_detail_type(const cnab400_bank *b, char type)
{
    int more = type && b->more_detail_types[0] && strchr(b->more_detail_types, type);
    return type == b->detail_type || (b->detail7 && type == '7') || more;
}

/* The layout of the detail in l: the convênio-7 one for a type 7, the
 * older one when its blank positions are blank, else the bank's. */
static inline const cnab_field *detail_table(const cnab400_bank *b, const cnab_line *l, char type)
{
    const cnab_field *table = type == '7' && b->detail7 ? b->detail7 : b->detail;
    if (b->detail_alt && type != '7') {
        int blank = 1;
        for (size_t i = b->alt_blank_start - 1; i < (size_t)b->alt_blank_start - 1 + b->alt_blank_len; i++)
            blank &= l->c[i] == ' ';
        if (blank)
            table = b->detail_alt;
    }
    return table;
}

/* Banrisul cobrança distribuída (manual L34-36): "o primeiro registro tipo
 * 1 de cada título informa os valores totais"; the next type-1 records of
 * the same title are the distributed beneficiaries' shares: part of that
 * title. Those records carry 'CC CP' at 314-318 (manual L302-314); another
 * record of the same title (an entry confirmed and paid the same day) does
 * not, and stays a record. 1 when the line is a share of the pending title. */
static int share_of_pending(parser *p, const cnab_field *table)
{
    const cnab_line *l = &p->line;
    char nn[sizeof p->pend.nosso_numero];
    cnab_text(l, table[0].start, table[0].len, nn, sizeof nn);
    return nn[0] && !strcmp(nn, p->pend.nosso_numero) && !memcmp(l->c + 313, "CC CP", 5);
}

/* 4-decimal amounts (Credisis): the sub-cent digits were dropped; say so
 * when they were not zeros. */
static inline void warn_sub_cents(parser *p, const cnab_field *table)
{
    const cnab_line *l = &p->line;
    for (const cnab_field *f = table; f->name; f++)
        if (f->kind == FK_MONEY4) {
            const unsigned char *s = l->c + f->start - 1 + f->len - 2;
            if ((s[0] != '0' && s[0] != ' ') || (s[1] != '0' && s[1] != ' '))
                parser_warn(p, p->lineno, f->start + f->len - 2u,
                            "%s (positions %u-%u, 4 decimals) has sub-cent digits '%c%c': truncated to cents",
                            f->name, f->start, f->start + f->len - 1, s[0], s[1]);
        }
}

/* Decode the detail in p->line with table into p->pend, which waits for
 * its optional records. */
static inline __attribute__((always_inline)) int read_detail(parser *p, const cnab_field *table, err_t *e)
{
    const cnab_line *l = &p->line;
    const cnab400_bank *b = p->b400;
    cnab_ferr fe;
    settle_record *t = &p->pend;
    memset(t, 0, sizeof *t);
    if (cnab_apply(table, l, t, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    warn_sub_cents(p, table);
    p->pend_other_exp = 0;
    /* hold_char is an ASCII letter or digit from the bank table, not a text byte */
    p->pend_hold = b->hold_at && l->c[b->hold_at - 1] == b->hold_char; // NOLINT(bugprone-signed-char-misuse,cert-str34-c)
    if ((b->flags & C400_BANRISUL_NOTA1) && cnab_digits(l, 189, 13, "other expenses", &p->pend_other_exp, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    t->line = p->lineno;
    p->have_pend = 1;
    return 0;
}

/* An optional record after a detail: the Pix one (its txid into the
 * pending title) or one of the bank's skip_types. */
static int optional_record(parser *p, char type, int is_pix, err_t *e)
{
    const cnab400_bank *b = p->b400;
    if (!p->have_pend)
        return parser_fail(p, e, p->lineno, 1,
                           "expected a detail record (type %c) before the optional record type %c, found "
                           "record type %c with no title before it",
                           b->detail_type, type, type);
    if (is_pix && b->pix_emv)
        emv_txid(&p->line, b->pix_start, b->pix_len, p->pend.txid, sizeof p->pend.txid);
    else if (is_pix)
        cnab_text(&p->line, b->pix_start, b->pix_len, p->pend.txid, sizeof p->pend.txid);
    return 0;
}

/* The trailer: nothing may follow it. Returns 0 at the end, -1 on error. */
static int trailer(parser *p, err_t *e)
{
    int r = parser_read_line(p, e);
    if (r < 0)
        return -1;
    if (r > 0)
        return parser_fail(p, e, p->lineno, 1, "expected the end of the file after the trailer, found a record");
    return 0;
}

/* A record type this bank's layout does not have. */
static int bad_record_type(parser *p, char type, err_t *e)
{
    const cnab400_bank *b = p->b400;
    char found[8];
    cnab_text(&p->line, 1, 1, found, sizeof found);
    return parser_fail(p, e, p->lineno, 1, "expected record type %c%s%s%s or 9 at position 1, found '%s'%s",
                       b->detail_type, b->detail7 ? ", 7" : "", b->pix_type ? ", " : "",
                       b->pix_type ? (char[]){ b->pix_type, 0 } : "", found,
                       type == '0' ? " (a second header)" : "");
}

int cnab400_next(parser *p, settle_record *rec, err_t *e)
{
    const cnab400_bank *b = p->b400;
    for (;;) {
        int r = parser_read_line(p, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return unexpected_end(p, e);
        if (parser_fit(p, 400, e) < 0)
            return -1;
        char type = (char)p->line.c[0];
        /* trailers often hold a count there instead (BRB, Unicred samples) */
        if (type != '9' && check_seq(p, e) < 0)
            return -1;
        if (is_detail_type(b, type)) {
            const cnab_field *table = detail_table(b, &p->line, type);
            if (p->have_pend && (b->flags & C400_FOLD_SAME_NN) && share_of_pending(p, table))
                continue;
            if (p->have_pend) {
                p->have_peek = 1;
                finish(p, rec);
                return 1;
            }
            if (read_detail(p, table, e) < 0)
                return -1;
            continue;
        }
        /* type '\0' must not reach strchr(), which finds the terminator */
        int is_pix = b->pix_type && type == b->pix_type;
        if (type && (is_pix || (type != '9' && type != '0' && strchr(b->skip_types, type)))) {
            if (optional_record(p, type, is_pix, e) < 0)
                return -1;
            continue;
        }
        if (type != '9')
            return bad_record_type(p, type, e);
        if (p->have_pend) {
            p->have_peek = 1;
            finish(p, rec);
            return 1;
        }
        return trailer(p, e);
    }
}
