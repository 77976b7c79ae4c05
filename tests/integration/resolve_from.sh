#!/usr/bin/env bash
# resolve_from.sh - `settle resolve --from FILE` as finance uses it, against a
# real PostgreSQL: the open-exceptions sheet filled in and saved by a
# spreadsheet program (openpyxl here, python3-openpyxl from Debian), or a
# CSV; every kind of bad row reported with its row number and nothing
# applied; then the good file applied in one go, each resolution through
# settle_resolve_exception() with the finance login recorded; hostile files
# refused whole.
. "$(dirname "$0")/../lib.sh"

t_newdb
t_config "$T_TMP/settle.conf"
export SETTLE_CONFIG=$T_TMP/settle.conf
MKXLSX=$T_TOP/tests/tools/mkxlsx.py

# Payments and settlements giving one exception of each kind (as in
# reconcile_rules.sh), reconciled by the pipeline's login.
t_sql "
INSERT INTO payments (id, order_id, method, amount_cents, status, bank_code, nosso_numero) VALUES
 (8,  'o8',  'boleto', 10000, 'pending',  '341', '800'),
 (9,  'o9',  'boleto', 10000, 'pending',  '341', '900'),
 (10, 'o10', 'boleto', 10000, 'pending',  '341', '1000'),
 (11, 'o11', 'boleto', 10000, 'canceled', '341', '1100'),
 (12, 'o12', 'boleto', 10000, 'pending',  '104', '0777'),
 (13, 'o13', 'boleto', 10000, 'pending',  '104', '777'),
 (14, 'o14', 'boleto', 10000, 'pending',  '001', '1400'),
 (18, 'o18', 'boleto', 10000, 'pending',  '341', '1800'),
 (19, 'o19', 'boleto', 10000, 'pending',  '341', '1900');
INSERT INTO return_files (id, source, name, size_bytes, sha256, format, status)
 VALUES (1, 'local', 'day.ret', 1, repeat('a', 64), 'cnab240', 'ingested');
SELECT setval('return_files_id_seq', 10);
" >/dev/null
st() { # LINE MOVEMENT PAID BANK NN PAID_CENTS
  t_sql "INSERT INTO settlements (file_id, line, format, bank_code, kind, movement_code, paid, nosso_numero, amount_paid_cents,
           occurred_on, natural_key)
         VALUES (1, $1, 'cnab240', '$4', 'boleto', '$2', $3, '$5', $6, DATE '2026-11-27', 'k-$1')" >/dev/null
}
st 1 06 true  341 800    9000    # UNDERPAID, payment 8
st 2 06 true  341 900    11000   # OVERPAID, payment 9
st 3 06 true  341 1000   10000   # paid
st 4 17 true  341 01000  10000   # DUPLICATE_PAYMENT of 10
st 5 06 true  341 1100   10000   # PAYMENT_NOT_PENDING (canceled 11)
st 6 06 true  104 777    10000   # AMBIGUOUS_MATCH (12, 13)
st 7 06 true  341 424242 10000   # UNKNOWN_PAYMENT
st 8 03 false 001 1400   0       # BANK_REJECTED
st 9 06 true  341 434343 10000   # UNKNOWN_PAYMENT
st 10 06 true 341 454545 10000   # UNKNOWN_PAYMENT
t_run out "$SETTLE" reconcile
t_eq "reconcile exits 0" 0 "$out_rc"
x() { t_sql "SELECT id FROM exceptions WHERE line = $1"; }
under=$(x 1) over=$(x 2) dup=$(x 4) notp=$(x 5) amb=$(x 6) unk=$(x 7) rej=$(x 8) unk2=$(x 9) unk3=$(x 10)
t_eq "ten settlements, nine exceptions" "9" "$(t_sql "SELECT count(*) FROM exceptions WHERE status = 'open'")"

# Finance resolves with its own login (sql/006_roles.sql).
T_CONFIG_CONN=$T_FINANCE_CONN t_config "$T_TMP/finance.conf"
export SETTLE_CONFIG=$T_TMP/finance.conf SETTLE_USER=ana.financeiro
snapshot() {
  t_sql "SELECT (SELECT string_agg(id || ':' || status || ':' || coalesce(resolution, '-'), ',' ORDER BY id) FROM exceptions) || '|' ||
                (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM payments) || '|' ||
                (SELECT count(*) FROM invoice_requests) || '|' || (SELECT count(*) FROM exception_resolutions)"
}
# One resolved beforehand, by hand.
t_run out "$SETTLE" resolve "$rej" --as ignore --note "rejeitado pelo banco, nada a fazer"
t_eq "one resolved by hand first" 0 "$out_rc"
before=$(snapshot)

