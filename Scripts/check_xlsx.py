#!/usr/bin/env python3
"""Checks an .xlsx written by CollabReports' XLSXWriter with openpyxl against an expectation file.

Usage: Scripts/check_xlsx.py WORKBOOK.xlsx EXPECTED.json

EXPECTED.json is written by the Swift test `XLSXExportTests.sampleForPython` when COLLAB_XLSX_SAMPLE_DIR is
set (sample.xlsx and sample.expected.json in that folder):

    {"sheets": [{"name": "...", "frozen": "A2", "autofilter": "A1:G14", "columns": 7, "rows": 14,
                 "cells": [{"ref": "A1", "type": "s", "text": "..."},
                           {"ref": "B2", "type": "n", "number": 0.25, "number_format": "0.0%"},
                           {"ref": "D2", "type": "d", "date": "2024-05-01T00:00:00", "number_format": "yyyy-mm-dd"},
                           {"ref": "F2", "type": "b", "bool": true},
                           {"ref": "G6", "type": "empty"}]}]}

Checks: the ZIP's CRCs (zipfile.testzip), the sheet names and order, each listed cell's type, value and
number format, that no cell anywhere is a formula, the frozen header row, its bold font, the autofilter
range, the sheet's extent and a width for every column. Exits 0 when everything matches, 1 otherwise
(listing every mismatch), 2 for bad usage or a missing openpyxl (pip install openpyxl).
"""

import datetime
import json
import re
import sys
import zipfile

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError:  # pragma: no cover
    print("check_xlsx: openpyxl is not installed (pip install openpyxl)", file=sys.stderr)
    sys.exit(2)

EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def excel_text(value):
    """Text as Excel shows it: Excel decodes `_xHHHH_` in cell text, openpyxl leaves it as written."""
    return EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def check(path, expected_path):
    problems = []
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
        if bad is not None:
            problems.append(f"ZIP entry {bad} fails its CRC check")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)

    workbook = openpyxl.load_workbook(path)  # not read-only: panes, filters and fonts are needed
    names = [sheet["name"] for sheet in expected["sheets"]]
    if workbook.sheetnames != names:
        problems.append(f"sheets are {workbook.sheetnames}, expected {names}")
    checked = 0
    for sheet in expected["sheets"]:
        if sheet["name"] not in workbook.sheetnames:
            continue
        ws = workbook[sheet["name"]]
        where = f"sheet {sheet['name']!r}"
        if ws.freeze_panes != sheet.get("frozen", "A2"):
            problems.append(f"{where}: frozen pane at {ws.freeze_panes}, expected {sheet.get('frozen', 'A2')}")
        if ws.auto_filter.ref != sheet["autofilter"]:
            problems.append(f"{where}: autofilter {ws.auto_filter.ref}, expected {sheet['autofilter']}")
        if ws.max_row != sheet["rows"] or ws.max_column != sheet["columns"]:
            problems.append(f"{where}: {ws.max_row} rows x {ws.max_column} columns, "
                            f"expected {sheet['rows']} x {sheet['columns']}")
        for column in range(1, sheet["columns"] + 1):
            header = ws.cell(row=1, column=column)
            if not (header.font and header.font.b):
                problems.append(f"{where}: header {header.coordinate} is not bold")
            width = ws.column_dimensions[get_column_letter(column)].width
            if not width or width <= 0:
                problems.append(f"{where}: column {get_column_letter(column)} has no width")
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{where}: {cell.coordinate} is a formula: {cell.value!r}")
        for spec in sheet["cells"]:
            checked += 1
            problems += check_cell(ws[spec["ref"]], spec, where)
    if problems:
        print(f"check_xlsx: {path}: {len(problems)} problem(s)")
        for problem in problems:
            print("  - " + problem)
        return 1
    print(f"check_xlsx: {path}: OK ({len(expected['sheets'])} sheets, {checked} cells checked with "
          f"openpyxl {openpyxl.__version__})")
    return 0


def check_cell(cell, spec, where):
    kind = spec["type"]
    at = f"{where}!{spec['ref']}"
    if kind == "empty":
        return [] if cell.value is None else [f"{at}: expected no value, found {cell.value!r}"]
    problems = []
    if cell.data_type != kind:
        problems.append(f"{at}: type {cell.data_type!r}, expected {kind!r} (value {cell.value!r})")
    if kind == "s":
        want = spec.get("text")
        if not isinstance(want, str) or not isinstance(cell.value, str) or excel_text(cell.value) != want:
            problems.append(f"{at}: text {cell.value!r}, expected {want!r}")
    elif kind == "n":
        value, want = cell.value, spec.get("number")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(want, (int, float)) \
                or abs(value - want) > 1e-9 * max(1.0, abs(want)):
            problems.append(f"{at}: number {value!r}, expected {want!r}")
    elif kind == "d":
        want = datetime.datetime.fromisoformat(spec["date"]) if "date" in spec else None
        if want is None or not isinstance(cell.value, datetime.datetime) \
                or abs((cell.value - want).total_seconds()) > 0.001:
            problems.append(f"{at}: date {cell.value!r}, expected {want!r}")
    elif kind == "b":
        if cell.value is not spec.get("bool"):
            problems.append(f"{at}: truth value {cell.value!r}, expected {spec.get('bool')!r}")
    else:
        problems.append(f"{at}: unknown expected type {kind!r}")
    if "number_format" in spec and cell.number_format != spec["number_format"]:
        problems.append(f"{at}: number format {cell.number_format!r}, expected {spec['number_format']!r}")
    return problems


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    return check(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
