#!/usr/bin/env bash
# pix_hybrid.sh - issue 13 item 5 against a real PostgreSQL: a hybrid boleto
# (a boleto with a Pix QR code) paid by Pix is reported twice, by the bank's
# return (Itaú 240 10 "baixa por ter sido liquidado ... liquidação de boleto
# por Pix", 341-itau-cnab240.txt L536) and by the PSP as a Pix credit. The two
# are one payment in either order; a plain liquidation (06) and a Pix of the
# same title are two (DUPLICATE_PAYMENT).
. "$(dirname "$0")/../lib.sh"
GEN=$T_TOP/tests/tools/cnab240-gen

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero, txid) VALUES
 (1, 'o1', 'boleto', 10000, 'pending', '341', '2100', 'HYB1AAAAAAAAAAAAAAAAAAAAAAAAA'),
 (2, 'o2', 'boleto', 10000, 'pending', '341', '2200', 'HYB2AAAAAAAAAAAAAAAAAAAAAAAAA'),
 (3, 'o3', 'boleto', 10000, 'pending', '341', '2300', 'HYB3AAAAAAAAAAAAAAAAAAAAAAAAA'),
 (4, 'o4', 'boleto', 10000, 'pending', '033', '104',  'HYB4AAAAAAAAAAAAAAAAAAAAAAAAA');" >/dev/null

outcome() { # FILE LINE
  t_sql "SELECT concat_ws(' ', o.outcome, o.reason, o.event, o.payment_id) FROM settlement_outcomes o
           JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
          WHERE f.name = '$1' AND s.line = $2"
}
pix() { printf '%s\n' "kind,end_to_end_id,txid,amount,settled_at" "$@"; }

# payment 1: the bank's return first, then the Pix credit
# payment 2: the Pix credit first, then the bank's return
# payment 3: a barcode liquidation (06) and a Pix: two payments
"$GEN" 341 28112026 >"$T_TMP/ret1.ret" <<'SPEC'
10|2100|o1|10000|10000|0|0|0|27112026
06|2300|o3|10000|10000|0|0|0|27112026
SPEC
pix "pix,E60701190202611271000HYB00000002,HYB2AAAAAAAAAAAAAAAAAAAAAAAAA,100.00,2026-11-27T10:00:00-03:00" >"$T_TMP/pix1.csv"
t_run out "$SETTLE" ingest "$T_TMP/ret1.ret" "$T_TMP/pix1.csv"
t_eq "day 1 ingests" 0 "$out_rc"
t_run out "$SETTLE" reconcile
t_eq "bank first: Itaú 10 with the amount pays" "paid 1" "$(outcome ret1.ret 3)"
t_eq "a plain 06 pays" "paid 3" "$(outcome ret1.ret 5)"
t_eq "Pix first: the Pix pays" "paid 2" "$(outcome pix1.csv 2)"

pix "pix,E60701190202611271000HYB00000001,HYB1AAAAAAAAAAAAAAAAAAAAAAAAA,100.00,2026-11-27T09:59:00-03:00" \
    "pix,E60701190202611271000HYB00000003,HYB3AAAAAAAAAAAAAAAAAAAAAAAAA,100.00,2026-11-27T11:00:00-03:00" >"$T_TMP/pix2.csv"
"$GEN" 341 29112026 >"$T_TMP/ret2.ret" <<'SPEC'
10|2200|o2|10000|10000|0|0|0|28112026
SPEC
t_run out "$SETTLE" ingest "$T_TMP/pix2.csv" "$T_TMP/ret2.ret"
t_eq "day 2 ingests" 0 "$out_rc"
t_run out "$SETTLE" reconcile
t_eq "the Pix of a title the bank closed as paid by Pix: a confirmation, not a second payment" \
  "event pix_confirmed 1" "$(outcome pix2.csv 2)"
t_eq "the bank's 10 (next day) for a title the Pix paid: a confirmation" "event boleto_confirmed 2" "$(outcome ret2.ret 3)"
t_eq "a Pix after a barcode liquidation of the same title: a second payment" \
  "exception DUPLICATE_PAYMENT 3" "$(outcome pix2.csv 3)"
# payment 4: Santander 240 reports the liquidation with the title's txid in a
# segment Y-03 (docs/formats/cnab.md, "Boletos híbridos"); the PSP reports the
# Pix credit: linked by txid, one payment.
"$GEN" 033 28112026 >"$T_TMP/santander.ret" <<'SPEC'
06|104|o4|10000|10000|0|0|0|27112026||HYB4AAAAAAAAAAAAAAAAAAAAAAAAA
SPEC
pix "pix,E60701190202611271000HYB00000004,HYB4AAAAAAAAAAAAAAAAAAAAAAAAA,100.00,2026-11-27T12:00:00-03:00" >"$T_TMP/pix3.csv"
t_run out "$SETTLE" ingest "$T_TMP/santander.ret"
t_eq "the Y-03 txid is on the title's row" "HYB4AAAAAAAAAAAAAAAAAAAAAAAAA" \
  "$(t_sql "SELECT txid FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.name = 'santander.ret'")"
t_run out "$SETTLE" reconcile
t_eq "Santander 06 with a Y-03 txid pays" "paid 4" "$(outcome santander.ret 3)"
t_run out "$SETTLE" ingest "$T_TMP/pix3.csv"
t_run out "$SETTLE" reconcile
t_eq "the Pix with the same txid confirms it" "event pix_confirmed 4" "$(outcome pix3.csv 2)"
t_eq "one invoice request per payment" "1 2 3 4" \
  "$(t_sql "SELECT string_agg(payment_id::text, ' ' ORDER BY payment_id) FROM invoice_requests")"
t_no_dangling_refs
t_done
