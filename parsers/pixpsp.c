/* pixpsp.c - record-typed Pix statements of PSPs (pixpsp.h): the layout
 * tables, and one table-driven reader.
 *
 * libcsv splits each line on the layout's delimiter (strict quoting);
 * OpenSSL's EVP_DecodeBlock decodes the base64 text fields; PCRE2 checks the
 * Pix identifiers (the patterns of parsers/pixcsv.c). Money is parsed by
 * hand into int64 cents, timestamps into epoch seconds: never floats.
 *
 * Two passes over the input (a gzFile that parser.c opened and can rewind):
 *   1. every line is checked (type known, field count, values), the records
 *      of each type are counted and compared with the trailer, and the fees
 *      (and fee reversals) are added up per end-to-end id in a hash that
 *      also holds every Pix received, so a fee may come before or after its
 *      Pix. A statement with any bad line is refused whole, before any
 *      record is returned.
 *   2. the settlements are returned in file order, each received Pix with
 *      the net fee of its end-to-end id.
 * Memory: one read buffer, one line, and one ~90-byte hash entry per Pix
 * (at most pixpsp_max_pix). */
#include "common/civil.h"
#include "parsers/cnab.h"
#include "parsers/parser_int.h"
#include "parsers/pixval.h"
#include "parsers/pixpsp.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <csv.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PSP_READ_BUF 65536
#define PSP_MAX_LINE 32768   /* bytes: Efí's longest field is Info Adicionais, <= 18336 (layout L163) */

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

/* ---- the reader's state ------------------------------------------------------ */

typedef struct psp_entry {
    char e2e[33];             /* "" = free slot */
    uint8_t have_pix;
    long pix_line, fee_line, rev_line;
    int64_t amount, fee, rev;
} psp_entry;

struct pixpsp {
    const pixpsp_layout *lay;
    gzFile in;                /* the input (owned when own_gz) */
    int own_gz;

    unsigned char rbuf[PSP_READ_BUF];
    size_t pos, end;
    int eof, started;

    char line[PSP_MAX_LINE + 1];
    size_t len;
    long lineno, blank_from;

    struct csv_parser csv;
    int csv_ready;
    int nf, too_many;
    size_t foff[PSP_MAX_FIELDS], flen[PSP_MAX_FIELDS];
    char fields[PSP_MAX_LINE + PSP_MAX_FIELDS + 1];
    size_t fused;

    unsigned char dec[PSP_MAX_LINE];   /* base64 output */

    int pass;                 /* 1 checking, 2 returning */
    int seen_trailer;
    long counts[PSP_MAX_FIELDS];       /* per trailer field */
    long total;

    psp_entry *tab;
    size_t cap, used;

    pcre2_match_data *md;
};

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

/* ---- small helpers ------------------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* s quoted for a message: at most 40 bytes, control bytes and quotes escaped. */
static const char *shown(const char *s, size_t n, char *out, size_t outsz)
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

/* yyyy-mm-dd: 0 with *d set, -1 when malformed or not a calendar day. */
static int parse_ymd(const char *s, size_t n, settle_date *d)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = pixval_num(s, 4), m = pixval_num(s + 5, 2), dd = pixval_num(s + 8, 2);
    if (y < 1970 || !cnab_valid_date(y, m, dd))
        return -1;
    *d = (settle_date){ (int16_t)y, (int8_t)m, (int8_t)dd };
    return 0;
}

/* ---- input ---------------------------------------------------------------------- */

