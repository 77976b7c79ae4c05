/* pix_api.c - the nightly API Pix pull of a [source NAME] with type = pix_api.
 *
 * One run: find the window [last recorded fim - overlap_seconds, now]
 * (first run: [first_window_start, now]); get an OAuth2 token (POST
 * token_url, client credentials in HTTP Basic, over mTLS); GET
 * base_url/pix?inicio&fim&paginacao.paginaAtual&paginacao.itensPorPagina
 * from page 0 to quantidadeDePaginas - 1, each page's envelope checked
 * (json-c: parametros echoes the window, page numbers in order, the same
 * totals on every page) and appended as one line to
 * <spool>/tmp/NAME/LOCAL.part; at the end the items must add up to
 * quantidadeTotalDeItens. Then the .part is fsynced, hashed and linked into
 * <spool>/incoming/NAME/ (fetch/fetch.c's fetch_place), and fetched_files and
 * pix_api_windows get their rows in one transaction. Anything failing on
 * the way unlinks the .part: no file, no window row, the source fails.
 *
 * HTTP: 401 on a page refreshes the token once; 429 waits Retry-After while
 * the total wait stays under PIX_MAX_WAIT_S; 5xx and broken connections
 * are retried `retries` times with exponential backoff and jitter; a
 * timeout, any other status or a response over PIX_MAX_RESPONSE_BYTES
 * fails. The client secret and the token never reach a log line or an
 * error message. */
#include "fetch/pix_api.h"
#include "fetch/db.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/db.h"
#include "common/envlimit.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/outfile.h"
#include "common/sftp.h"
#include "fetch/fetch.h"

/* The longest total wait on 429 Retry-After within one pull (seconds);
 * $SETTLE_PIX_MAX_WAIT_S overrides it (tests). */
#define PIX_MAX_WAIT_S 300
#define PIX_MAX_429 20

/* ---- HTTP -------------------------------------------------------------------- */

typedef struct http_buf {
    char *data;
    size_t len, cap;
    size_t max;       /* most bytes one response may hold */
    int too_big;
} http_buf;

typedef struct pull {
    const source_cfg *s;
    CURL *curl;
    char token_url[2048];
    char secret[1024];
    char token[4096];
    int have_token;
    char retry_after[64];
    char errbuf[CURL_ERROR_SIZE];
    long long waited_s, max_wait_s;
    long long max_response; /* bytes: PIX_MAX_RESPONSE_BYTES or $SETTLE_PIX_MAX_RESPONSE_BYTES */
    long backoff_base_ms;
    int n_tokens;
} pull;

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user)
{
    http_buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->max) {
        b->too_big = 1;
        return 0; /* CURLE_WRITE_ERROR: the transfer stops here */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *user)
{
    pull *p = user;
    size_t n = size * nitems;
    if (n >= 5 && !strncmp(buf, "HTTP/", 5))
        p->retry_after[0] = '\0'; /* a new response (after a 100 Continue, say) */
    else if (n > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
        size_t k = n - 12 < sizeof p->retry_after - 1 ? n - 12 : sizeof p->retry_after - 1;
        memcpy(p->retry_after, buf + 12, k);
        p->retry_after[k] = '\0';
    }
    return n;
}

