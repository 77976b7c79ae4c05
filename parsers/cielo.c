/* cielo.c - Cielo "Extrato Eletrônico" v15: file 03 (sales and schedule)
 * and file 04 (payments), docs/formats/cielo.md.
 *
 * Fixed-position records, one per line, windows-1252, variable length by
 * type (header and trailer 250, D 400, E 722 and more; trailing blanks may
 * be trimmed). Read in one pass:
 *   0  header: EC, processing date, "CIELO", file type (opção de extrato)
 *      03 or 04, layout version 015; anything else is refused.
 *   D  (file 04 only) one payout "UR": a KIND_CARD_SETTLEMENT record, paid
 *      when its status says the money was sent/paid to the bank.
 *   E  one sale installment or adjustment: in file 03 a KIND_CARD_SALE
 *      (sales types 01-03) or KIND_CARD_ADJUSTMENT; in file 04 an item of
 *      the payout D it belongs to (joined by Chave UR + tipo de lançamento,
 *      the D before its E records): KIND_CARD_SETTLEMENT (paid = 0, the D
 *      carries the money) or KIND_CARD_ADJUSTMENT. An E without its D, or a
 *      D whose E records are not as many as it says, is an error of the
 *      file; a D whose E records do not add up to it is a warning.
 *   8, A, B, C, R  Pix, negotiation, receipt account, reserve: read,
 *      counted (file_info.skipped) and in the trailer's count.
 *   9  trailer: record count, E count and the net and gross sums checked.
 * Other record types are counted and reported as warnings.
 *
 * Memory: one entry per payout of a file 04 (cielo_max_ur), nothing per
 * sale. */
#include "parsers/cards.h"
#include "parsers/parser_int.h"

#include <stdlib.h>
#include <string.h>

#define CIELO_HDR_LEN 250
#define CIELO_D_LEN 400
#define CIELO_E_LEN 1024   /* 722 in the derived positions; real files carry more */
#define CIELO_ANY_LEN 1024
#define CIELO_KEY 100      /* Chave UR */

typedef struct cielo_ur {
    char key[CIELO_KEY + 4];   /* Chave UR (trimmed) + '|' + tipo de lançamento; "" = free slot */
    long line;                 /* the D record's line */
    long want, got;            /* E records the D announces (144-149), E records seen */
    int64_t net, e_net;        /* D's net, sum of its E records' net */
    settle_date paid_on;       /* D's payment date (268-275) */
} cielo_ur;

struct cielo {
    int file;                  /* 3 or 4 */
    long n_records;            /* records between header and trailer */
    long n_e;
    int64_t sum_e_net, sum_e_gross, sum_d_net, sum_d_gross;
    cielo_ur *ur;              /* open addressing, cap a power of two */
    size_t cap, used;
    int trailer_seen;
};

/* ---- the payouts of a file 04 -------------------------------------------- */

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static cielo_ur *ur_find(struct cielo *c, const char *key)
{
    if (!c->cap)
        return NULL;
    for (size_t i = hash_key(key) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        if (!c->ur[i].key[0])
            return NULL;
        if (!strcmp(c->ur[i].key, key))
            return &c->ur[i];
    }
}

/* Add key; NULL when out of memory. *dup set when it was there already. */
static cielo_ur *ur_add(struct cielo *c, const char *key, int *dup)
{
    *dup = 0;
    if ((c->used + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        cielo_ur *n = calloc(ncap, sizeof *n);
        if (!n)
            return NULL;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->ur[i].key[0])
                continue;
            size_t j = hash_key(c->ur[i].key) & (ncap - 1);
            while (n[j].key[0])
                j = (j + 1) & (ncap - 1);
            n[j] = c->ur[i];
        }
        free(c->ur);
        c->ur = n;
        c->cap = ncap;
    }
    size_t i = hash_key(key) & (c->cap - 1);
    for (; c->ur[i].key[0]; i = (i + 1) & (c->cap - 1))
        if (!strcmp(c->ur[i].key, key)) {
            *dup = 1;
            return &c->ur[i];
        }
    snprintf(c->ur[i].key, sizeof c->ur[i].key, "%s", key);
    c->used++;
    return &c->ur[i];
}

/* ---- tables -------------------------------------------------------------- */

