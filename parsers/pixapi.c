/* pixapi.c - the BACEN API Pix JSON reader (see pixapi.h and
 * docs/formats/pix-api.md).
 *
 * Input comes from the parser's buffer (parser_pull) and goes into one
 * json_tokener, a document at a time: the tokener keeps what it needs of a
 * document cut across two buffers, and the finished document is the only
 * tree in memory. Between documents only blanks are allowed (JSON Lines,
 * or pretty-printed documents one after the other).
 *
 * Values: amounts are the decimal strings of the spec (\d{1,10}\.\d{2}),
 * converted to cents by hand (never json_object_get_double); times are
 * RFC 3339, converted to epoch seconds by hand; identifiers are checked
 * with PCRE2 patterns compiled once per process. Messages name the file,
 * the line where the document starts, the document's number and the JSON
 * path of the value: "F:3: document 2, pix[0].valor: expected ..., found ...". */
#include "common/civil.h"
#include "parsers/pixapi.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <json-c/json.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/parser_int.h"
#include "parsers/pixval.h"

typedef enum { D_PIX, D_PAGE, D_WEBHOOK, D_COB, D_COBLIST } doc_kind;

struct pixapi {
    parser *p;
    json_tokener *tok;

    /* input: the chunk handed over by parser_pull */
    const unsigned char *in;
    size_t in_len, in_pos;
    int in_eof, started;
    long line;                  /* line and column of in[in_pos] */
    size_t col;

    /* the current document */
    long doc_no, doc_line;
    json_object *doc;
    doc_kind kind;
    json_object *cobs;          /* D_COBLIST: the cobs array */
    size_t ncobs, cob_i;
    json_object *pixes;         /* the Pix array being read, or NULL */
    json_object *single;        /* D_PIX: the document itself, until read */
    size_t npix, pix_i;
    char base[48];              /* path of the Pix array's holder: "" or "cobs[N]." */
    const char *cob_txid;       /* txid of the enclosing cob, or NULL */

    /* the current Pix and its refunds */
    settle_record cur;
    char pix_path[80];          /* "pix[3]", "cobs[1].pix[0]" or "" (a Pix document) */
    json_object *devs;          /* array, a single object (webhook example), or NULL */
    size_t ndev, dev_i;

    pcre2_match_data *md;
};

/* ---- messages ------------------------------------------------------------ */

/* s (n bytes, UTF-8) quoted for a message: at most 60 bytes, control bytes
 * and quotes escaped, cut on a character boundary with "..." when longer. */
static const char *shown(const char *s, size_t n, char *out, size_t outsz)
{
    size_t o = 0, i = 0;
    out[o++] = '\'';
    while (i < n && o + 8 < outsz) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 60 && (c & 0xC0) != 0x80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\')
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", c);
        else
            out[o++] = (char)c;
        i++;
    }
    out[o++] = '\'';
    out[o] = '\0';
    return out;
}

/* What a JSON value is, for "found ...": none, null, a quoted string, the
 * number as written, true/false, an object, an array. */
static const char *found_of(int present, json_object *v, char *out, size_t n)
{
    if (!present)
        snprintf(out, n, "none");
    else if (!v)
        snprintf(out, n, "null");
    else
        switch (json_object_get_type(v)) {
        case json_type_string:
            shown(json_object_get_string(v), (size_t)json_object_get_string_len(v), out, n);
            break;
        case json_type_int:
        case json_type_double:
            /* json-c keeps a number's text as written */
        {
            const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
            snprintf(out, n, "the number %.40s", t ? t : "?");
        }
            break;
        case json_type_boolean:
            snprintf(out, n, "%s", json_object_get_boolean(v) ? "true" : "false");
            break;
        case json_type_object:
            snprintf(out, n, "an object");
            break;
        case json_type_array:
            snprintf(out, n, "an array");
            break;
        default:
            snprintf(out, n, "null");
        }
    return out;
}

