"""A report's tables as CSV (one table) or an Excel workbook (a sheet per table): the same rows
and the same total row as the page, with numbers as numbers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from rental.core.reports import MONEY, PERCENT, Table
from rental.core.timeutil import local

from .templatetags.reports import total_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value(value, kind: str):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{local(value):%Y-%m-%d %H:%M}"
    if kind == PERCENT and isinstance(value, Decimal):
        return value  # the column header says %
    return value


def _header(table: Table) -> list[str]:
    return [f"{c.label} (%)" if c.kind == PERCENT else str(c.label) for c in table.columns]


def _lines(table: Table):
    yield _header(table)
    for row in table.rows:
        yield [_value(row.get(c.key), c.kind) for c in table.columns]
    if table.total is not None:
        first = table.columns[0].key
        yield [
            str(total_label()) if c.key == first else _value(table.total.get(c.key), c.kind)
            for c in table.columns
        ]


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(response)
    for line in _lines(table):
        writer.writerow(line)
    return response


def xlsx_response(tables: list[Table], filename: str) -> HttpResponse:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=str(table.title)[:31].replace("/", "-"))
        for n, line in enumerate(_lines(table)):
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in line])
            if n == 0:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
        for n, column in enumerate(table.columns, start=1):
            if column.kind == MONEY:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = "#,##0.00"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