# The sheet as the report lays it out (report/layout.c: id in column A under
# "Exceção", the last three columns for finance), a summary sheet before it.
H=$'Exceção\tMotivo\tPagamento\tValor pago\tacao\tnota\tpagamento_id'
# Every kind of bad row, each on a row number checked below, plus good rows
# that must not be applied because of them.
{
  echo "$H"
  printf '%s\tUNDERPAID\t8\t90,00\tpago\tcliente pagou o resto por TED\t\n' "$under"   # row 2: paid without --accept-difference: refused by the database
  printf '999999\tX\t\t\tignorar\tnão existe\t\n'                                       # row 3: unknown id
  printf '%s\tBANK_REJECTED\t14\t0\tignore\tde novo\t\n' "$rej"                          # row 4: already resolved
  printf '%s\tOVERPAID\t9\t110,00\tdevolver\t\t\n' "$over"                               # row 5: missing note
  printf '%s\tDUPLICATE_PAYMENT\t10\t100,00\ttalvez\tnão sei\t\n' "$dup"                 # row 6: unknown action
  printf '%s\tUNKNOWN_PAYMENT\t\t100,00\tpago\tpedido no memorando\t10\n' "$unk"         # row 7: payment 10 already paid: not payable
  printf '%s\tPAYMENT_NOT_PENDING\t11\t100,00\tdevolver\tdevolvido\t11\n' "$notp"        # row 8: pagamento_id with refund
  echo                                                                                   # row 9: empty
  printf '%s\tAMBIGUOUS_MATCH\t\t100,00\tIgnorar\tverificado\t\n' "$amb"                 # row 10: good
  printf '%s\tAMBIGUOUS_MATCH\t\t100,00\tdevolver\toutra vez\t\n' "$amb"                 # row 11: duplicate id
  printf '%s\tUNKNOWN_PAYMENT\t\t100,00\tpago\tsem pagamento\t\n' "$unk2"                # row 12: paid, no payment named
  printf '%s\tUNKNOWN_PAYMENT\t\t100,00\t\t\t\n' "$unk3"                                 # row 13: acao empty: skipped
} | "$MKXLSX" "$T_TMP/bad.xlsx" --summary
t_check "the bad sheet written by openpyxl" test -s "$T_TMP/bad.xlsx"
t_run out "$SETTLE" resolve --from "$T_TMP/bad.xlsx"
t_eq "a sheet with bad rows exits 65" 65 "$out_rc"
B=$T_TMP/bad.xlsx
t_contains "row 2: the database's refusal (a difference not accepted)" "$B: row 2: exception #$under: 9000 cents received, payment #8 is for 10000 cents" "$out"
t_contains "row 3: unknown id" "$B: row 3: exception #999999 does not exist" "$out"
t_contains "row 4: already resolved, by whom" "$B: row 4: exception #$rej was already resolved as ignore by ana.financeiro" "$out"
t_contains "row 4: how to change it" "HINT: to change it, reopen it first: settle resolve --reopen $rej --note TEXT" "$out"
t_contains "row 5: missing note" "$B: row 5: nota: expected a note saying why, found nothing" "$out"
t_contains "row 6: unknown action" "$B: row 6: acao: expected paid, refund or ignore (pago, devolver, ignorar), found 'talvez'" "$out"
t_contains "row 7: a payment that is not payable" "$B: row 7: payment #10 is already paid; it cannot be paid twice" "$out"
t_contains "row 8: pagamento_id with a non-paid action" "$B: row 8: pagamento_id: goes with acao paid only, found it with refund" "$out"
t_contains "row 11: duplicate id" "$B: row 11: id: exception #$amb appears again (first on row 10)" "$out"
t_contains "row 12: paid without a payment" "$B: row 12: exception #$unk2 (UNKNOWN_PAYMENT) has no payment to mark paid" "$out"
t_not_contains "row 10 (good) has no problem" "row 10:" "$out"
t_not_contains "row 13 (acao empty) is skipped, not an error" "row 13:" "$out"
t_contains "the summary says nothing was applied" "nothing was resolved" "$out"
t_eq "all or nothing: exceptions, payments, invoice requests and history as before" "$before" "$(snapshot)"
rows=$(grep -o "row [0-9]*:" <<<"$out" | tr -d ':' | awk '{print $2}' | tr '\n' ' ')
t_eq "problems printed in row order" "2 3 4 5 6 7 8 11 12 " "$rows"

