/* pix_api.h - `settle fetch` for a [source NAME] of type = pix_api: the
 * nightly pull of GET /pix (BACEN API Pix 2.x) over HTTPS with mTLS and an
 * OAuth2 client-credentials token (libcurl), written as ONE JSON Lines file
 * (one page per line) into <spool>/incoming/NAME/, recorded in
 * fetched_files and pix_api_windows (sql/012_pix_api.sql).
 * docs/fetch.md, "API Pix pull", is the operator's description.
 *
 * The pure pieces (times, the window, the envelope of a page, the
 * completeness of a page sequence, Retry-After) live in
 * fetch/pix_api_rules.c and are exposed for unit tests. */
#ifndef SETTLE_PIX_API_H
#define SETTLE_PIX_API_H

#include <libpq-fe.h>
#include <stddef.h>
#include <time.h>

#include "common/config.h"
#include "common/error.h"

/* Most pages one pull follows, and most bytes one HTTP response may hold:
 * a server announcing more is refused, not believed. */
#define PIX_MAX_PAGES 10000
#define PIX_MAX_RESPONSE_BYTES (64L * 1024 * 1024)

/* ---- pure ------------------------------------------------------------------ */

/* Parse an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm),
 * 't'/'z' and a space for 'T' accepted) into seconds since the epoch; the
 * fraction is dropped. 0, or -1 when s is not one. */
int pix_parse_rfc3339(const char *s, time_t *out);

/* t as "YYYY-MM-DDTHH:MM:SSZ" (out holds 21 bytes). */
void pix_format_rfc3339(time_t t, char out[21]);

/* The window of the next pull: [last_fim - overlap, now] when a pull was
 * recorded (have_last), else [first_start, now] (have_first; without it
 * there is no window: -2). -1 when the start is not before now, or the
 * last fim is not before now (nothing to ask yet). The start is never
 * before first_start when have_first. */
int pix_window(int have_last, time_t last_fim, int have_first, time_t first_start, long long overlap,
               time_t now, time_t *inicio, time_t *fim);

/* What one page's envelope says. */
typedef struct pix_page {
    time_t inicio, fim;           /* parametros.inicio / fim */
    long long pagina_atual;       /* parametros.paginacao.paginaAtual */
    long long itens_por_pagina;   /* parametros.paginacao.itensPorPagina */
    long long paginas;            /* parametros.paginacao.quantidadeDePaginas */
    long long total;              /* parametros.paginacao.quantidadeTotalDeItens */
    long long items;              /* length of pix[] */
} pix_page;

/* Read a page's envelope (json-c): parametros.inicio/fim (RFC 3339),
 * parametros.paginacao's four integers (>= 0), and pix[] (an array; absent
 * counts as empty only when quantidadeTotalDeItens is 0). Nothing else is
 * looked at. 0, or -1 with why set (never quoting the body). */
int pix_parse_envelope(const char *json, size_t len, pix_page *out, char *why, size_t n);

/* Is page p (the index-th received, 0-based) consistent with the request
 * (window, page size) and with page 0? why says what is wrong. 0 or -1. */
int pix_check_page(const pix_page *p, long long index, const pix_page *first, time_t inicio, time_t fim,
                   long long page_size, char *why, size_t n);

/* Is the whole sequence complete: n pages 0..n-1, each consistent
 * (pix_check_page), n equal to quantidadeDePaginas (1 when it says 0 and
 * there are no items), and the items adding up to quantidadeTotalDeItens?
 * 0 or -1 with why set. */
int pix_check_pages(const pix_page *pages, size_t n, time_t inicio, time_t fim, long long page_size, char *why,
                    size_t whylen);

/* Seconds a Retry-After header value asks to wait: delta-seconds, or an
 * HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") compared with
 * now (0 when already past). -1 when the value is neither. */
long long pix_retry_after(const char *value, time_t now);

/* ---- the pull ---------------------------------------------------------------- */

/* Pull source s (type = pix_api) into <spool>/incoming/NAME/ and record it
 * on db; dry_run prints the window it would ask for (SOURCE<TAB>inicio/fim)
 * and contacts nothing. 0, or -1 with e set: EX_CONFIG (a setting or local
 * file is wrong), EX_UNAVAILABLE (the API failed or answered something
 * incomplete), EX_IOERR (the spool). A failure leaves no file in
 * incoming/ and no window row. */
int pix_api_fetch(const config *cfg, const source_cfg *s, PGconn *db, int dry_run, err_t *e);

#endif
