/* cnab.h - internals shared by the CNAB readers: normalised lines, field
 * tables (bank layouts as data), date/amount decoding and the bank registry.
 *
 * Nothing here does I/O: the line source lives in parser.c, and everything
 * in this header is pure so unit tests call it directly. */
#ifndef SETTLE_CNAB_H
#define SETTLE_CNAB_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/record.h"

#define CNAB_MAX_RAW 4096   /* longest physical line accepted, in bytes */
#define CNAB_MAX_CHARS 4096 /* longest line in characters */

/* One line after normalisation: c[0..len) are the characters, each the
 * Latin-1 code point of a character (or '?' for the rare code point above
 * U+00FF, whose real value is in wide[]); the line is padded with spaces up
 * to the layout length by cnab_line_fit(). */
typedef struct cnab_line {
    unsigned char c[CNAB_MAX_CHARS + 1];
    uint32_t wide_cp[CNAB_MAX_CHARS];
    int wide;          /* 1 when some character is above U+00FF (see wide_cp) */
    size_t len;        /* characters, trailing spaces removed */
    int utf8;          /* 1 when the line was valid UTF-8 with non-ASCII characters */
    int ascii;         /* 1 when every byte was ASCII (c[] is the line as is) */
} cnab_line;

/* Normalise one physical line (without its '\n'): drop a trailing '\r',
 * a UTF-8 byte order mark when first is set, trailing 0x1A bytes and
 * trailing spaces; decode UTF-8 when the line is valid UTF-8 with non-ASCII
 * characters (positions then count characters), else read bytes as Latin-1.
 * Never fails: any byte sequence is some Latin-1 text. */
void cnab_line_norm(const unsigned char *raw, size_t n, int first, cnab_line *out);

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when it is not valid UTF-8 (overlongs and surrogates
 * refused). Shared by every reader (CNAB lines, Pix CSV, PSP statements). */
size_t utf8_seq_len(const unsigned char *s, size_t n, uint32_t *cp);

/* Pad the line with spaces to layout characters. Returns 0, or -1 when the
 * line holds non-space characters beyond the layout (then *found is its
 * length in characters). */
int cnab_line_fit(cnab_line *l, size_t layout, size_t *found);

/* Field kinds of a layout table. */
typedef enum {
    FK_TEXT = 1,  /* trimmed text, UTF-8, into a char buffer */
    FK_NUMTEXT,   /* like FK_TEXT but must be digits or blank */
    FK_TEXT_ALT,  /* like FK_TEXT, only when the member is still empty (a fallback field) */
    FK_CODE,      /* a 2-digit code into movement_code (blank = "") */
    FK_MONEY,     /* digits (or blank = 0), 2 implied decimals, into int64 cents */
    FK_DATE8,     /* DDMMAAAA, zeros/blank = no date */
    FK_DATE6,     /* DDMMAA, century pivot 00-69 -> 20xx, zeros/blank = no date */
    FK_DOC,       /* payer CPF/CNPJ digits; kept as 11 (CPF) or 14 (CNPJ) digits */
    FK_MONEY_ADD, /* like FK_MONEY, added to the member (multa on top of juros) */
    FK_MONEY4,    /* digits, 4 implied decimals, into cents: the sub-cent digits are dropped
                     (truncated, never rounded up: no money that did not arrive) */
    FK_MONEY_CR,  /* like FK_MONEY, followed by 'D'/'C' at start+len: stored only when 'C'
                     (a credit); 'D', blank or anything else leaves the member untouched */
    FK_DATE8R,    /* AAAAMMDD, zeros/blank = no date */
    FK_DATE6_OPT, /* DDMMAA when the field holds a valid date (then it replaces the member),
                     anything else is ignored: a field the manual says "may contain" a date */
    FK_CODE_AN,   /* like FK_CODE, but digits or capital letters (Banrisul 240's AA, AB, AC) */
} field_kind;

/* One field of a record layout: positions are 1-based, inclusive start. */
typedef struct cnab_field {
    const char *name;    /* for messages: "amount paid" */
    uint16_t start, len;
    uint8_t kind;        /* field_kind */
    uint16_t off;        /* offsetof(settle_record, member) */
    uint16_t size;       /* sizeof the member (text) */
} cnab_field;

#define CF(nm, st, ln, kd, member) \
    { nm, st, ln, kd, (uint16_t)offsetof(settle_record, member), (uint16_t)sizeof(((settle_record *)0)->member) }
#define CF_END { NULL, 0, 0, 0, 0, 0 }

/* Decoding error: column and a message "expected ..., found ...". */
typedef struct cnab_ferr {
    size_t col;
    char msg[256];
} cnab_ferr;