# The good sheet: the same exceptions, correct.
{
  echo "$H"
  printf '%s\tUNDERPAID\t8\t90,00\tPAGO\tcliente pagou o resto por TED\t\n' "$under"
  printf '%s\tOVERPAID\t9\t110,00\tDevolver\tdiferença devolvida por Pix\t\n' "$over"
  printf '%s\tDUPLICATE_PAYMENT\t10\t100,00\tdevolver\tpago duas vezes: devolvido\t\n' "$dup"
  printf '%s\tUNKNOWN_PAYMENT\t\t100,00\tPagó\tpedido o18 no memorando\t18\n' "$unk"
  echo
  printf '%s\tAMBIGUOUS_MATCH\t\t100,00\tignorar\tverificado com o banco\t\n' "$amb"
  printf '%s\tUNKNOWN_PAYMENT\t\t100,00\t\t\t\n' "$unk3"
  printf '%s\tPAYMENT_NOT_PENDING\t11\t100,00\t  \t\t\n' "$notp"
} | "$MKXLSX" "$T_TMP/good.xlsx" --summary
t_run out "$SETTLE" resolve --from "$T_TMP/good.xlsx"
t_eq "an UNDERPAID paid row without --accept-difference still refused: exit 65" 65 "$out_rc"
t_eq "and nothing applied" "$before" "$(snapshot)"
t_run out "$SETTLE" resolve --from "$T_TMP/good.xlsx" --accept-difference
t_eq "the good sheet with --accept-difference exits 0" 0 "$out_rc"
t_contains "says what was done" "5 exceptions resolved by ana.financeiro (paid 2, refund 2, ignore 1); 2 rows without acao skipped" "$out"
t_eq "each exception resolved as the sheet says" \
  "$under:paid $over:refund $dup:refund $amb:ignore $unk:paid" \
  "$(t_sql "SELECT string_agg(id || ':' || resolution, ' ' ORDER BY line) FROM exceptions WHERE id IN ($under, $over, $dup, $unk, $amb)")"
t_eq "the rows without acao stay open" "open open" "$(t_sql "SELECT string_agg(status, ' ') FROM exceptions WHERE id IN ($unk3, $notp)")"
t_eq "who said and who logged in, recorded" "ana.financeiro|settle_test_finance" \
  "$(t_sql "SELECT DISTINCT resolved_by || '|' || resolved_db_user FROM exceptions WHERE id IN ($under, $over, $dup, $unk, $amb)")"
t_eq "the note kept, accents and all" "diferença devolvida por Pix" "$(t_sql "SELECT resolution_note FROM exceptions WHERE id = $over")"
t_eq "payments 8 and 18 paid with what arrived, one invoice request each" "8:paid:9000:1 18:paid:10000:1" \
  "$(t_sql "SELECT string_agg(p.id || ':' || p.status || ':' || p.paid_cents || ':' || (SELECT count(*) FROM invoice_requests i WHERE i.payment_id = p.id), ' ' ORDER BY p.id) FROM payments p WHERE p.id IN (8, 18)")"
t_eq "the UNKNOWN_PAYMENT now names its payment" "18" "$(t_sql "SELECT payment_id FROM exceptions WHERE id = $unk")"
t_eq "one history row per resolution (and the one by hand)" "6" "$(t_sql "SELECT count(*) FROM exception_resolutions")"
t_eq "the history records the invoice request of each paid row" "2" \
  "$(t_sql "SELECT count(*) FROM exception_resolutions r JOIN invoice_requests i ON i.id = r.invoice_request_id WHERE r.resolution = 'paid'")"
t_run out "$SETTLE" resolve --from "$T_TMP/good.xlsx" --accept-difference
t_eq "the same sheet again: exit 65 (already resolved)" 65 "$out_rc"
t_contains "row 2 already resolved" "row 2: exception #$under was already resolved as paid by ana.financeiro" "$out"

