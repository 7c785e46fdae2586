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
range, the sheet's extent, a width for every column (at most 50 unless the test gave it), and the page setup
(landscape, fit to one page wide, the header row repeated on every printed page). Exits 0 when everything matches, 1 otherwise
(listing every mismatch), 2 for bad usage or a missing openpyxl (pip install openpyxl).

--report checks the shape of a report workbook with English or Simplified Chinese headers
(ReportGenerator.exportReport, as `collab-demo --report-dir` writes it) whose values are not known in advance:
the sheets are exactly SHEET... in order; every sheet has a bold text header row, the frozen pane, an
autofilter over its extent, column widths of at most 50, the page setup above and no formula; a report sheet
(headers Created, Open, ... or 创建数, 未完成, ...) has a text or date label first, whole non-negative counts,
rates in 0...1 shown as percentages with one decimal (or empty: no data), cycle times in days with one
decimal (or empty) and a last row "Total" (合计); an item sheet (first header ID or 编号) has at least one
row, date cells in its date columns, numbers in its number columns and text elsewhere; an overview sheet
(headers Field, Value or 项目, 内容) has a date-time "Generated at" (生成时间).
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


def page_problems(ws, where, widths_capped=True):
    """The header row frozen and printed on every page, landscape, one page wide, sensible widths."""
    problems = []
    setup = ws.page_setup
    if setup.orientation != "landscape":
        problems.append(f"{where}: prints {setup.orientation!r}, expected landscape")
    fit = ws.sheet_properties.pageSetUpPr
    if not (fit is not None and fit.fitToPage):
        problems.append(f"{where}: no fitToPage in sheetPr")
    if int(setup.fitToWidth or 0) != 1 or int(setup.fitToHeight if setup.fitToHeight is not None else 1) != 0:
        problems.append(f"{where}: fits {setup.fitToWidth} page(s) wide, {setup.fitToHeight} long; expected 1 wide, 0 (any) long")
    if ws.print_title_rows not in ("1:1", "$1:$1"):
        problems.append(f"{where}: print titles {ws.print_title_rows!r}, expected the header row 1:1")
    if widths_capped:
        for column in range(1, ws.max_column + 1):
            width = ws.column_dimensions[get_column_letter(column)].width
            if width and width > 50:
                problems.append(f"{where}: column {get_column_letter(column)} is {width} wide, more than 50")
    return problems


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
        problems += page_problems(ws, where, widths_capped=sheet.get("widths_capped", True))
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


REPORT_HEADERS = {
    "en": ["Created", "Open", "Completed", "Completion rate", "On time", "On time after extension", "Late",
           "Overdue open", "Overdue", "Overdue rate", "On-time rate", "Average cycle time (days)",
           "Median cycle time (days)", "90th percentile cycle time (days)", "Adjustments requested",
           "Adjustments approved", "Cancelled"],
    "zh-Hans": ["创建数", "未完成", "已完成", "完成率", "按期完成", "延期后按期完成", "逾期完成", "逾期未完成", "逾期合计",
                "逾期率", "按期率", "平均处理时长（天）", "处理时长中位数（天）", "处理时长90分位（天）", "调整申请数",
                "调整批准数", "已取消"],
}
# Positions (0-based, after the label) of the rates and of the cycle times in days.
REPORT_RATES = {3, 9, 10}
REPORT_DAYS = {11, 12, 13}
REPORT_TOTAL = {"en": "Total", "zh-Hans": "合计"}
ITEM_HEADERS = {
    "en": ["ID", "Organization", "Title", "Description", "State", "Priority", "Initiator", "Assignees",
           "Reviewer", "Watchers", "Departments", "Partner organizations", "Start", "Deadline", "Due at", "Tags",
           "Progress", "Pending adjustment", "Version", "Created", "Updated", "Closed", "State changed",
           "Waiting on outside party since", "Outside waits", "Attachments", "Attachment names", "Recurrence",
           "Series"],
    "zh-Hans": ["编号", "组织", "标题", "描述", "状态", "优先级", "发起人", "执行人", "审核人", "关注人", "部门", "协作组织",
                "开始时间", "截止时间", "到期时刻", "标签", "进度", "待审调整", "版本", "创建时间", "更新时间", "关闭时间",
                "状态变更时间", "等待外部起始时间", "外部等待次数", "附件数", "附件名称", "重复规则", "系列"],
}
# Positions in ITEM_HEADERS of the date columns and the number columns.
ITEM_DATES = {12, 13, 14, 19, 20, 21, 22, 23}
ITEM_NUMBERS = {16, 18, 24, 25}
OVERVIEW_HEADERS = {"en": ["Field", "Value"], "zh-Hans": ["项目", "内容"]}
OVERVIEW_GENERATED = {"en": "Generated at", "zh-Hans": "生成时间"}


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
        problems += page_problems(ws, where)
        report_language = next((lang for lang, titles in REPORT_HEADERS.items() if headers[1:] == titles), None)
        item_language = next((lang for lang, titles in ITEM_HEADERS.items() if headers and headers[0] == titles[0]),
                             None)
        overview_language = next((lang for lang, titles in OVERVIEW_HEADERS.items() if headers == titles), None)
        if report_language:
            kinds.append("report")
            total = REPORT_TOTAL[report_language]
            if not rows or rows[-1][0].value != total:
                problems.append(f"{where}: the last row must be the total {total!r}, "
                                f"found {rows[-1][0].value if rows else None!r}")
            for row in rows:
                checked += len(row)
                if row[0].data_type not in ("s", "d") and not isinstance(row[0].value, datetime.datetime):
                    problems.append(f"{where}: {row[0].coordinate} is not a text or date label: {row[0].value!r}")
                for position, (cell, header) in enumerate(zip(row[1:], REPORT_HEADERS[report_language])):
                    problems += shape_problems(cell, header, position, where)
        elif item_language:
            kinds.append("items")
            titles = ITEM_HEADERS[item_language]
            unknown = [h for h in headers if h not in titles]
            if unknown:
                problems.append(f"{where}: unknown item columns {unknown}")
            if not rows:
                problems.append(f"{where}: no items")
            for row in rows:
                checked += len(row)
                for cell, header in zip(row, headers):
                    if cell.value is None or header not in titles:
                        continue
                    position = titles.index(header)
                    want = "d" if position in ITEM_DATES else "n" if position in ITEM_NUMBERS else "s"
                    if cell.data_type != want:
                        problems.append(f"{where}: {cell.coordinate} ({header}) has type {cell.data_type!r}, "
                                        f"expected {want!r} (value {cell.value!r})")
        elif overview_language:
            kinds.append("overview")
            label = OVERVIEW_GENERATED[overview_language]
            stamped = [row for row in rows if row[0].value == label]
            if len(stamped) != 1 or stamped[0][1].data_type != "d":
                problems.append(f"{where}: no date-time {label!r} row")
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


def shape_problems(cell, header, position, where):
    """A report figure's type, range and number format: rates and cycle times may be empty (no data)."""
    at = f"{where}!{cell.coordinate} ({header})"
    value = cell.value
    if (position in REPORT_DAYS or position in REPORT_RATES) and value is None:
        return []
    if cell.data_type != "n" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return [f"{at}: expected a number, found {value!r} of type {cell.data_type!r}"]
    problems = []
    if position in REPORT_RATES:
        fmt = "0.0%"
        if not 0 <= value <= 1:
            problems.append(f"{at}: rate {value!r} outside 0...1")
    elif position in REPORT_DAYS:
        fmt = "0.0"
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
