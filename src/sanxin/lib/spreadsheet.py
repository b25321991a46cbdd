"""Reading the spreadsheets clerks upload (.xlsx or .csv), shared by the imports.

* `read_grid(content, filename)` gives the cells of one sheet as rows, bounded in
  size (an .xlsx through openpyxl in read-only mode; a .csv in UTF-8, UTF-8 with a
  BOM or GB18030, comma or tab separated); a file that cannot be read raises
  `UnreadableFile`, whose message is for the user;
* `find_header_row`, `map_header` and `take_rows` find a header row among the
  first rows, map its columns and collect the data rows keyed by header;
* `text`, `echo`, `safe_filename`, `clean_header`, `column_letter` and
  `parse_date` are the small value helpers: `echo` and `safe_filename` mask
  anything that looks like an identity number, so a value fit to repeat in a
  message never shows one in full.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any, Protocol

from django.utils.translation import gettext as _

from sanxin.lib import idcard

logger = logging.getLogger(__name__)

# Bounds on what is read, so a hostile or runaway file cannot exhaust memory.
MAX_ROWS = 20_000
MAX_COLUMNS = 60
HEADER_SCAN_ROWS = 10

Grid = list[Sequence[Any]]

_ID_LIKE = re.compile(r"\d{17}[\dXx]|\d{15}")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Problem:
    """One error or warning: spreadsheet row (None for the file as a whole), the
    column's Chinese header ("" when no column applies) and a plain reason."""

    row: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class SheetRow:
    number: int  # the row number Excel shows, 1-based
    values: dict[str, Any]  # header -> raw cell value, for the known headers present


class KeyedSheet(Protocol):
    """What `map_header` and `take_rows` fill in: a sheet read into keyed rows."""

    header_row: int | None
    columns: tuple[str, ...]
    rows: list[SheetRow]
    errors: list[Problem]
    warnings: list[Problem]


class UnreadableFile(Exception):
    """The file could not be read at all; the message is for the user."""


# --- reading -----------------------------------------------------------------------


def read_grid(
    content: bytes,
    filename: str,
    *,
    pick_sheet: Callable[[Grid], bool] | None = None,
    max_rows: int = MAX_ROWS,
) -> Grid:
    """The cells of an .xlsx or .csv file, row by row. Of a workbook, the first
    sheet for which `pick_sheet` is true, else the first sheet."""
    if not content:
        raise UnreadableFile(_("文件是空的。"))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_grid(content, pick_sheet, max_rows)
    if suffix == ".csv":
        return _csv_grid(content, max_rows)
    if suffix in (".xls", ".et", ".wps"):
        raise UnreadableFile(
            _("不支持 %(suffix)s 格式，请在 Excel 或 WPS 中“另存为” .xlsx 后再上传。")
            % {"suffix": suffix}
        )
    raise UnreadableFile(_("只能导入 .xlsx 或 .csv 文件。"))


def _xlsx_grid(content: bytes, pick_sheet: Callable[[Grid], bool] | None, max_rows: int) -> Grid:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        logger.info("roster import: unreadable xlsx (%s)", type(exc).__name__)
        raise UnreadableFile(
            _(
                "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式；请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
            )
        ) from None
    try:
        first: Grid | None = None
        for worksheet in workbook.worksheets:
            worksheet.reset_dimensions()  # do not trust the stored dimensions
            grid = _bounded(
                worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), max_rows
            )
            if pick_sheet is not None and pick_sheet(grid):
                return grid
            if first is None:
                first = grid
        return first or []
    except UnreadableFile:
        raise
    except Exception as exc:
        logger.info("roster import: unreadable xlsx sheet (%s)", type(exc).__name__)
        raise UnreadableFile(
            _("无法读取该 Excel 文件的内容，请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。")
        ) from None
    finally:
        workbook.close()


def _csv_grid(content: bytes, max_rows: int) -> Grid:
    decoded: str | None = None
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads every GBK file
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if decoded is None:
        raise UnreadableFile(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV。"))
    first_line = decoded.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return _bounded(csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter), max_rows)
    except csv.Error:
        raise UnreadableFile(_("CSV 文件格式有误，无法读取。")) from None