static int fail_doc(pixapi *r, err_t *e, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* "FILE:LINE: document N, PATH.KEY: msg" (EX_DATAERR); returns -1. */
static int fail_doc(pixapi *r, err_t *e, const char *path, const char *key, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char where[200];
    snprintf(where, sizeof where, "%s%s%s", path ? path : "", path && *path && key && *key ? "." : "", key ? key : "");
    err_set(e, EX_DATAERR, "%s:%ld: document %ld%s%s: %s", r->p->name, r->doc_line, r->doc_no, *where ? ", " : "",
            where, msg);
    r->p->failed = 1;
    return -1;
}

static int fail_at(pixapi *r, err_t *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL: msg" at the current input position; returns -1. */
static int fail_at(pixapi *r, err_t *e, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(e, EX_DATAERR, "%s:%ld:%zu: %s", r->p->name, r->line, r->col, msg);
    r->p->failed = 1;
    return -1;
}

/* ---- identifiers ----------------------------------------------------------- */

/* Compiled once per process; pcre2_code is read-only once compiled. */
static pcre2_code *re_e2e, *re_rtr, *re_txid, *re_refid;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void compile_once(void)
{
    static const char *const pat[4] = {
        "^[ED][0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$", /* DOMAIN.md's tolerant endToEndId, as pixcsv.c */
        "^D[0-9A-Z]{8}\\d{12}[A-Za-z0-9]{11}$",    /* rtrId */
        "^[a-zA-Z0-9]{1,35}$",                     /* txid of a received Pix */
        "^[a-zA-Z0-9]{1,35}$",                     /* DevolucaoId */
    };
    pcre2_code **dst[4] = { &re_e2e, &re_rtr, &re_txid, &re_refid };
    for (int i = 0; i < 4; i++) {
        int rc;
        PCRE2_SIZE off;
        /* DOLLAR_ENDONLY: "$" must not accept a value ending in a newline */
        *dst[i] = pcre2_compile((PCRE2_SPTR)pat[i], PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY, &rc, &off, NULL);
        if (*dst[i])
            pcre2_jit_compile(*dst[i], PCRE2_JIT_COMPLETE);
    }
}

static int re_match(pixapi *r, const pcre2_code *re, const char *s, size_t n)
{
    return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, r->md, NULL) >= 0;
}

/* ---- values ------------------------------------------------------------------ */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* ---- JSON access ---------------------------------------------------------------- */

/* obj.key: 1 when present (*v may be NULL for a JSON null), 0 when absent
 * or obj is not an object. */
static int get(json_object *obj, const char *key, json_object **v)
{
    *v = NULL;
    return obj && json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, v);
}

/* An optional string: 1 with *s, *n; 0 when absent, null or "" (when
 * empty_is_none); -1 with e set when another type. */
static int opt_string(pixapi *r, json_object *obj, const char *path, const char *key, int empty_is_none, const char **s,
                      size_t *n, err_t *e)
{
    json_object *v;
    *s = NULL;
    *n = 0;
    int present = get(obj, key, &v);
    if (!present || !v)
        return 0;
    if (!json_object_is_type(v, json_type_string)) {
        char f[100];
        return fail_doc(r, e, path, key, "expected a string, found %s", found_of(present, v, f, sizeof f));
    }
    *s = json_object_get_string(v);
    *n = (size_t)json_object_get_string_len(v);
    if (empty_is_none && *n == 0)
        return 0;
    return 1;
}

/* A required amount (decimal string); positive unless zero_ok. */
static int amount(pixapi *r, json_object *obj, const char *path, const char *key, int zero_ok, int64_t *cents,
                  err_t *e)
{
    json_object *v;
    char f[100];
    *cents = 0;
    int present = get(obj, key, &v);
    if (!present || !v || !json_object_is_type(v, json_type_string))
        return fail_doc(r, e, path, key, "expected an amount as a decimal string such as \"110.00\", found %s",
                        found_of(present, v, f, sizeof f));
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (pixval_amount(s, n, cents) < 0)
        return fail_doc(r, e, path, key, "expected an amount such as \"110.00\" (1 to 10 digits, '.', 2 decimals), found %s",
                        found_of(present, v, f, sizeof f));
    if (!zero_ok && *cents == 0)
        return fail_doc(r, e, path, key, "expected an amount greater than zero, found %s", found_of(present, v, f, sizeof f));
    return 0;
}

static int when(pixapi *r, json_object *obj, const char *path, const char *key, int64_t *t, err_t *e)
{
    json_object *v;
    char f[100];
    int present = get(obj, key, &v);
    if (!present || !v || !json_object_is_type(v, json_type_string) ||
        pixval_timestamp(json_object_get_string(v), (size_t)json_object_get_string_len(v), PIXVAL_TS_OFFSET_REQUIRED, 0, t) < 0)
        return fail_doc(r, e, path, key, "expected an RFC 3339 timestamp such as \"2020-09-09T20:15:00.358Z\", found %s",
                        found_of(present, v, f, sizeof f));
    return 0;
}

/* ---- input ---------------------------------------------------------------------- */

/* Move past n bytes of the chunk, counting lines and columns. */
static void advance(pixapi *r, size_t n)
{
    const unsigned char *s = r->in + r->in_pos;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            r->line++;
            r->col = 1;
        } else {
            r->col++;
        }
    }
    r->in_pos += n;
}

/* Make input available: 1 with bytes in the chunk, 0 at the end, -1. */
static int more(pixapi *r, err_t *e)
{
    if (r->in_pos < r->in_len)
        return 1;
    if (r->in_eof)
        return 0;
    int got = parser_pull(r->p, &r->in, &r->in_len, e);
    r->in_pos = 0;
    if (got < 0) {
        r->p->failed = 1;
        return -1;
    }
    if (got == 0) {
        r->in_eof = 1;
        r->in_len = 0;
        return 0;
    }
    if (!r->started) {
        r->started = 1;
        if (r->in_len >= 3 && !memcmp(r->in, "\xEF\xBB\xBF", 3))
            r->in_pos = 3;   /* a UTF-8 byte order mark, not a column */
    }
    return r->in_pos < r->in_len ? 1 : more(r, e);
}