# CSV: the report's pt-BR shape (UTF-8 BOM, ';', CRLF), a quoted note with a
# line break; header order differs from the xlsx; a bad row first.
printf '\xef\xbb\xbfpagamento_id;nota;acao;id\r\n;"um erro";talvez;%s\r\n;"cliente ""confirmou""\r\npor telefone";ignorar;%s\r\n' "$unk3" "$notp" >"$T_TMP/bad.csv"
t_run out "$SETTLE" resolve --from "$T_TMP/bad.csv"
t_eq "CSV with a bad row exits 65" 65 "$out_rc"
t_contains "the CSV row number" "$T_TMP/bad.csv: row 2: acao: expected paid, refund or ignore (pago, devolver, ignorar), found 'talvez'" "$out"
t_eq "nothing applied from the CSV" "open open" "$(t_sql "SELECT string_agg(status, ' ') FROM exceptions WHERE id IN ($unk3, $notp)")"
printf 'id,acao,nota,pagamento_id\n%s,refund,"devolvido, ao pagador {ref NULL C:\\pix\\}",\n%s,ignore,"cliente ""confirmou""\npor telefone",\n' "$unk3" "$notp" >"$T_TMP/good.csv"
t_run out "$SETTLE" resolve --from "$T_TMP/good.csv"
t_eq "the good CSV exits 0" 0 "$out_rc"
t_eq "a note with a comma, braces, NULL and backslashes kept byte for byte" 'devolvido, ao pagador {ref NULL C:\pix\}' \
  "$(t_sql "SELECT resolution_note FROM exceptions WHERE id = $unk3")"
t_eq "CSV rows resolved, the note's quotes and line break kept" "refund|ignore|cliente \"confirmou\"
por telefone" \
  "$(t_sql "SELECT (SELECT resolution FROM exceptions WHERE id = $unk3) || '|' || resolution || '|' || resolution_note FROM exceptions WHERE id = $notp")"

# Hostile and malformed files: refused whole, with what was wrong.
F=$T_TOP/tests/fixtures/resolve
t_run out "$SETTLE" resolve --from "$F/bomb.xlsx"
t_eq "a zip bomb exits 65" 65 "$out_rc"
t_contains "and is named one" "refused as a zip bomb" "$out"
t_run out "$SETTLE" resolve --from "$F/doctype.xlsx"
t_eq "a DOCTYPE (entity expansion) exits 65" 65 "$out_rc"
t_contains "and says so" "expected no DOCTYPE in an xlsx part" "$out"
t_run out "$SETTLE" resolve --from "$F/truncated.xlsx"
t_eq "a cut zip exits 65" 65 "$out_rc"
t_run out "$SETTLE" resolve --from "$F/no_columns.xlsx"
t_contains "a workbook without the columns says which it needs" "a header row naming the columns acao, nota, pagamento_id" "$out"
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T_TMP/huge.csv"
t_run out "$SETTLE" resolve --from "$T_TMP/huge.csv"
t_eq "a file over 32 MiB exits 65" 65 "$out_rc"
t_contains "and says the bound" "expected at most 33554432 bytes" "$out"
t_run out "$SETTLE" resolve --from "$T_TMP/none.xlsx"
t_eq "a missing file exits 65" 65 "$out_rc"
t_contains "and names it" "none.xlsx: cannot open" "$out"
t_run out "$SETTLE" resolve --from "$T_TMP/good.csv" --note x
t_eq "--note with --from is a usage error" 64 "$out_rc"
t_run out "$SETTLE" resolve 5 --from "$T_TMP/good.csv"
t_eq "an ID with --from is a usage error" 64 "$out_rc"

# The pipeline's login cannot resolve from a file either.
printf 'id,acao,nota,pagamento_id\n%s,refund,x,\n' "$(t_sql "SELECT min(id) FROM exceptions WHERE status = 'open'")" >"$T_TMP/job.csv"
t_run out "$SETTLE" --config "$T_TMP/settle.conf" resolve --from "$T_TMP/job.csv"
t_eq "settle resolve --from as settle_job exits 77" 77 "$out_rc"
t_contains "and says which role it needs" 'hint="resolve with a login that has the finance role' "$out"
t_eq "nothing resolved by it" "0" "$(t_sql "SELECT count(*) FROM exceptions WHERE resolved_db_user = 'settle_test_job'")"
t_no_dangling_refs
t_done
