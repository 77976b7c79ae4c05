/* cards_db.h - the card files' side of the reconcile stage: the database
 * around the pure card rules (reconcile/cards.h). Its SQL is in
 * sql/queries/cards_*.sql. */
#ifndef SETTLE_CARDS_DB_H
#define SETTLE_CARDS_DB_H

#include <libpq-fe.h>

#include "common/config.h"
#include "common/error.h"
#include "reconcile/cards.h"

/* The card rules' parameters from the configuration ([reconcile]
 * tolerance_cents, [cards], [card_fee NAME]). The rates point into cfg;
 * *owned (the array) is the caller's to free(). 0, or -1 when out of memory. */
int cards_params_from_config(const config *cfg, card_params *p, card_fee_rate **owned);

/* Reconcile the claimed card file file_id (format cielo or rede) inside the
 * transaction the caller opened: lock the payments its sales may find,
 * decide every record (cards_decide), apply (outcomes, receivables, paid
 * payments with their invoice requests, payouts, marks, exceptions, events),
 * mark the file reconciled and COMMIT. Returns 0, or -1 with e set (the
 * caller rolls back). counts[rc_outcome] are added to. */
int cards_reconcile_file(PGconn *db, const card_params *p, long long file_id, const char *name, long counts[4],
                         err_t *e);

/* The card checks that depend on the date, run after the files (own
 * transaction): RECEIVABLE_OVERDUE ([cards] overdue_days) and
 * CARD_SALE_MISSING ([cards] sale_missing_days), each raised once. Returns
 * the exceptions opened, or -1 with e set. */
long cards_sweep(PGconn *db, const config *cfg, err_t *e);

#endif
