/* pixpsp.c - record-typed Pix statements of PSPs (pixpsp.h): the layout
 * tables, the header sniffer, and the decoding of one record's values.
 *
 * OpenSSL's EVP_DecodeBlock decodes the base64 text fields; PCRE2 checks the
 * Pix identifiers (the patterns of parsers/pixcsv.c). Money is parsed by
 * hand into int64 cents, timestamps into epoch seconds: never floats. The
 * table-driven two-pass reader is parsers/pixpsp_read.c. */
#include "common/civil.h"
#include "parsers/cnab.h"
#include "parsers/pixpsp_int.h"
#include "parsers/pixval.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the layouts ---------------------------------------------------------- */

#define B(i) (1u << (i))

/* Efí "Extrato de Conciliação • API Pix" v4.0
 * (/work/shared/pix-psp/efi-extrato-conciliacao-v4.0.txt, "L" = its line).
 * Trailer (L1164-1222): T; total (every line but CA, T, SD0, SD1: L1185-1188);
 * then the counts below, in this order, at fields 2..12. */
static const pixpsp_rtype efi_types[] = {
    /* PR Pix Recebido (L125-169): tipo, protocolo, e2eid, txid, valor,
     * documento, info pagador (base64), info adicionais (base64), horário */
    { "PR", "Pix Recebido", PSP_RECEIPT, 9, 9, .f_e2e = 2, .f_txid = 3, .f_amount = 4, .f_when = 8, .f_doc = 5,
      .f_name = -1, .f_message = 6, .f_refund_id = -1, .trailer_field = 2, .b64 = B(6) | B(7),
      .required = B(1) | B(2) | B(4) | B(5) | B(8) },
    /* PEC Pix Enviado via Chave (L178-222): 9 fields */
    { "PEC", "Pix Enviado via Chave", PSP_IGNORED, 9, 9, -1, -1, -1, -1, -1, -1, -1, -1, 3, 0, 0 },
    /* PEB Pix Enviado via Dados Bancários (L237-295): 14 fields */
    { "PEB", "Pix Enviado via Dados Bancários", PSP_IGNORED, 14, 14, -1, -1, -1, -1, -1, -1, -1, -1, 3, 0, 0 },
    /* EPE Estorno de Pix Enviado (L304-332): 5 fields; "estornos Pix" */
    { "EPE", "Estorno de Pix Enviado", PSP_IGNORED, 5, 5, -1, -1, -1, -1, -1, -1, -1, -1, 5, 0, 0 },
    /* PDE Pix Devolução Enviada (L366-406): tipo, protocolo, e2eid, txid,
     * id da devolução, rtrId, valor, horário */
    { "PDE", "Pix Devolução Enviada", PSP_REFUND_SENT, 8, 8, .f_e2e = 2, .f_txid = 3, .f_amount = 6, .f_when = 7,
      .f_doc = -1, .f_name = -1, .f_message = -1, .f_refund_id = 5, .trailer_field = 4, .b64 = 0,
      .required = B(1) | B(2) | B(4) | B(5) | B(6) | B(7) },
    /* PDR Pix Devolução Recebida (L420-452): tipo, protocolo, e2eid, rtrId, valor, horário.
     * The return of a Pix the store SENT (its e2eid is an outgoing Pix's):
     * money back from a payment the pipeline does not reconcile, like EPE,
     * not a refund of a customer's payment. Checked and counted, not a
     * settlement (it would otherwise reach finance as PIX_REFUND, money out). */
    { "PDR", "Pix Devolução Recebida", PSP_IGNORED, 6, 6, .f_e2e = 2, .f_txid = -1, .f_amount = 4,
      .f_when = 5, .f_doc = -1, .f_name = -1, .f_message = -1, .f_refund_id = 3, .trailer_field = 4, .b64 = 0,
      .required = B(1) | B(2) | B(3) | B(4) | B(5) },
    /* TPE Tarifa Pix Enviado (L477-504): 5 fields in the table, 8 in the examples (L481, L1316) */
    { "TPE", "Tarifa Pix Enviado", PSP_IGNORED, 5, 8, -1, -1, -1, -1, -1, -1, -1, -1, 6, 0, 0 },
    /* TPR Tarifa Pix Recebido (L540-567): tipo, protocolo, e2eid, valor, horário */
    { "TPR", "Tarifa Pix Recebido", PSP_FEE, 5, 5, .f_e2e = 2, .f_txid = -1, .f_amount = 3, .f_when = 4,
      .f_doc = -1, .f_name = -1, .f_message = -1, .f_refund_id = -1, .trailer_field = 6, .b64 = 0,
      .required = B(1) | B(2) | B(3) | B(4) },
    /* ETPE Estorno de Tarifa Pix Enviado (L605-632) */
    { "ETPE", "Estorno de Tarifa Pix Enviado", PSP_IGNORED, 5, 5, -1, -1, -1, -1, -1, -1, -1, -1, 7, 0, 0 },
    /* ETPR Estorno de Tarifa Pix Recebido (L670-697): as TPR */
    { "ETPR", "Estorno de Tarifa Pix Recebido", PSP_FEE_REVERSAL, 5, 5, .f_e2e = 2, .f_txid = -1, .f_amount = 3,
      .f_when = 4, .f_doc = -1, .f_name = -1, .f_message = -1, .f_refund_id = -1, .trailer_field = 7, .b64 = 0,
      .required = B(1) | B(2) | B(3) | B(4) },
    /* SD0 / SD1 Saldo (L735-815): tipo, valor, data; outside the trailer's total (L1187) */
    { "SD0", "Saldo do Dia Anterior", PSP_BALANCE, 3, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0 },
    { "SD1", "Saldo do Dia", PSP_BALANCE, 3, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0 },
    /* TFR Transferência Recebida (L918-949): 6 fields */
    { "TFR", "Transferência Recebida", PSP_IGNORED, 6, 6, -1, -1, -1, -1, -1, -1, -1, -1, 8, 0, 0 },
    /* TFE Transferência Enviada (L855-886): 6 in the table and L1326, 5 in the example L859 */
    { "TFE", "Transferência Enviada", PSP_IGNORED, 5, 6, -1, -1, -1, -1, -1, -1, -1, -1, 9, 0, 0 },
    /* TTFE Tarifa Transferência Enviada (L1044-1070) */
    { "TTFE", "Tarifa Transferência Enviada", PSP_IGNORED, 5, 5, -1, -1, -1, -1, -1, -1, -1, -1, 10, 0, 0 },
    /* ETFE Estorno de Transferência Enviada (L981-1007) */
    { "ETFE", "Estorno de Transferência Enviada", PSP_IGNORED, 5, 5, -1, -1, -1, -1, -1, -1, -1, -1, 11, 0, 0 },
    /* ETTFE Estorno de Tarifa Transferência Enviada (L1104-1130) */
    { "ETTFE", "Estorno de Tarifa Transferência Enviada", PSP_IGNORED, 5, 5, -1, -1, -1, -1, -1, -1, -1, -1, 12, 0,
      0 },
};