def _bounded(rows: Iterable[Sequence[Any]], max_rows: int) -> Grid:
    """The rows as a list, refusing a file with data beyond max_rows (empty rows
    past the end, which spreadsheets often carry, are fine)."""
    grid: Grid = []
    for index, row in enumerate(rows):
        if index < max_rows:
            grid.append(tuple(row[:MAX_COLUMNS]))
        elif any(text(v) for v in row):
            raise UnreadableFile(
                _("文件超过 %(n)d 行，请分成几个文件分批导入。") % {"n": max_rows}
            )
    return grid


# --- the header row and the rows under it ---------------------------------------------


def find_header_row(
    grid: Grid,
    required: Iterable[str],
    normalise: Callable[[Any], str],
    *,
    scan_rows: int = HEADER_SCAN_ROWS,
) -> int | None:
    """The index of the first of the first `scan_rows` rows whose cells, normalised,
    hold every required header."""
    wanted = set(required)
    return next(
        (i for i, row in enumerate(grid[:scan_rows]) if wanted <= {normalise(v) for v in row}),
        None,
    )


def map_header(
    sheet: KeyedSheet,
    cells: Sequence[Any],
    known: Sequence[str],
    normalise: Callable[[Any], str],
) -> dict[str, int]:
    """header -> column index for the known headers in the header row; a header
    given twice is an error, an unknown one a warning (both on `sheet`)."""
    positions: dict[str, int] = {}
    for col, value in enumerate(cells):
        name = normalise(value)
        if not name:
            continue
        letter = column_letter(col)
        if name in known:
            if name in positions:
                sheet.errors.append(
                    Problem(
                        sheet.header_row,
                        name,
                        _("表头“%(name)s”出现了两次（第 %(a)s 列和第 %(b)s 列），请删除其中一列。")
                        % {"name": name, "a": column_letter(positions[name]), "b": letter},
                    )
                )
            else:
                positions[name] = col
        else:
            sheet.warnings.append(
                Problem(
                    sheet.header_row,
                    echo(name),
                    _("无法识别的列“%(name)s”（第 %(col)s 列），已忽略。")
                    % {"name": echo(name), "col": letter},
                )
            )
    return positions


def take_rows(
    sheet: KeyedSheet,
    grid: Grid,
    header_index: int,
    positions: dict[str, int],
    known: Sequence[str],
) -> None:
    """The non-empty rows under the header, keyed by header, onto `sheet`; a warning
    when there are none."""
    sheet.columns = tuple(h for h in known if h in positions)
    for index in range(header_index + 1, len(grid)):
        raw = grid[index]
        values = {h: (raw[c] if c < len(raw) else None) for h, c in positions.items()}
        if all(text(v) == "" for v in values.values()):
            continue  # fully empty rows are skipped
        sheet.rows.append(SheetRow(number=index + 1, values=values))
    if not sheet.rows:
        sheet.warnings.append(
            Problem(sheet.header_row, "", _("表头下面没有数据行，没有可导入的内容。"))
        )


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- values ---------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as trimmed text with runs of whitespace collapsed; integral numbers
    without the ".0" Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
    elif isinstance(value, date):
        value = value.isoformat()
    return " ".join(str(value).split())


def mask_ids(value: str) -> str:
    """Anything in the text that looks like an identity number, masked."""
    return _ID_LIKE.sub(lambda m: idcard.mask(m.group(0).upper()), value)


def echo(value: Any, limit: int = 40) -> str:
    """A user's value fit to repeat in a message: identity numbers masked, short."""
    shown = mask_ids(text(value))
    return shown if len(shown) <= limit else shown[:limit] + "…"


def safe_filename(filename: str) -> str:
    """The base name, with anything that looks like an identity number masked."""
    name = PurePath((filename or "").replace("\\", "/")).name
    return mask_ids(name)[:200]


def clean_header(value: Any) -> str:
    """Headers compare loosely: "身份证号 *", "身份证号（必填）" and one broken over
    two lines all name the same column."""
    name = re.sub(r"\s+", "", text(value))
    name = re.sub(r"[（(][^（()）]*[)）]$", "", name)
    return name.strip("*＊")


def parse_date(value: Any, *, fullwidth: bool = False) -> date | None:
    """A cell as a date: an Excel date, an Excel serial day number, or text such as
    2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301. With `fullwidth`,
    full-width digits and marks (NFKC) are read as well."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # an Excel serial day (1954-2119)
    cell = text(value)
    if fullwidth:
        cell = unicodedata.normalize("NFKC", cell)
    match = _DATE_TEXT.match(cell)
    if match is None and re.fullmatch(r"\d{8}", cell):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", cell)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