/* Read the next document into r->doc: 1, 0 when only blanks are left, -1. */
static int read_doc(pixapi *r, err_t *e)
{
    json_object_put(r->doc);
    r->doc = NULL;
    /* blanks between documents */
    for (;;) {
        int m = more(r, e);
        if (m <= 0)
            return m;
        unsigned char c = r->in[r->in_pos];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        advance(r, 1);
    }
    r->doc_no++;
    r->doc_line = r->line;
    unsigned char c = r->in[r->in_pos];
    if (c != '{') {
        char what[32];
        snprintf(what, sizeof what, c >= 0x20 && c < 0x7F ? "'%c'" : "byte 0x%02X", c);
        return fail_at(r, e, "expected '{' starting API Pix JSON document %ld, found %s", r->doc_no, what);
    }
    json_tokener_reset(r->tok);
    size_t doc_bytes = 0;
    for (;;) {
        int m = more(r, e);
        if (m < 0)
            return -1;
        if (m == 0)
            return fail_at(r, e, "expected the rest of JSON document %ld (from line %ld), found the end of the file",
                           r->doc_no, r->doc_line);
        size_t feed = r->in_len - r->in_pos;
        if (feed > (size_t)PIXAPI_MAX_DOC - doc_bytes)
            feed = (size_t)PIXAPI_MAX_DOC - doc_bytes;
        json_object *o = json_tokener_parse_ex(r->tok, (const char *)r->in + r->in_pos, (int)feed);
        enum json_tokener_error je = json_tokener_get_error(r->tok);
        size_t used = json_tokener_get_parse_end(r->tok);
        if (used > feed)
            used = feed;
        if (je == json_tokener_continue) {
            /* the tokener took the whole chunk and waits for more */
            advance(r, feed);
            doc_bytes += feed;
            if (doc_bytes >= (size_t)PIXAPI_MAX_DOC)
                return fail_at(r, e,
                               "expected a JSON document of at most %ld bytes, found a longer one (document %ld, "
                               "from line %ld)",
                               (long)PIXAPI_MAX_DOC, r->doc_no, r->doc_line);
            continue;
        }
        if (je != json_tokener_success) {
            advance(r, used);
            char what[32];
            if (r->in_pos < r->in_len) {
                unsigned char b = r->in[r->in_pos];
                snprintf(what, sizeof what, b >= 0x20 && b < 0x7F ? "'%c'" : "byte 0x%02X", b);
            } else {
                snprintf(what, sizeof what, "the end of the input");
            }
            if (je == json_tokener_error_parse_utf8_string)
                return fail_at(r, e, "expected UTF-8 text in document %ld, found a string that is not (json-c: %s)",
                               r->doc_no, json_tokener_error_desc(je));
            if (je == json_tokener_error_depth)
                return fail_at(r, e, "expected JSON nested at most %d deep, found deeper (document %ld)",
                               PIXAPI_MAX_DEPTH, r->doc_no);
            return fail_at(r, e, "expected valid JSON (document %ld), found %s (json-c: %s)", r->doc_no, what,
                           json_tokener_error_desc(je));
        }
        advance(r, used);
        if (!o) /* cannot happen for an object, kept for the contract */
            return fail_at(r, e, "expected a JSON object, found null");
        r->doc = o;
        return 1;
    }
}

/* ---- documents -------------------------------------------------------------------- */

/* A cob/cobv (or one of a list): its status is required; its pix[] is read. */
static int start_cob(pixapi *r, json_object *cob, const char *path, err_t *e)
{
    json_object *v;
    char f[100];
    int present = get(cob, "status", &v);
    if (!present || !v || !json_object_is_type(v, json_type_string))
        return fail_doc(r, e, path, "status",
                        "expected a cob/cobv response with its status (ATIVA, CONCLUIDA, ...), found %s%s",
                        found_of(present, v, f, sizeof f),
                        present ? "" : " (a request body, such as PUT /cobv, is not a settlement file)");
    present = get(cob, "txid", &v);
    if (!present || !v || !json_object_is_type(v, json_type_string) ||
        !re_match(r, re_txid, json_object_get_string(v), (size_t)json_object_get_string_len(v)))
        return fail_doc(r, e, path, "txid", "expected the cob/cobv txid (1 to 35 letters or digits), found %s",
                        found_of(present, v, f, sizeof f));
    r->cob_txid = json_object_get_string(v);
    present = get(cob, "pix", &v);
    r->pixes = NULL;
    r->npix = r->pix_i = 0;
    if (present && v) {
        if (!json_object_is_type(v, json_type_array))
            return fail_doc(r, e, path, "pix", "expected an array of Pix, found %s", found_of(present, v, f, sizeof f));
        r->pixes = v;
        r->npix = json_object_array_length(v);
    }
    return 0;
}

