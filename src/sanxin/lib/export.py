"""Writing a table to an .xlsx file for clerks (reports, lists to print or file).

Every text cell is written as text: a value starting with "=", "+", "-" or "@" is
never taken for a formula (spreadsheet formula injection), and numbers such as
household numbers keep their leading zeros."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_xlsx(
    *, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()
) -> bytes:
    """One sheet: a bold, frozen header row, then the rows. Dates and datetimes
    stay dates (shown as yyyy-mm-dd / yyyy-mm-dd hh:mm), numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet[:31])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=str(text))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
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
    if isinstance(value, bool) or not isinstance(value, int | float):
        cell = WriteOnlyCell(ws, value=str(value))
        cell.data_type = "s"  # text, never a formula
        return cell
    return WriteOnlyCell(ws, value=value)
