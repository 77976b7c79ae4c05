/* natkey.c - the natural key of a settlement record (see natkey.h). */
#include "reconcile/natkey.h"

#include <stdio.h>

char *natkey_build(const settle_record *r, char *out, size_t n)
{
    if (r->kind == KIND_PIX_REFUND && r->refund_id[0]) {
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
