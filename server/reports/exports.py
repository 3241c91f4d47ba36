"""Writing a report to CSV and XLSX, from its tables (`tables.py`).

XLSX is written with XlsxWriter: pure Python, no system library, and it
streams rows (`constant_memory`), so a year's workbook is quick on a Pi.
Headings are in the reader's language; figures stay numbers (minutes with
one decimal, shares formatted as percentages), so a spreadsheet can sum them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date

import xlsxwriter

from server.reports.tables import Table

Words = Callable[[str], str]


def _text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_text(table: Table, words: Words) -> str:
    """One table as CSV (comma separated, UTF-8 with a byte-order mark for spreadsheets)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([words(c.key) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(value) for value in row])
    return out.getvalue()


def xlsx_bytes(
    title: str, heading_lines: Sequence[str], tables: Sequence[Table], words: Words
) -> bytes:
    """A workbook with one sheet per table; each sheet starts with the report's heading."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    book.set_properties({"title": title, "comments": "antrean"})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E3F4EC", "text_wrap": True,
                            "valign": "top", "border": 1})
    formats = {
        "minutes": book.add_format({"num_format": "0.0"}),
        "share": book.add_format({"num_format": "0.0%"}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "score": book.add_format({"num_format": "0.00"}),
        "count": None,
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    for table in tables:
        sheet = book.add_worksheet(words(f"sheet_{table.name}")[:31])
        for line_number, line in enumerate(heading_lines):
            sheet.write_string(line_number, 0, line, bold if line_number == 0 else None)
        first_row = len(heading_lines) + 1
        for column_number, column in enumerate(table.columns):
            sheet.write_string(first_row, column_number, words(column.key), head)
            width = 40 if column.key in ("col_obstacles", "col_follow_up") else (
                28 if column.kind == "text" else 12)
            sheet.set_column(column_number, column_number, width)
        for row_number, row in enumerate(table.rows, start=first_row + 1):
            for column_number, (column, value) in enumerate(
                zip(table.columns, row, strict=True)
            ):
                if value is None:
                    continue
                style = formats[column.kind]
                if isinstance(value, date):
                    sheet.write_datetime(row_number, column_number, value, style)
                elif isinstance(value, str):
                    sheet.write_string(row_number, column_number, value, style)
                else:
                    sheet.write_number(row_number, column_number, value, style)
        sheet.freeze_panes(first_row + 1, 0)
    book.close()
    return out.getvalue()