/* Header CA (L76-116): tipo, identificação, código do banco (364), agência,
 * conta, responsável, data de solicitação, data do movimento, descrição,
 * versão: 10 fields. */
static const pixpsp_layout efi_layout = {
    .name = "efi",
    .psp = "Efí",
    .bank = "364",
    .delim = ';',
    .header_code = "CA",
    .header_fields = 10,
    .hdr_bank = 2,
    .hdr_date = 6,
    .trailer_code = "T",
    .trailer_fields = 13,
    .trailer_total = 1,
    .types = efi_types,
    .ntypes = (int)(sizeof efi_types / sizeof efi_types[0]),
};

const pixpsp_layout *const pixpsp_layouts[] = { &efi_layout, NULL };

long pixpsp_max_pix = PIXPSP_MAX_PIX;

/* ---- identifiers (the patterns of pixcsv.c) ------------------------------------ */

static pcre2_code *re_e2e, *re_rtr, *re_txid;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void compile_once(void)
{
    static const char *const pat[3] = {
        "^[ED][0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$",
        "^D[0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$",
        "^[a-zA-Z0-9]{1,35}$",
    };
    pcre2_code **dst[3] = { &re_e2e, &re_rtr, &re_txid };
    for (int i = 0; i < 3; i++) {
        int rc;
        PCRE2_SIZE off;
        *dst[i] = pcre2_compile((PCRE2_SPTR)pat[i], PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY, &rc, &off, NULL);
        if (*dst[i])
            pcre2_jit_compile(*dst[i], PCRE2_JIT_COMPLETE);
    }
}