static int fail(parser *p, err_t *e, long line, int col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(parser *p, err_t *e, long line, int col, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return parser_fail(p, e, line, (size_t)col, "%s", msg);
}

static int fill(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (r->eof)
        return 0;
    int got = gzread(r->in, r->rbuf, sizeof r->rbuf);
    int zerr = Z_OK;
    const char *m = got <= 0 ? gzerror(r->in, &zerr) : NULL;
    if (got < 0 || zerr != Z_OK) {
        if (zerr == Z_BUF_ERROR)
            return fail(p, e, r->lineno + 1, 1, "expected the rest of the gzip stream, found the end of the file"
                                                 "\nHINT: the file was cut short; fetch it again");
        return fail(p, e, r->lineno + 1, 1, "cannot read: %s", zerr == Z_ERRNO ? strerror(errno) : m ? m : "?");
    }
    if (got == 0) {
        r->eof = 1;
        return 0;
    }
    r->pos = 0;
    r->end = (size_t)got;
    if (!r->started) {
        r->started = 1;
        if (r->end >= 3 && !memcmp(r->rbuf, "\xEF\xBB\xBF", 3))
            r->pos = 3;
    }
    return 1;
}

/* The next physical line into r->line (without CR LF). 1, 0 at the end, -1. */
static int next_line(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    r->len = 0;
    int any = 0;
    for (;;) {
        if (r->pos >= r->end) {
            int got = fill(p, e);
            if (got < 0)
                return -1;
            if (got == 0) {
                if (!any)
                    return 0;
                break;
            }
        }
        any = 1;
        unsigned char *s = r->rbuf + r->pos;
        size_t n = r->end - r->pos;
        unsigned char *nl = memchr(s, '\n', n);
        size_t take = nl ? (size_t)(nl - s) : n;
        if (r->len + take > PSP_MAX_LINE)
            return fail(p, e, r->lineno + 1, 1, "expected a line of at most %d bytes, found a longer one",
                        PSP_MAX_LINE);
        memcpy(r->line + r->len, s, take);
        r->len += take;
        r->pos += take + (nl ? 1 : 0);
        if (nl)
            break;
    }
    r->lineno++;
    while (r->len && (r->line[r->len - 1] == '\r' || r->line[r->len - 1] == 0x1A))
        r->len--;
    r->line[r->len] = '\0';
    return 1;
}

static void on_field(void *data, size_t len, void *user)
{
    struct pixpsp *r = user;
    if (r->nf >= PSP_MAX_FIELDS) {
        r->too_many = 1;
        r->nf++;
        return;
    }
    r->foff[r->nf] = r->fused;
    r->flen[r->nf] = len;
    if (len)
        memcpy(r->fields + r->fused, data, len);
    r->fused += len;
    r->fields[r->fused++] = '\0';
    r->nf++;
}

static void on_row(int c, void *user)
{
    (void)c;
    (void)user;
}

#define F(i) (r->fields + r->foff[i])
#define FL(i) (r->flen[i])

/* Split r->line into fields. 0 or -1. */
static int split(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    r->nf = 0;
    r->too_many = 0;
    r->fused = 0;
    size_t done = csv_parse(&r->csv, r->line, r->len, on_field, on_row, r);
    if (done < r->len) {
        char c = r->line[done];
        return fail(p, e, r->lineno, r->nf + 1,
                    "expected a delimiter or the end of the line after a closing quote, or no quote inside an "
                    "unquoted field, found %s%c%s",
                    c >= 0x20 && c < 0x7F ? "'" : "byte ", c >= 0x20 && c < 0x7F ? c : '?',
                    c >= 0x20 && c < 0x7F ? "'" : "");
    }
    if (csv_fini(&r->csv, on_field, on_row, r) != 0)
        return fail(p, e, r->lineno, r->nf + 1, "expected a closing quote, found the end of the line");
    if (r->too_many)
        return fail(p, e, r->lineno, PSP_MAX_FIELDS + 1, "expected at most %d fields, found %d", PSP_MAX_FIELDS,
                    r->nf);
    return 0;
}

/* ---- the hash of end-to-end ids ------------------------------------------------------ */

static uint64_t hash32(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 32 && s[i]; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static psp_entry *entry_find(struct pixpsp *r, const char *e2e)
{
    if (!r->cap)
        return NULL;
    size_t j = hash32(e2e) & (r->cap - 1);
    while (r->tab[j].e2e[0]) {
        if (!strcmp(r->tab[j].e2e, e2e))
            return &r->tab[j];
        j = (j + 1) & (r->cap - 1);
    }
    return NULL;
}

/* The entry for e2e, created when absent. NULL with e set when full or out of memory. */
static psp_entry *entry_for(parser *p, const char *e2e, err_t *e)
{
    struct pixpsp *r = p->psp;
    psp_entry *found = entry_find(r, e2e);
    if (found)
        return found;
    if ((long)r->used >= pixpsp_max_pix) {
        fail(p, e, r->lineno, 1,
             "expected at most %ld Pix (received, or charged a fee) in one statement, found more"
             "\nHINT: the limit is PIXPSP_MAX_PIX in parsers/pixpsp.h",
             pixpsp_max_pix);
        return NULL;
    }
    if (r->cap == 0 || (r->used + 1) * 2 > r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        psp_entry *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            p->failed = 1;
            err_set(e, EX_SOFTWARE, "%s:%ld: out of memory holding the statement's Pix", p->name, r->lineno);
            return NULL;
        }
        for (size_t i = 0; i < r->cap; i++) {
            if (!r->tab[i].e2e[0])
                continue;
            size_t j = hash32(r->tab[i].e2e) & (ncap - 1);
            while (nt[j].e2e[0])
                j = (j + 1) & (ncap - 1);
            nt[j] = r->tab[i];
        }
        free(r->tab);
        r->tab = nt;
        r->cap = ncap;
    }
    size_t j = hash32(e2e) & (r->cap - 1);
    while (r->tab[j].e2e[0])
        j = (j + 1) & (r->cap - 1);
    snprintf(r->tab[j].e2e, sizeof r->tab[j].e2e, "%s", e2e);
    r->used++;
    return &r->tab[j];
}

/* ---- one record ------------------------------------------------------------------- */

static const pixpsp_rtype *type_of(const pixpsp_layout *lay, const char *code)
{
    for (int i = 0; i < lay->ntypes; i++)
        if (!strcmp(lay->types[i].code, code))
            return &lay->types[i];
    return NULL;
}

/* "PR, PEC, ..." */
static void type_list(const pixpsp_layout *lay, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "%s, %s", lay->header_code, lay->trailer_code);
    for (int i = 0; i < lay->ntypes && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, ", %s", lay->types[i].code);
}

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
        return fail(p, e, r->lineno, i + 1, "expected base64 text in field %d of a %s record (%s), found %zu "
                                            "characters (not a multiple of 4): %s",
                    i + 1, t->code, t->what, n, shown(s, n, show, sizeof show));
    }
    int got = EVP_DecodeBlock(r->dec, (const unsigned char *)s, (int)n);
    if (got < 0)
        return fail(p, e, r->lineno, i + 1, "expected base64 text in field %d of a %s record (%s), found %s",
                    i + 1, t->code, t->what, shown(s, n, show, sizeof show));
    /* EVP_DecodeBlock counts the padding as zero bytes */
    for (size_t k = n; k > 0 && s[k - 1] == '='; k--)
        got--;
    for (long k = 0; k < got;) {
        uint32_t cp;
        size_t l = utf8_seq_len(r->dec + k, (size_t)(got - k), &cp);
        if (!l)
            return fail(p, e, r->lineno, i + 1,
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
            return fail(p, e, r->lineno, i + 1, "expected field %d of a %s record (%s) to be filled, found it empty",
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
            return fail(p, e, ln, t->f_e2e + 1,
                        "expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), "
                        "found %s",
                        shown(v, FL(t->f_e2e), show, sizeof show));
        snprintf(rec->end_to_end_id, sizeof rec->end_to_end_id, "%s", v);
    }
    if (t->f_txid >= 0 && FL(t->f_txid)) {
        const char *v = F(t->f_txid);
        if (!re_match(r, re_txid, v))
            return fail(p, e, ln, t->f_txid + 1, "expected a txid of 1 to 35 letters or digits, found %s",
                        shown(v, FL(t->f_txid), show, sizeof show));
        snprintf(rec->txid, sizeof rec->txid, "%s", v);
    }
    if (t->f_refund_id >= 0) {
        const char *v = F(t->f_refund_id);
        if (!re_match(r, re_rtr, v))
            return fail(p, e, ln, t->f_refund_id + 1,
                        "expected a refund id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found %s",
                        shown(v, FL(t->f_refund_id), show, sizeof show));
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
            return fail(p, e, ln, t->f_amount + 1, "expected an amount such as 9.00 (reais, '.' and 2 decimals), found %s",
                        shown(v, FL(t->f_amount), show, sizeof show));
        if (c == 0 && t->role != PSP_FEE && t->role != PSP_FEE_REVERSAL)
            return fail(p, e, ln, t->f_amount + 1, "expected an amount greater than zero, found %s",
                        shown(v, FL(t->f_amount), show, sizeof show));
        rec->amount_paid_cents = c;
    }
    if (t->f_when >= 0) {
        const char *v = F(t->f_when);
        if (pixval_timestamp(v, FL(t->f_when), PIXVAL_TS_UTC_ONLY, 0, &rec->settled_at) < 0)
            return fail(p, e, ln, t->f_when + 1,
                        "expected a UTC timestamp such as 2021-11-30T20:15:00.358Z, found %s",
                        shown(v, FL(t->f_when), show, sizeof show));
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
            return fail(p, e, r->lineno, t->f_doc + 1, "expected the payer's document as %s, found %s",
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
static int decode(parser *p, const pixpsp_rtype *t, settle_record *rec, err_t *e)
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

/* Read the next line that is not blank and identify its record type.
 * Returns 1 with *t (NULL for the trailer), 0 at the end, -1. */
static int next_record(parser *p, const pixpsp_rtype **t, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    *t = NULL;
    for (;;) {
        int got = next_line(p, e);
        if (got <= 0) {
            r->blank_from = 0;
            return got;
        }
        if (r->len == 0) {
            if (!r->blank_from)
                r->blank_from = r->lineno;
            continue;
        }
        if (r->blank_from) {
            long b = r->blank_from;
            r->blank_from = 0;
            return fail(p, e, b, 1, "expected a record, found a blank line");
        }
        break;
    }
    if (split(p, e) < 0)
        return -1;
    if (r->seen_trailer)
        return fail(p, e, r->lineno, 1, "expected the end of the file after the trailer (%s), found a record",
                    lay->trailer_code);
    const char *code = F(0);
    if (!strcmp(code, lay->trailer_code)) {
        *t = NULL;
        return 1;
    }
    if (!strcmp(code, lay->header_code))
        return fail(p, e, r->lineno, 1, "expected one header (%s) on line 1, found a second one", lay->header_code);
    const pixpsp_rtype *rt = type_of(lay, code);
    char show[128];
    if (!rt) {
        char list[200];
        type_list(lay, list, sizeof list);
        return fail(p, e, r->lineno, 1, "expected a record type of the %s statement (%s), found %s", lay->psp, list,
                    shown(code, FL(0), show, sizeof show));
    }
    if (r->nf < rt->nfields_min || r->nf > rt->nfields_max) {
        int col = r->nf < rt->nfields_min ? r->nf + 1 : rt->nfields_max + 1;
        if (rt->nfields_min == rt->nfields_max)
            return fail(p, e, r->lineno, col, "expected %d fields in a %s record (%s), found %d", rt->nfields_min,
                        rt->code, rt->what, r->nf);
        return fail(p, e, r->lineno, col, "expected %d to %d fields in a %s record (%s), found %d", rt->nfields_min,
                    rt->nfields_max, rt->code, rt->what, r->nf);
    }
    *t = rt;
    return 1;
}

/* The trailer on the current line against the counts of pass 1. */
static int check_trailer(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    char show[128];
    if (r->nf != lay->trailer_fields)
        return fail(p, e, r->lineno, r->nf < lay->trailer_fields ? r->nf + 1 : lay->trailer_fields + 1,
                    "expected %d fields in the trailer (%s), found %d", lay->trailer_fields, lay->trailer_code, r->nf);
    for (int i = 1; i < r->nf; i++) {
        const char *v = F(i);
        size_t n = FL(i);
        long want = i == lay->trailer_total ? r->total : r->counts[i];
        int ok = n > 0 && n <= 9;
        long got = 0;
        for (size_t k = 0; ok && k < n; k++)
            ok = is_digit(v[k]), got = got * 10 + (v[k] - '0');
        if (!ok)
            return fail(p, e, r->lineno, i + 1, "expected a record count in field %d of the trailer, found %s", i + 1,
                        shown(v, n, show, sizeof show));
        if (got == want)
            continue;
        if (i == lay->trailer_total)
            return fail(p, e, r->lineno, i + 1,
                        "expected the trailer's total of records to be %ld (records read but the header, the trailer "
                        "and the balances), found '%s'",
                        want, v);
        char which[120];
        size_t o = 0;
        which[0] = '\0';
        for (int k = 0; k < lay->ntypes && o < sizeof which; k++)
            if (lay->types[k].trailer_field == i)
                o += (size_t)snprintf(which + o, sizeof which - o, "%s%s", o ? "+" : "", lay->types[k].code);
        return fail(p, e, r->lineno, i + 1, "expected the trailer's count of %s records to be %ld (records read), "
                                            "found '%s'",
                    which[0] ? which : "(unused)", want, v);
    }
    return 0;
}

/* Read the header on line 1 (both passes). */
static int read_header(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    const pixpsp_layout *lay = r->lay;
    char show[128];
    int got = next_line(p, e);
    if (got < 0)
        return -1;
    if (got == 0 || r->len == 0)
        return fail(p, e, 1, 1, "expected the %s statement header (%s) on line 1, found %s", lay->psp,
                    lay->header_code, got == 0 ? "an empty file" : "a blank line");
    if (split(p, e) < 0)
        return -1;
    if (strcmp(F(0), lay->header_code))
        return fail(p, e, 1, 1, "expected the %s statement header (%s) on line 1, found %s", lay->psp,
                    lay->header_code, shown(F(0), FL(0), show, sizeof show));
    if (r->nf != lay->header_fields)
        return fail(p, e, 1, r->nf < lay->header_fields ? r->nf + 1 : lay->header_fields + 1,
                    "expected %d fields in the header (%s), found %d", lay->header_fields, lay->header_code, r->nf);
    if (strcmp(F(lay->hdr_bank), lay->bank))
        return fail(p, e, 1, lay->hdr_bank + 1, "expected bank code '%s' (%s) in field %d of the header, found %s",
                    lay->bank, lay->psp, lay->hdr_bank + 1, shown(F(lay->hdr_bank), FL(lay->hdr_bank), show, sizeof show));
    if (parse_ymd(F(lay->hdr_date), FL(lay->hdr_date), &p->info.generated_on) < 0)
        return fail(p, e, 1, lay->hdr_date + 1, "expected a date yyyy-mm-dd in field %d of the header, found %s",
                    lay->hdr_date + 1, shown(F(lay->hdr_date), FL(lay->hdr_date), show, sizeof show));
    snprintf(p->info.bank, sizeof p->info.bank, "%s", p->opts.bank ? p->opts.bank : lay->bank);
    return 0;
}

static void fmt_cents(int64_t c, char *buf, size_t n)
{
    snprintf(buf, n, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

/* Pass 1's tally of a record for the trailer: every record but the
 * balances in the total, and in its type's trailer field. */
static void count_record(struct pixpsp *r, const pixpsp_rtype *t)
{
    if (t->role == PSP_BALANCE)
        return;
    r->total++;
    if (t->trailer_field >= 0 && t->trailer_field < PSP_MAX_FIELDS)
        r->counts[t->trailer_field]++;
}

/* A received Pix, a fee or a fee reversal into its end-to-end id's entry;
 * a second receipt of the same Pix is refused. 0 or -1. */
static int gather(parser *p, const pixpsp_rtype *t, const settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    psp_entry *en = entry_for(p, rec->end_to_end_id, e);
    if (!en)
        return -1;
    if (t->role == PSP_RECEIPT) {
        if (en->have_pix)
            return fail(p, e, r->lineno, t->f_e2e + 1,
                        "expected one %s record per end-to-end id, found %s again (first on line %ld)", t->code,
                        rec->end_to_end_id, en->pix_line);
        en->have_pix = 1;
        en->pix_line = r->lineno;
        en->amount = rec->amount_paid_cents;
    } else if (t->role == PSP_FEE) {
        en->fee += rec->amount_paid_cents;
        en->fee_line = r->lineno;
    } else {
        en->rev += rec->amount_paid_cents;
        en->rev_line = r->lineno;
    }
    return 0;
}

/* The fees against their Pix: reversals of at most the fees, fees of at
 * most the Pix. The first offending line is reported. 0 or -1. */
static int check_fees(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    long bad_line = 0;
    const psp_entry *bad = NULL;
    for (size_t i = 0; i < r->cap; i++) {
        const psp_entry *en = &r->tab[i];
        if (!en->e2e[0] || !en->have_pix)
            continue;
        long l = 0;
        if (en->rev > en->fee)
            l = en->rev_line;
        else if (en->fee - en->rev > en->amount)
            l = en->fee_line > en->rev_line ? en->fee_line : en->rev_line;
        if (l && (!bad || l < bad_line))
            bad = en, bad_line = l;
    }
    if (!bad)
        return 0;
    char a[32], f[32], v[32];
    int col = 1; /* the amount field of the fee (or reversal) type */
    for (int k = 0; k < r->lay->ntypes; k++)
        if (r->lay->types[k].role == (bad->rev > bad->fee ? PSP_FEE_REVERSAL : PSP_FEE))
            col = r->lay->types[k].f_amount + 1;
    fmt_cents(bad->amount, a, sizeof a);
    fmt_cents(bad->fee, f, sizeof f);
    fmt_cents(bad->rev, v, sizeof v);
    if (bad->rev > bad->fee)
        return fail(p, e, bad_line, col,
                    "expected fee reversals of at most the fees charged on Pix %s (%s), found reversals of %s",
                    bad->e2e, f, v);
    return fail(p, e, bad_line, col, "expected fees of at most the amount of Pix %s (%s, line %ld), found %s",
                bad->e2e, a, bad->pix_line, f);
}

/* Pass 1: the whole file checked, fees gathered, the trailer compared. */
static int pass1(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    settle_record rec;
    if (read_header(p, e) < 0)
        return -1;
    for (;;) {
        const pixpsp_rtype *t;
        int got = next_record(p, &t, e);
        if (got < 0)
            return -1;
        if (got == 0)
            return fail(p, e, r->lineno + 1, 1, "expected the trailer (%s), found the end of the file (truncated?)",
                        r->lay->trailer_code);
        if (!t) {
            if (check_trailer(p, e) < 0)
                return -1;
            r->seen_trailer = 1;
            /* anything but blank lines after the trailer is refused by next_record() */
            if (next_record(p, &t, e) < 0)
                return -1;
            break;
        }
        count_record(r, t);
        if (t->role == PSP_IGNORED || t->role == PSP_BALANCE) {
            p->info.skipped++;
            continue;
        }
        if (decode(p, t, &rec, e) < 0)
            return -1;
        if ((t->role == PSP_RECEIPT || t->role == PSP_FEE || t->role == PSP_FEE_REVERSAL) && gather(p, t, &rec, e) < 0)
            return -1;
    }
    return check_fees(p, e);
}

/* ---- the interface (parser_int.h) ------------------------------------------------------ */

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

int pixpsp_open(parser *p, const pixpsp_layout *lay, err_t *e)
{
    struct pixpsp *r = calloc(1, sizeof *r);
    if (!r) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    p->psp = r;
    r->lay = lay ? lay : pixpsp_layouts[0];
    pthread_once(&re_once, compile_once);
    if (!re_e2e || !re_rtr || !re_txid || !(r->md = pcre2_match_data_create(4, NULL))) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "cannot compile the Pix identifier patterns");
    }
    if (csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        p->failed = 1;
        return err_fail(e, EX_SOFTWARE, "%s: out of memory", p->name);
    }
    r->csv_ready = 1;
    csv_set_delim(&r->csv, (unsigned char)r->lay->delim);

    /* The input from its start, as a gzFile: the gzip input itself, or a
     * gzFile over a dup of the plain file or a memfd copy of memory input. */
    if (p->gz) {
        if (gzrewind(p->gz) < 0)
            return fail(p, e, 1, 1, "cannot rewind the gzip stream");
        r->in = p->gz;
    } else {
        int fd;
        if (p->mem) {
            fd = memfd_create("settle-pixpsp", MFD_CLOEXEC);
            if (fd >= 0 && p->end && (write(fd, p->buf, p->end) != (ssize_t)p->end || lseek(fd, 0, SEEK_SET) < 0)) {
                close(fd);
                fd = -1;
            }
        } else {
            fd = lseek(p->fd, 0, SEEK_SET) < 0 ? -1 : dup(p->fd);
        }
        if (fd < 0 || !(r->in = gzdopen(fd, "rb"))) {
            if (fd >= 0)
                close(fd);
            p->failed = 1;
            return err_fail(e, EX_SOFTWARE, "%s: cannot reopen for the PSP statement reader: %s", p->name,
                           strerror(errno));
        }
        r->own_gz = 1;
    }
    p->info.format = FMT_PIX_PSP;
    return 0;
}

static int rewind_input(parser *p, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (gzrewind(r->in) < 0)
        return fail(p, e, 1, 1, "cannot rewind the input for the second pass");
    r->pos = r->end = 0;
    r->eof = r->started = 0;
    r->lineno = r->blank_from = 0;
    r->seen_trailer = 0;
    return 0;
}

int pixpsp_next(parser *p, settle_record *rec, err_t *e)
{
    struct pixpsp *r = p->psp;
    if (r->pass == 0) {
        r->pass = 1;
        if (pass1(p, e) < 0)
            return -1;
        if (rewind_input(p, e) < 0 || read_header(p, e) < 0)
            return -1;
        r->pass = 2;
    }
    for (;;) {
        const pixpsp_rtype *t;
        int got = next_record(p, &t, e);
        if (got < 0)
            return -1;
        if (got == 0 || !t)
            return 0; /* the trailer: checked in pass 1 */
        if (t->role == PSP_IGNORED || t->role == PSP_BALANCE)
            continue;
        if (decode(p, t, rec, e) < 0)
            return -1;
        psp_entry *en = entry_find(r, rec->end_to_end_id);
        if (t->role == PSP_RECEIPT) {
            int64_t fee = en ? en->fee - en->rev : 0;
            rec->fee_cents = fee;
            rec->amount_credited_cents = rec->amount_paid_cents - fee;
            return 1;
        }
        if (t->role == PSP_FEE || t->role == PSP_FEE_REVERSAL) {
            if (!en || !en->have_pix) {
                char a[32];
                fmt_cents(rec->amount_paid_cents, a, sizeof a);
                p->info.skipped++;
                parser_warn(p, r->lineno, (size_t)t->f_e2e + 1,
                            "%s %s (%s) of %s for end-to-end id %s, which is not a Pix received in this statement: "
                            "not applied to any settlement (counted as skipped)",
                            t->role == PSP_FEE ? "fee" : "fee reversal", t->code, t->what, a, rec->end_to_end_id);
            }
            continue;
        }
        return 1; /* a refund */
    }
}

void pixpsp_free(parser *p)
{
    struct pixpsp *r = p->psp;
    if (!r)
        return;
    if (r->csv_ready)
        csv_free(&r->csv);
    if (r->own_gz && r->in)
        gzclose(r->in);
    pcre2_match_data_free(r->md);
    free(r->tab);
    free(r);
    p->psp = NULL;
}
