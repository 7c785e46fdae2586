#!/usr/bin/env python3
"""Checks a report workbook as a person would see it: printed to PDF, and its charts rendered to PNG.

Usage: Scripts/check_report_pdf.py REPORT.pdf [options]

The PDF is the workbook converted by LibreOffice (soffice --headless --convert-to pdf); the checks read it
with poppler's pdfinfo, pdftotext -layout (page by page) and pdffonts:

  --sheet LABEL=TEXT[|TEXT...]  a sheet, in workbook order: its first page is the first page, after the
                                previous sheet's first page, whose text has every TEXT (its headers); the
                                pages up to the next sheet's first page are its own. Give every sheet
                                whose pages you bound, in order.
  --max-pages LABEL[+LABEL...]=N  those sheets together print on at most N pages.
  --expect TEXT                 TEXT appears in the PDF's text (a header, in the report's language).
  --xlsx FILE --rows-per-page R  the whole PDF has at most (sheets + rows / R) pages, the sheets and their
                                rows counted in FILE (the workbook the PDF was made from): a wide sheet
                                printed one column block per page breaks this.
  --cjk-font REGEX              some font embedded in the PDF has a name matching REGEX (default: Noto,
                                Source Han, WenQuanYi and other CJK families), so Chinese text is drawn
                                with real glyphs rather than substitutes; --cjk-font '' skips the check.
  --png FILE[:MINW x MINH]      FILE is a PNG (a chart rendered by rsvg-convert) of at least MINW x MINH
                                pixels (default 200x100) and 2,000 bytes, whose pixels are not blank.

The expected texts are arguments, not part of this script: the report's headers come from the library's
message catalog and may change with it. Exits 0 when everything holds, 1 otherwise (listing every
problem), 2 for bad usage or a missing tool.
"""

import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib

DEFAULT_CJK_FONT = r"CJK|SourceHan|Source Han|WenQuanYi|wqy|Hei|Song|Ming|Kai|DroidSansFallback|Fallback"


