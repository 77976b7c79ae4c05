#!/usr/bin/python3
"""mkxlsx.py OUT.xlsx [--summary] [--inline] < ROWS.tsv - a test workbook as
finance would save it, written by openpyxl (python3-openpyxl, Debian).

ROWS.tsv: tab-separated, the first line the header (the open-exceptions
sheet's: Exceção ... acao nota pagamento_id); an empty line is an empty row of
the sheet, so row numbers stay as a spreadsheet shows them. Cells that are
whole numbers are written as numbers (as a spreadsheet stores an id typed
in), everything else as text. --summary puts a summary sheet first (the
reader must find the sheet by its headers, not its place)."""
import sys

import openpyxl

out = sys.argv[1]
summary = "--summary" in sys.argv[2:]
wb = openpyxl.Workbook()
if summary:
    s = wb.active
    s.title = "Resumo"
    s.append(["Motivo", "Quantidade", "Valor"])
    s.append(["Pago a menor", 1, 90.0])
    ws = wb.create_sheet("Exceções abertas")
else:
    ws = wb.active
    ws.title = "Exceções abertas"
r = 0
for line in sys.stdin.read().split("\n"):
    r += 1
    if line == "":
        continue
    for c, v in enumerate(line.split("\t"), start=1):
        if v == "":
            continue
        ws.cell(row=r, column=c, value=int(v) if v.isdigit() and len(v) < 16 else v)
wb.save(out)
