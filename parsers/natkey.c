/* natkey.c - the natural key of a settlement record (see natkey.h). */
#include "parsers/natkey.h"

#include "common/hash.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A card record: what the acquirer says about the sale and the money,
 * never the file's header (date, sequence), so that a file sent again is
 * the same records. Longer than NATKEY_MAX: its SHA-256 instead. */
static char *card_key(const settle_record *r, char *out, size_t n)
{
    char k[512];
    const char *nsu = r->card_nsu;
    while (*nsu == '0')
        nsu++;
    snprintf(k, sizeof k, "card|%s|%s|%s|%s|%s|%s|%s|%s|%04d-%02d-%02d|%d/%d|%s|%s|%lld|%lld|%lld|%04d-%02d-%02d",
             r->format == FMT_CIELO ? "cielo" : r->format == FMT_REDE ? "rede" : "?", r->card_merchant,
             r->kind == KIND_CARD_SALE ? "sale" : r->kind == KIND_CARD_SETTLEMENT ? "settlement" : "adjustment",
             r->adjustment, r->movement_code, r->card_tid, nsu, r->card_authorization, r->occurred_on.y,
             r->occurred_on.m, r->occurred_on.d, r->installment, r->installments, r->order_reference,
             r->acquirer_key, (long long)r->amount_face_cents, (long long)r->amount_credited_cents,
             (long long)r->fee_cents, r->credited_on.y, r->credited_on.m, r->credited_on.d);
    if (strlen(k) < n && strlen(k) < NATKEY_MAX) {
        snprintf(out, n, "%s", k);
    } else {
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(k, strlen(k), hex);
        snprintf(out, n, "card|sha256:%s", hex);
    }
    return out;
}

char *natkey_build(const settle_record *r, char *out, size_t n)
{
    if (r->kind == KIND_CARD_SALE || r->kind == KIND_CARD_SETTLEMENT || r->kind == KIND_CARD_ADJUSTMENT) {
        card_key(r, out, n);
    } else if (r->kind == KIND_PIX_REFUND && r->refund_id[0]) {
        /* A refund is reported again as its status moves on (EM_PROCESSAMENTO
         * -> DEVOLVIDO or NAO_REALIZADO): each status is its own record, so
         * the history is kept and the settled one is not dropped as a
         * duplicate of the pending one. The settled refund keeps the plain key. */
        if (r->refund_status[0] && strcmp(r->refund_status, "DEVOLVIDO"))
            snprintf(out, n, "pix_refund|%s|%s", r->refund_id, r->refund_status);
        else
            snprintf(out, n, "pix_refund|%s", r->refund_id);
    } else if (r->kind != KIND_BOLETO) {
        if (r->end_to_end_id[0])
            snprintf(out, n, "pix|%s", r->end_to_end_id);
        else
            snprintf(out, n, "pix|%s|%lld|%lld", r->txid, (long long)r->amount_paid_cents, (long long)r->settled_at);
    } else {
        const char *nn = r->nosso_numero;
        while (*nn == '0')
            nn++;
        snprintf(out, n, "%s|%s|%s|%04d-%02d-%02d|%lld", r->bank, nn, r->movement_code, r->occurred_on.y,
                 r->occurred_on.m, r->occurred_on.d, (long long)r->amount_paid_cents);
    }
    return out;
}

/* ---- in-file occurrences ---- */

struct natkey_slot {
    uint64_t h1, h2;   /* h1 == 0: empty */
    uint32_t count;
};

int natkey_occ_init(natkey_occ *o)
{
    o->cap = 4096;
    o->used = 0;
    o->slots = calloc(o->cap, sizeof *o->slots);
    return o->slots ? 0 : -1;
}

void natkey_occ_free(natkey_occ *o)
{
    free(o->slots);
    o->slots = NULL;
    o->cap = o->used = 0;
}

/* Two independent 64-bit hashes (FNV-1a, and a multiply-xorshift over the
 * same bytes): 128 bits, so two different keys of one file share a slot
 * with a probability far below any other failure. */
static void hash2(const char *s, uint64_t *a, uint64_t *b)
{
    uint64_t h = 0xcbf29ce484222325ull, g = 0x9E3779B97F4A7C15ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        h = (h ^ c) * 0x100000001b3ull;
        g = (g ^ c) * 0xff51afd7ed558ccdull;
        g ^= g >> 29;
    }
    *a = h | 1;
    *b = g;
}

static struct natkey_slot *occ_find(struct natkey_slot *v, size_t cap, uint64_t a, uint64_t b)
{
    for (size_t i = (size_t)(a >> 7) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!v[i].h1 || (v[i].h1 == a && v[i].h2 == b))
            return &v[i];
}

char *natkey_build_in_file(natkey_occ *o, const settle_record *r, char *out, size_t n)
{
    natkey_build(r, out, n);
    /* Two identical CNAB or card records in one file are two reports */
    if (r->kind != KIND_BOLETO && r->kind != KIND_CARD_SALE && r->kind != KIND_CARD_SETTLEMENT &&
        r->kind != KIND_CARD_ADJUSTMENT)
        return out;
    if ((o->used + 1) * 2 > o->cap) {
        size_t cap = o->cap * 2;
        struct natkey_slot *v = calloc(cap, sizeof *v);
        if (!v)
            return NULL;
        for (size_t i = 0; i < o->cap; i++)
            if (o->slots[i].h1)
                *occ_find(v, cap, o->slots[i].h1, o->slots[i].h2) = o->slots[i];
        free(o->slots);
        o->slots = v;
        o->cap = cap;
    }
    uint64_t a, b;
    hash2(out, &a, &b);
    struct natkey_slot *s = occ_find(o->slots, o->cap, a, b);
    if (!s->h1) {
        s->h1 = a, s->h2 = b, s->count = 1;
        o->used++;
        return out;
    }
    s->count++;
    size_t len = strlen(out);
    snprintf(out + len, n - len, "#%u", s->count);
    return out;
}