/* Classify r->doc and set up its Pix. 0 or -1. */
static int start_doc(pixapi *r, err_t *e)
{
    json_object *v, *doc = r->doc;
    char f[100];
    r->pixes = r->single = r->cobs = NULL;
    r->npix = r->pix_i = r->ncobs = r->cob_i = 0;
    r->cob_txid = NULL;
    r->base[0] = '\0';
    int has_par = get(doc, "parametros", &v);
    int has_pix = get(doc, "pix", &v);
    int has_cobs = get(doc, "cobs", &v);
    if (get(doc, "endToEndId", &v)) {
        r->kind = D_PIX;
        r->single = doc;
        return 0;
    }
    if (has_par && has_cobs && !has_pix) {
        r->kind = D_COBLIST;
        int present = get(doc, "cobs", &v);
        if (!v || !json_object_is_type(v, json_type_array))
            return fail_doc(r, e, "", "cobs", "expected an array of cob/cobv, found %s", found_of(present, v, f, sizeof f));
        r->cobs = v;
        r->ncobs = json_object_array_length(v);
        return 0;
    }
    if (has_par || (has_pix && !get(doc, "calendario", &v) && !get(doc, "status", &v))) {
        r->kind = has_par ? D_PAGE : D_WEBHOOK;
        int present = get(doc, "pix", &v);
        if (present && v) {
            if (!json_object_is_type(v, json_type_array))
                return fail_doc(r, e, "", "pix", "expected an array of Pix, found %s", found_of(present, v, f, sizeof f));
            r->pixes = v;
            r->npix = json_object_array_length(v);
        }
        return 0;
    }
    if (get(doc, "rtrId", &v))
        return fail_doc(r, e, "", "rtrId",
                        "expected an API Pix document with Pix in it, found a refund on its own (GET "
                        "/pix/{e2eid}/devolucao/{id}): it does not carry its Pix's endToEndId"
                        "\nHINT: read the Pix with its devolucoes instead (GET /pix/{e2eid} or a GET /pix page)");
    if (get(doc, "calendario", &v) || get(doc, "status", &v) || has_pix) {
        r->kind = D_COB;
        return start_cob(r, doc, "", e);
    }
    /* say which keys it has */
    char keys[300] = "";
    size_t kl = 0;
    int nk = 0;
    json_object_object_foreach(doc, k, val) {
        (void)val;
        if (nk++ == 8) {
            snprintf(keys + kl, sizeof keys - kl, ", ...");
            break;
        }
        char q[80];
        shown(k, strlen(k), q, sizeof q);
        kl += (size_t)snprintf(keys + kl, sizeof keys - kl, "%s%s", nk > 1 ? ", " : "", q);
        if (kl >= sizeof keys)
            break;
    }
    err_set(e, EX_DATAERR,
            "%s:%ld: document %ld: expected an API Pix document (a GET /pix page with parametros and pix, a webhook "
            "body with pix, a cob/cobv with calendario and status, or a Pix with endToEndId), found an object with %s%s",
            r->p->name, r->doc_line, r->doc_no, nk ? "keys " : "no keys", keys);
    r->p->failed = 1;
    return -1;
}

/* ---- a Pix and its refunds --------------------------------------------------------- */

/* An outgoing Pix a PSP puts on the webhook of received ones: a `tipo`
 * (Efí: "SOLICITACAO" for a Pix sent through the API), a Pix-level
 * `status` (REALIZADO / NAO_REALIZADO / EM_PROCESSAMENTO of a Pix sent; the
 * received-Pix schema has none) or gnExtras.idEnvio (Efí's id of a Pix
 * sent). Returns 1 with why set, 0 for a receipt, -1 for a tipo we do
 * not know. */
static int outgoing(pixapi *r, json_object *pix, char *why, size_t n, err_t *e)
{
    json_object *v, *gx;
    char f[100];
    int present = get(pix, "tipo", &v);
    if (present && v) {
        if (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "SOLICITACAO")) {
            snprintf(why, n, "tipo 'SOLICITACAO'");
            return 1;
        }
        return fail_doc(r, e, r->pix_path, "tipo",
                        "expected no tipo on a received Pix, or 'SOLICITACAO' (an outgoing Pix, skipped), found %s",
                        found_of(present, v, f, sizeof f));
    }
    present = get(pix, "status", &v);
    if (present && v && json_object_is_type(v, json_type_string)) {
        static const char *const sent[] = { "REALIZADO", "NAO_REALIZADO", "EM_PROCESSAMENTO" };
        for (int i = 0; i < 3; i++)
            if (!strcmp(json_object_get_string(v), sent[i])) {
                snprintf(why, n, "status '%s'", sent[i]);
                return 1;
            }
    }
    if (present && v)
        return fail_doc(r, e, r->pix_path, "status",
                        "expected no status on a received Pix, or REALIZADO, NAO_REALIZADO or EM_PROCESSAMENTO (an "
                        "outgoing Pix, skipped), found %s",
                        found_of(present, v, f, sizeof f));
    if (get(pix, "gnExtras", &gx) && gx && get(gx, "idEnvio", &v) && v) {
        snprintf(why, n, "gnExtras.idEnvio");
        return 1;
    }
    return 0;
}

