#!/usr/bin/env bash
# banks400_more.sh - issue 19, CNAB 400 part, end to end (ingest + reconcile,
# real PostgreSQL): for each bank added from its own manual (021 Banestes,
# 133 Cresol, 274 Grafeno, 336 C6 Bank, 422 Safra, 745 Citibank, 756 Sicoob,
# 246 ABC, 633 Rendimento, 707 Daycoval) a return written here from the
# manual's field tables (/work/shared/manuals/<code>-<bank>-cnab400.txt, see
# tests/unit/parsers/banks400_more_test.c for the lines) is ingested and
# reconciled:
#   - a liquidation of a R$ 1.000,00 title paid late with R$ 15,50 of
#     interest and a R$ 2,50 fee (where the manual reports the fee with the
#     liquidation) pays the payment (paid 101550, not OVERPAID / UNDERPAID);
#   - an 02 "entrada confirmada" is an event on another payment, which stays
#     pending;
#   - Fibra family: a 10 "baixa por ter sido liquidado" with the amount pays,
#     without an amount it books no money (liq_baixa).
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf

# line POS=TEXT ...: a 400-character record, TEXT at 1-based POS
line() {
  local l kv pos val
  printf -v l '%400s' ''
  for kv in "$@"; do
    pos=${kv%%=*} val=${kv#*=}
    l="${l:0:pos-1}${val}${l:pos-1+${#val}}"
  done
  printf '%s' "${l:0:400}"
}
# z LEN VALUE: VALUE with zeros in front to LEN digits
z() { printf "%0${1}d" "$2"; }
# emit FILE POS=TEXT ...: append a record with its sequence number at 395-400
emit() {
  local f=$1; shift
  SEQ=$((SEQ + 1))
  printf '%s%06d\r\n' "$(line "$@" | cut -c1-394)" "$SEQ" >>"$f"
}

# mkret CODE NN_POS NN1 NN2 FACE_POS FACE_LEN FEE_POS FEE_LEN DATE_POS [FIELD=... of the liquidation]
# writes $T_TMP/b<CODE>.ret: header, a 06 for NN1, an 02 for NN2, trailer.
# The fee (250) goes on the 06, or on the 02 when FEE_ON=02 (Grafeno: the
# fee is reported for 02 and 28, M L112-118), or nowhere when FEE_ON=none
# (Citibank: 176-188 zeros, M L255-256).
mkret() {
  local code=$1 np=$2 nn1=$3 nn2=$4 fp=$5 fl=$6 tp=$7 tl=$8 dp=$9
  shift 9
  local f=$T_TMP/b$code.ret fee06=0 fee02=0
  case ${FEE_ON:-06} in 06) fee06=250 ;; 02) fee02=250 ;; esac
  SEQ=0
  : >"$f"
  emit "$f" 1=02RETORNO01COBRANCA 77="$code" "$dp"=281126
  emit "$f" 1=1 2=02 38="ORDER-$code-1" 109=06 111=271126 117="D$code-1" 147=201126 \
    "$np=$nn1" "$fp=$(z "$fl" 100000)" "$tp=$(z "$tl" $fee06)" 254="$(z 13 101550)" 267="$(z 13 1550)" "$@"
  emit "$f" 1=1 2=02 38="ORDER-$code-2" 109=02 111=271126 117="D$code-2" 147=201226 \
    "$np=$nn2" "$fp=$(z "$fl" 50000)" "$tp=$(z "$tl" $fee02)"
}
trailer() { emit "$T_TMP/b$1.ret" 1=9201 5="$1"; }

# bank code, NN position, NN of the liquidation / of the 02 (as the record
# holds them), face position/length, fee position/length, header date position
mkret 021 63 0000012345 0000012346 156 10 176 13 95 153=000
trailer 021
mkret 133 71 000000043217 000000043225 153 13 176 13 95 296=281126
trailer 133
FEE_ON=02 mkret 274 71 000000091234 000000091235 153 13 176 13 95 296=281126
emit "$T_TMP/b274.ret" 1=3 18=000000091235 44=274   # optional split record (M L149-248)
trailer 274
mkret 336 63 00001234567 00001234568 153 13 176 13 125 296=281126
trailer 336
mkret 422 63 000123456 000123457 153 13 176 13 95 296=281126
trailer 422
printf '\x1a' >>"$T_TMP/b422.ret"   # M L49: 0D 0A 1A at the end of the file
FEE_ON=none mkret 745 65 000000555551 000000555552 153 13 176 13 95 296=281126
emit "$T_TMP/b745.ret" 1=8 2=02 109=51 111=271126 117=D745-3 65=000000555552 189="$(z 13 1234)"
trailer 745
mkret 756 63 000000001234 000000001242 153 13 182 7 95 176=281126
trailer 756
for code in 246 633 707; do
  mkret $code 63 00113365557 00113365565 153 13 176 13 95 386=301126
  # 10 "baixa por ter sido liquidado" with the amount, then one without
  emit "$T_TMP/b$code.ret" 1=1 2=02 109=10 111=271126 117="D$code-3" 147=201126 63=00113365573 \
    153="$(z 13 20000)" 254="$(z 13 20000)" 386=301126
  emit "$T_TMP/b$code.ret" 1=1 2=02 109=10 111=271126 117="D$code-4" 147=201126 63=00113365581 \
    153="$(z 13 20000)" 386=281126
  trailer $code