def run(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(pdf):
    match = re.search(r"^Pages:\s+(\d+)", run("pdfinfo", pdf), re.MULTILINE)
    if not match:
        raise ValueError(f"pdfinfo reports no page count for {pdf}")
    return int(match.group(1))


def page_texts(pdf, pages):
    return [run("pdftotext", "-layout", "-f", str(n), "-l", str(n), pdf, "-") for n in range(1, pages + 1)]


def workbook_shape(path):
    """The number of sheets and of their data rows (the header rows not counted) in an .xlsx."""
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        rows = 0
        for name in sheets:
            rows += max(len(re.findall(rb"<row[ >]", archive.read(name))) - 1, 0)
    return len(sheets), rows


def check_png(spec, problems):
    path, _, size = spec.partition(":")
    min_width, min_height = 200, 100
    if size:
        match = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", size)
        if not match:
            raise ValueError(f"--png {spec}: the size must read WIDTHxHEIGHT")
        min_width, min_height = int(match.group(1)), int(match.group(2))
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        problems.append(f"{path}: {error}")
        return
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        problems.append(f"{path}: not a PNG")
        return
    width, height = struct.unpack(">II", data[16:24])
    if width < min_width or height < min_height:
        problems.append(f"{path}: {width}x{height} pixels, expected at least {min_width}x{min_height}")
    if len(data) < 2000:
        problems.append(f"{path}: {len(data)} bytes, too small for a chart")
    # The image data, inflated: a blank picture has one byte value throughout (filter bytes aside).
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    try:
        pixels = zlib.decompress(b"".join(chunks))
    except zlib.error as error:
        problems.append(f"{path}: image data does not inflate ({error})")
        return
    # Filtered rows of a blank picture hold a handful of byte values; a chart's text and lines give many.
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(data[25], 4)
    stride = 1 + (width * channels * data[24] + 7) // 8
    values = set()
    for start in range(0, len(pixels), stride):
        values.update(pixels[start + 1:start + stride])
    if len(values) <= 8:
        problems.append(f"{path}: the picture is blank ({len(values)} distinct byte values)")
    print(f"check_report_pdf: {path}: PNG {width}x{height}, {len(data)} bytes")


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    for tool in ("pdfinfo", "pdftotext", "pdffonts"):
        if shutil.which(tool) is None:
            print(f"check_report_pdf: {tool} is missing (apt-get install poppler-utils)", file=sys.stderr)
            return 2
    pdf = argv[1]
    sheets, bounds, expected, pngs = [], [], [], []
    xlsx, rows_per_page, cjk_font = None, None, DEFAULT_CJK_FONT
    args = argv[2:]
    try:
        while args:
            option = args.pop(0)
            if not args:
                raise ValueError(f"{option} needs a value")
            value = args.pop(0)
            if option == "--sheet":
                label, _, markers = value.partition("=")
                if not label or not markers:
                    raise ValueError(f"--sheet {value}: expected LABEL=TEXT[|TEXT...]")
                sheets.append((label, markers.split("|")))
            elif option == "--max-pages":
                labels, _, count = value.rpartition("=")
                if not labels or not count.isdigit():
                    raise ValueError(f"--max-pages {value}: expected LABEL[+LABEL...]=N")
                bounds.append((labels.split("+"), int(count)))
            elif option == "--expect":
                expected.append(value)
            elif option == "--xlsx":
                xlsx = value
            elif option == "--rows-per-page":
                rows_per_page = int(value)
            elif option == "--cjk-font":
                cjk_font = value
            elif option == "--png":
                pngs.append(value)
            else:
                raise ValueError(f"unknown option {option}")
        for labels, _ in bounds:
            for label in labels:
                if label not in [name for name, _ in sheets]:
                    raise ValueError(f"--max-pages names {label!r}, which no --sheet defines")
    except ValueError as error:
        print(f"check_report_pdf: {error}\n{__doc__}", file=sys.stderr)
        return 2

    problems = []
    pages = page_count(pdf)
    texts = page_texts(pdf, pages)
    whole = "\n".join(texts)

    # Which pages each sheet prints on.
    starts = []
    next_page = 0
    for label, markers in sheets:
        found = next((n for n in range(next_page, pages) if all(m in texts[n] for m in markers)), None)
        if found is None:
            problems.append(f"sheet {label}: no page from page {next_page + 1} on has {' and '.join(markers)}")
            starts.append(None)
            continue
        starts.append(found)
        next_page = found + 1
    spans = {}
    for index, (label, _) in enumerate(sheets):
        if starts[index] is None:
            continue
        following = [s for s in starts[index + 1:] if s is not None]
        spans[label] = (starts[index], following[0] if following else pages)
    for label, (first, end) in spans.items():
        print(f"check_report_pdf: sheet {label}: page{'s' if end - first > 1 else ''} "
              f"{first + 1}{'' if end - first == 1 else f'-{end}'} ({end - first})")
    for labels, limit in bounds:
        if all(label in spans for label in labels):
            used = sum(spans[label][1] - spans[label][0] for label in labels)
            if used > limit:
                problems.append(f"{' + '.join(labels)} print on {used} pages, expected at most {limit}")

    for text in expected:
        if text not in whole:
            problems.append(f"the PDF's text has no {text!r}")

    if xlsx is not None:
        sheet_count, row_count = workbook_shape(xlsx)
        per_page = rows_per_page or 25
        limit = sheet_count + row_count // per_page
        print(f"check_report_pdf: {pdf}: {pages} pages for {sheet_count} sheets of {row_count} rows (at most {limit})")
        if pages > limit:
            problems.append(f"{pages} pages for {sheet_count} sheets of {row_count} rows, expected at most {limit}")

    if cjk_font:
        fonts = run("pdffonts", pdf).splitlines()[2:]
        names = [line.split()[0] for line in fonts if line.strip()]
        if not any(re.search(cjk_font, name) for name in names):
            problems.append(f"no embedded font matches {cjk_font!r} (fonts: {', '.join(names) or 'none'}); "
                            "install fonts-noto-cjk")

    for spec in pngs:
        check_png(spec, problems)

    if problems:
        for problem in problems:
            print(f"check_report_pdf: {pdf}: {problem}", file=sys.stderr)
        return 1
    print(f"check_report_pdf: {pdf}: OK ({pages} pages; {len(expected)} texts found)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