/* Payer CPF/CNPJ and name from pagador (API Pix 2.0.0) or gnExtras.pagador
 * (Efí). A document that is not a CPF or CNPJ (PSPs mask them) is left out
 * with a warning; the value itself never goes into a message. */
static int payer(pixapi *r, json_object *pix, settle_record *rec, err_t *e)
{
    json_object *pg, *gx;
    char path[120];
    if (get(pix, "pagador", &pg) && pg) {
        snprintf(path, sizeof path, "%s%spagador", r->pix_path, *r->pix_path ? "." : "");
    } else if (get(pix, "gnExtras", &gx) && gx && get(gx, "pagador", &pg) && pg) {
        snprintf(path, sizeof path, "%s%sgnExtras.pagador", r->pix_path, *r->pix_path ? "." : "");
    } else {
        return 0;
    }
    if (!json_object_is_type(pg, json_type_object)) {
        char f[100];
        return fail_doc(r, e, path, "", "expected an object, found %s", found_of(1, pg, f, sizeof f));
    }
    const char *s;
    size_t n;
    int got = opt_string(r, pg, path, "nome", 1, &s, &n, e);
    if (got < 0)
        return -1;
    if (got)
        pixval_copy_text(rec->payer_name, sizeof rec->payer_name, s, n);
    static const char *const keys[2] = { "cpf", "cnpj" };
    for (int k = 0; k < 2; k++) {
        got = opt_string(r, pg, path, keys[k], 1, &s, &n, e);
        if (got < 0)
            return -1;
        if (!got)
            continue;
        char d[16];
        size_t nd = 0;
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (c == '.' || c == '-' || c == '/')
                continue;
            int ok = k == 0 ? is_digit(c) : (is_digit(c) || (c >= 'A' && c <= 'Z'));
            if (!ok || nd >= 14) {
                bad = 1;
                break;
            }
            d[nd++] = c;
        }
        /* a CNPJ: 12 characters [0-9A-Z] (alphanumeric since API Pix 2.9), 2 check digits */
        if (!bad && k == 1 && (nd != 14 || !is_digit(d[12]) || !is_digit(d[13])))
            bad = 1;
        if (!bad && k == 0 && nd != 11)
            bad = 1;
        if (bad) {
            parser_warn(r->p, r->doc_line, 1,
                        "document %ld, %s.%s: expected %s, found %zu characters that are not one (masked by the PSP?); "
                        "payer_doc left empty",
                        r->doc_no, path, keys[k],
                        k == 0 ? "a CPF (11 digits)" : "a CNPJ (14 characters [0-9A-Z], the last 2 digits)", n);
            continue;
        }
        memcpy(rec->payer_doc, d, nd);
        rec->payer_doc[nd] = '\0';
        break;
    }
    return 0;
}

static const struct {
    const char *key;
    size_t off;
} components[] = {
    { "original", offsetof(settle_record, amount_face_cents) },
    { "saque", offsetof(settle_record, other_credits_cents) },
    { "troco", offsetof(settle_record, other_credits_cents) },
    { "juros", offsetof(settle_record, interest_cents) },
    { "multa", offsetof(settle_record, interest_cents) },
    { "desconto", offsetof(settle_record, discount_cents) },
    { "abatimento", offsetof(settle_record, rebate_cents) },
};

/* componentesValor: original -> face; juros + multa -> interest; desconto
 * -> discount; abatimento -> rebate; saque + troco (cash the receiver hands
 * back) -> other credits. The spec's identity, valor = original + saque +
 * troco + multa + juros - abatimento - desconto, is checked (a warning). */
