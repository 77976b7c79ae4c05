/* cnab240.c - the CNAB 240 (FEBRABAN) cobrança return reader: file header,
 * batches of T/U segment pairs, batch and file trailers checked against
 * what was read. Field positions come from the tables in banks.c. */
#include "parsers/parser_int.h"

#include <string.h>

static int digits_at(parser *p, err_t *e, size_t start, size_t len, const char *what, int64_t *v)
{
    cnab_ferr fe;
    if (cnab_digits(&p->line, start, len, what, v, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    return 0;
}

int cnab240_start(parser *p, err_t *e)
{
    cnab_line *l = &p->line;
    if (parser_fit(p, 240, e) < 0)
        return -1;
    int read_date = 1;
    if (l->c[142] == '1') {
        /* C240_HEADER_143_MAY_BE_1: a bank whose manual puts '1' at 143 of
         * its return header (Cresol): the batch header's operation decides */
        char hc[4];
        memcpy(hc, l->c, 3);
        hc[3] = '\0';
        const cnab240_bank *hb = cnab240_bank_find(p->opts.bank ? p->opts.bank : hc);
        if (!hb || !(hb->flags & C240_HEADER_143_MAY_BE_1))
            return parser_fail(p, e, 1, 143,
                               "expected '2' (return) at position 143 of the CNAB 240 file header, found '1': "
                               "this is a remessa, a file sent to the bank, not a return");
        p->header_unsure = 1;
    } else if (l->c[142] != '2') {
        p->header_unsure = 1; /* decided by the batch header's operation (T = return) */
        read_date = 0;        /* a shifted header (Ailos): the date is elsewhere */
    }
    memcpy(p->info.bank, l->c, 3);
    p->info.bank[3] = '\0';
    const char *code = p->opts.bank ? p->opts.bank : p->info.bank;
    p->b240 = cnab240_bank_find(code);
    if (!p->b240)
        return parser_fail(p, e, 1, 1, "expected a CNAB 240 bank code we read (%s), found '%s'%s",
                           cnab240_bank_list(), code,
                           p->opts.bank ? "" : "\nHINT: --bank NNN reads the file with another bank's layout");
    if (p->opts.bank)
        snprintf(p->info.bank, sizeof p->info.bank, "%s", p->opts.bank);
    cnab_ferr fe;
    if (read_date && cnab_date(l, 144, 8, "file generation date", &p->info.generated_on, &fe) < 0)
        return parser_fail(p, e, 1, fe.col, "%s", fe.msg);
    p->file_records = 1;
    return 0;
}

static int t_without_u(parser *p, err_t *e, const char *found)
{
    return parser_fail(p, e, p->lineno, 14, "expected segment U after the segment T of line %ld, found %s", p->t_line,
                       found);
}

static int batch_trailer(parser *p, err_t *e)
{
    if (!p->in_batch)
        return parser_fail(p, e, p->lineno, 8, "expected a batch header (record type 1) before a batch trailer, "
                                               "found a batch trailer");
    if (p->have_t)
        return t_without_u(p, e, "a batch trailer");
    p->batch_records++;
    int64_t n;
    if (digits_at(p, e, 18, 6, "batch record count", &n) < 0)
        return -1;
    /* 18-23 is structural: a wrong count means records were lost or added */
    unsigned fl = p->b240->flags;
    long whole = p->batch_records, details = p->batch_records - 2;
    if ((fl & C240_NO_COUNTS) || (n == 0 && (fl & C240_COUNTS_ZERO_OK)))
        ;
    else if (fl & C240_BATCH_COUNT_EITHER) {
        /* Santander: notes 37/38 count header and trailer
         * (033-santander-cnab240.txt L376, L588); its samples count the
         * details only. Either is the batch; anything else is not. */
        if (n != whole && n != details)
            return parser_fail(p, e, p->lineno, 18,
                               "expected batch record count %06ld (header, details and trailer read) or %06ld "
                               "(details only), found '%06lld'",
                               whole, details, (long long)n);
    } else {
        int details_only = (fl & C240_BATCH_COUNT_DETAILS) != 0;
        long want = details_only ? details : whole;
        if (n != want)
            return parser_fail(p, e, p->lineno, 18, "expected batch record count %06ld (%s read), found '%06lld'",
                               want, details_only ? "details" : "header, details and trailer", (long long)n);
    }
    /* 24-29 / 30-46: count and total of the titles in cobrança simples
     * (FEBRABAN C070/C071: per carteira). Zeros mean "not reported"; a batch
     * that mixes carteiras (vinculada, caucionada, descontada) legitimately
     * reports less than every T read, so a difference is a warning, never a
     * refusal: the records themselves were all read and counted (18-23).
     * Banks whose 24-46 hold the portfolio (C240_NO_BATCH_TOTALS) are not
     * checked at all. */
    int64_t titles, total;
    if (!(fl & C240_NO_BATCH_TOTALS)) {
        if (digits_at(p, e, 24, 6, "batch title count", &titles) < 0 ||
            digits_at(p, e, 30, 17, "batch total", &total) < 0)
            return -1;
        if (titles != 0 && titles != p->batch_titles)
            parser_warn(p, p->lineno, 24,
                        "batch title count (cobrança simples) '%06lld' differs from the %ld T segments read; "
                        "a batch mixing carteiras reports only its simples titles",
                        (long long)titles, p->batch_titles);
        if (total != 0 && total != p->batch_face)
            parser_warn(p, p->lineno, 30,
                        "batch total (cobrança simples) '%017lld' differs from the sum of the face values read "
                        "%017lld; a batch mixing carteiras reports only its simples titles",
                        (long long)total, (long long)p->batch_face);
        if (titles || total) {
            p->info.trailer_batches++;
            p->info.trailer_titles += (long)titles;
            p->info.trailer_cents += total;
        }
    }
    p->file_records += p->batch_records;
    p->in_batch = 0;
    return 0;
}

static int file_trailer(parser *p, err_t *e)
{
    if (p->have_t)
        return t_without_u(p, e, "the file trailer");
    if (p->in_batch)
        return parser_fail(p, e, p->lineno, 8,
                           "expected a batch trailer (record type 5) to close the batch, found the file trailer");
    p->file_records++;
    int64_t batches, records;
    if (digits_at(p, e, 18, 6, "file batch count", &batches) < 0 ||
        digits_at(p, e, 24, 6, "file record count", &records) < 0)
        return -1;
    int zero_ok = (p->b240->flags & C240_COUNTS_ZERO_OK) != 0; /* 0 = not reported */
    if (p->b240->flags & C240_NO_COUNTS)
        ;
    else if (batches != p->batches && !(zero_ok && batches == 0))
        return parser_fail(p, e, p->lineno, 18, "expected file batch count %06ld (batches read), found '%06lld'",
                           p->batches, (long long)batches);
    else if (records != p->file_records && !(zero_ok && records == 0))
        return parser_fail(p, e, p->lineno, 24,
                           "expected file record count %06ld (every record read, header and trailer included), "
                           "found '%06lld'",
                           p->file_records, (long long)records);
    int r = parser_read_line(p, e);
    if (r < 0)
        return -1;
    if (r > 0)
        return parser_fail(p, e, p->lineno, 1, "expected the end of the file after the file trailer, found a record");
    return 0;
}

/* Boleto híbrido: a segment Y whose "identificação registro opcional"
 * (18-19, the frame of 033-santander-cnab240.txt L148-165) is 03 right after
 * a title's U carries that title's Pix: the QR location at 82-158 and the
 * txid at 159-193. No manual in /work/shared defines the return Y-03
 * (DOMAIN.md: FEBRABAN publishes it for remessas); the positions are those
 * of the ACBr reader (frones/ACBr, ACBrBancoSantander.pas LerRetorno240:
 * segment 'Y' with Copy(Linha,18,2) = '03', Copy(Linha,82,77) location,
 * Copy(Linha,159,35) txid). The txid is read when 159-193 holds 1 to 35
 * letters or digits, else a warning says so (the record is optional and
 * carries no money). Any other line is left for the next call. */
static int y03_after_u(parser *p, settle_record *t, err_t *e)
{
    int r = parser_read_line(p, e);
    if (r <= 0)
        return r; /* the end: the next call reports a missing trailer */
    cnab_line *l = &p->line;
    if (!(l->len >= 19 && l->c[7] == '3' && l->c[13] == 'Y' && l->c[17] == '0' && l->c[18] == '3')) {
        p->have_peek = 1;
        return 0;
    }
    if (parser_fit(p, 240, e) < 0)
        return -1;
    p->batch_records++;
    char v[64];
    cnab_text(l, 159, 35, v, sizeof v);
    size_t n = strlen(v), ok = n >= 1 && n <= 35;
    for (size_t i = 0; ok && i < n; i++)
        ok = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z');
    if (ok)
        memcpy(t->txid, v, n + 1);
    else if (n)
        parser_warn(p, p->lineno, 159,
                    "segment Y-03 after the title of line %ld: positions 159-193 hold no txid (1 to 35 letters or "
                    "digits); not read",
                    p->t_line);
    return 0;
}

/* 1 when code carries money for bank b: a liquidation code, or a "baixa
 * por ter sido liquidado" code (money when the record reports an amount) */
static inline int code_carries_money(const cnab240_bank *b, const char *code)
{
    return code[0] && (cnab_code_in(code, b->paid) || (b->liq_baixa && cnab_code_in(code, b->liq_baixa)));
}

/* Stamp a finished title with its line, format, bank and kind. */
static inline void title_finish(parser *p, settle_record *t)
{
    t->line = p->t_line;
    t->format = FMT_CNAB240;
    memcpy(t->bank, p->info.bank, 4);
    t->kind = KIND_BOLETO;
}

/* The input ended where a record was expected: always an error. */
static int unexpected_end(parser *p, err_t *e)
{
    if (p->have_t)
        return t_without_u(p, e, "the end of the file");
    return parser_fail(p, e, p->lineno + 1, 1, "expected a %s, found the end of the file (truncated?)",
                       p->in_batch ? "batch trailer (record type 5)" : "file trailer (record type 9)");
}

/* C240_U_OPTIONAL (Banrisul: U only for some codes): a pending T followed
 * by something other than its U stands alone, unless its code carries money
 * (then its U is missing: refused by the caller as before). Returns 1 when
 * the T in t is finished (the current line is read again by the next call),
 * 0 when the line is to be read as usual. */
static inline __attribute__((always_inline)) int lone_t(parser *p, settle_record *t)
{
    const cnab_line *l = &p->line;
    if (!p->have_t || !(p->b240->flags & C240_U_OPTIONAL) || (l->c[7] == '3' && l->c[13] == 'U'))
        return 0;
    const cnab240_bank *b = p->b240;
    if (code_carries_money(b, t->movement_code))
        return 0;
    p->have_t = 0;
    p->have_peek = 1; /* this line is read again by the next call */
    title_finish(p, t);
    cnab_set_paid(t, b->paid, b->liq_baixa);
    return 1;
}

/* Record type 1: a batch header opens a batch. */
static int batch_header(parser *p, err_t *e)
{
    const cnab_line *l = &p->line;
    if (p->in_batch)
        return parser_fail(p, e, p->lineno, 8,
                           "expected a batch trailer (record type 5) before a new batch, found a batch header");
    if (p->header_unsure && l->c[8] != 'T')
        return parser_fail(p, e, p->lineno, 9,
                           "expected 'T' (return) at position 9 of the batch header, since the file header "
                           "has no '2' at 143, found '%c'%s",
                           l->c[8] >= 0x20 && l->c[8] < 0x7f ? l->c[8] : '?',
                           l->c[8] == 'R' ? ": this is a remessa, a file sent to the bank, not a return" : "");
    if (p->b240->flags & C240_TEST_LITERAL) {
        /* Citibank: a test file says so in its batch header */
        const unsigned char *test = memmem(l->c, 240, "COBRANCA-TESTE", 14);
        if (test)
            return parser_fail(p, e, p->lineno, (size_t)(test - l->c) + 1,
                               "expected a production return, found 'COBRANCA-TESTE' in the batch header: "
                               "this is a test file (its payments are not real)");
    }
    p->header_unsure = 0;
    p->in_batch = 1;
    p->batch_records = 1;
    p->batch_titles = 0;
    p->batch_face = 0;
    p->batches++;
    return 0;
}

/* Segment T: a title's first half, decoded straight into t (T and U are
 * read in one call). */
static inline __attribute__((always_inline)) int segment_t(parser *p, settle_record *t, err_t *e)
{
    cnab_ferr fe;
    if (p->have_t)
        return t_without_u(p, e, "another segment T");
    memset(t, 0, sizeof *t);
    if (cnab_apply(p->b240->t, &p->line, t, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    p->have_t = 1;
    p->t_line = p->lineno;
    p->batch_titles++;
    p->batch_face += t->amount_face_cents;
    return 0;
}

/* A T and a U whose movement codes differ (tcode is T's, t's is U's):
 * refused when either code carries money (which one is right decides a
 * payment), else T's code is kept with a warning (docs/formats/cnab.md,
 * "When a file is refused"). */
static int codes_disagree(parser *p, settle_record *t, const char tcode[3], err_t *e)
{
    const cnab240_bank *b = p->b240;
    if (code_carries_money(b, tcode) || code_carries_money(b, t->movement_code))
        return parser_fail(p, e, p->lineno, 16,
                           "expected movement code '%s' (as in the segment T of line %ld), found '%s'", tcode,
                           p->t_line, t->movement_code);
    parser_warn(p, p->lineno, 16,
                "movement code '%s' differs from '%s' in the segment T of line %ld; neither carries "
                "money: T's code is kept",
                t->movement_code, tcode, p->t_line);
    memcpy(t->movement_code, tcode, 3);
    return 0;
}

/* The amounts of banks whose U does not hold what the payer paid. */
static inline __attribute__((always_inline)) int title_amounts(parser *p, settle_record *t, err_t *e)
{
    unsigned fl = p->b240->flags;
    if ((fl & C240_PAID_FROM_NET) && t->amount_credited_cents) {
        /* Banrisul: whichever of the six "valor pago" types the
         * client has, the net is what the payer paid less the
         * collection fee and other expenses */
        int64_t other_exp;
        if (digits_at(p, e, 108, 15, "other expenses", &other_exp) < 0)
            return -1;
        t->amount_paid_cents = t->amount_credited_cents + t->fee_cents + other_exp;
    }
    if (fl & C240_PAID_IS_NET) {
        /* U 78-92 is "valor lançado em conta corrente": the net;
         * what the payer paid is that plus the fee */
        t->amount_credited_cents = t->amount_paid_cents;
        if (t->amount_paid_cents)
            t->amount_paid_cents += t->fee_cents;
    }
    return 0;
}

/* Segment U: completes the title in t. Returns 1 with the record, -1 on
 * error. */
static inline __attribute__((always_inline)) int segment_u(parser *p, settle_record *t, err_t *e)
{
    cnab_ferr fe;
    if (!p->have_t)
        return parser_fail(p, e, p->lineno, 14,
                           "expected a segment T before segment U, found a segment U without its T");
    char tcode[3];
    memcpy(tcode, t->movement_code, 3);
    if (cnab_apply(p->b240->u, &p->line, t, &fe) < 0)
        return parser_fail(p, e, p->lineno, fe.col, "%s", fe.msg);
    const cnab240_bank *b = p->b240;
    if (strcmp(tcode, t->movement_code) && codes_disagree(p, t, tcode, e) < 0)
        return -1;
    p->have_t = 0;
    title_finish(p, t);
    if (title_amounts(p, t, e) < 0)
        return -1;
    cnab_set_paid(t, b->paid, b->liq_baixa);
    parser_xcheck(p, t, b->xcheck);
    if (y03_after_u(p, t, e) < 0)
        return -1;
    return 1;
}

/* Record type 3: a detail segment. Returns 1 with a finished record in
 * rec, 0 to read on, -1 on error. */
static inline __attribute__((always_inline)) int detail(parser *p, settle_record *rec, err_t *e)
{
    const cnab_line *l = &p->line;
    if (!p->in_batch)
        return parser_fail(p, e, p->lineno, 8,
                           "expected a batch header (record type 1) before a detail, found a detail");
    p->batch_records++;
    char seg = (char)l->c[13];
    if (seg == 'T')
        return segment_t(p, rec, e);
    if (seg == 'U')
        return segment_u(p, rec, e);
    if (seg == 'Y' || seg == 'W')
        return 0; /* optional segments with no settlement data */
    if ((p->b240->flags & C240_SKIP_SEGMENTS) && seg >= 'A' && seg <= 'Z')
        return 0; /* C240_SKIP_SEGMENTS (HSBC): other batches' segments, no settlement data */
    char found[8];
    cnab_text(l, 14, 1, found, sizeof found);
    return parser_fail(p, e, p->lineno, 14, "expected segment T, U, W or Y in a cobrança batch, found '%s'",
                       found[0] ? found : " ");
}

/* A record type other than 1, 3, 5 or 9. */
static int bad_record_type(parser *p, err_t *e)
{
    const cnab_line *l = &p->line;
    if (l->c[7] == '0')
        return parser_fail(p, e, p->lineno, 8,
                           "expected record type 1, 3, 5 or 9 at position 8, found a second file header ('0')");
    char found[8];
    cnab_text(l, 8, 1, found, sizeof found);
    return parser_fail(p, e, p->lineno, 8, "expected record type 1, 3, 5 or 9 at position 8, found '%s'", found);
}

int cnab240_next(parser *p, settle_record *rec, err_t *e)
{
    for (;;) {
        int r = parser_read_line(p, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return unexpected_end(p, e);
        if (parser_fit(p, 240, e) < 0)
            return -1;
        if (lone_t(p, rec))
            return 1;
        switch ((char)p->line.c[7]) {
        case '1':
            if (batch_header(p, e) < 0)
                return -1;
            continue;
        case '3':
            r = detail(p, rec, e);
            if (r != 0)
                return r;
            continue;
        case '5':
            if (batch_trailer(p, e) < 0)
                return -1;
            continue;
        case '9':
            if (file_trailer(p, e) < 0)
                return -1;
            return 0;
        default:
            return bad_record_type(p, e);
        }
    }
}
