/* record.h - one settlement record, whatever file it came from, and the
 * streaming reader interface every format implements.
 *
 * A record is one detail of a return file: a CNAB 240 T+U pair, a CNAB 400
 * detail (with any hybrid-Pix record that follows it folded in), or one row
 * of a Pix statement. Every movement code comes out, not only payments;
 * `paid` says whether the record carries money.
 *
 * Ownership: the record is a plain value with fixed-size buffers; a reader
 * overwrites it on each call. Text is UTF-8, NUL-terminated, trailing spaces
 * removed. Money is int64_t cents. A date with y == 0 means "none" (the file
 * had zeros or blanks). */
#ifndef SETTLE_RECORD_H
#define SETTLE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* The input formats: one table (parsers/parser.c, record_format_name and
 * record_format_from_name) feeds --format, ingest's [source] format and
 * return_files.format. FMT_PIX_API: BACEN API Pix JSON (GET /pix pages,
 * webhook bodies, cob/cobv); FMT_PIX_PSP: a PSP's record-typed Pix
 * statement with fees. */
typedef enum {
    FMT_UNKNOWN = 0, FMT_CNAB240, FMT_CNAB400, FMT_PIX_CSV, FMT_PIX_API, FMT_PIX_PSP,
    FMT_CIELO,                   /* Cielo Extrato Eletrônico v15: files 03 (sales/schedule) and 04 (payments) */
    FMT_REDE,                    /* Rede EEVC (credit sales), EEVD (debit sales), EEFI (payments) */
} record_format;
/* KIND_CARD_*: acquirer records (issue 20): a sale installment the acquirer
 * confirms (gross in amount_face_cents, fee in fee_cents, net in
 * amount_credited_cents, sale date in occurred_on, expected payment date in
 * credited_on), a payout of one or more installments, and adjustments
 * (cancellations, chargebacks and their reversals, anticipation). */
typedef enum {
    KIND_BOLETO = 0, KIND_PIX, KIND_PIX_REFUND,
    KIND_CARD_SALE, KIND_CARD_SETTLEMENT, KIND_CARD_ADJUSTMENT,
} record_kind;

typedef struct settle_date {
    int16_t y;  /* 0 = no date */
    int8_t m, d;
} settle_date;

typedef struct settle_record {
    long line;                   /* line where the record starts (the T segment in CNAB 240) */
    record_format format;
    char bank[4];                /* 3-digit bank code; for Pix, the ISPB-derived or configured code or "" */
    record_kind kind;
    char movement_code[3];       /* CNAB movement/occurrence code; "" for Pix */
    int paid;                    /* 1 when money arrived with this record */

    char nosso_numero[24];       /* as the bank printed it on the boleto (digits, DV included where the bank does) */
    char seu_numero[36];         /* seu número / document number / company's title id; API Pix refund id (1-35) */
    char txid[36];               /* Pix txid (hybrid boleto or Pix charge) */
    char end_to_end_id[33];      /* Pix endToEndId */
    char refund_id[33];          /* Pix refund rtrId (kind == KIND_PIX_REFUND) */
    char refund_status[24];      /* EM_PROCESSAMENTO | DEVOLVIDO | NAO_REALIZADO */
    char refund_nature[32];      /* API Pix devolucoes[].natureza: ORIGINAL, RETIRADA, MED_OPERACIONAL, MED_FRAUDE, ... */

    int64_t amount_face_cents;   /* título face value (CNAB) */
    int64_t amount_paid_cents;   /* what the payer paid (CNAB valor pago; Pix valor) */
    int64_t amount_credited_cents; /* net credited to the company (valor líquido) */
    int64_t interest_cents;      /* juros / multa / mora */
    int64_t discount_cents;
    int64_t rebate_cents;        /* abatimento */
    int64_t other_credits_cents; /* outros créditos/recebimentos: paid by the payer on top of the face (FEBRABAN U 123-137) */
    int64_t fee_cents;           /* tarifa */
    int64_t iof_cents;

    settle_date occurred_on;     /* occurrence date (Pix: date of settled_at, UTC-3) */
    settle_date credited_on;
    settle_date due_on;
    int64_t settled_at;          /* Pix: seconds since the epoch, UTC; 0 = none */

    char payer_doc[15];          /* CPF (11 digits) or CNPJ (14: 12 digits or capital letters, then 2 digits) */
    char payer_name[128];        /* UTF-8 */
    char message[160];           /* Pix payer message (infoPagador), UTF-8 */

    /* Card acquirer records (format FMT_CIELO / FMT_REDE); empty otherwise. */
    char card_merchant[21];      /* Cielo EC / Rede PV (estabelecimento) */
    char card_tid[41];           /* TID (e-commerce transaction id) */
    char card_nsu[21];           /* NSU / DOC */
    char card_authorization[13]; /* authorization code */
    char card_brand[16];         /* brand as the layout names it, normalised lower-case (visa, mastercard, elo, ...) */
    char order_reference[41];    /* the order number the store sent to the acquirer */
    char acquirer_key[101];      /* Cielo Chave UR (up to 100 characters) / Rede RV or resumo number: joins payouts to sales */
    char adjustment[24];         /* KIND_CARD_ADJUSTMENT: cancel | chargeback | chargeback_reversal | anticipation | other */
    int16_t installment;         /* 1..installments; 0 = not an installment */
    int16_t installments;        /* total installments of the sale; 0 or 1 = cash (à vista) */
} settle_record;