static int components_of(pixapi *r, json_object *pix, settle_record *rec, err_t *e)
{
    json_object *cv;
    char f[100], path[140];
    int present = get(pix, "componentesValor", &cv);
    if (!present || !cv)
        return 0;
    if (!json_object_is_type(cv, json_type_object))
        return fail_doc(r, e, r->pix_path, "componentesValor", "expected an object, found %s",
                        found_of(present, cv, f, sizeof f));
    snprintf(path, sizeof path, "%s%scomponentesValor", r->pix_path, *r->pix_path ? "." : "");
    int any = 0;
    for (size_t i = 0; i < sizeof components / sizeof components[0]; i++) {
        json_object *c;
        present = get(cv, components[i].key, &c);
        if (!present || !c)
            continue;
        char cpath[160];
        snprintf(cpath, sizeof cpath, "%s.%s", path, components[i].key);
        if (!json_object_is_type(c, json_type_object))
            return fail_doc(r, e, cpath, "", "expected an object with valor, found %s", found_of(present, c, f, sizeof f));
        int64_t cents;
        if (amount(r, c, cpath, "valor", 1, &cents, e) < 0)
            return -1;
        *(int64_t *)((char *)rec + components[i].off) += cents;
        any = 1;
    }
    if (any)
        parser_xcheck(r->p, rec, XC_GROSS);
    return 0;
}

/* pix (an object) into r->cur. 1 with a record, 0 skipped (outgoing), -1. */
static int read_pix(pixapi *r, json_object *pix, err_t *e)
{
    settle_record *rec = &r->cur;
    char f[100], why[64];
    const char *s;
    size_t n;
    if (!json_object_is_type(pix, json_type_object))
        return fail_doc(r, e, r->pix_path, "", "expected a Pix object, found %s", found_of(1, pix, f, sizeof f));
    int out = outgoing(r, pix, why, sizeof why, e);
    if (out < 0)
        return -1;
    if (out) {
        r->p->info.skipped++;
        parser_warn(r->p, r->doc_line, 1, "document %ld, %s: an outgoing Pix (%s), not a receipt: skipped", r->doc_no,
                    *r->pix_path ? r->pix_path : "the Pix", why);
        return 0;
    }

    memset(rec, 0, sizeof *rec);
    rec->line = r->doc_line;
    rec->format = FMT_PIX_API;
    rec->kind = KIND_PIX;
    rec->paid = 1;

    json_object *v;
    int present = get(pix, "endToEndId", &v);
    if (!present || !v || !json_object_is_type(v, json_type_string) ||
        !re_match(r, re_e2e, json_object_get_string(v), (size_t)json_object_get_string_len(v)))
        return fail_doc(r, e, r->pix_path, "endToEndId",
                        "expected an end-to-end id (E or D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), "
                        "found %s",
                        found_of(present, v, f, sizeof f));
    snprintf(rec->end_to_end_id, sizeof rec->end_to_end_id, "%s", json_object_get_string(v));

    int got = opt_string(r, pix, r->pix_path, "txid", 1, &s, &n, e);
    if (got < 0)
        return -1;
    if (got && !re_match(r, re_txid, s, n))
        return fail_doc(r, e, r->pix_path, "txid", "expected a txid of 1 to 35 letters or digits, found %s",
                        shown(s, n, f, sizeof f));
    if (!got && r->cob_txid)
        s = r->cob_txid, n = strlen(s), got = 1;   /* a cob's Pix without its own txid */
    if (got)
        snprintf(rec->txid, sizeof rec->txid, "%.*s", (int)n, s);

    if (amount(r, pix, r->pix_path, "valor", 0, &rec->amount_paid_cents, e) < 0)
        return -1;
    rec->amount_credited_cents = rec->amount_paid_cents;
    if (when(r, pix, r->pix_path, "horario", &rec->settled_at, e) < 0)
        return -1;
    rec->occurred_on = rec->credited_on = pixval_brazil_date(rec->settled_at);

    got = opt_string(r, pix, r->pix_path, "infoPagador", 1, &s, &n, e);
    if (got < 0)
        return -1;
    if (got)
        pixval_copy_text(rec->message, sizeof rec->message, s, n);
    /* chave (the receiving DICT key, up to 77 characters) has no column: checked, not kept */
    if (opt_string(r, pix, r->pix_path, "chave", 1, &s, &n, e) < 0)
        return -1;
    if (payer(r, pix, rec, e) < 0 || components_of(r, pix, rec, e) < 0)
        return -1;

    /* devolucoes: an array; the official webhook example has one object */
    r->devs = NULL;
    r->ndev = r->dev_i = 0;
    present = get(pix, "devolucoes", &v);
    if (present && v) {
        if (json_object_is_type(v, json_type_array))
            r->ndev = json_object_array_length(v);
        else if (json_object_is_type(v, json_type_object))
            r->ndev = 1;
        else
            return fail_doc(r, e, r->pix_path, "devolucoes", "expected an array of refunds, found %s",
                            found_of(present, v, f, sizeof f));
        r->devs = v;
    }
    return 1;
}

