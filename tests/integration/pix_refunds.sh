#!/usr/bin/env bash
# pix_refunds.sh - issue 13 item 3 against a real PostgreSQL: a Pix refund
# follows its status. EM_PROCESSAMENTO is pending (an event), the same refund
# later DEVOLVIDO is money out (PIX_REFUND, once), NAO_REALIZADO is nothing;
# each status is kept as its own settlement (the refund's history), and a
# re-delivered status is a duplicate, never a second refund.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

E2E=E60746948202611271015Ab12Cd34Ef5
E2E2=E60746948202611271016Ab12Cd34Ef6
R1=D60746948202611281120Rf00000001X
R2=D60746948202611281121Rf00000002X
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status) VALUES
 (200, 'PED-200', 'pix', 8990, 'pending'),
 (201, 'PED-201', 'pix', 5000, 'pending');" >/dev/null
t_config "$T_TMP/settle.conf" "[reconcile]" "pix_reference_pattern = (PED-[0-9]+)"

csv() { printf '%s\n' "kind,end_to_end_id,refund_id,refund_status,amount,settled_at,message" "$@"; }
csv "pix,$E2E,,,89.90,2026-11-27T10:15:42-03:00,PED-200" \
    "pix,$E2E2,,,50.00,2026-11-27T10:16:00-03:00,PED-201" >"$T_TMP/day0.csv"
csv "pix_refund,$E2E,$R1,EM_PROCESSAMENTO,89.90,2026-11-28T11:20:05-03:00," \
    "pix_refund,$E2E2,$R2,EM_PROCESSAMENTO,50.00,2026-11-28T11:21:00-03:00," >"$T_TMP/day1.csv"
csv "pix_refund,$E2E,$R1,DEVOLVIDO,89.90,2026-11-28T11:25:00-03:00," \
    "pix_refund,$E2E2,$R2,NAO_REALIZADO,50.00,2026-11-28T11:26:00-03:00," >"$T_TMP/day2.csv"
csv "pix_refund,$E2E,$R1,DEVOLVIDO,89.90,2026-11-28T11:25:00-03:00,re-sent" >"$T_TMP/day3.csv"

outcome() { # FILE LINE
  t_sql "SELECT concat_ws(' ', o.outcome, o.reason, o.event, o.payment_id) FROM settlement_outcomes o
           JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
          WHERE f.name = '$1' AND s.line = $2"
}

t_run out "$SETTLE" ingest "$T_TMP/day0.csv"
t_run out "$SETTLE" reconcile
t_eq "the Pix pays its payment" "paid 200" "$(outcome day0.csv 2)"
t_run out "$SETTLE" ingest "$T_TMP/day1.csv"
t_eq "day 1 ingests" 0 "$out_rc"
t_run out "$SETTLE" reconcile
t_eq "a refund in process is pending: an event on the refunded Pix's payment, no money out" \
  "event refund_pending 200" "$(outcome day1.csv 2)"
t_eq "no exception yet" "0" "$(t_sql "SELECT count(*) FROM exceptions")"

t_run out "$SETTLE" ingest "$T_TMP/day2.csv"
t_eq "the same refund with a new status is a new record, not a duplicate" "2 0" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'day2.csv'")"
t_run out "$SETTLE" reconcile
t_eq "settled (DEVOLVIDO): money out, PIX_REFUND for finance" "exception PIX_REFUND 200" "$(outcome day2.csv 2)"
t_eq "not done (NAO_REALIZADO): nothing, an event" "event refund_not_done 201" "$(outcome day2.csv 3)"
t_eq "the refund's history is kept, one row per status" "EM_PROCESSAMENTO DEVOLVIDO" \
  "$(t_sql "SELECT string_agg(refund_status, ' ' ORDER BY id) FROM settlements WHERE refund_id = '$R1'")"

t_run out "$SETTLE" ingest "$T_TMP/day3.csv"
t_eq "the settled refund re-delivered is a duplicate" "1 1" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'day3.csv'")"
t_run out "$SETTLE" reconcile
t_eq "one PIX_REFUND in all" "PIX_REFUND 1" "$(t_sql "SELECT reason || ' ' || count(*) FROM exceptions GROUP BY reason")"

# A MED refund (forced by the payer's bank) through an API Pix webhook: a
# re-delivery of the known Pix that now carries the refund adds it, and it
# reaches finance as PIX_REFUND_MED, not as a refund the store made.
cat >"$T_TMP/webhook-med.json" <<JSON
{"pix":[{"endToEndId":"$E2E2","valor":"50.00","horario":"2026-11-27T13:16:00.000Z",
  "devolucoes":[{"id":"MED1","rtrId":"D60746948202611291000Rf00000003X","valor":"50.00",
    "natureza":"MED_FRAUDE","horario":{"solicitacao":"2026-11-29T13:00:00.000Z","liquidacao":"2026-11-29T13:05:00.000Z"},
    "status":"DEVOLVIDO"}]}]}
JSON
t_run out "$SETTLE" ingest "$T_TMP/webhook-med.json"
t_eq "the webhook re-delivers the Pix (a duplicate) and adds its refund" "2 1" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'webhook-med.json'")"
t_run out "$SETTLE" reconcile
t_eq "a MED refund is its own reason, on the refunded Pix's payment" "exception PIX_REFUND_MED 201" \
  "$(t_sql "SELECT concat_ws(' ', o.outcome, o.reason, o.payment_id) FROM settlement_outcomes o JOIN settlements s
             ON s.id = o.settlement_id WHERE s.refund_id = 'D60746948202611291000Rf00000003X'")"

# Several known records on one line (a one-line webhook body: every record's
# line is 1): each is counted as a duplicate, none lost, nothing refused.
printf '{"pix":[{"endToEndId":"%s","valor":"89.90","horario":"2026-11-27T13:15:42Z"},{"endToEndId":"%s","valor":"50.00","horario":"2026-11-27T13:16:00Z"},{"endToEndId":"%s","valor":"50.00","horario":"2026-11-27T13:16:00Z"}]}\n' \
  "$E2E" "$E2E2" "$E2E2" >"$T_TMP/webhook-again.json"
t_run out "$SETTLE" ingest "$T_TMP/webhook-again.json"
t_eq "a one-line webhook re-delivering known Pix ingests" 0 "$out_rc"
t_eq "three records, three duplicates on one line" "3 3" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'webhook-again.json'")"
t_eq "each duplicate is its own row (record 1, 2, 3 of line 1)" "1:1 2:1 3:1" \
  "$(t_sql "SELECT string_agg(record || ':' || line, ' ' ORDER BY record) FROM settlement_duplicates d
             JOIN return_files f ON f.id = d.file_id WHERE f.name = 'webhook-again.json'")"
t_no_dangling_refs
t_done