/* Apply every field of table to rec. Returns 0, or -1 with *fe set. */
int cnab_apply(const cnab_field *table, const cnab_line *l, settle_record *rec, cnab_ferr *fe);

/* Pure decoders (1-based positions). Each returns 0 or -1 with *fe set. */
int cnab_digits(const cnab_line *l, size_t start, size_t len, const char *what, int64_t *v, cnab_ferr *fe);
int cnab_date(const cnab_line *l, size_t start, size_t len, const char *what, settle_date *d, cnab_ferr *fe);
/* AAAAMMDD at start (8 characters), zeros/blank = no date. */
int cnab_date_ymd(const cnab_line *l, size_t start, const char *what, settle_date *d, cnab_ferr *fe);
/* Copy characters [start, start+len) trimmed of spaces on both sides, as
 * UTF-8, into dst (size bytes, always NUL-terminated). */
void cnab_text(const cnab_line *l, size_t start, size_t len, char *dst, size_t size);

/* 1 when y-m-d is a real calendar day. */
int cnab_valid_date(int y, int m, int d);
/* DDMMAA year pivot: 00-69 -> 2000-2069, 70-99 -> 1970-1999. */
int cnab_pivot_year(int yy);

/* ---- money cross-check ---- */

/* Which identities a bank's manual defines between the money fields of a
 * record that carries money (cnab240_bank.xcheck, cnab400_bank.xcheck). */
enum {
    XC_GROSS = 1,     /* paid = face + interest + other credits - discount - rebate */
    XC_NET = 2,       /* credited = paid - fee (when credited is reported, i.e. not 0) */
    XC_NET_IS_PAID = 4, /* credited = paid (the fee is debited apart: Caixa 240) */
};

/* Check rec's money against the identities in flags. Returns 0 when they
 * hold (or rec carries no money), else 1 with msg set to what disagrees,
 * e.g. "amount paid 1100 != face 1000 + interest 0 + other credits 0 -
 * discount 0 - rebate 0 = 1000". */
int cnab_xcheck(const settle_record *rec, unsigned flags, char *msg, size_t n);

/* ---- bank registry (parsers/banks.c) ---- */

typedef struct cnab240_bank {
    const char *code;          /* "001" */
    const char *name;
    const cnab_field *t;       /* segment T fields: nosso número packing, then the rest */
    const cnab_field *u;       /* segment U fields */
    const char *paid;          /* movement codes that carry money: "06,17" */
    unsigned flags;
    const char *liq_baixa;     /* "baixa por ter sido liquidado" codes: money only when the record
                                  reports an amount; a confirmation of an earlier liquidation */
    unsigned xcheck;           /* XC_* identities the manual defines */
} cnab240_bank;

enum {
    C240_NO_BATCH_TOTALS = 1,  /* 24-46 of the batch trailer hold other data (the whole portfolio) */
    C240_BATCH_COUNT_DETAILS = 4, /* the batch record count leaves out the batch header and trailer (Santander) */
    C240_NO_COUNTS = 2,        /* the trailers' record counts are not the file's (BTG sample: always 1) */
    C240_PAID_IS_NET = 8,      /* U 78-92 is the net credited: amount paid = that + fee (Itaú) */
    C240_BATCH_COUNT_EITHER = 16, /* the batch record count is either the details only or header, details
                                     and trailer (Santander: samples vs manual notes 37/38) */
    /* issue 19 (new banks) */
    C240_COUNTS_ZERO_OK = 32,  /* a trailer record/batch count of zero or blank means "not reported": the
                                  counts are checked only when non-zero (Banestes, Unicred, Citibank) */
    C240_U_OPTIONAL = 64,      /* segment U follows a T only for some codes (Banrisul): a T whose next
                                  record is not a U is a record on its own, unless its code carries money */
    C240_HEADER_143_MAY_BE_1 = 128, /* the manual's return header has '1' at 143 (Cresol): a '1' there is
                                      decided by the batch header's operation ('T' return, 'R' remessa) */
    C240_TEST_LITERAL = 256,   /* a batch header holding "COBRANCA-TESTE" is a test file: refused (Citibank) */
    C240_PAID_FROM_NET = 512,  /* U 78-92 depends on a per-client setting; amount paid = net (U 93-107) +
                                  fee (T 199-213) + other expenses (U 108-122) when the net is reported (Banrisul) */
    C240_SKIP_SEGMENTS = 1024, /* segments other than T and U (any capital letter) are skipped, not refused (HSBC) */
};