static int re_match(struct pixpsp *r, const pcre2_code *re, const char *s)
{
    return pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, r->md, NULL) >= 0;
}

/* pixpsp_int.h */
int pixpsp_patterns_ready(void)
{
    pthread_once(&re_once, compile_once);
    return re_e2e && re_rtr && re_txid;
}

/* ---- small helpers ------------------------------------------------------------- */

/* s quoted for a message: at most 40 bytes, control bytes and quotes escaped. */
const char *pixpsp_shown(const char *s, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    out[o++] = '\'';
    for (size_t i = 0; i < n && o + 8 < outsz; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c >= 0x7F || c == '\'' || c == '\\')
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", c);
        else
            out[o++] = (char)c;
    }
    out[o++] = '\'';
    out[o] = '\0';
    return out;
}

int pix_doc_check(const char *s, char out[15], char *why, size_t whysz)
{
    char d[15];
    size_t n = 0, letters = 0, letter_at = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || c == '-' || c == '/' || c == ' ')
            continue;
        if (!is_digit((char)c) && !(c >= 'A' && c <= 'Z')) {
            if (c >= 'a' && c <= 'z')
                snprintf(why, whysz, "a lowercase letter");
            else if (c >= 0x20 && c < 0x7F)
                snprintf(why, whysz, "the character '%c'", c);
            else
                snprintf(why, whysz, "byte 0x%02X", c);
            return -1;
        }
        if (!is_digit((char)c) && !letters++)
            letter_at = n;
        if (n < 14)
            d[n] = (char)c;
        n++;
    }
    /* The document itself stays out of messages: it identifies a person. */
    if (n != 11 && n != 14) {
        snprintf(why, whysz, "%zu characters", n);
        return -1;
    }
    if (letters && (n == 11 || letter_at >= 12 || !is_digit(d[12]) || !is_digit(d[13]))) {
        snprintf(why, whysz, "a letter at character %zu of %zu",
                 n == 11 ? letter_at + 1 : (!is_digit(d[12]) ? 13 : !is_digit(d[13]) ? 14 : letter_at + 1), n);
        return -1;
    }
    memcpy(out, d, n);
    out[n] = '\0';
    return 0;
}

/* ---- one record ------------------------------------------------------------------- */

/* Decode base64 field i into r->dec. Returns the decoded length, -1 with e set. */
static long b64_field(parser *p, const pixpsp_rtype *t, int i, err_t *e)
{
    struct pixpsp *r = p->psp;
    const char *s = F(i);
    size_t n = FL(i);
    char show[128];
    if (n == 0)
        return 0;
    if (n % 4) {
        return pixpsp_fail(p, e, r->lineno, i + 1, "expected base64 text in field %d of a %s record (%s), found %zu "
                                            "characters (not a multiple of 4): %s",
                           i + 1, t->code, t->what, n, pixpsp_shown(s, n, show, sizeof show));
    }
    int got = EVP_DecodeBlock(r->dec, (const unsigned char *)s, (int)n);
    if (got < 0)
        return pixpsp_fail(p, e, r->lineno, i + 1, "expected base64 text in field %d of a %s record (%s), found %s",
                           i + 1, t->code, t->what, pixpsp_shown(s, n, show, sizeof show));
    /* EVP_DecodeBlock counts the padding as zero bytes */
    for (size_t k = n; k > 0 && s[k - 1] == '='; k--)
        got--;
    for (long k = 0; k < got;) {
        uint32_t cp;
        size_t l = utf8_seq_len(r->dec + k, (size_t)(got - k), &cp);
        if (!l)
            return pixpsp_fail(p, e, r->lineno, i + 1,
                               "expected base64 of UTF-8 text in field %d of a %s record (%s), found byte 0x%02X at decoded "
                               "byte %ld",
                               i + 1, t->code, t->what, r->dec[k], k + 1);
        k += (long)l;
    }
    return got;
}