/* What the reader learned about the whole file. */
typedef struct file_info {
    record_format format;
    char bank[4];
    settle_date generated_on;
    long records;                /* detail records returned so far */
    long warnings;               /* warnings reported (parse_opts.warn), xcheck_mismatches included */
    long xcheck_mismatches;      /* money records whose parts do not add up (cnab_xcheck) */
    long skipped;                /* entries read and counted but not settlements (outgoing Pix, transfers, balances) */
} file_info;

/* A warning about a file that is still read: "FILE:LINE:COL: warning: ...".
 * Called synchronously from parser_next(); msg is valid during the call. */
typedef void (*parse_warn_fn)(void *arg, long line, const char *msg);

typedef struct parse_opts {
    record_format format;        /* FMT_UNKNOWN = detect from the content */
    const char *bank;            /* NULL = from the file */
    const struct profile_cfg *profile; /* Pix CSV profile; NULL = canonical layout */
    parse_warn_fn warn;          /* NULL: warnings are only counted in file_info */
    void *warn_arg;
    long long max_decompressed_bytes; /* a gzip input expanding beyond this is refused; 0 = no limit */
    long max_empty_lines;        /* more consecutive empty lines (or empty CSV rows) refused; 0 = no limit */
} parse_opts;

typedef struct parser parser;

/* Open path (plain or gzip, detected by magic bytes) for streaming.
 * Returns NULL with e set: EX_DATAERR for a file that is not a return we
 * read (message says what it looks like), EX_NOINPUT-ish errors as
 * EX_DATAERR too. display_name (or path when NULL) prefixes every message. */
parser *parser_open(const char *path, const char *display_name, const parse_opts *opts, err_t *e);

/* Next record into *rec. Returns 1 with a record, 0 at the end of a valid
 * file (trailers checked), -1 with e set to "FILE:LINE:COL: what was
 * expected, what was found" (EX_DATAERR). After -1 the file is invalid as a
 * whole; callers must not apply any record from it. */
/* Same as parser_open() on len bytes at data (plain text; no gzip), which
 * must stay valid until parser_close(). For fuzzing and tests. */
parser *parser_open_mem(const void *data, size_t len, const char *display_name, const parse_opts *opts, err_t *e);

int parser_next(parser *p, settle_record *rec, err_t *e);

const file_info *parser_info(const parser *p);

void parser_close(parser *p);

const char *record_format_name(record_format f);   /* "cnab240", "cnab400", "pix-csv", "pix-api", "pix-psp" */
record_format record_format_from_name(const char *s); /* FMT_UNKNOWN for NULL or an unknown name */
/* "cnab240, cnab400, pix-csv, pix-api, pix-psp": for messages */
const char *record_format_list(void);
const char *record_kind_name(record_kind k);       /* "boleto", "pix", "pix_refund" */

#endif