static void sleep_s_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void http_setup(pull *p, const char *url, http_buf *b)
{
    CURL *c = p->curl;
    const source_cfg *s = p->s;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)s->ep.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->ep.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(c, CURLOPT_SSLCERT, s->cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEY, s->key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    if (s->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b->max);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "settle (Comex settlement pipeline)");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, p->errbuf);
    p->errbuf[0] = '\0';
    p->retry_after[0] = '\0';
    b->len = 0;
    b->too_big = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int transient(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

/* One request with the retry rules (5xx and broken connections: `retries`
 * times with backoff; 429: Retry-After within the total bound). what names
 * the request in messages ("token", "page 2"). Returns the HTTP status
 * (2xx or 401), or -1 with e set (EX_UNAVAILABLE). hdrs: extra request
 * headers; post: a form body (POST) or NULL (GET); basic_auth: client_id
 * and the secret in HTTP Basic (the token request only). */
static long http_do(pull *p, const char *what, const char *url, http_buf *b, struct curl_slist *hdrs,
                    const char *post, int basic_auth, err_t *e)
{
    const source_cfg *s = p->s;
    const char *src = s->ep.name;
    int n429 = 0;
    for (int attempt = 0;;) {
        http_setup(p, url, b);
        if (hdrs)
            curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, hdrs);
        if (post)
            curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, post);
        if (basic_auth) {
            curl_easy_setopt(p->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(p->curl, CURLOPT_USERNAME, s->client_id);
            curl_easy_setopt(p->curl, CURLOPT_PASSWORD, p->secret);
        }
        CURLcode rc = curl_easy_perform(p->curl);
        if (basic_auth) /* do not keep the secret in the handle */
            curl_easy_setopt(p->curl, CURLOPT_PASSWORD, "");
        long status = 0;
        curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
        const char *why = NULL;
        if (rc != CURLE_OK) {
            if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED)
                return err_fail(e, EX_UNAVAILABLE, "%s: the response is larger than %zu bytes; refused", what, b->max);
            if (rc == CURLE_OPERATION_TIMEDOUT)
                return err_fail(e, EX_UNAVAILABLE, "%s: timeout after %llds (%s)", what, s->ep.timeout_seconds,
                               p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
            if (!transient(rc))
                return err_fail(e, EX_UNAVAILABLE, "%s: %s", what, p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
            why = p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc);
        } else if (status >= 200 && status < 300) {
            return status;
        } else if (status == 401) {
            return 401;
        } else if (status == 429) {
            long long wait = pix_retry_after(p->retry_after, time(NULL));
            if (wait < 0) /* no or a bad Retry-After: 1 s, 2 s, 3 s, ... */
                wait = 1 + n429;
            if (++n429 > PIX_MAX_429 || p->waited_s + wait > p->max_wait_s)
                return err_fail(e, EX_UNAVAILABLE,
                               "%s: HTTP 429 (rate limited); waiting %llds more would exceed the bound of %llds"
                               " (already waited %llds)",
                               what, wait, p->max_wait_s, p->waited_s);
            log_msg(LOG_WARN, "fetch",
                    KV(KV_S("source", src), KV_S("request", what), KV_I("status", status), KV_I("retry_in_s", wait)),
                    "rate limited; waiting as Retry-After asks");
            p->waited_s += wait;
            sleep_s_ms((long)wait * 1000);
            continue;
        } else if (status >= 500 && status < 600) {
            why = "";
        } else {
            return err_fail(e, EX_UNAVAILABLE, "%s: HTTP %ld", what, status);
        }
        /* a 5xx or a broken connection: retried */
        if (attempt >= s->ep.retries) {
            if (*why)
                return err_fail(e, EX_UNAVAILABLE, "%s: %s (after %d attempt(s))", what, why, attempt + 1);
            return err_fail(e, EX_UNAVAILABLE, "%s: HTTP %ld (after %d attempt(s))", what, status, attempt + 1);
        }
        long ms = sftp_backoff_ms(attempt, p->backoff_base_ms, 60000, (uint32_t)random());
        log_msg(LOG_WARN, "fetch",
                KV(KV_S("source", src), KV_S("request", what), KV_I("status", status), KV_S("error", why),
                   KV_I("attempt", attempt + 1), KV_I("retry_in_ms", ms)),
                "request failed, retrying");
        attempt++;
        sleep_s_ms(ms);
    }
}

