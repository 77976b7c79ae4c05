#!/usr/bin/env bash
# pix_api.sh - API Pix JSON through settle ingest and settle reconcile
# against a real PostgreSQL: GET /pix pages (JSON Lines), webhook bodies
# (the official example and one with PSP extensions and outgoing Pix), a
# cobv paid late with interest, and an official example that breaks the
# spec (refused whole). Refund outcomes are not asserted here: only what
# ingest stores for them.
. "$(dirname "$0")/../lib.sh"
fx=$T_TOP/tests/fixtures/pix/api

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
"$SETTLE" -q migrate >/dev/null || { t_fail "migrate"; t_done; }

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, txid) VALUES
 (1, 'o1', 'pix', 10000, 'pending', 'CMXcobv0000000000000000000000001'),
 (2, 'o2', 'pix', 15000, 'pending', 'CMXpedido0000000000000000000301'),
 (3, 'o3', 'pix', 25000, 'pending', 'CMXpedido0000000000000000000201'),
 (4, 'o4', 'pix',  8990, 'pending', 'CMXpedido0000000000000000000202'),
 (5, 'o5', 'pix', 11000, 'pending', 'c3e0e7a4e7f1469a9f782d3d4999343c'),
 (6, 'o6', 'pix', 20000, 'pending', '5b933948f3224266b1050ac54319e775');" >/dev/null

t_run out "$SETTLE" ingest "$fx/pages.jsonl" "$fx/webhook-pix-example.json" "$fx/webhook-psp-extensions.json" \
  "$fx/cobv-paid-late.json"
t_eq "four API Pix files ingest" 0 "$out_rc"
t_eq "detected as pix-api, outgoing Pix counted as skipped, warnings counted" \
  "cobv-paid-late.json pix-api 0 0|pages.jsonl pix-api 0 0|webhook-pix-example.json pix-api 0 0|webhook-psp-extensions.json pix-api 2 3" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', name, format, skipped, warnings), '|' ORDER BY name) FROM return_files")"

pixrow() { t_sql "SELECT concat_ws(' ', s.kind, s.paid, s.txid, s.amount_face_cents, s.amount_paid_cents, s.interest_cents,
                         s.occurred_on, s.settled_at AT TIME ZONE 'UTC', s.format)
                    FROM settlements s WHERE s.end_to_end_id = '$1' AND s.kind = 'pix'"; }
t_eq "GET /pix page: amount in cents, txid, date" \
  "pix t CMXpedido0000000000000000000301 0 15000 0 2026-11-28 2026-11-28 17:03:27 pix-api" \
  "$(pixrow E18236120202611281403aB3dE5fG7h9)"
t_eq "second page of the JSON Lines file" "pix t kWq3 0 1 0 2026-11-28 2026-11-28 17:59:59 pix-api" \
  "$(pixrow E00000000202611281500Zz9Yy8Xx7Ww)"
t_eq "cobv paid late: face, paid, interest (juros + multa), Brazil date" \
  "pix t CMXcobv0000000000000000000000001 10000 10500 500 2026-11-22 2026-11-23 02:15:07 pix-api" \
  "$(pixrow E18236120202611230215cobvLate001)"
t_eq "payer from gnExtras.pagador (alphanumeric CNPJ)" "12ABC34501DE35|ACME Comércio Ltda" \
  "$(t_sql "SELECT concat_ws('|', payer_doc, payer_name) FROM settlements WHERE end_to_end_id = 'E00416968202611281403AbCdEfGhIj1'")"
t_eq "outgoing Pix not loaded" "0" \
  "$(t_sql "SELECT count(*) FROM settlements WHERE end_to_end_id LIKE 'E09089356%'")"
t_eq "settlements per kind" "pix 9|pix_refund 3" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', kind, n), '|' ORDER BY kind) FROM (SELECT kind, count(*) n FROM settlements GROUP BY kind) k")"
t_eq "refund rows: rtrId as refund_id, id as seu_numero, status, nature, amount, no money in, message" \
  "D12345678202009091221abcdf098765 123ABC EM_PROCESSAMENTO ORIGINAL 1000 f E12345678202009091221kkkkkkkkkkk c3e0e7a4e7f1469a9f782d3d4999343c|D60746948202611291200Zz9Yy8Xx7W1 CMXdev202a DEVOLVIDO MED_FRAUDE 8990 f E60746948202611281500Ab12Cd34Ef5 CMXpedido0000000000000000000202 estorno MED|D60746948202611291201Zz9Yy8Xx7W2 CMXdev202b NAO_REALIZADO ORIGINAL 1000 f E60746948202611281500Ab12Cd34Ef5 CMXpedido0000000000000000000202 Saldo insuficiente" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', refund_id, seu_numero, refund_status, refund_nature, amount_paid_cents, paid,
                                        end_to_end_id, txid, message), '|' ORDER BY refund_id)
              FROM settlements WHERE kind = 'pix_refund'")"
t_eq "DEVOLVIDO refund settled at horario.liquidacao" "2026-11-29 15:00:03" \
  "$(t_sql "SELECT settled_at AT TIME ZONE 'UTC' FROM settlements WHERE refund_id = 'D60746948202611291200Zz9Yy8Xx7W1'")"
t_eq "natural keys: pix|e2e and pix_refund|rtrId" "pix_refund|D60746948202611291200Zz9Yy8Xx7W1" \
  "$(t_sql "SELECT natural_key FROM settlements WHERE seu_numero = 'CMXdev202a'")"

# An official example with 34-character endToEndIds: refused whole.
cp "$fx/pix-get-list-example.json" "$T_TMP/list.json"
t_run out "$SETTLE" ingest "$T_TMP/list.json"
t_eq "spec-breaking official page is rejected" 65 "$out_rc"
t_contains "error names file, document and JSON path" \
  "list.json:1: document 1, pix[1].endToEndId: expected an end-to-end id" "$out"
t_eq "nothing of it loaded (its first Pix was valid)" "0" \
  "$(t_sql "SELECT count(*) FROM settlements WHERE end_to_end_id = 'E12345678202009091221abcdef12345'")"
t_eq "its file row says rejected" "rejected" "$(t_sql "SELECT status FROM return_files WHERE name = 'list.json'")"

t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
t_eq "payments paid by txid" "1,2,3,4,5" \
  "$(t_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM payments WHERE status = 'paid'")"
t_eq "cobv paid late: paid, not OVERPAID, interest recorded" "paid 10500 500" \
  "$(t_sql "SELECT concat_ws(' ', status, paid_cents, interest_cents) FROM payments WHERE id = 1")"
t_eq "no OVERPAID or UNDERPAID" "0" \
  "$(t_sql "SELECT count(*) FROM exceptions WHERE reason IN ('OVERPAID', 'UNDERPAID')")"
t_eq "payment of a rejected file stays pending" "pending" "$(t_sql "SELECT status FROM payments WHERE id = 6")"
t_no_dangling_refs
t_done