done

# payments: <bank>1 is liquidated, <bank>2 gets the 02 (Fibra family: <bank>3
# by a 10 with the amount, <bank>4 by a 10 without)
sql="INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES "
add() { sql+="($1, 'o$1', 'boleto', $2, 'pending', '$3', '$4'),"; }
add 211 100000 021 12345;        add 212 50000 021 12346
add 1331 100000 133 43217;       add 1332 50000 133 43225
add 2741 100000 274 91234;       add 2742 50000 274 91235
add 3361 100000 336 1234567;     add 3362 50000 336 1234568
add 4221 100000 422 123456;      add 4222 50000 422 123457
add 7451 100000 745 555551;      add 7452 50000 745 555552
add 7561 100000 756 1234;        add 7562 50000 756 1242
for code in 246 633 707; do
  add ${code}1 100000 $code 113365557; add ${code}2 50000 $code 113365565
  add ${code}3 20000 $code 113365573;  add ${code}4 20000 $code 113365581
done
t_sql "${sql%,};" >/dev/null

outcome() { # BANK LINE -> outcome reason event payment
  t_sql "SELECT concat_ws(' ', o.outcome, o.reason, o.event, o.payment_id) FROM settlement_outcomes o
           JOIN settlements s ON s.id = o.settlement_id JOIN return_files f ON f.id = s.file_id
          WHERE f.name = 'b$1.ret' AND s.line = $2"
}

files=()
for code in 021 133 274 336 422 745 756 246 633 707; do files+=("$T_TMP/b$code.ret"); done
t_run out "$SETTLE" ingest "${files[@]}"
t_eq "the ten returns ingest" 0 "$out_rc"
t_not_contains "no money warning on any of them" "does not add up" "$out"
t_eq "every file read, none refused" "10 0" \
  "$(t_sql "SELECT concat_ws(' ', count(*), count(*) FILTER (WHERE error IS NOT NULL)) FROM return_files")"

for code in 021 133 274 336 422 745 756 246 633 707; do
  fee=250; case $code in 274|745) fee=0 ;; esac
  t_eq "$code: the liquidation is read as the manual defines it (paid, face, interest, fee)" \
    "t 101550 100000 1550 $fee" \
    "$(t_sql "SELECT concat_ws(' ', paid, amount_paid_cents, amount_face_cents, interest_cents, fee_cents)
                FROM settlements WHERE bank_code = '$code' AND line = 2")"
done
t_eq "274: the fee comes with the 02 (entrada confirmada)" "250" \
  "$(t_sql "SELECT fee_cents FROM settlements WHERE bank_code = '274' AND line = 3")"
t_eq "336: the header date is read from 125-130" "2026-11-28" \
  "$(t_sql "SELECT f.generated_on FROM return_files f WHERE f.name = 'b336.ret'")"
t_eq "credit dates: Cresol 296-301, Sicoob 176-181, ABC 386-391; Banestes and Daycoval have none" \
  "021: 133:2026-11-28 246:2026-11-30 707: 756:2026-11-28" \
  "$(t_sql "SELECT string_agg(bank_code || ':' || coalesce(credited_on::text, ''), ' ' ORDER BY bank_code)
              FROM settlements WHERE line = 2 AND bank_code IN ('021', '133', '756', '246', '707')")"

t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
for code in 021 133 274 336 422 745 756 246 633 707; do
  id=$code; [ "${code:0:1}" = 0 ] && id=${code:1}
  t_eq "$code: the liquidation with interest and a fee pays the payment" "paid ${id}1" "$(outcome $code 2)"
  t_eq "$code: the payment is paid with the amount the payer paid" "paid 101550" \
    "$(t_sql "SELECT concat_ws(' ', status, paid_cents) FROM payments WHERE id = ${id}1")"
  t_eq "$code: 02 entrada confirmada is an event; the payment stays pending" "event entry_confirmed ${id}2 pending" \
    "$(outcome $code 3) $(t_sql "SELECT status FROM payments WHERE id = ${id}2")"
done
t_eq "745: a type 8 record (despesa de cartório) is read as a detail: an event, no money" \
  "event movement_51 7452" "$(outcome 745 4)"
for code in 246 633 707; do
  t_eq "$code: 10 with the amount pays" "paid ${code}3" "$(outcome $code 4)"
  t_eq "$code: 10 without an amount books no money: LIQUIDATION_UNCONFIRMED for finance" \
    "exception LIQUIDATION_UNCONFIRMED baixa_liquidated ${code}4 pending" \
    "$(outcome $code 5) $(t_sql "SELECT status FROM payments WHERE id = ${code}4")"
done
t_eq "no exception but the three unconfirmed liquidations" "LIQUIDATION_UNCONFIRMED 3" \
  "$(t_sql "SELECT string_agg(DISTINCT reason, ',') || ' ' || count(*) FROM exceptions")"
t_no_dangling_refs
t_done
