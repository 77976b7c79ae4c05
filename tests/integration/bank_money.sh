#!/usr/bin/env bash
# bank_money.sh - issue 12 end to end (ingest + reconcile, real PostgreSQL):
# money read as each bank's manual defines it reaches the right outcome.
#   - Itaú CNAB 400 reports the net credited at 254-266 (manual
#     341-itau-cnab400.txt L123): a R$ 40,00 title paid in full with a R$ 2,10
#     fee is paid, not UNDERPAID 3790;
#   - Santander CNAB 240 "outros créditos" (U 123-137) are money the payer
#     paid: 1100 on a face of 1000 with 100 of other credits is paid, not
#     OVERPAID;
#   - two identical money records inside one file are two payments: the
#     second is DUPLICATE_PAYMENT; identical records across files are one
#     re-delivery; a liquidation (06) and its "baixa por ter sido liquidado"
#     (Itaú 10) are one payment in either order, inside a file or across two;
#     a 10 without an amount books no money.
. "$(dirname "$0")/../lib.sh"
F=$T_TOP/tests/fixtures/cnab
GEN=$T_TOP/tests/tools/cnab240-gen

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES
 (1,  'o1',  'boleto',  4000, 'pending', '341', '11'),        -- CNAB400.RET line 2
 (2,  'o2',  'boleto',  1000, 'pending', '033', '104'),       -- santander.ret: NN 000000000104 + DV 0
 (11, 'o11', 'boleto', 10000, 'pending', '341', '1100'),
 (12, 'o12', 'boleto', 10000, 'pending', '341', '1200'),
 (13, 'o13', 'boleto', 10000, 'pending', '341', '1300'),
 (14, 'o14', 'boleto', 10000, 'pending', '341', '1400'),
 (15, 'o15', 'boleto', 10000, 'pending', '341', '1500'),
 (16, 'o16', 'boleto', 10000, 'pending', '341', '1600'),
 (17, 'o17', 'boleto', 10000, 'pending', '341', '1700');" >/dev/null

outcome() { # FILE_NAME LINE -> outcome reason event payment
  t_sql "SELECT concat_ws(' ', o.outcome, o.reason, o.event, o.payment_id) FROM settlement_outcomes o
           JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
          WHERE f.name = '$1' AND s.line = $2"
}

# ---- real files: Itaú 400 (net at 254-266) and Santander 240 (other credits)
cp "$F/brcobranca/CNAB400.RET" "$T_TMP/itau400.ret"
cp "$F/laravel-boleto/santander.ret" "$T_TMP/santander240.ret"
t_run out "$SETTLE" ingest "$T_TMP/itau400.ret" "$T_TMP/santander240.ret"
t_eq "real files ingest" 0 "$out_rc"
t_eq "Itaú 400: amount paid = 254-266 (net 3790) + fee 210, credited = net" "4000 3790 210" \
  "$(t_sql "SELECT concat_ws(' ', amount_paid_cents, amount_credited_cents, fee_cents) FROM settlements WHERE line = 2 AND bank_code = '341'")"
t_eq "Santander 240: other credits stored" "1100 1000 100" \
  "$(t_sql "SELECT concat_ws(' ', amount_paid_cents, amount_face_cents, other_credits_cents) FROM settlements WHERE bank_code = '033'")"
t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
t_eq "Itaú 400 title paid in full with a fee: paid, not UNDERPAID" "paid 1" "$(outcome itau400.ret 2)"
t_eq "Santander 1100 on a face of 1000 with 100 other credits: paid, not OVERPAID" "paid 2" "$(outcome santander240.ret 3)"
t_eq "the other credits are recorded on the payment like interest" "paid 1100 100" \
  "$(t_sql "SELECT concat_ws(' ', status, paid_cents, interest_cents) FROM payments WHERE id = 2")"

