#!/usr/bin/env bash
# parse.sh - `settle parse` on real and malformed CNAB files: CSV columns,
# --summary, --bank/--format, exit codes, errors on stderr, later files read.
. "$(dirname "$0")/../lib.sh"
F=$T_TOP/tests/fixtures/cnab
cd "$F" || exit 1

out=$("$SETTLE" parse brcobranca/CNAB240SICREDI.CRT 2>"$T_TMP/err"); rc=$?
t_eq "valid 240 exits 0" 0 "$rc"
t_eq "header has exactly the issue's columns, other_credits_cents (issue 12), then the card columns (issue 20)" \
  "file,line,format,bank,kind,movement_code,paid,nosso_numero,seu_numero,txid,end_to_end_id,amount_face_cents,amount_paid_cents,amount_credited_cents,interest_cents,discount_cents,rebate_cents,fee_cents,iof_cents,occurred_on,credited_on,due_on,payer_doc,payer_name,other_credits_cents,card_tid,card_nsu,card_authorization,card_brand,installment,installments,order_reference,acquirer_key" \
  "$(printf '%s\n' "$out" | head -n 1)"
t_eq "one row per T+U pair, line of the T" \
  "brcobranca/CNAB240SICREDI.CRT,5,cnab240,748,boleto,28,0,172000595,0000000000,,,995,0,0,0,0,0,380,0,2017-04-06,2017-04-06,2017-04-13,44952927838,SURFISTAO MEDINA,0,,,,,,,," \
  "$(printf '%s\n' "$out" | sed -n 3p)"
t_eq "nothing on stderr" "" "$(cat "$T_TMP/err")"

out=$("$SETTLE" parse laravel-boleto/santander_pix.ret)
t_contains "hybrid Pix txid on its title's row" ",033,boleto,02,0,00000019,1,id-da-transcao-pix," "$out"

out=$("$SETTLE" parse --summary brcobranca/CNAB240.RET); rc=$?
t_eq "--summary: counts and totals per movement code" \
  "movement_code,paid,count,amount_face_cents,amount_paid_cents,amount_credited_cents
17,1,35,2188094,2188094,2184489" "$out"

out=$("$SETTLE" parse malformed/truncated.ret brcobranca/CNAB240SICREDI.CRT 2>"$T_TMP/err"); rc=$?
t_eq "a bad file makes the exit 65" 65 "$rc"
t_eq "its error on stderr, FILE:LINE:COL" \
  "malformed/truncated.ret:7:1: expected a batch trailer (record type 5), found the end of the file (truncated?)" \
  "$(cat "$T_TMP/err")"
t_eq "the next file is still read" 2 "$(printf '%s\n' "$out" | grep -c '^brcobranca/CNAB240SICREDI.CRT,')"

"$SETTLE" parse --format cnab400 brcobranca/CNAB240SICREDI.CRT >/dev/null 2>"$T_TMP/err"; rc=$?
t_eq "--format cnab400 on a 240 file: 65" 65 "$rc"
t_contains "--format mismatch says what it is" "(a CNAB 240 file)" "$(cat "$T_TMP/err")"

out=$("$SETTLE" parse --bank 237 laravel-boleto/retorno_banco_fake.ret 2>&1); rc=$?
t_eq "--bank reads an unknown bank's file with a known layout" 0 "$rc"
t_contains "--bank sets the bank column" ",cnab400,237,boleto,06,1,000000000097," "$out"

"$SETTLE" parse --bank 12 x >/dev/null 2>&1; t_eq "--bank must be 3 digits" 64 "$?"
"$SETTLE" parse >/dev/null 2>&1; t_eq "no FILE is a usage error" 64 "$?"
"$SETTLE" parse /nonexistent/file.ret >/dev/null 2>"$T_TMP/err"; rc=$?
t_eq "missing file: 65" 65 "$rc"
t_eq "missing file message" "/nonexistent/file.ret: cannot open: No such file or directory" "$(cat "$T_TMP/err")"

gz=$("$SETTLE" parse malformed/edge_gzip.ret.gz | cut -d, -f2-)
plain=$("$SETTLE" parse brcobranca/CNAB240SICREDI.CRT | cut -d, -f2-)
t_eq "gzip input reads the same as plain" "$plain" "$gz"
out=$("$SETTLE" parse malformed/edge_csv_quotes.ret | sed -n 2p)
t_contains "a payer name with a comma and quotes is quoted (libcsv)" ',44952927838,"SILVA, ""ZE"" LTDA"' "$out"

