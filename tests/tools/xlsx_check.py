#!/usr/bin/python3
"""xlsx_check.py - read exceptions-YYYYMMDD.xlsx with openpyxl (Debian
python3-openpyxl), as finance's spreadsheet would, and check it against the
expectations given as JSON on stdin (tests/integration/report_xlsx.sh).

Prints one "ok - ..." or "not ok - ..." line per check (the TAP lines of
tests/lib.sh) and exits 1 when any failed. Expectations:
  sheets        the sheet names in order
  open_rows     number of data rows of the open-exceptions sheet
  rows          {exception id: {column name: value}}: value is compared with
                the cell as read (numbers as float, dates as YYYY-MM-DD text)
  money_sum     sum of valor_pago in cents (the cells summed in cents)
  formula_names names that must be text cells, never formulas
"""
import datetime
import json
import sys

import openpyxl

exp = json.load(sys.stdin)
path = sys.argv[1]
fails = 0


def check(what, cond, found=None):
    global fails
    if cond:
        print("ok - xlsx: " + what)
    else:
        fails += 1
        print("not ok - xlsx: " + what + ("" if found is None else "\n#   found: %r" % (found,)))


wb = openpyxl.load_workbook(path)  # formulas as formulas, not their cached values
check("sheets in order", wb.sheetnames == exp["sheets"], wb.sheetnames)
ws = wb[exp["sheets"][0]]
head = [c.value for c in ws[1]]
check("open sheet: id in column A", head[0] == "id", head[:1])
check("open sheet: acao, nota, pagamento_id are the last three columns",
      head[-3:] == ["acao", "nota", "pagamento_id"], head[-3:])
check("open sheet: header frozen", ws.freeze_panes in ("B2", "A2"), ws.freeze_panes)
check("open sheet: filter over the whole table",
      ws.auto_filter.ref == "A1:%s%d" % (openpyxl.utils.get_column_letter(len(head)), max(ws.max_row, 2)),
      ws.auto_filter.ref)
check("open sheet: widths set on every column",
      all(ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width for i in range(len(head))))
col = {name: i for i, name in enumerate(head)}
data = list(ws.iter_rows(min_row=2))
check("open sheet: one row per open exception", len(data) == exp["open_rows"], len(data))

by_id = {}
for r in data:
    by_id[str(int(r[0].value))] = r

# types and formats, every row
MONEY = ("valor_esperado", "valor_pago", "diferenca", "tarifa", "valor_creditado")
DATES = ("vencimento", "data_pagamento", "data_credito", "aberta_em")
CODES = ("banco", "nosso_numero", "txid", "end_to_end_id", "pedido", "documento")
bad = []
for r in data:
    for name in MONEY:
        c = r[col[name]]
        if c.value is not None and (not isinstance(c.value, (int, float)) or "R$" not in c.number_format):
            bad.append((name, c.value, c.number_format))
    for name in DATES:
        c = r[col[name]]
        if c.value is not None and (not isinstance(c.value, datetime.datetime) or c.number_format != "dd/mm/yyyy"):
            bad.append((name, c.value, c.number_format))
    for name in CODES:
        c = r[col[name]]
        if c.value is not None and c.data_type != "s":
            bad.append((name, c.value, c.data_type))
    for name in ("id", "idade_dias", "linha"):
        if not isinstance(r[col[name]].value, (int, float)):
            bad.append((name, r[col[name]].value))
    for name in ("acao", "nota", "pagamento_id"):
        if r[col[name]].value not in (None, ""):
            bad.append((name, r[col[name]].value))
check("amounts are numbers in an R$ format, dates are dates, codes are text, input columns empty", not bad, bad[:5])
check("no cell of the open sheet is a formula",
      not [c.coordinate for r in data for c in r if c.data_type == "f"])

for xid, want in exp["rows"].items():
    r = by_id.get(xid)
    if r is None:
        check("exception %s listed" % xid, False)
        continue
    got = {}
    for name in want:
        v = r[col[name]].value
        if isinstance(v, datetime.datetime):
            v = v.strftime("%Y-%m-%d")
        got[name] = v
    check("exception %s: %s" % (xid, ", ".join(want)), got == want, got)

cents = sum(round(r[col["valor_pago"]].value * 100) for r in data if r[col["valor_pago"]].value is not None)
check("paid amounts sum to the SQL total (cents)", cents == exp["money_sum"], cents)
names = {r[col["cliente"]].value: r[col["cliente"]] for r in data}
for n in exp.get("formula_names", []):
    c = names.get(n)
    check("hostile name is a text cell: %s" % n, c is not None and c.data_type == "s", c and c.data_type)

for sheet in exp["sheets"][1:]:
    s = wb[sheet]
    check("%s: header frozen" % sheet, s.freeze_panes == "A2", s.freeze_panes)
    check("%s: filter" % sheet, bool(s.auto_filter.ref), s.auto_filter.ref)

for sheet, want in exp.get("cells", {}).items():
    s = wb[sheet]
    for ref, v in want.items():
        got = s[ref].value
        if isinstance(got, datetime.datetime):
            got = got.strftime("%Y-%m-%d %H:%M:%S" if got.hour or got.minute or got.second else "%Y-%m-%d")
        check("%s!%s = %r" % (sheet, ref, v), got == v, got)
    for ref, fmt in exp.get("formats", {}).get(sheet, {}).items():
        check("%s!%s format %s" % (sheet, ref, fmt), s[ref].number_format == fmt, s[ref].number_format)

sys.exit(1 if fails else 0)
