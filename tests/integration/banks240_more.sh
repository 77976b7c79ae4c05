#!/usr/bin/env bash
# banks240_more.sh - issue 19, CNAB 240 part, end to end (ingest + reconcile,
# real PostgreSQL): for each of the seven banks added from their own manuals
# (021 Banestes, 041 Banrisul, 097 CrediSIS, 133 Cresol, 136 Unicred,
# 399 HSBC, 745 Citibank) a generated return (tests/tools/cnab240-gen, which
# lays out the nosso número and money fields as each manual defines them)
# with a liquidation paid late (interest 250, fee 180) and an entry
# confirmation:
#   - the liquidation pays its payment with what the payer paid (10250 on a
#     face of 10000), the interest recorded on the payment; never the net;
#   - the 02 "entrada confirmada" becomes an event on its payment;
#   - Cresol's header carries '1' at 143 as its manual prints it and is
#     still read as a return; Banrisul's amount paid comes from its net
#     (U 78-92 is the client's "tipo 1": no interest); HSBC's U 78-92 is zeros.
# Also: a Banrisul entry confirmation without segment U (its manual's rule),
# and a Citibank test file ("COBRANCA-TESTE") refused with nothing booked.
. "$(dirname "$0")/../lib.sh"
GEN=$T_TOP/tests/tools/cnab240-gen

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

banks="021 041 097 133 136 399 745"
values=""
i=0
for b in $banks; do
  i=$((i + 1))
  values="$values${values:+,}
 ($((i * 10 + 1)), 'o$((i * 10 + 1))', 'boleto', 10000, 'pending', '$b', '${i}001'),
 ($((i * 10 + 2)), 'o$((i * 10 + 2))', 'boleto',  5000, 'pending', '$b', '${i}002')"
done
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES $values;" \
  >/dev/null

# spec: movement|nn|seu|face|paid|interest|discount|rebate|DDMMYYYY|fee
i=0
for b in $banks; do
  i=$((i + 1))
  "$GEN" "$b" 28112026 >"$T_TMP/b$b.ret" <<SPEC
06|${i}001|o$((i * 10 + 1))|10000|10250|250|0|0|27112026|180
02|${i}002|o$((i * 10 + 2))|5000|0|0|0|0|27112026
SPEC
done
t_eq "Cresol's generated header has '1' at 143 (133-cresol-cnab240.txt L65)" "1" "$(head -1 "$T_TMP/b133.ret" | cut -c143)"
t_eq "HSBC's generated U 78-92 is zeros (399-hsbc-cnab240.txt L428)" "000000000000000" \
  "$(sed -n 4p "$T_TMP/b399.ret" | cut -c78-92)"

files=()
for b in $banks; do files+=("$T_TMP/b$b.ret"); done
t_run out "$SETTLE" ingest "${files[@]}"
t_eq "the seven returns ingest" 0 "$out_rc"
t_not_contains "no money mismatch is reported" "money does not add up" "$out"
t_eq "each file: 2 records, no warnings" "14 0" \
  "$(t_sql "SELECT concat_ws(' ', sum(records), sum(warnings)) FROM return_files WHERE name LIKE 'b%.ret'")"
t_eq "settlements: amount paid is what the payer paid (Banrisul from its net, HSBC from 93-107)" \
  "021 10250 10070 041 10250 10070 097 10250 10070 133 10250 10070 136 10250 10070 399 10250 10250 745 10250 10070" \
  "$(t_sql "SELECT string_agg(concat_ws(' ', bank_code, amount_paid_cents, amount_credited_cents), ' ' ORDER BY bank_code)
              FROM settlements WHERE paid")"
t_eq "CrediSIS interest read with its 4 decimals (C048, 097-credisis-cnab240.txt L915-917)" "250" \
  "$(t_sql "SELECT interest_cents FROM settlements WHERE bank_code = '097' AND paid")"

t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
i=0
for b in $banks; do
  i=$((i + 1))
  p1=$((i * 10 + 1)) p2=$((i * 10 + 2))
  t_eq "$b: the liquidation pays its payment with 10250 (interest 250)" "paid 10250 250" \
    "$(t_sql "SELECT concat_ws(' ', status, paid_cents, interest_cents) FROM payments WHERE id = $p1")"
  t_eq "$b: the outcome is paid" "paid $p1" \
    "$(t_sql "SELECT concat_ws(' ', o.outcome, o.payment_id) FROM settlement_outcomes o
                JOIN settlements s ON s.id = o.settlement_id WHERE s.bank_code = '$b' AND s.movement_code = '06'")"
  t_eq "$b: 02 is an event on its payment, which stays pending" "entry_confirmed 02 pending" \
    "$(t_sql "SELECT concat_ws(' ', e.event, e.movement_code, p.status) FROM payment_events e
                JOIN payments p ON p.id = e.payment_id WHERE e.payment_id = $p2")"
done
t_eq "no exceptions" "0" "$(t_sql "SELECT count(*) FROM exceptions")"

# ---- Banrisul: U only for 06, 09, 17, 23, 25, 28 (041-banrisul-cnab240.txt
# L74): an entry confirmation with its T alone is read
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES
 (91, 'o91', 'boleto', 7000, 'pending', '041', '9001');" >/dev/null
"$GEN" 041 29112026 >"$T_TMP/banrisul_t_only.ret" <<'SPEC'
02|9001|o91|7000|0|0|0|0|28112026
SPEC
# drop the U (line 4) and fix the counts: batch 3 records, file 5
awk 'NR == 4 { next } NR == 5 { $0 = substr($0, 1, 17) "000003" substr($0, 24) }
     NR == 6 { $0 = substr($0, 1, 23) "000005" substr($0, 30) } { print }' \
  "$T_TMP/banrisul_t_only.ret" >"$T_TMP/banrisul_t_only2.ret"
t_run out "$SETTLE" ingest "$T_TMP/banrisul_t_only2.ret"
t_eq "a Banrisul T without U (02) ingests" 0 "$out_rc"
t_run out "$SETTLE" reconcile
t_eq "and becomes an event" "entry_confirmed pending" \
  "$(t_sql "SELECT concat_ws(' ', e.event, p.status) FROM payment_events e JOIN payments p ON p.id = e.payment_id
             WHERE e.payment_id = 91")"

# ---- Citibank test file: refused, nothing booked (745-citibank-cnab240.txt L45-47)
t_sql "INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES
 (92, 'o92', 'boleto', 10000, 'pending', '745', '9002');" >/dev/null
"$GEN" 745 29112026 <<'SPEC' | awk 'NR == 2 { $0 = substr($0, 1, 103) "COBRANCA-TESTE" substr($0, 118) } { print }' \
  >"$T_TMP/citi_test.ret"
06|9002|o92|10000|10000|0|0|0|28112026
SPEC
t_run out "$SETTLE" ingest "$T_TMP/citi_test.ret"
t_check "a Citibank test file is refused" [ "$out_rc" -ne 0 ]
t_contains "naming the test literal" "citi_test.ret:2:104: expected a production return, found 'COBRANCA-TESTE'" "$out"
t_eq "and nothing of it is loaded" "0" \
  "$(t_sql "SELECT count(*) FROM settlements s JOIN return_files f ON f.id = s.file_id WHERE f.name = 'citi_test.ret'")"
t_run out "$SETTLE" reconcile
t_eq "its payment stays pending" "pending" "$(t_sql "SELECT status FROM payments WHERE id = 92")"
t_no_dangling_refs
t_done