out=$("$SETTLE" parse malformed/edge_bradesco_pix_type4.ret | sed -n 2p)
t_contains "Bradesco type 4 txid (106-140) on its title's row" ",237,boleto,02,0,000000000097,15,TXID0000000000000000000000000000042," "$out"
out=$("$SETTLE" parse malformed/edge_itau_pix_type3.ret | cut -d, -f2,6,7 | tr '\n' ' ')
t_eq "Itau type 3 (QR entry confirmation) adds no record and no money" "line,movement_code,paid 2,06,1 4,25,0 5,06,1 6,06,1 " "$out"

printf 'end_to_end_id,txid,amount\nE1,t,1.00\n' > "$T_TMP/pix.csv"
"$SETTLE" parse "$T_TMP/pix.csv" >/dev/null 2>"$T_TMP/err"; rc=$?
t_eq "a CSV without the Pix statement header is refused: 65" 65 "$rc"
t_contains "the refusal says what the file looks like" "pix.csv:1:1: expected a CNAB 240 return (record type '0' at position 8, '2' at 143), a CNAB 400 return ('02RETORNO') or a Pix statement CSV, found a CSV file that is not a Pix statement we know ('end_to_end_id,txid,amount')" "$(cat "$T_TMP/err")"

# the benchmark generator writes files settle accepts, and their payments
gen=${BUILD:-$T_TOP/build}/tests/tools/gencnab240
if [ -x "$gen" ]; then
  "$gen" --titles 1200 --out "$T_TMP/g.ret" --payments "$T_TMP/p.csv" --extra-payments 300
  out=$("$SETTLE" parse --summary "$T_TMP/g.ret"); rc=$?
  t_eq "gencnab240 output is a valid return" 0 "$rc"
  t_contains "gencnab240: 1200 paid titles (movement 06)" "06,1,1200," "$out"
  t_eq "gencnab240 payments: header + 1200 + 300 rows" 1501 "$(wc -l < "$T_TMP/p.csv")"
  nn=$("$SETTLE" parse "$T_TMP/g.ret" | sed -n 2p | cut -d, -f8)
  t_eq "a title's nosso numero is in the payments CSV" 1 "$(grep -c ",001,$nn\$" "$T_TMP/p.csv")"
else
  t_fail "build/tests/tools/gencnab240 missing (make tools)"
fi
# card acquirer files (issue 20): detected by their header, card columns filled
C=$T_TOP/tests/fixtures/cards
out=$(cd "$C" && "$SETTLE" parse cielo04.txt 2>"$T_TMP/err"); rc=$?
t_eq "Cielo file 04 exits 0" 0 "$rc"
t_eq "Cielo payout D: card_settlement, paid, Chave UR in acquirer_key" \
  "cielo04.txt,2,cielo,,card_settlement,02,1,,,,,17170,0,16744,0,0,0,426,0,,2026-03-31,2026-03-31,,,0,,,,visa,0,0,,01027058000191 36033801000109 2026-03-31 001 002 0000000001" \
  "$(printf '%s\n' "$out" | sed -n 2p)"
t_eq "its E: an item of the payout with TID, NSU, authorization, order" \
  "cielo04.txt,5,cielo,,card_settlement,03,0,,,,,8113,16225,7857,0,0,0,256,0,2026-03-01,2026-03-31,2026-03-31,,,0,10515831175GC8QCTG5F,005033,450359,mastercard,1,2,PED-1002,01027058000191 36033801000109 2026-03-31 002 002 0000000001" \
  "$(printf '%s\n' "$out" | sed -n 5p)"
out=$(cd "$C" && "$SETTLE" parse --summary rede-eefi.txt); rc=$?
t_eq "Rede EEFI --summary exits 0" 0 "$rc"
t_contains "Rede EEFI: paid credits summed apart from the held one" "00,1,2,35000,0,29199" "$out"
"$SETTLE" parse "$C/malformed/cielo04-e-without-d.txt" "$C/rede-eevd.txt" >"$T_TMP/out" 2>"$T_TMP/err"; rc=$?
t_eq "an E without its D: 65" 65 "$rc"
t_contains "names the E's line" "cielo04-e-without-d.txt:4:30: expected a D record (payout) before this E record" "$(cat "$T_TMP/err")"
t_eq "the next (Rede EEVD) file is still read" 4 "$(grep -c 'rede-eevd.txt,.*,rede,' "$T_TMP/out")"
"$SETTLE" parse --format rede "$C/cielo03.txt" >/dev/null 2>"$T_TMP/err"; t_eq "--format rede on a Cielo file: 65" 65 "$?"
t_contains "says what a Rede header is" "expected a Rede header" "$(cat "$T_TMP/err")"
t_done