typedef struct cnab400_bank {
    const char *code;
    const char *name;
    char detail_type;          /* '1' (or '7' for BB CBR643) */
    const cnab_field *detail;  /* detail record (type detail_type) fields */
    const cnab_field *detail7; /* BB: the convênio-7 layout (record type 7), else NULL */
    const char *paid;          /* occurrence codes that carry money */
    char pix_type;             /* optional record after the detail holding a txid ('2' Santander, '4' Bradesco), 0 none */
    uint16_t pix_start, pix_len;
    uint8_t pix_emv;           /* 1: pix_start..pix_len holds the EMV QR payload ("copia e cola", Itaú type 3):
                                  the txid is its field 62, subfield 05, unless that is "***" (a dynamic QR) */
    char skip_types[8];        /* other optional record types that follow a detail and carry no money ('3' Itaú) */
    unsigned flags;            /* C400_* */
    const char *liq_baixa;     /* as cnab240_bank.liq_baixa */
    unsigned xcheck;           /* XC_* identities the manual defines */
    const char *aliases;       /* other codes the bank writes at 77-79 of the header ("353" Santander), or NULL */
    uint8_t hdr_date;          /* header generation date: C400_HD_* (95-100 DDMMAA by default) */
    uint16_t hdr_credit;       /* header position of a DDMMAA credit date for every liquidation (HSBC 120), 0 none */
    const cnab_field *detail_alt; /* an older layout of the detail, used when positions alt_blank.. are blank */
    uint16_t alt_blank_start, alt_blank_len;
    uint16_t hold_at;          /* detail position of a "money not available yet" indicator (HSBC 304), 0 none */
    char hold_char;            /* its value ('9' HSBC: "pagamento aguardando compensação do cheque"): not paid */
    uint16_t hdr_date_start;   /* header generation date start; 0 = 95 (C6: 125) */
    char more_detail_types[4]; /* other record types read as details with the detail table (Citibank "78") */
} cnab400_bank;


enum {
    C400_PAID_IS_NET = 1,      /* 254-266 is the net credited: amount paid = that + fee (Itaú) */
    C400_BANRISUL_NOTA1 = 2,   /* 254-266 "valor pago" is one of the six definitions of Banrisul's
                                  Nota 1 (default: without juros): amount paid rebuilt (cnab400.c) */
    C400_FOLD_SAME_NN = 4,     /* further detail records for the same nosso número right after a title
                                  belong to it (Banrisul cobrança distribuída): folded, no new settlement */
    C400_NO_RETURN_MSG = 8,    /* a header-only file is valid when its header says so (Caixa
                                  "Não houve Retorno na Data Indicada" at 101-158) */
};

/* Header generation date formats (cnab400_bank.hdr_date). */
enum {
    C400_HD_DDMMAA = 0,        /* 95-100 DDMMAA */
    C400_HD_AAAAMMDD = 1,      /* 95-102 AAAAMMDD (Sicredi) */
    C400_HD_DDMMAAAA = 2,      /* 95-102 DDMMAAAA (BRB) */
};

/* How a (format, bank, movement code) settles money, for reconcile:
 * CODE_LIQ_BAIXA = a "baixa por ter sido liquidado" code (liq_baixa), which
 * confirms a liquidation of the same title; CODE_PAID = a liquidation code;
 * CODE_OTHER = anything else. format is "cnab240" or "cnab400". */
typedef enum { CODE_OTHER = 0, CODE_PAID, CODE_LIQ_BAIXA } cnab_code_class;
cnab_code_class cnab_code_class_of(const char *format, const char *bank, const char *code);

/* Banrisul 400: amount paid from 254-266 (rec->amount_paid_cents) read with
 * Nota 1 of the manual; other_exp = 189-201 "outras despesas". */
int64_t cnab400_banrisul_paid(const settle_record *rec, int64_t other_exp);

/* Decide rec->paid from its movement code and amounts (paid codes, and
 * liq_baixa codes when an amount was reported). */
void cnab_set_paid(settle_record *rec, const char *paid, const char *liq_baixa);

const cnab240_bank *cnab240_bank_find(const char *code);
const cnab400_bank *cnab400_bank_find(const char *code);
/* The layout for a CNAB 400 file whose header is hdr and whose bank code is
 * code: the bank's row (code or one of its aliases), or a variant the header
 * selects (Unicred files carrying 001). NULL when no bank reads it. *canon
 * is set to the bank code the records carry ("033" for a 353 header). */
const cnab400_bank *cnab400_bank_for_header(const cnab_line *hdr, const char *code, const char **canon);
/* 1 when code is in the comma-separated list. */
int cnab_code_in(const char *code, const char *list);
/* Comma-separated list of the bank codes each layout knows ("001, 033, ..."). */
const char *cnab240_bank_list(void);
const char *cnab400_bank_list(void);

#endif