/* Bandeira codes (Cielo v15 tabela de bandeiras, docs/formats/cielo.md). */
static const char *brand_name(const char *code)
{
    static const struct { const char *code, *name; } t[] = {
        { "001", "visa" }, { "002", "mastercard" }, { "003", "amex" }, { "007", "elo" },
        { "009", "diners" }, { "040", "hipercard" }, { "888", "pix" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(t[i].code, code))
            return t[i].name;
    return NULL;
}

/* Tipo de lançamento -> 0 a sale, else the adjustment name. */
static const char *adjustment_of(const char *tipo)
{
    if (!strcmp(tipo, "01") || !strcmp(tipo, "02") || !strcmp(tipo, "03"))
        return NULL;
    if (!strcmp(tipo, "06"))
        return "cancel";
    if (!strcmp(tipo, "08"))
        return "chargeback";
    if (!strcmp(tipo, "09"))
        return "chargeback_reversal";
    if (!strcmp(tipo, "11"))
        return "anticipation"; /* valor cedido em negociação: receivable sold, not paid to the store */
    return "other";
}

/* D status (status do pagamento 70-71) that say the money left Cielo for
 * the store's bank: 03 enviado ao banco, 04 pago, 07 reenviado. */
static int status_paid(const char *st)
{
    return !strcmp(st, "03") || !strcmp(st, "04") || !strcmp(st, "07");
}

/* ---- records ------------------------------------------------------------- */

static int fail_fe(parser *p, err_t *e, const cnab_ferr *fe)
{
    return parser_fail(p, e, p->lineno, fe->col, "%s", fe->msg);
}

static int digits_field(parser *p, err_t *e, size_t start, size_t len, const char *what, char *dst, size_t size)
{
    const cnab_line *l = &p->line;
    if (!cards_all_digits(l, start, len)) {
        cnab_ferr fe;
        char w[160];
        snprintf(w, sizeof w, "%zu digits in %s", len, what);
        cards_expected(l, start, len, w, &fe);
        return fail_fe(p, e, &fe);
    }
    cards_text(l, start, len, dst, size);
    return 0;
}

static void set_brand(settle_record *rec, const char *code)
{
    const char *n = brand_name(code);
    snprintf(rec->card_brand, sizeof rec->card_brand, "%s", n ? n : code);
}

static int read_d(parser *p, settle_record *rec, err_t *e)
{
    struct cielo *c = p->cielo;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    if (c->file != 4)
        return parser_fail(p, e, p->lineno, 1,
                           "expected record type E, 8, A, B, C, R or 9 in a file 03 (sales), found a payment "
                           "record D (files 04 and 09 only)");
    if (parser_fit(p, CIELO_D_LEN, e) < 0)
        return -1;
    memset(rec, 0, sizeof *rec);
    rec->line = p->lineno;
    rec->format = FMT_CIELO;
    rec->kind = KIND_CARD_SETTLEMENT;
    char brand[4], status[3], tipo[3];
    int64_t gross, fee, net, count;
    if (digits_field(p, e, 2, 10, "the EC (estabelecimento)", rec->card_merchant, sizeof rec->card_merchant) < 0 ||
        digits_field(p, e, 54, 3, "the bandeira", brand, sizeof brand) < 0 ||
        digits_field(p, e, 70, 2, "the payment status", status, sizeof status) < 0 ||
        digits_field(p, e, 150, 2, "the tipo de lançamento", tipo, sizeof tipo) < 0)
        return -1;
    if (cards_smoney(l, 72, 73, 13, "the gross amount", &gross, &fe) < 0 ||
        cards_smoney(l, 86, 87, 13, "the fee (taxa administrativa)", &fee, &fe) < 0 ||
        cards_smoney(l, 100, 101, 13, "the net amount", &net, &fe) < 0 ||
        cnab_digits(l, 144, 6, "the E record count (quantidade de lançamentos)", &count, &fe) < 0 ||
        cards_date8(l, 268, "the payment date", &rec->credited_on, &fe) < 0 ||
        cards_date8(l, 284, "the original due date", &rec->due_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    cards_text(l, 152, CIELO_KEY, rec->acquirer_key, sizeof rec->acquirer_key);
    if (!rec->acquirer_key[0])
        return parser_fail(p, e, p->lineno, 152, "expected the Chave UR (positions 152-251), found blanks");
    if (!rec->credited_on.y)
        return parser_fail(p, e, p->lineno, 268, "expected a date DDMMAAAA in the payment date (positions 268-275), found none");
    set_brand(rec, brand);
    snprintf(rec->movement_code, sizeof rec->movement_code, "%s", tipo);
    rec->amount_face_cents = gross;
    rec->fee_cents = -fee;
    rec->amount_credited_cents = net;
    rec->paid = status_paid(status);
    if (gross + fee != net) {
        p->info.xcheck_mismatches++;
        parser_warn(p, p->lineno, 100, "money does not add up: net %lld != gross %lld + fee %lld (the record is read as Cielo sent it)",
                    (long long)net, (long long)gross, (long long)fee);
    }

    char key[CIELO_KEY + 4];
    snprintf(key, sizeof key, "%s|%s", rec->acquirer_key, tipo);
    if ((long)c->used >= cielo_max_ur)
        return parser_fail(p, e, p->lineno, 1, "expected at most %ld payouts (D records) in one file, found more",
                           cielo_max_ur);
    int dup;
    cielo_ur *u = ur_add(c, key, &dup);
    if (!u) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    if (dup)
        return parser_fail(p, e, p->lineno, 152,
                           "expected one D record per Chave UR and tipo de lançamento, found a second one for "
                           "tipo %s (the first at line %ld)",
                           tipo, u->line);
    u->line = p->lineno;
    u->want = count;
    u->net = net;
    u->paid_on = rec->credited_on;
    c->sum_d_net += net;
    c->sum_d_gross += gross;
    return 1;
}

static int read_e(parser *p, settle_record *rec, err_t *e)
{
    struct cielo *c = p->cielo;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    if (parser_fit(p, CIELO_E_LEN, e) < 0)
        return -1;
    memset(rec, 0, sizeof *rec);
    rec->line = p->lineno;
    rec->format = FMT_CIELO;
    char brand[4], tipo[3], inst[3], insts[3];
    int64_t total, gross, net, comm;
    if (digits_field(p, e, 2, 10, "the EC (estabelecimento)", rec->card_merchant, sizeof rec->card_merchant) < 0 ||
        digits_field(p, e, 12, 3, "the bandeira", brand, sizeof brand) < 0 ||
        digits_field(p, e, 18, 2, "the installment (parcela)", inst, sizeof inst) < 0 ||
        digits_field(p, e, 20, 2, "the installment count (total de parcelas)", insts, sizeof insts) < 0 ||
        digits_field(p, e, 28, 2, "the tipo de lançamento", tipo, sizeof tipo) < 0)
        return -1;
    if (cards_smoney(l, 247, 248, 13, "the sale total (valor total da venda)", &total, &fe) < 0 ||
        cards_smoney(l, 261, 262, 13, "the gross amount (valor bruto)", &gross, &fe) < 0 ||
        cards_smoney(l, 275, 276, 13, "the net amount (valor líquido)", &net, &fe) < 0 ||
        cards_smoney(l, 289, 290, 13, "the fee (valor da comissão)", &comm, &fe) < 0 ||
        cards_date8(l, 566, "the authorization date", &rec->occurred_on, &fe) < 0 ||
        cards_date8(l, 630, "the original due date (data de vencimento original)", &rec->due_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    /* 18-21 are digits (checked above) */
    rec->installment = (int16_t)((l->c[17] - '0') * 10 + (l->c[18] - '0'));
    rec->installments = (int16_t)((l->c[19] - '0') * 10 + (l->c[20] - '0'));
    if (rec->installments > 1 && (rec->installment < 1 || rec->installment > rec->installments))
        return parser_fail(p, e, p->lineno, 18,
                           "expected an installment between 01 and %02d (positions 18-19), found '%s'",
                           rec->installments, inst);
    cards_text(l, 22, 6, rec->card_authorization, sizeof rec->card_authorization);
    cards_text(l, 30, CIELO_KEY, rec->acquirer_key, sizeof rec->acquirer_key);
    cards_text(l, 176, 6, rec->card_nsu, sizeof rec->card_nsu);
    cards_text(l, 192, 20, rec->card_tid, sizeof rec->card_tid);
    cards_text(l, 212, 20, rec->order_reference, sizeof rec->order_reference);
    set_brand(rec, brand);
    snprintf(rec->movement_code, sizeof rec->movement_code, "%s", tipo);
    rec->amount_paid_cents = total;
    rec->amount_face_cents = gross;
    rec->amount_credited_cents = net;
    rec->fee_cents = -comm;
    rec->credited_on = rec->due_on;
    const char *adj = adjustment_of(tipo);
    if (adj) {
        rec->kind = KIND_CARD_ADJUSTMENT;
        snprintf(rec->adjustment, sizeof rec->adjustment, "%s", adj);
    } else {
        rec->kind = c->file == 4 ? KIND_CARD_SETTLEMENT : KIND_CARD_SALE;
    }
    if (gross + comm != net) {
        p->info.xcheck_mismatches++;
        parser_warn(p, p->lineno, 276,
                    "money does not add up: net %lld != gross %lld + fee %lld (the record is read as Cielo sent it)",
                    (long long)net, (long long)gross, (long long)comm);
    }
    if (c->file == 4) {
        char key[CIELO_KEY + 4];
        snprintf(key, sizeof key, "%s|%s", rec->acquirer_key, tipo);
        cielo_ur *u = ur_find(c, key);
        if (!u)
            return parser_fail(p, e, p->lineno, 30,
                               "expected a D record (payout) before this E record with the same Chave UR and tipo de "
                               "lançamento %s, found none: an E without its D (Chave UR '%.64s')",
                               tipo, rec->acquirer_key);
        u->got++;
        u->e_net += net;
        rec->credited_on = u->paid_on;
    }
    c->n_e++;
    c->sum_e_net += net;
    c->sum_e_gross += gross;
    return 1;
}

static int read_trailer(parser *p, err_t *e)
{
    struct cielo *c = p->cielo;
    const cnab_line *l = &p->line;
    cnab_ferr fe;
    if (parser_fit(p, CIELO_HDR_LEN, e) < 0)
        return -1;
    int64_t total, net, ne, gross;
    if (cnab_digits(l, 2, 11, "the record count", &total, &fe) < 0 ||
        cards_smoney(l, 13, 14, 17, "the net sum", &net, &fe) < 0 ||
        cnab_digits(l, 31, 11, "the E record count", &ne, &fe) < 0 ||
        cards_smoney(l, 42, 43, 17, "the gross sum", &gross, &fe) < 0)
        return fail_fe(p, e, &fe);
    if (total != c->n_records)
        return parser_fail(p, e, p->lineno, 2,
                           "expected the trailer's record count (positions 2-12) to be %ld, the records between "
                           "header and trailer, found %lld",
                           c->n_records, (long long)total);
    if (ne != c->n_e)
        return parser_fail(p, e, p->lineno, 31,
                           "expected the trailer's E record count (positions 31-41) to be %ld, found %lld", c->n_e,
                           (long long)ne);
    /* file 03: the sums of the E records; file 04: of the payouts (D), which
     * equal their E records' when they add up (docs/formats/cielo.md) */
    int net_ok = net == c->sum_e_net || (c->file == 4 && net == c->sum_d_net);
    int gross_ok = gross == c->sum_e_gross || (c->file == 4 && gross == c->sum_d_gross);
    if (!net_ok)
        return parser_fail(p, e, p->lineno, 13,
                           "expected the trailer's net sum (positions 13-30) to be %lld, the sum of the %s, found %lld",
                           (long long)(c->file == 4 ? c->sum_d_net : c->sum_e_net),
                           c->file == 4 ? "D records" : "E records", (long long)net);
    if (!gross_ok)
        return parser_fail(p, e, p->lineno, 42,
                           "expected the trailer's gross sum (positions 42-59) to be %lld, the sum of the %s, found "
                           "%lld",
                           (long long)(c->file == 4 ? c->sum_d_gross : c->sum_e_gross),
                           c->file == 4 ? "D records" : "E records", (long long)gross);
    /* every payout with as many E records as it announces */
    for (size_t i = 0; i < c->cap; i++) {
        const cielo_ur *u = &c->ur[i];
        if (!u->key[0])
            continue;
        if (u->got != u->want)
            return parser_fail(p, e, u->line, 144,
                               "expected %ld E records for this payout (quantidade de lançamentos, positions "
                               "144-149), found %ld in the file",
                               u->want, u->got);
        if (u->e_net != u->net) {
            p->info.xcheck_mismatches++;
            parser_warn(p, u->line, 100,
                        "money does not add up: payout net %lld != %lld, the sum of its %ld E records (read as Cielo "
                        "sent it)",
                        (long long)u->net, (long long)u->e_net, u->got);
        }
    }
    return 0;
}

int cielo_next(parser *p, settle_record *rec, err_t *e)
{
    struct cielo *c = p->cielo;
    for (;;) {
        int r = parser_read_line(p, e);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (c->trailer_seen)
                return 0;
            return parser_fail(p, e, p->lineno + 1, 1,
                               "expected a trailer (record type 9), found the end of the file (truncated?)");
        }
        if (c->trailer_seen)
            return parser_fail(p, e, p->lineno, 1, "expected the end of the file after the trailer, found a record");
        unsigned char type = p->line.c[0];
        if (type == '9') {
            if (read_trailer(p, e) < 0)
                return -1;
            c->trailer_seen = 1;
            continue;
        }
        if (type == '0')
            return parser_fail(p, e, p->lineno, 1, "expected a record type D, E or 9, found a second header (type 0)");
        if (++c->n_records > cards_max_records)
            return parser_fail(p, e, p->lineno, 1, "expected at most %ld records in one file, found more",
                               cards_max_records);
        if (type == 'D')
            return read_d(p, rec, e);
        if (type == 'E')
            return read_e(p, rec, e);
        if (parser_fit(p, CIELO_ANY_LEN, e) < 0)
            return -1;
        if (type == '8' || type == 'A' || type == 'B' || type == 'C' || type == 'R') {
            p->info.skipped++;
            continue;
        }
        char found[8];
        cards_text(&p->line, 1, 1, found, sizeof found);
        p->info.skipped++;
        parser_warn(p, p->lineno, 1,
                    "unknown record type '%s' (expected 0, D, E, 8, A, B, C, R or 9): counted and skipped", found);
    }
}

int cielo_sniff(const cnab_line *l)
{
    return l->len >= 49 && l->c[0] == '0' && !memcmp(l->c + 42, "CIELO", 5) && cards_all_digits(l, 2, 10);
}

int cielo_start(parser *p, err_t *e)
{
    cnab_line *l = &p->line;
    cnab_ferr fe;
    struct cielo *c = calloc(1, sizeof *c);
    if (!c) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    p->cielo = c;
    p->info.format = FMT_CIELO;
    if (!cielo_sniff(l)) {
        char head[41];
        cards_text(l, 1, l->len < 40 ? l->len : 40, head, sizeof head);
        return parser_fail(p, e, 1, 1,
                           "expected a Cielo header (record type '0', 'CIELO' at positions 43-47), found '%s'", head);
    }
    if (parser_fit(p, CIELO_HDR_LEN, e) < 0)
        return -1;
    char opt[3], ver[4];
    cards_text(l, 48, 2, opt, sizeof opt);
    if (!strcmp(opt, "03"))
        c->file = 3;
    else if (!strcmp(opt, "04"))
        c->file = 4;
    else {
        const char *what = !strcmp(opt, "09")   ? " (saldo em aberto)"
                           : !strcmp(opt, "15") ? " (negociação de recebíveis)"
                           : !strcmp(opt, "16") ? " (Pix)"
                                                : "";
        cards_expected(l, 48, 2, "file type (opção de extrato) 03 (sales) or 04 (payments)", &fe);
        return parser_fail(p, e, 1, 48, "%s%s: not read by settle", fe.msg, what);
    }
    cards_text(l, 71, 3, ver, sizeof ver);
    if (strcmp(ver, "015")) {
        cards_expected(l, 71, 3, "layout version '015' (Extrato Eletrônico v15)", &fe);
        return parser_fail(p, e, 1, 71, "%s%s", fe.msg,
                           !strcmp(ver, "001") || !strcmp(ver, "013") || !strcmp(ver, "014")
                               ? "\nHINT: the 250-byte layout before v15 was retired in 2024-06; ask Cielo (edi@cielo.com.br) for v15"
                               : "");
    }
    if (cnab_date_ymd(l, 12, "the processing date", &p->info.generated_on, &fe) < 0)
        return fail_fe(p, e, &fe);
    snprintf(p->info.bank, sizeof p->info.bank, "%s", "");
    return 0;
}

void cielo_free(parser *p)
{
    if (!p->cielo)
        return;
    free(p->cielo->ur);
    free(p->cielo);
    p->cielo = NULL;
}