/* POST token_url: a new access token in p->token. 0 or -1. */
static int get_token(pull *p, http_buf *b, err_t *e)
{
    const source_cfg *s = p->s;
    char body[1024] = "grant_type=client_credentials";
    if (s->scope) {
        char *esc = curl_easy_escape(p->curl, s->scope, 0);
        if (!esc)
            return err_fail(e, EX_SOFTWARE, "out of memory");
        snprintf(body + strlen(body), sizeof body - strlen(body), "&scope=%s", esc);
        curl_free(esc);
    }
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    long st = http_do(p, "token", p->token_url, b, h, body, 1, e);
    curl_slist_free_all(h);
    if (st < 0)
        return -1;
    if (st == 401)
        return err_fail(e, EX_UNAVAILABLE, "token: HTTP 401: the token endpoint refused client_id %s and its secret",
                       s->client_id);
    json_object *root = b->len ? json_tokener_parse(b->data) : NULL, *tok;
    int ok = root && json_object_object_get_ex(root, "access_token", &tok) &&
             json_object_is_type(tok, json_type_string) && json_object_get_string_len(tok) > 0 &&
             (size_t)json_object_get_string_len(tok) < sizeof p->token;
    if (ok) {
        const char *t = json_object_get_string(tok);
        for (const char *q = t; *q; q++)
            if (*q < 0x21 || *q > 0x7e)
                ok = 0;
        if (ok)
            snprintf(p->token, sizeof p->token, "%s", t);
    }
    if (b->data)
        explicit_bzero(b->data, b->len);
    json_object_put(root); /* json-c does not wipe: the token lived there too */
    if (!ok)
        return err_fail(e, EX_UNAVAILABLE, "token: the response holds no usable access_token");
    p->have_token = 1;
    p->n_tokens++;
    log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", s->ep.name)), "got an access token");
    return 0;
}

/* GET one page into b; refreshes the token once on 401. 0 or -1. */
static int get_page(pull *p, const char *url, long long page, int *refreshed, http_buf *b, err_t *e)
{
    char what[64];
    snprintf(what, sizeof what, "page %lld", page);
    for (;;) {
        char auth[sizeof p->token + 32];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", p->token);
        struct curl_slist *h = curl_slist_append(NULL, auth);
        h = curl_slist_append(h, "Accept: application/json");
        explicit_bzero(auth, sizeof auth);
        long st = http_do(p, what, url, b, h, NULL, 0, e);
        curl_slist_free_all(h);
        if (st < 0)
            return -1;
        if (st != 401)
            return 0;
        if (*refreshed)
            return err_fail(e, EX_UNAVAILABLE, "%s: HTTP 401 again with a fresh token; giving up", what);
        log_msg(LOG_WARN, "fetch", KV(KV_S("source", p->s->ep.name), KV_S("request", what)),
                "HTTP 401: refreshing the access token once");
        *refreshed = 1;
        explicit_bzero(p->token, sizeof p->token);
        if (get_token(p, b, e) < 0)
            return -1;
    }
}

/* ---- local files -------------------------------------------------------------- */