/* The fields t requires are filled, and its base64 fields decode to
 * UTF-8 text. 0 or -1. */
static int check_fields(parser *p, const pixpsp_rtype *t, err_t *e)
{
    struct pixpsp *r = p->psp;
    for (int i = 1; i < r->nf && i < 32; i++)
        if ((t->required & (1u << i)) && FL(i) == 0)
            return pixpsp_fail(p, e, r->lineno, i + 1, "expected field %d of a %s record (%s) to be filled, found it empty",
                               i + 1, t->code, t->what);
    for (int i = 1; i < r->nf && i < 32; i++)
        if ((t->b64 & (1u << i)) && b64_field(p, t, i, e) < 0)
            return -1;
    return 0;
}

/* The end-to-end id, txid and refund id fields t has. 0 or -1. */
static int decode_ids(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    char show[128];
    long ln = r->lineno;
    if (t->f_e2e >= 0) {
        const char *v = F(t->f_e2e);
        if (!re_match(r, re_e2e, v))
            return pixpsp_fail(p, e, ln, t->f_e2e + 1,
                               "expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), "
                               "found %s",
                               pixpsp_shown(v, FL(t->f_e2e), show, sizeof show));
        snprintf(rec->end_to_end_id, sizeof rec->end_to_end_id, "%s", v);
    }
    if (t->f_txid >= 0 && FL(t->f_txid)) {
        const char *v = F(t->f_txid);
        if (!re_match(r, re_txid, v))
            return pixpsp_fail(p, e, ln, t->f_txid + 1, "expected a txid of 1 to 35 letters or digits, found %s",
                               pixpsp_shown(v, FL(t->f_txid), show, sizeof show));
        snprintf(rec->txid, sizeof rec->txid, "%s", v);
    }
    if (t->f_refund_id >= 0) {
        const char *v = F(t->f_refund_id);
        if (!re_match(r, re_rtr, v))
            return pixpsp_fail(p, e, ln, t->f_refund_id + 1,
                               "expected a refund id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found %s",
                               pixpsp_shown(v, FL(t->f_refund_id), show, sizeof show));
        snprintf(rec->refund_id, sizeof rec->refund_id, "%s", v);
    }
    return 0;
}

/* The amount (zero only on fees and their reversals) and the UTC instant
 * with its Brazilian date. 0 or -1. */
static int decode_amount_when(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    char show[128];
    long ln = r->lineno;
    if (t->f_amount >= 0) {
        int64_t c = 0;
        const char *v = F(t->f_amount);
        if (pixval_amount(v, FL(t->f_amount), &c) < 0)
            return pixpsp_fail(p, e, ln, t->f_amount + 1, "expected an amount such as 9.00 (reais, '.' and 2 decimals), found %s",
                               pixpsp_shown(v, FL(t->f_amount), show, sizeof show));
        if (c == 0 && t->role != PSP_FEE && t->role != PSP_FEE_REVERSAL)
            return pixpsp_fail(p, e, ln, t->f_amount + 1, "expected an amount greater than zero, found %s",
                               pixpsp_shown(v, FL(t->f_amount), show, sizeof show));
        rec->amount_paid_cents = c;
    }
    if (t->f_when >= 0) {
        const char *v = F(t->f_when);
        if (pixval_timestamp(v, FL(t->f_when), PIXVAL_TS_UTC_ONLY, 0, &rec->settled_at) < 0)
            return pixpsp_fail(p, e, ln, t->f_when + 1,
                               "expected a UTC timestamp such as 2021-11-30T20:15:00.358Z, found %s",
                               pixpsp_shown(v, FL(t->f_when), show, sizeof show));
        rec->occurred_on = pixval_brazil_date(rec->settled_at);
    }
    return 0;
}