/* A refund's rtrId (the return id) and id (the receiver's). 0 or -1. */
static int refund_ids(pixapi *r, json_object *d, const char *path, settle_record *rec, err_t *e)
{
    json_object *v;
    char f[100];
    int present = get(d, "rtrId", &v);
    if (!present || !v || !json_object_is_type(v, json_type_string) ||
        !re_match(r, re_rtr, json_object_get_string(v), (size_t)json_object_get_string_len(v)))
        return fail_doc(r, e, path, "rtrId",
                        "expected a return id (D, 8-character ISPB, yyyyMMddHHmm, 11 letters or digits), found %s",
                        found_of(present, v, f, sizeof f));
    snprintf(rec->refund_id, sizeof rec->refund_id, "%s", json_object_get_string(v));

    present = get(d, "id", &v);
    if (!present || !v || !json_object_is_type(v, json_type_string) ||
        !re_match(r, re_refid, json_object_get_string(v), (size_t)json_object_get_string_len(v)))
        return fail_doc(r, e, path, "id", "expected the refund id given by the receiver (1 to 35 letters or digits), found %s",
                        found_of(present, v, f, sizeof f));
    snprintf(rec->seu_numero, sizeof rec->seu_numero, "%s", json_object_get_string(v));
    return 0;
}

/* A refund's status, one of the three the API defines. 0 or -1. */
static int refund_status(pixapi *r, json_object *d, const char *path, settle_record *rec, err_t *e)
{
    json_object *v;
    char f[100];
    int present = get(d, "status", &v);
    static const char *const st[] = { "EM_PROCESSAMENTO", "DEVOLVIDO", "NAO_REALIZADO" };
    int si = -1;
    for (int i = 0; present && v && json_object_is_type(v, json_type_string) && i < 3; i++)
        if (!strcmp(json_object_get_string(v), st[i]))
            si = i;
    if (si < 0)
        return fail_doc(r, e, path, "status", "expected EM_PROCESSAMENTO, DEVOLVIDO or NAO_REALIZADO, found %s",
                        found_of(present, v, f, sizeof f));
    snprintf(rec->refund_status, sizeof rec->refund_status, "%s", st[si]);
    return 0;
}

/* A refund's natureza: absent means ORIGINAL (DevolucaoNatureza). 0 or -1. */
static int refund_nature(pixapi *r, json_object *d, const char *path, settle_record *rec, err_t *e)
{
    static const char *const nat[] = { "ORIGINAL", "RETIRADA", "MED_OPERACIONAL", "MED_FRAUDE", "MED_PIX_AUTOMATICO" };
    char f[100];
    const char *s;
    size_t n;
    int got = opt_string(r, d, path, "natureza", 0, &s, &n, e);
    if (got < 0)
        return -1;
    int ni = got ? -1 : 0;
    for (int i = 0; got && i < 5; i++)
        if (strlen(nat[i]) == n && !memcmp(s, nat[i], n))
            ni = i;
    if (ni < 0)
        return fail_doc(r, e, path, "natureza",
                        "expected ORIGINAL, RETIRADA, MED_OPERACIONAL, MED_FRAUDE or MED_PIX_AUTOMATICO, found %s",
                        shown(s, n, f, sizeof f));
    snprintf(rec->refund_nature, sizeof rec->refund_nature, "%s", nat[ni]);
    return 0;
}

/* A refund's instant: horario.liquidacao when the refund settled, else
 * horario.solicitacao; and its Brazilian date. 0 or -1. */
static int refund_when(pixapi *r, json_object *d, const char *path, settle_record *rec, err_t *e)
{
    json_object *h, *v;
    char f[100], hpath[140];
    snprintf(hpath, sizeof hpath, "%s.horario", path);
    int present = get(d, "horario", &h);
    if (!present || !h || !json_object_is_type(h, json_type_object))
        return fail_doc(r, e, path, "horario", "expected an object with solicitacao and/or liquidacao, found %s",
                        found_of(present, h, f, sizeof f));
    if (get(h, "liquidacao", &v) && v) {
        if (when(r, h, hpath, "liquidacao", &rec->settled_at, e) < 0)
            return -1;
    } else if (when(r, h, hpath, "solicitacao", &rec->settled_at, e) < 0) {
        return -1;
    }
    rec->occurred_on = pixval_brazil_date(rec->settled_at);
    return 0;
}

/* A refund's message: motivo (why the status), else descricao (the
 * message to the payer). 0 or -1. */
static int refund_message(pixapi *r, json_object *d, const char *path, settle_record *rec, err_t *e)
{
    const char *s;
    size_t n;
    int got = opt_string(r, d, path, "motivo", 1, &s, &n, e);
    if (got < 0)
        return -1;
    if (!got && (got = opt_string(r, d, path, "descricao", 1, &s, &n, e)) < 0)
        return -1;
    if (got)
        pixval_copy_text(rec->message, sizeof rec->message, s, n);
    return 0;
}