static int write_all(int fd, const char *d, size_t n)
{
    while (n) {
        ssize_t w = write(fd, d, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The mTLS key must be as private as an SSH identity; the certificate and
 * CA bundle only have to be there. */
static int check_files(const source_cfg *s, err_t *e)
{
    const char *what[] = { "cert", "key", "ca_file" };
    const char *path[] = { s->cert, s->key, s->ca_file };
    for (int i = 0; i < 3; i++) {
        if (!path[i])
            continue;
        struct stat st;
        if (stat(path[i], &st) < 0 || access(path[i], R_OK) < 0)
            return err_fail(e, EX_CONFIG, "%s %s of [source %s] cannot be read: %s", what[i], path[i], s->ep.name,
                           strerror(errno));
        if (i == 1 && (st.st_mode & 077))
            return err_fail(e, EX_CONFIG,
                           "key %s is accessible by group or others (mode %04o); refusing to use it\nHINT: chmod 600 %s",
                           path[i], (unsigned)(st.st_mode & 07777), path[i]);
    }
    return 0;
}

/* ---- the registry --------------------------------------------------------------- */

/* fetch/db.c: fetch_db_pix_last_window, fetch_db_pix_record_window. */

/* ---- the pull --------------------------------------------------------------------- */

/* One window being pulled: its bounds and what its pages held so far. */
typedef struct pull_window {
    time_t inicio, fim;
    char a[21], b[21];          /* the bounds in RFC 3339, as the query carries them */
    pix_page *pages;            /* every page's envelope, in order (owned; free()) */
    size_t npages;
    long long items;
    unsigned long long bytes;   /* written to the .part, one line per page */
} pull_window;

/* t in RFC 3339 without '-' and ':' (20261129T020000Z), for a file name. */
static void compact_time(const char *t, char out[21])
{
    int k = 0;
    for (const char *q = t; *q; q++)
        if (*q != '-' && *q != ':')
            out[k++] = *q;
    out[k] = '\0';
}

/* Check page i in buf, keep its envelope in w and append it as one line to
 * fd (part). *want becomes the number of pages page 0 announces. 0, or -1 with e set. */
static int pull_page_keep(pull *p, pull_window *w, long long i, http_buf *buf, int fd, const char *part,
                          long long *want, err_t *e)
{
    char why[512];
    pix_page pg;
    if (pix_parse_envelope(buf->data ? buf->data : "", buf->len, &pg, why, sizeof why) < 0)
        return err_fail(e, EX_UNAVAILABLE, "page %lld: %s", i, why);
    if (pix_check_page(&pg, i, i ? &w->pages[0] : &pg, w->inicio, w->fim, p->s->page_size, why, sizeof why) < 0)
        return err_fail(e, EX_UNAVAILABLE, "%s", why);
    if (!i)
        *want = pg.paginas ? pg.paginas : 1;
    pix_page *grown = realloc(w->pages, (w->npages + 1) * sizeof *w->pages);
    if (!grown)
        return err_fail(e, EX_SOFTWARE, "out of memory");
    w->pages = grown;
    w->pages[w->npages++] = pg;
    w->items += pg.items;
    /* one page per line: a line break in valid JSON is whitespace
     * between tokens (strings cannot hold one raw), so it becomes a space */
    for (size_t j = 0; buf->data && j < buf->len; j++)
        if (buf->data[j] == '\n' || buf->data[j] == '\r')
            buf->data[j] = ' ';
    if (write_all(fd, buf->data, buf->len) < 0 || write_all(fd, "\n", 1) < 0)
        return err_fail(e, EX_IOERR, "cannot write %s: %s", part, strerror(errno));
    w->bytes += buf->len + 1;
    log_msg(LOG_DEBUG, "fetch", KV(KV_S("source", p->s->ep.name), KV_I("page", i), KV_I("items", pg.items)),
            "got a page");
    return 0;
}

/* GET every page of the window onto fd (part), then check that the pages
 * add up. 0, or -1 with e set. */
static int pull_pages(pull *p, pull_window *w, http_buf *buf, int fd, const char *part, err_t *e)
{
    const source_cfg *s = p->s;
    /* a and b hold only [0-9TZ:-], which a query may carry as they are */
    size_t blen = strlen(s->base_url);
    while (blen && s->base_url[blen - 1] == '/')
        blen--;
    int refreshed = 0;
    long long want = 1;
    for (long long i = 0; i < want; i++) {
        char url[4096];
        snprintf(url, sizeof url,
                 "%.*s/pix?inicio=%s&fim=%s&paginacao.paginaAtual=%lld&paginacao.itensPorPagina=%lld", (int)blen,
                 s->base_url, w->a, w->b, i, s->page_size);
        if (get_page(p, url, i, &refreshed, buf, e) < 0 || pull_page_keep(p, w, i, buf, fd, part, &want, e) < 0)
            return -1;
    }
    char why[512];
    if (pix_check_pages(w->pages, w->npages, w->inicio, w->fim, s->page_size, why, sizeof why) < 0)
        return err_fail(e, EX_UNAVAILABLE, "%s", why);
    return 0;
}

/* Place the fsynced part (the window's file) into incdir as local and
 * record the window. 0, or -1 with e set. */
static int pull_place(pull *p, PGconn *db, const pull_window *w, const char *tmpdir, const char *incdir,
                      const char *part, const char *local, err_t *e)
{
    const char *src = p->s->ep.name;
    char sha[SHA256_HEX_LEN + 1], placed[FETCH_NAME_MAX + 8] = "", remote[256];
    if (sha256_file_hex(part, sha, e) < 0)
        return -1;
    if (fetch_place(incdir, part, local, sha, placed, e) < 0 || outfile_sync_dir(incdir, e) < 0 ||
        outfile_sync_dir(tmpdir, e) < 0)
        return -1;
    /* From here the file is in incoming/; a failure to record it leaves it
     * there for ingest (a rerun asks again from the last recorded fim, and
     * ingest counts the records it already holds as duplicates). */
    snprintf(remote, sizeof remote, "GET /pix inicio=%s fim=%s", w->a, w->b);
    if (fetch_db_pix_record_window(db, src, remote, w->bytes, w->inicio, w->fim, sha, placed, (long long)w->npages,
                                   w->items, e) < 0)
        return -1;
    log_msg(LOG_INFO, "fetch",
            KV(KV_S("source", src), KV_S("local", placed), KV_S("inicio", w->a), KV_S("fim", w->b),
               KV_I("pages", (long long)w->npages), KV_I("items", w->items), KV_I("bytes", w->bytes),
               KV_S("sha256", sha)),
            "pulled");
    metrics_add("source", src, "FilesFetched", 1);
    metrics_add("source", src, "BytesFetched", (long long)w->bytes);
    return 0;
}

/* Pull the window [inicio, fim] into one file in incoming/ and record it;
 * 0, or -1 with e set and the .part removed. */
static int do_pull(pull *p, PGconn *db, const char *spool, time_t inicio, time_t fim, err_t *e)
{
    const char *src = p->s->ep.name;
    char tmpdir[PATH_MAX], incdir[PATH_MAX], part[PATH_MAX + 32], local[FETCH_NAME_MAX + 1];
    char ca[21], cb[21];
    pull_window w = { .inicio = inicio, .fim = fim };
    pix_format_rfc3339(inicio, w.a);
    pix_format_rfc3339(fim, w.b);
    compact_time(w.a, ca);
    compact_time(w.b, cb);
    snprintf(local, sizeof local, "pix-api-%s-%s.jsonl", ca, cb);
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp/%s", spool, src);
    snprintf(incdir, sizeof incdir, "%s/incoming/%s", spool, src);
    snprintf(part, sizeof part, "%s/%s.part", tmpdir, local);
    if (outfile_mkdirs(tmpdir, e) < 0 || outfile_mkdirs(incdir, e) < 0)
        return -1;

    int ret = -1;
    http_buf buf = { .max = (size_t)p->max_response };
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(e, EX_IOERR, "cannot create %s: %s", part, strerror(errno));
        goto out;
    }
    log_msg(LOG_INFO, "fetch", KV(KV_S("source", src), KV_S("inicio", w.a), KV_S("fim", w.b)),
            "pulling API Pix window");
    if (get_token(p, &buf, e) < 0 || pull_pages(p, &w, &buf, fd, part, e) < 0)
        goto out;
    if (fsync(fd) < 0) {
        err_set(e, EX_IOERR, "cannot fsync %s: %s", part, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if (pull_place(p, db, &w, tmpdir, incdir, part, local, e) < 0)
        goto out;
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    if (ret < 0)
        unlink(part);
    free(buf.data);
    free(w.pages);
    return ret;
}

static int pull_source(const config *cfg, const source_cfg *s, PGconn *db, int dry_run, err_t *e)
{
    const char *src = s->ep.name;
    /* $SETTLE_PIX_MAX_RESPONSE_BYTES and $SETTLE_PIX_MAX_WAIT_S lower the
     * bounds (tests); anything but a number in range is refused first,
     * whatever the run would do */
    long long max_response, max_wait;
    if (env_limit("SETTLE_PIX_MAX_RESPONSE_BYTES", getenv("SETTLE_PIX_MAX_RESPONSE_BYTES"), PIX_MAX_RESPONSE_BYTES,
                  &max_response, e) < 0 ||
        env_limit("SETTLE_PIX_MAX_WAIT_S", getenv("SETTLE_PIX_MAX_WAIT_S"), PIX_MAX_WAIT_S, &max_wait, e) < 0)
        return -1;
    int migrated = fetch_db_has_table(db, "pix_api_windows", e);
    if (migrated < 0)
        return -1;
    if (!migrated)
        return err_fail(e, EX_CONFIG, "the database has no pix_api_windows table\nHINT: run settle migrate");

    int have_last = 0, have_first = 0;
    time_t last = 0, first = 0, inicio, fim;
    if (fetch_db_pix_last_window(db, src, &have_last, &last, e) < 0)
        return -1;
    if (s->first_window_start)
        have_first = pix_parse_rfc3339(s->first_window_start, &first) == 0;
    int w = pix_window(have_last, last, have_first, first, s->overlap_seconds, time(NULL), &inicio, &fim);
    if (w == -2)
        return err_fail(e, EX_CONFIG,
                       "[source %s] has never been pulled and sets no first_window_start\n"
                       "HINT: set first_window_start to the RFC 3339 time the first pull should start from",
                       src);
    if (w == -1) {
        log_msg(LOG_INFO, "fetch", KV(KV_S("source", src)), "nothing to pull yet: the window from the last fim (or first_window_start) to now is empty");
        return 0;
    }
    char a[21], b[21];
    pix_format_rfc3339(inicio, a);
    pix_format_rfc3339(fim, b);
    if (dry_run) {
        printf("%s\tGET /pix inicio=%s fim=%s\t-\n", src, a, b);
        return 0;
    }
    if (check_files(s, e) < 0)
        return -1;

    static int inited;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return err_fail(e, EX_SOFTWARE, "cannot initialise libcurl");
        inited = 1;
    }
    pull p = { .s = s, .max_response = max_response };
    p.max_wait_s = max_wait;
    const char *bb = getenv("SETTLE_HTTP_BACKOFF_MS");
    p.backoff_base_ms = bb && *bb ? strtol(bb, NULL, 10) : 1000;
    if (s->token_url) {
        snprintf(p.token_url, sizeof p.token_url, "%s", s->token_url);
    } else {
        size_t blen = strlen(s->base_url);
        while (blen && s->base_url[blen - 1] == '/')
            blen--;
        snprintf(p.token_url, sizeof p.token_url, "%.*s/oauth/token", (int)blen, s->base_url);
    }
    if (s->client_secret_file) {
        if (sftp_read_secret(s->client_secret_file, "client_secret_file", p.secret, sizeof p.secret, e) < 0)
            return -1;
    } else {
        snprintf(p.secret, sizeof p.secret, "%s", s->client_secret);
    }
    int ret = -1;
    p.curl = curl_easy_init();
    if (!p.curl) {
        err_set(e, EX_SOFTWARE, "cannot create a libcurl handle");
    } else {
        ret = do_pull(&p, db, cfg->spool_dir, inicio, fim, e);
        curl_easy_cleanup(p.curl);
    }
    explicit_bzero(p.secret, sizeof p.secret);
    explicit_bzero(p.token, sizeof p.token);
    if (ret < 0)
        err_prefix(e, "API Pix pull of %s..%s failed", a, b);
    return ret;
}

int pix_api_fetch(const config *cfg, const source_cfg *s, PGconn *db, int dry_run, err_t *e)
{
    int ret = pull_source(cfg, s, db, dry_run, e);
    if (!dry_run) {
        metrics_add("source", s->ep.name, "FilesFailed", ret ? 1 : 0);
        metrics_add("source", s->ep.name, "SourceFailed", ret ? 1 : 0);
    }
    return ret;
}
