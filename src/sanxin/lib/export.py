"""Writing a table to an .xlsx file for clerks (reports, lists to print or file):
`table_xlsx` for one sheet, `workbook_xlsx` for several (a report and its parts).

Every text cell is written as text: a value starting with "=", "+", "-" or "@" is
never taken for a formula (spreadsheet formula injection), and numbers such as
household numbers keep their leading zeros."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name, header row, rows and column widths."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()


def table_xlsx(
    *, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()
) -> bytes:
    """One sheet: a bold, frozen header row, then the rows. Dates and datetimes
    stay dates (shown as yyyy-mm-dd / yyyy-mm-dd hh:mm), numbers stay numbers."""
    return workbook_xlsx([Sheet(sheet, headers, rows, widths)])


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Several sheets, each written as `table_xlsx` writes its one. Decimal amounts
    stay numbers (yuan to 分 in the cell, summable)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name[:31])
        for i, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(ws, value=str(text))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(ws, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(ws, value: Any):
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        cell = WriteOnlyCell(ws, value=str(value))
        cell.data_type = "s"  # text, never a formula
        return cell
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        cell.number_format = "0.00"  # yuan to the 分 shown as such (380000.00)
    return cell