static int read_refund(pixapi *r, settle_record *rec, err_t *e)
{
    json_object *d;
    char f[100], path[120];
    if (json_object_is_type(r->devs, json_type_array)) {
        d = json_object_array_get_idx(r->devs, r->dev_i);
        snprintf(path, sizeof path, "%s%sdevolucoes[%zu]", r->pix_path, *r->pix_path ? "." : "", r->dev_i);
    } else {
        d = r->devs;
        snprintf(path, sizeof path, "%s%sdevolucoes", r->pix_path, *r->pix_path ? "." : "");
    }
    r->dev_i++;
    if (!d || !json_object_is_type(d, json_type_object))
        return fail_doc(r, e, path, "", "expected a refund object, found %s", found_of(1, d, f, sizeof f));

    memset(rec, 0, sizeof *rec);
    rec->line = r->doc_line;
    rec->format = FMT_PIX_API;
    rec->kind = KIND_PIX_REFUND;
    memcpy(rec->end_to_end_id, r->cur.end_to_end_id, sizeof rec->end_to_end_id);
    memcpy(rec->txid, r->cur.txid, sizeof rec->txid);
    if (refund_ids(r, d, path, rec, e) < 0 || amount(r, d, path, "valor", 0, &rec->amount_paid_cents, e) < 0 ||
        refund_status(r, d, path, rec, e) < 0 || refund_nature(r, d, path, rec, e) < 0 ||
        refund_when(r, d, path, rec, e) < 0 || refund_message(r, d, path, rec, e) < 0)
        return -1;
    return 1;
}

/* ---- the interface ------------------------------------------------------------------ */

/* The next Pix of the current document (or of its next cob): 1 with r->cur,
 * 0 when the document has no more, -1. Outgoing Pix are skipped here. */
static int next_pix(pixapi *r, err_t *e)
{
    for (;;) {
        json_object *pix = NULL;
        if (r->single) {
            pix = r->single;
            r->single = NULL;
            r->pix_path[0] = '\0';
        } else if (r->pixes && r->pix_i < r->npix) {
            pix = json_object_array_get_idx(r->pixes, r->pix_i);
            snprintf(r->pix_path, sizeof r->pix_path, "%spix[%zu]", r->base, r->pix_i);
            r->pix_i++;
        } else if (r->cobs && r->cob_i < r->ncobs) {
            json_object *cob = json_object_array_get_idx(r->cobs, r->cob_i);
            snprintf(r->base, sizeof r->base, "cobs[%zu]", r->cob_i);
            r->cob_i++;
            char f[100];
            if (!cob || !json_object_is_type(cob, json_type_object))
                return fail_doc(r, e, r->base, "", "expected a cob/cobv object, found %s", found_of(1, cob, f, sizeof f));
            if (start_cob(r, cob, r->base, e) < 0)
                return -1;
            size_t l = strlen(r->base);
            snprintf(r->base + l, sizeof r->base - l, ".");
            continue;
        } else {
            return 0;
        }
        int got = read_pix(r, pix, e);
        if (got != 0)
            return got;
    }
}

pixapi *pixapi_open(parser *p, err_t *e)
{
    pixapi *r = calloc(1, sizeof *r);
    if (!r) {
        err_set(e, EX_SOFTWARE, "%s: out of memory", p->name);
        return NULL;
    }
    r->p = p;
    r->line = 1;
    r->col = 1;
    pthread_once(&re_once, compile_once);
    if (!re_e2e || !re_rtr || !re_txid || !re_refid) {
        err_set(e, EX_SOFTWARE, "cannot compile the Pix identifier patterns");
        goto fail;
    }
    r->md = pcre2_match_data_create(4, NULL);
    r->tok = json_tokener_new_ex(PIXAPI_MAX_DEPTH);
    if (!r->md || !r->tok) {
        err_set(e, EX_SOFTWARE, "%s: out of memory", p->name);
        goto fail;
    }
    /* strict JSON, UTF-8 checked; what follows a document is ours to judge */
    json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
    int got = read_doc(r, e);
    if (got < 0)
        goto fail;
    if (got == 0) {
        err_set(e, EX_DATAERR, "%s:1:1: expected an API Pix JSON document, found only blanks", p->name);
        goto fail;
    }
    if (start_doc(r, e) < 0)
        goto fail;
    return r;
fail:
    p->failed = 1;
    pixapi_close(r);
    return NULL;
}

int pixapi_next(pixapi *r, settle_record *rec, err_t *e)
{
    for (;;) {
        if (r->devs && r->dev_i < r->ndev)
            return read_refund(r, rec, e);
        r->devs = NULL;
        int got = next_pix(r, e);
        if (got < 0)
            return -1;
        if (got > 0) {
            *rec = r->cur;
            return 1;
        }
        got = read_doc(r, e);
        if (got <= 0)
            return got;
        if (start_doc(r, e) < 0)
            return -1;
    }
}

void pixapi_close(pixapi *r)
{
    if (!r)
        return;
    json_object_put(r->doc);
    if (r->tok)
        json_tokener_free(r->tok);
    pcre2_match_data_free(r->md);
    free(r);
}
