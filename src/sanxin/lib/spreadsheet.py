"""What the spreadsheet imports share: reading the files clerks upload (.xlsx or
.csv), the parts of a plan and a result, and building the templates to download.

* `read_grid(content, filename)` gives the cells of one sheet as rows, within the
  limits of `sheet_reader.Limits` (an .xlsx checked part by part, then read through
  openpyxl in read-only mode; a .csv in UTF-8, UTF-8 with a BOM or GB18030, comma or
  tab separated); a file that cannot be read, or is past a limit, raises
  `UnreadableFile`, whose message is for the user;
* `read_grid_into(sheet, ...)` does the same, reporting an unreadable file on the
  sheet's errors instead;
* `find_header_row`, `map_header` and `take_rows` find a header row among the
  first rows, map its columns and collect the data rows keyed by header, onto a
  `KeyedSheet`; `missing_columns` is the error for required ones absent;
* `Result` and `Plan` are the parts every import's result and plan share (ok, the
  village and file, errors and warnings);
* `template_workbook`, `style_header`, `add_choices`, `add_help_sheet` and
  `workbook_bytes` build the .xlsx templates clerks download;
* `text`, `echo`, `safe_filename`, `clean_header`, `column_letter` and
  `parse_date` are the small value helpers: `echo` and `safe_filename` mask
  anything that looks like an identity number, so a value fit to repeat in a
  message never shows one in full.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any, Self

from django.utils.translation import gettext as _

from sanxin.lib import idcard, sheet_reader
from sanxin.lib.sheet_reader import Grid, Limits, UnreadableFile

HEADER_SCAN_ROWS = 10

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


@dataclass
class KeyedSheet:
    """A sheet read into rows keyed by header (what `map_header` and `take_rows` fill
    in); problems with the file itself are its errors, never exceptions."""

    filename: str  # as safe_filename gives it
    header_row: int | None = None  # the row number Excel shows
    columns: tuple[str, ...] = ()  # the known headers present in the file
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(kw_only=True)
class Result:
    """What an import did (or would do): `ok`, and every problem; with an error nothing
    was saved. Each import adds its figures and names them in `figures()`."""

    ok: bool
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {}

    @classmethod
    def rolled_back(cls, plan: Plan) -> Self:
        """Saving a checked plan failed part way (the data changed since the check):
        everything was undone."""
        return cls(
            ok=False,
            errors=[
                Problem(None, "", _("保存时出错，已全部撤销，没有保存任何数据；请重新上传后再试。"))
            ],
            warnings=list(plan.warnings),
        )

    def as_dict(self) -> dict[str, Any]:
        """For the commands' --json output: ok, the figures, then the problems."""
        return {
            "ok": self.ok,
            **self.figures(),
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


@dataclass
class Plan:
    """What a checked file would write, worked out before writing anything; each
    import adds its own parts. With an error nothing is written."""

    village: Any  # a regions.Region
    filename: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @classmethod
    def for_sheet(cls, sheet: Any, village: Any) -> Self:
        """A plan for a file read into `sheet`, starting with the problems found reading it."""
        return cls(
            village=village,
            filename=sheet.filename,
            errors=list(sheet.errors),
            warnings=list(sheet.warnings),
        )

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -----------------------------------------------------------------------


def read_grid(
    content: bytes,
    filename: str,
    *,
    pick_sheet: Callable[[Grid], bool] | None = None,
    max_rows: int | None = None,
    limits: Limits | None = None,
) -> Grid:
    """The cells of an .xlsx or .csv file, row by row, up to the last row holding a
    value. Of a workbook, the first sheet for which `pick_sheet` is true, else the
    first sheet. Within `limits` (by default those of the settings; `max_rows`
    bounds the rows): a file past one raises `UnreadableFile`, without having been
    read further (see `sheet_reader`)."""
    if not content:
        raise UnreadableFile(_("文件是空的。"))
    limits = limits or Limits.from_settings()
    if max_rows:
        limits = replace(limits, rows=max_rows)
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return sheet_reader.xlsx_grid(content, limits, pick_sheet)
    if suffix == ".csv":
        return sheet_reader.csv_grid(content, limits)
    if suffix in (".xls", ".et", ".wps"):
        raise UnreadableFile(
            _("不支持 %(suffix)s 格式，请在 Excel 或 WPS 中“另存为” .xlsx 后再上传。")
            % {"suffix": suffix}
        )
    raise UnreadableFile(_("只能导入 .xlsx 或 .csv 文件。"))


def read_grid_into(sheet: Any, content: bytes, filename: str, **options: Any) -> Grid | None:
    """`read_grid(content, filename, **options)`, or None when the file cannot be
    read, with the reason on `sheet.errors` (row None)."""
    try:
        return read_grid(content, filename, **options)
    except UnreadableFile as exc:
        sheet.errors.append(Problem(None, "", str(exc)))
        return None


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


def missing_columns(header_row: int | None, missing: Sequence[str]) -> Problem:
    """The error for the required columns a header row lacks."""
    names = "、".join(missing)
    return Problem(header_row, names, _("缺少必填的列：%(names)s。") % {"names": names})


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


# --- the templates to download -----------------------------------------------------------

TEMPLATE_ROWS = 1000  # the data rows a template formats and gives drop-down lists
HEADER_FILL = "FCE4D6"


def template_workbook(
    title: str,
    headers: Sequence[str],
    widths: Mapping[str, float],
    *,
    formats: Mapping[str, str] | None = None,
    wrap_headers: bool = False,
    freeze: str = "A2",
) -> tuple[Any, Any]:
    """(workbook, its first sheet) for a template: the sheet, `title`, holds only the
    header row (so an untouched template imports nothing), styled and centred, each
    column `widths[header]` wide; the data rows of a column in `formats` get that
    number format ("@", text, keeps the 0 of "001")."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    style_header(sheet[1])
    formats = formats or {}
    for col, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=col).alignment = (
            Alignment(horizontal="center", vertical="center", wrap_text=True)
            if wrap_headers
            else Alignment(horizontal="center")
        )
        sheet.column_dimensions[column_letter(col - 1)].width = widths[header]
        if header in formats:
            for row in range(2, TEMPLATE_ROWS + 1):
                sheet.cell(row=row, column=col).number_format = formats[header]
    sheet.freeze_panes = freeze
    return workbook, sheet


def style_header(cells: Iterable[Any]) -> None:
    """A template's header cells: bold, on a light fill."""
    from openpyxl.styles import Font, PatternFill

    for cell in cells:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)


def add_choices(sheet: Any, column: int, formula: str) -> None:
    """A drop-down list on the data rows of a column (0-based) offering what `formula`
    gives; other values may still be typed (the import checks them)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = column_letter(column)
    validation = DataValidation(
        type="list", formula1=formula, allow_blank=True, showErrorMessage=False
    )
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)


def add_help_sheet(
    workbook: Any, title: str, heading: str, notes: Iterable[str], *, intro: str | None = None
) -> Any:
    """The sheet of instructions: a heading, a line under it when given, then the notes
    one a line (each overflowing into the empty cells)."""
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    if intro is not None:
        sheet.append([intro])
    for note in notes:
        sheet.append([f"• {note}"])
    return sheet


def workbook_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
