/* pixapi.h - the BACEN API Pix JSON reader (docs/formats/pix-api.md).
 *
 * parser.c hands it a file whose first non-blank byte is '{': a GET /pix
 * page, a webhook body, a GET /cob/{txid} or /cobv/{txid} response (or a
 * GET /cob, /cobv list), a GET /pix/{e2eid} Pix, or several of them one
 * after the other (JSON Lines). Each received Pix is one KIND_PIX record,
 * each of its devolucoes one KIND_PIX_REFUND record; outgoing Pix that a
 * PSP puts on the same webhook are skipped and counted (file_info.skipped).
 *
 * json-c parses one document at a time through its incremental tokener,
 * fed from the parser's input buffer: memory is the input buffer plus one
 * document, and a document over PIXAPI_MAX_DOC bytes is refused. */
#ifndef SETTLE_PIXAPI_H
#define SETTLE_PIXAPI_H

#include "parsers/record.h"

#define PIXAPI_MAX_DOC   (16L * 1024 * 1024) /* bytes of one JSON document */
#define PIXAPI_MAX_DEPTH 32                  /* nesting of one document */

struct parser;
typedef struct pixapi pixapi;

/* Start reading p's input (its buffer holds the first bytes, not yet
 * consumed). Reads and classifies the first document; returns NULL with e
 * set (EX_DATAERR "FILE:LINE:COL: ..." or "FILE:LINE: document N, PATH:
 * expected ..., found ..."; EX_SOFTWARE when out of memory). */
pixapi *pixapi_open(struct parser *p, err_t *e);

/* Same contract as parser_next(): 1 with a record, 0 at the end, -1 with e
 * set. rec->line is the line where the record's document starts. */
int pixapi_next(pixapi *r, settle_record *rec, err_t *e);

/* Free r (NULL is fine). */
void pixapi_close(pixapi *r);

#endif
