/* pixpsp.h - record-typed Pix statements published by PSPs (Efí's
 * "Extrato de Conciliação", docs/formats/pix-psp.md).
 *
 * A PSP statement is a delimited file with one record type per line: a
 * header, Pix received, refunds, fees on the Pix and their reversals,
 * outgoing money and balances, and a trailer counting the records per
 * type. The layout of each PSP is a TABLE (pixpsp_layout): record type
 * codes, the field index of every value per type, what each type means to
 * settle, the trailer's count fields and which fields are base64. The next
 * PSP is a new table in parsers/pixpsp.c, not new code.
 *
 * The reader reads the file twice through a gzFile (parser.c hands it the
 * input): the first pass checks every record and the trailer and gathers
 * the fees of each Pix by end-to-end id (a fee may come before or after its
 * Pix); the second returns the settlements with their fees. Memory is one
 * hash entry per Pix, bounded by pixpsp_max_pix. */
#ifndef SETTLE_PIXPSP_H
#define SETTLE_PIXPSP_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/record.h"

/* What a record type is to settle. */
typedef enum {
    PSP_IGNORED = 0,     /* read, checked for its field count, counted in file_info.skipped and the trailer */
    PSP_RECEIPT,         /* a Pix received: a KIND_PIX settlement */
    PSP_REFUND_SENT,     /* a refund the account holder sent (devolução enviada): KIND_PIX_REFUND */
    PSP_REFUND_RECEIVED, /* a refund the account holder received: KIND_PIX_REFUND */
    PSP_FEE,             /* a fee on a received Pix, matched by end-to-end id */
    PSP_FEE_REVERSAL,    /* the reversal of such a fee */
    PSP_BALANCE,         /* a balance line: counted in skipped, not in the trailer's total */
} pixpsp_role;

#define PSP_MAX_FIELDS 24

/* One record type of a layout. Field indexes are 0-based (0 is the type
 * code); -1 = the type has no such field. */
typedef struct pixpsp_rtype {
    const char *code;         /* "PR" */
    const char *what;         /* "Pix Recebido", for messages */
    uint8_t role;             /* pixpsp_role */
    uint8_t nfields_min, nfields_max;
    int8_t f_e2e, f_txid, f_amount, f_when, f_doc, f_name, f_message, f_refund_id;
    int8_t trailer_field;     /* index of the trailer field counting this type, -1 none */
    uint32_t b64;             /* bit i set: field i is base64 (checked; decoded where it is a value) */
    uint32_t required;        /* bit i set: field i must not be empty */
} pixpsp_rtype;

typedef struct pixpsp_layout {
    const char *name;         /* "efi" */
    const char *psp;          /* "Efí (Gerencianet)", for messages */
    const char *bank;         /* bank code the statement carries (header field hdr_bank), "364" */
    char delim;
    const char *header_code;  /* "CA" */
    uint8_t header_fields;
    int8_t hdr_bank;          /* header field holding the bank code (checked to detect the layout) */
    int8_t hdr_date;          /* header field holding the statement date (yyyy-mm-dd) -> generated_on */
    const char *trailer_code; /* "T" */
    uint8_t trailer_fields;
    int8_t trailer_total;     /* trailer field counting every record but header, trailer and balances */
    const pixpsp_rtype *types;
    int ntypes;
} pixpsp_layout;

/* The layouts settle knows (NULL-terminated). */
extern const pixpsp_layout *const pixpsp_layouts[];

/* Most Pix (received, plus fees whose Pix was not seen yet) one statement
 * may hold; more is refused with a message naming the limit. A variable so
 * tests can lower it. */
#define PIXPSP_MAX_PIX 1000000
extern long pixpsp_max_pix;

/* The layout whose header the first line of head (len bytes, the start of
 * the file) is, or NULL. */
const pixpsp_layout *pixpsp_sniff(const char *head, size_t len);

/* An alphanumeric-aware CPF/CNPJ check for Pix inputs: s holds 11 digits
 * (CPF) or 14 characters, 12 of [0-9A-Z] then 2 digits (CNPJ, numeric or
 * the alphanumeric CNPJ of Receita Federal / API Pix 2.9), with '.', '-',
 * '/' and spaces as punctuation. The check digits are not verified. On
 * success out (15 bytes) holds the characters and 0 is returned; else -1
 * with why set to what was found ("13 characters", "a lowercase letter"),
 * never echoing the document (personal data): callers write
 * "expected ... as " PIX_DOC_EXPECT ", found " why. */
#define PIX_DOC_EXPECT "a CPF (11 digits) or CNPJ (14 characters: 12 digits or capital letters, then 2 digits)"
int pix_doc_check(const char *s, char out[15], char *why, size_t whysz);

#endif