/* Copy text field i (base64 when t says so) into dst. 0 or -1. */
static int decode_text(parser *p, const pixpsp_rtype *t, int i, char *dst, size_t size, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (t->b64 & (1u << i)) {
        long n = b64_field(p, t, i, e);
        if (n < 0)
            return -1;
        pixval_copy_text(dst, size, (const char *)r->dec, (size_t)n);
    } else {
        pixval_copy_text(dst, size, F(i), FL(i));
    }
    return 0;
}

/* The payer's document, name and the message, when t has them. 0 or -1. */
static int decode_payer(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    char why[300];
    if (t->f_doc >= 0 && FL(t->f_doc)) {
        if (pix_doc_check(F(t->f_doc), rec->payer_doc, why, sizeof why) < 0)
            return pixpsp_fail(p, e, r->lineno, t->f_doc + 1, "expected the payer's document as %s, found %s",
                               PIX_DOC_EXPECT, why);
    }
    // NOLINTNEXTLINE(bugprone-signed-char-misuse,cert-str34-c): a field index, -1 = none
    if (t->f_name >= 0 && decode_text(p, t, t->f_name, rec->payer_name, sizeof rec->payer_name, e) < 0)
        return -1;
    // NOLINTNEXTLINE(bugprone-signed-char-misuse,cert-str34-c): a field index, -1 = none
    if (t->f_message >= 0 && decode_text(p, t, t->f_message, rec->message, sizeof rec->message, e) < 0)
        return -1;
    return 0;
}

/* What the record's role makes of rec: a received Pix is paid and
 * credited the day it settled; a refund sent or received is DEVOLVIDO. */
static void apply_role(const pixpsp_rtype *t, settle_record *rec)
{
    switch (t->role) {
    case PSP_RECEIPT:
        rec->kind = KIND_PIX;
        rec->paid = 1;
        rec->amount_credited_cents = rec->amount_paid_cents;
        rec->credited_on = rec->occurred_on;
        break;
    case PSP_REFUND_SENT:
    case PSP_REFUND_RECEIVED:
        rec->kind = KIND_PIX_REFUND;
        snprintf(rec->refund_status, sizeof rec->refund_status, "DEVOLVIDO");
        break;
    default:
        break;
    }
}

/* Check the values of a settlement-bearing record and fill rec. 0 or -1. */
int pixpsp_decode(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    memset(rec, 0, sizeof *rec);
    if (check_fields(p, t, e) < 0)
        return -1;
    rec->line = r->lineno;
    rec->format = FMT_PIX_PSP;
    snprintf(rec->bank, sizeof rec->bank, "%s", p->opts.bank ? p->opts.bank : r->lay->bank);
    if (decode_ids(p, t, rec, e) < 0 || decode_amount_when(p, t, rec, e) < 0 || decode_payer(p, t, rec, e) < 0)
        return -1;
    apply_role(t, rec);
    return 0;
}

/* ---- the interface (pixpsp.h) ------------------------------------------------------ */

const pixpsp_layout *pixpsp_sniff(const char *head, size_t len)
{
    if (len >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
        head += 3, len -= 3;
    const char *nl = memchr(head, '\n', len);
    size_t n = nl ? (size_t)(nl - head) : len;
    for (int k = 0; pixpsp_layouts[k]; k++) {
        const pixpsp_layout *lay = pixpsp_layouts[k];
        size_t hl = strlen(lay->header_code);
        if (n <= hl || memcmp(head, lay->header_code, hl) || head[hl] != lay->delim)
            continue;
        /* the fields, split on the delimiter (the header has no quoting) */
        int nf = 1;
        size_t fstart = 0;
        int bank_ok = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && head[i] != lay->delim)
                continue;
            if (nf - 1 == lay->hdr_bank) {
                size_t bl = strlen(lay->bank);
                bank_ok = i - fstart == bl && !memcmp(head + fstart, lay->bank, bl);
            }
            fstart = i + 1;
            if (i < n)
                nf++;
        }
        if (bank_ok && nf == lay->header_fields)
            return lay;
    }
    return NULL;
}