# ---- same money reported twice vs paid twice (Itaú 240: 06 liquidation, 10
# "baixa por ter sido liquidado", manual 341-itau-cnab240.txt L530-550)
# spec: movement|nn|seu|face|paid|interest|discount|rebate|DDMMYYYY
"$GEN" 341 28112026 >"$T_TMP/a.ret" <<'SPEC'
06|1100|o11|10000|10000|0|0|0|27112026
06|1200|o12|10000|10000|0|0|0|27112026
06|1200|o12|10000|10000|0|0|0|27112026
06|1300|o13|10000|10000|0|0|0|27112026
10|1300|o13|10000|10000|0|0|0|27112026
10|1400|o14|10000|10000|0|0|0|27112026
06|1400|o14|10000|10000|0|0|0|27112026
10|1500|o15|10000|0|0|0|0|27112026
06|1600|o16|10000|10000|0|0|0|27112026
06|1700|o17|10000|10000|0|0|0|27112026
SPEC
"$GEN" 341 29112026 >"$T_TMP/b.ret" <<'SPEC'
06|1100|o11|10000|10000|0|0|0|27112026
10|1600|o16|10000|10000|0|0|0|28112026
06|1700|o17|10000|10000|0|0|0|28112026
SPEC
t_run out "$SETTLE" ingest "$T_TMP/a.ret"
t_eq "file a ingests" 0 "$out_rc"
t_eq "two identical money records in one file are both kept (no duplicate dropped)" "10 0" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'a.ret'")"
t_eq "the second identical record gets an in-file occurrence key" "341|1200|06|2026-11-27|10000#2" \
  "$(t_sql "SELECT natural_key FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.name = 'a.ret' AND s.line = 7")"
t_run out "$SETTLE" reconcile
t_eq "06: paid" "paid 11" "$(outcome a.ret 3)"
t_eq "06 twice in one file: the first pays" "paid 12" "$(outcome a.ret 5)"
t_eq "06 twice in one file: the second is DUPLICATE_PAYMENT for finance" "exception DUPLICATE_PAYMENT 12" "$(outcome a.ret 7)"
t_eq "06 then 10 in one file: the 06 pays" "paid 13" "$(outcome a.ret 9)"
t_eq "06 then 10 in one file: the 10 confirms it" "event liquidation_confirmed 13" "$(outcome a.ret 11)"
t_eq "10 then 06 in one file: the 10 (with an amount) pays" "paid 14" "$(outcome a.ret 13)"
t_eq "10 then 06 in one file: the 06 confirms it" "event liquidation_confirmed 14" "$(outcome a.ret 15)"
t_eq "10 without an amount: no money booked; LIQUIDATION_UNCONFIRMED for finance" \
  "exception LIQUIDATION_UNCONFIRMED baixa_liquidated 15" "$(outcome a.ret 17)"
t_eq "10 without an amount leaves the payment pending" "pending" "$(t_sql "SELECT status FROM payments WHERE id = 15")"

t_run out "$SETTLE" ingest "$T_TMP/b.ret"
t_eq "file b ingests" 0 "$out_rc"
t_eq "the record already in file a is a re-delivery (counted, not loaded)" "3 1" \
  "$(t_sql "SELECT concat_ws(' ', records, duplicates) FROM return_files WHERE name = 'b.ret'")"
t_run out "$SETTLE" reconcile
t_eq "06 in file a, 10 in file b: the 10 confirms it" "event liquidation_confirmed 16" "$(outcome b.ret 5)"
t_eq "06 in file a, another 06 on another day in file b: a second payment" "exception DUPLICATE_PAYMENT 17" \
  "$(outcome b.ret 7)"
t_eq "one invoice request per paid payment, none for confirmations" "11 12 13 14 16 17" \
  "$(t_sql "SELECT string_agg(payment_id::text, ' ' ORDER BY payment_id) FROM invoice_requests WHERE payment_id > 10")"
t_eq "no DUPLICATE_PAYMENT but the two real second payments" "7 7" \
  "$(t_sql "SELECT string_agg(line::text, ' ' ORDER BY line) FROM exceptions WHERE reason = 'DUPLICATE_PAYMENT'")"

# ---- the money cross-check: counted per file, shown by status
cp "$F/brcobranca/CNAB240.RET" "$T_TMP/bb240.ret"
t_run out "$SETTLE" ingest "$T_TMP/bb240.ret"
t_eq "a file whose first record does not add up is still ingested" 0 "$out_rc"
t_contains "the mismatch is logged with file and line" "bb240.ret:3:1: warning: money does not add up" "$out"
t_eq "and counted on the file" "1 1" \
  "$(t_sql "SELECT concat_ws(' ', warnings, xcheck_mismatches) FROM return_files WHERE name = 'bb240.ret'")"
t_run out "$SETTLE" status
t_contains "status lists the file read with warnings" "1 money records that do not add up" "$out"
t_no_dangling_refs
t_done
