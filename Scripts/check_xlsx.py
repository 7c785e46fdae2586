#!/usr/bin/env python3
"""Checks an .xlsx written by CollabReports' XLSXWriter with openpyxl against an expectation file.

Usage: Scripts/check_xlsx.py WORKBOOK.xlsx EXPECTED.json
       Scripts/check_xlsx.py --report WORKBOOK.xlsx SHEET [SHEET ...]

EXPECTED.json is written by the Swift tests `XLSXExportTests.sampleForPython` (sample.xlsx and
sample.expected.json) and `ReportExportTests.sampleForPython` (report.xlsx and report.expected.json) when
COLLAB_XLSX_SAMPLE_DIR is set, into that folder:

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

--report checks the shape of a report workbook with English headers (ReportGenerator.exportReport, as
`collab-demo --report-dir` writes it) whose values are not known in advance: the sheets are exactly SHEET...
in order; every sheet has a bold text header row, the frozen pane, an autofilter over its extent, column
widths and no formula; a report sheet (headers Created, Open, ...) has whole non-negative counts, rates in
0...1 shown as percentages, cycle times in days with two decimals (or empty) and a last row "Total"; an
item sheet (first header ID) has at least one row, date cells in its date columns, numbers in its number
columns and text elsewhere; an overview sheet (headers Field, Value) has a date-time "Generated at".
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


REPORT_HEADERS = ["Created", "Open", "Completed", "Completion rate", "On time", "On time after extension", "Late",
                  "Overdue open", "Overdue", "Overdue rate", "On-time rate", "Cycle time mean (days)",
                  "Cycle time median (days)", "Cycle time p90 (days)", "Adjustments requested",
                  "Adjustments approved", "Cancelled"]
REPORT_RATES = {"Completion rate", "Overdue rate", "On-time rate"}
REPORT_DAYS = {"Cycle time mean (days)", "Cycle time median (days)", "Cycle time p90 (days)"}
ITEM_DATES = {"Start", "Deadline", "Due at", "Created", "Updated", "Closed", "State changed",
              "Waiting on outside party since"}
ITEM_NUMBERS = {"Progress", "Version", "Outside waits", "Attachments"}
ITEM_HEADERS = ["ID", "Organization", "Title", "Description", "State", "Priority", "Initiator", "Assignees",
                "Reviewer", "Watchers", "Departments", "Partner organizations", "Start", "Deadline", "Due at", "Tags",
                "Progress", "Pending adjustment", "Version", "Created", "Updated", "Closed", "State changed",
                "Waiting on outside party since", "Outside waits", "Attachments", "Attachment names", "Recurrence",
                "Series"]


def check_report(path, sheet_names):
    """The shape of a report workbook whose values are not known in advance (see --report above)."""
    problems = []
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
        if bad is not None:
            problems.append(f"ZIP entry {bad} fails its CRC check")
    workbook = openpyxl.load_workbook(path)
    if workbook.sheetnames != sheet_names:
        problems.append(f"sheets are {workbook.sheetnames}, expected {sheet_names}")
    checked = 0
    kinds = []
    for name in workbook.sheetnames:
        ws = workbook[name]
        where = f"sheet {name!r}"
        headers = [ws.cell(row=1, column=c).value for c in range(1, ws.max_column + 1)]
        if ws.freeze_panes != "A2":
            problems.append(f"{where}: frozen pane at {ws.freeze_panes}, expected A2")
        extent = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
        if ws.auto_filter.ref != extent:
            problems.append(f"{where}: autofilter {ws.auto_filter.ref}, expected {extent}")
        for column, header in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=column)
            if cell.data_type != "s" or not header or not (cell.font and cell.font.b):
                problems.append(f"{where}: header {cell.coordinate} is not bold text: {header!r}")
            width = ws.column_dimensions[get_column_letter(column)].width
            if not width or width <= 0:
                problems.append(f"{where}: column {get_column_letter(column)} has no width")
        rows = list(ws.iter_rows(min_row=2))
        for row in rows:
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{where}: {cell.coordinate} is a formula: {cell.value!r}")
        if headers[1:] == REPORT_HEADERS:
            kinds.append("report")
            if not rows or rows[-1][0].value != "Total":
                problems.append(f"{where}: the last row must be the total, found {rows[-1][0].value if rows else None!r}")
            for row in rows:
                checked += len(row)
                if row[0].data_type != "s":
                    problems.append(f"{where}: {row[0].coordinate} is not a text label: {row[0].value!r}")
                for cell, header in zip(row[1:], REPORT_HEADERS):
                    problems += shape_problems(cell, header, where)
        elif headers and headers[0] == "ID":
            kinds.append("items")
            unknown = [h for h in headers if h not in ITEM_HEADERS]
            if unknown:
                problems.append(f"{where}: unknown item columns {unknown}")
            if not rows:
                problems.append(f"{where}: no items")
            for row in rows:
                checked += len(row)
                for cell, header in zip(row, headers):
                    if cell.value is None:
                        continue
                    want = "d" if header in ITEM_DATES else "n" if header in ITEM_NUMBERS else "s"
                    if cell.data_type != want:
                        problems.append(f"{where}: {cell.coordinate} ({header}) has type {cell.data_type!r}, "
                                        f"expected {want!r} (value {cell.value!r})")
        elif headers == ["Field", "Value"]:
            kinds.append("overview")
            stamped = [row for row in rows if row[0].value == "Generated at"]
            if len(stamped) != 1 or stamped[0][1].data_type != "d":
                problems.append(f"{where}: no date-time 'Generated at' row")
            checked += sum(len(row) for row in rows)
        else:
            problems.append(f"{where}: not a report, item or overview sheet (headers {headers})")
    if problems:
        print(f"check_xlsx: {path}: {len(problems)} problem(s)")
        for problem in problems:
            print("  - " + problem)
        return 1
    print(f"check_xlsx: {path}: OK (report workbook: {len(kinds)} sheets [{', '.join(kinds)}], {checked} cells "
          f"checked with openpyxl {openpyxl.__version__})")
    return 0


def shape_problems(cell, header, where):
    """A report figure's type, range and number format."""
    at = f"{where}!{cell.coordinate} ({header})"
    value = cell.value
    if header in REPORT_DAYS and value is None:
        return []
    if cell.data_type != "n" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return [f"{at}: expected a number, found {value!r} of type {cell.data_type!r}"]
    problems = []
    if header in REPORT_RATES:
        fmt = "0.0%"
        if not 0 <= value <= 1:
            problems.append(f"{at}: rate {value!r} outside 0...1")
    elif header in REPORT_DAYS:
        fmt = "0.00"
        if value < 0:
            problems.append(f"{at}: negative cycle time {value!r}")
    else:
        fmt = "General"
        if value < 0 or value != int(value):
            problems.append(f"{at}: count {value!r} is not a whole non-negative number")
    if cell.number_format != fmt:
        problems.append(f"{at}: number format {cell.number_format!r}, expected {fmt!r}")
    return problems


def main(argv):
    if len(argv) >= 4 and argv[1] == "--report":
        return check_report(argv[2], argv[3:])
    if len(argv) != 3 or argv[1].startswith("--"):
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    return check(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
