"""Reading an uploaded .xlsx or .csv within stated bounds, so that no file, however
crafted, holds a request for long or takes much memory.

An .xlsx is a zip of XML parts. Before openpyxl opens it:

* the zip's own directory: its size and number of parts (read from the end record
  before Python parses the directory), each part's and all parts' size once
  unpacked, and how far a part unpacks (its compression ratio); the sizes declared
  there also bound what is read (Python's zipfile stops at the declared size and
  refuses a part whose content differs from it);
* every part openpyxl reads whole (the workbook, styles, shared strings...) is
  streamed through expat once, counting its elements and the shared strings,
  refusing any DTD (entity expansion) and any run of text longer than an Excel cell
  holds (32,767 characters);
* each worksheet is streamed through expat once too: the rows it stores (empty ones
  included), its cells, the last row and the widest column holding a value. A value
  past the row or column limit stops the scan there with the row number. openpyxl
  (read-only) then reads only up to the last row with a value, so trailing empty
  rows, stored or merely declared, cost nothing more (openpyxl itself reads a sheet
  to its end at opening when the sheet does not declare its size: within the limits
  checked before).

A .csv is checked for its encoding in chunks (UTF-8, else GB18030) without
decoding it into one string, then read line by line with a bound on each line.

The limits (`Limits`) are settings: `SANXIN_IMPORT_LIMITS` overrides the defaults;
docs/roster-import.md lists them. A file past one raises `UnreadableFile` with a
message for the user.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

Grid = list[Sequence[Any]]

MB = 1024 * 1024
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384
EXCEL_MAX_CELL_TEXT = 32_767  # characters
_CHUNK = 64 * 1024
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# A cell reference as python-calamine reads it: letters in either case, as many as
# there are, then the row ("shsC4" is column 339,849 of row 4 to it).
_CELL_REF = re.compile(r"^([A-Za-z]+)([0-9]+)$")
# What reading a damaged zip raises: a bad header or CRC, a truncated or corrupt
# deflate stream (zlib.error is none of the others), a size that does not match.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


class UnreadableFile(Exception):
    """The file could not be read at all; the message is for the user."""


@dataclass(frozen=True)
class Limits:
    """What an uploaded spreadsheet may hold. `rows` and `columns` bound the rows and
    columns holding values (header included); the others bound what a file may
    carry or unpack to, values or not."""

    file_bytes: int = 20 * MB  # the file as uploaded (the web form allows as much)
    rows: int = 100_010  # the last row holding a value (100,000 rows, a header, titles)
    columns: int = 60  # the last column holding a value
    stored_rows: int = 200_000  # rows all sheets (or a .csv) store, empty ones included
    cells: int = 2_500_000  # cells all sheets store, empty ones included
    elements: int = 6_000_000  # XML elements of all parts
    shared_strings: int = 600_000  # entries of the workbook's shared strings table
    members: int = 300  # parts (files) in the .xlsx zip
    sheets: int = 50  # worksheets in the workbook
    member_bytes: int = 96 * MB  # one worksheet, unpacked
    part_bytes: int = 32 * MB  # any other part, unpacked (these are read whole)
    part_elements: int = 50_000  # XML elements of the parts read whole, shared strings aside
    total_bytes: int = 192 * MB  # all parts, unpacked
    ratio: int = 200  # how many times a part larger than 1 MB may unpack
    line_chars: int = 100_000  # one line of a .csv

    @classmethod
    def from_settings(cls, **overrides: int) -> Limits:
        """The defaults, then `settings.SANXIN_IMPORT_LIMITS`, then `overrides`."""
        configured = getattr(settings, "SANXIN_IMPORT_LIMITS", None) or {}
        known = {f.name for f in fields(cls)}
        values = {k: int(v) for k, v in configured.items() if k in known and v}
        return replace(cls(**values), **{k: v for k, v in overrides.items() if v})


def _n(value: int) -> str:
    return f"{value:,}"


def _too_many_rows(limits: Limits, row: int) -> UnreadableFile:
    return UnreadableFile(
        _("文件超过 %(n)s 行的上限（第 %(row)s 行），请分成几个文件分批导入。")
        % {"n": _n(limits.rows), "row": _n(row)}
    )


def _too_many_columns(limits: Limits, row: int, column: int) -> UnreadableFile:
    from openpyxl.utils import get_column_letter

    return UnreadableFile(
        _("文件超过 %(n)s 列的上限（第 %(row)s 行第 %(col)s 列有内容），请删除多余的列后再上传。")
        % {"n": _n(limits.columns), "row": _n(row), "col": get_column_letter(column)}
    )


def _too_many_stored_rows(limits: Limits) -> UnreadableFile:
    return UnreadableFile(
        _(
            "文件存有超过 %(n)s 行（空行也算在内）。请删除数据下方多余的空行"
            "（或把数据复制到一个新文件）后再上传。"
        )
        % {"n": _n(limits.stored_rows)}
    )


def _too_many_cells(limits: Limits) -> UnreadableFile:
    return UnreadableFile(
        _(
            "文件存有超过 %(n)s 个单元格（带格式的空单元格也算在内）。请删除多余的行、列"
            "（或把数据复制到一个新文件）后再上传。"
        )
        % {"n": _n(limits.cells)}
    )


def _damaged() -> UnreadableFile:
    return UnreadableFile(
        _(
            "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式；"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
        )
    )


def _oversized() -> UnreadableFile:
    return UnreadableFile(
        _(
            "该 Excel 文件解压后过大或结构异常（可能含有大量空行、图片或隐藏内容），无法导入。"
            "请把数据复制到一个新建的 Excel 文件，另存为 .xlsx 后再上传。"
        )
    )


def check_size(size: int, limits: Limits) -> None:
    """Refuse a file of `size` bytes past the file size limit (before reading it)."""
    if size > limits.file_bytes:
        raise UnreadableFile(
            _("文件超过 %(mb)s MB，请分成几个文件分批导入。") % {"mb": limits.file_bytes // MB}
        )


# --- .xlsx -----------------------------------------------------------------------------


def xlsx_grid(
    content: bytes, limits: Limits, pick_sheet: Callable[[Grid], bool] | None = None
) -> Grid:
    """The cells of one sheet of an .xlsx: the first for which `pick_sheet` is true,
    else the first. Rows run from 1 to the last row holding a value, each cut to the
    last column holding a value. Every worksheet is scanned (and the file refused
    at the first limit passed) before python-calamine reads any."""
    check_size(len(content), limits)
    archive = _open_zip(content, limits)
    try:
        names = {info.filename for info in archive.infolist()}
        shapes: dict[str, _Shape] = {}
        budget = _Budget(limits)
        for name in sorted(names):
            if _SHEET_PART.match(name):
                shapes[name] = _scan_sheet(archive, name, budget)
            elif name.endswith((".xml", ".rels")):
                _scan_part(archive, name, budget)
    except _ZIP_ERRORS:  # a part that cannot be unpacked, wherever the scan met it
        raise _damaged() from None
    finally:
        archive.close()
    return _read_sheets(content, limits, shapes, pick_sheet)


def _read_sheets(
    content: bytes,
    limits: Limits,
    shapes: dict[str, _Shape],
    pick_sheet: Callable[[Grid], bool] | None,
) -> Grid:
    """python-calamine reads the sheets, in the workbook's order, once each has been
    scanned: the cells it holds at once are bounded by the scanned shape (it builds
    a dense grid from A1 to the last cell holding a value)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # calamine raises its own kinds for a damaged or foreign file
        raise _damaged() from None
    try:
        sheets = [m for m in workbook.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        if len(workbook.sheet_names) > limits.sheets:
            raise UnreadableFile(
                _("文件的工作表超过 %(n)s 个，请只保留要导入的工作表后再上传。")
                % {"n": limits.sheets}
            )
        if len(shapes) < len(sheets):
            raise _damaged()  # a worksheet the scan did not see: refuse rather than guess
        first: Grid | None = None
        for meta in sheets:
            grid = _sheet_grid(workbook.get_sheet_by_name(meta.name))
            if pick_sheet is not None and pick_sheet(grid):
                return grid
            if first is None:
                first = grid
        return first or []
    except UnreadableFile:
        raise
    except Exception:  # calamine raises many kinds for a damaged sheet
        raise UnreadableFile(
            _("无法读取该 Excel 文件的内容，请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。")
        ) from None
    finally:
        workbook.close()


def _sheet_grid(sheet: Any) -> Grid:
    """A calamine sheet as rows from A1, empty cells None (as openpyxl gives them),
    each row cut after its last value and trailing empty rows dropped."""
    grid: Grid = []
    pending = 0
    for row in sheet.iter_rows() if sheet.height else ():
        cells = [None if v == "" else v for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            pending += 1
            continue
        grid.extend([()] * pending)
        pending = 0
        grid.append(tuple(cells))
    start_row = sheet.start[0] if sheet.start else 0
    start_col = sheet.start[1] if sheet.start else 0
    if start_col:
        grid = [(None,) * start_col + tuple(r) if r else r for r in grid]
    return [()] * start_row + grid if grid else []


def _open_zip(content: bytes, limits: Limits) -> zipfile.ZipFile:
    """The archive, once its directory is within the limits."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if end < 0 or end + 22 > len(content):
        raise _damaged()
    (entries, directory_bytes) = struct.unpack_from("<HI", content, end + 10)
    if (
        entries > limits.members  # 0xFFFF (ZIP64) included: no workbook has that many
        or directory_bytes > limits.members * 1024  # Python reads the directory by its size
        or content[max(0, end - 20) : end].startswith(b"PK\x06\x07")  # a ZIP64 locator
    ):
        raise _oversized()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except _ZIP_ERRORS:
        raise _damaged() from None
    infos = archive.infolist()
    total = 0
    for info in infos:
        is_sheet = bool(_SHEET_PART.match(info.filename))
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            archive.close()
            raise _damaged()  # encrypted, or a compression Excel does not use
        total += info.file_size
        if (
            len(infos) > limits.members
            or info.file_size > (limits.member_bytes if is_sheet else limits.part_bytes)
            or total > limits.total_bytes
            or (info.file_size > MB and info.file_size > limits.ratio * max(info.compress_size, 1))
        ):
            archive.close()
            raise _oversized()
    return archive


def _parser(on_start: Callable[[str, dict[str, str]], None]) -> Any:
    """An expat parser calling `on_start` for each element, refusing a DTD and any
    run of text longer than a cell may hold."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    text = [0]  # characters since the last element began

    def refuse_dtd(*_args: Any) -> None:
        raise _damaged()  # no part of a workbook has a DTD; entities could expand without end

    def start(tag: str, attrs: dict[str, str]) -> None:
        text[0] = 0
        on_start(tag, attrs)

    def characters(data: str) -> None:
        text[0] += len(data)
        if text[0] > EXCEL_MAX_CELL_TEXT:
            raise _oversized()

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.CharacterDataHandler = characters
    return parser


def _local(tag: str) -> str:
    """An element's name without its prefix (some writers spell "x:row")."""
    return tag.rpartition(":")[2]


def _feed(archive: zipfile.ZipFile, name: str, parser: Any) -> None:
    """Stream one part through `parser`, in chunks."""
    try:
        with archive.open(name) as source:
            while chunk := source.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise _damaged() from None
    except _ZIP_ERRORS:
        raise _damaged() from None


class _Budget:
    """What the parts of one workbook have used of the limits, counted as they are
    scanned: the bounds hold for the workbook as a whole, however many sheets and
    parts it has."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.elements = 0
        self.part_elements = 0
        self.stored_rows = 0
        self.cells = 0
        self.strings = 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.elements:
            raise _oversized()


_ANY_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_STRINGS_START = re.compile(rb"^(?:<\?[^>]*\?>)?\s*<sst[\s>]")


def _scan_part(archive: zipfile.ZipFile, name: str, budget: _Budget) -> None:
    """A part read whole: bounded in elements; the shared strings in strings (a
    plainly written shared-strings part counted by the fast scan, any other part by
    expat)."""
    with archive.open(name) as source:
        start = source.read(512)
    if _STRINGS_START.match(start) and _fast_scan_strings(archive, name, budget):
        return
    _expat_scan_part(archive, name, budget)


def _fast_scan_strings(archive: zipfile.ZipFile, name: str, budget: _Budget) -> bool:
    """The shared strings counted by regular expressions, in chunks as the sheets
    are; False (nothing counted) when the part has a DTD: expat scans it then."""
    limits = budget.limits
    elements = strings = 0
    tail = b""
    try:
        with archive.open(name) as source:
            while True:
                chunk = source.read(_FAST_CHUNK)
                data = tail + chunk
                if chunk:
                    cut = data.rfind(b"<")
                    if cut <= 0:
                        if len(data) > 2 * _FAST_CHUNK:
                            raise _oversized()
                        tail = data
                        continue
                    data, tail = data[:cut], data[cut:]
                else:
                    tail = b""
                if b"<!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
                    return False
                _refuse_long_text(data)
                elements += data.count(b"<") - data.count(b"</") - data.count(b"<?")
                strings += len(_ANY_STRING.findall(data))
                if budget.elements + elements > limits.elements:
                    raise _oversized()
                if budget.strings + strings > limits.shared_strings:
                    raise _too_many_strings(limits)
                if not chunk:
                    break
    except _ZIP_ERRORS:
        raise _damaged() from None
    budget.elements += elements
    budget.strings += strings
    return True


def _too_many_strings(limits: Limits) -> UnreadableFile:
    return UnreadableFile(
        _("文件中不同的文字内容超过 %(n)s 项，无法导入。请分成几个文件，或另存为 .csv 后再上传。")
        % {"n": _n(limits.shared_strings)}
    )


def _expat_scan_part(archive: zipfile.ZipFile, name: str, budget: _Budget) -> None:
    limits = budget.limits
    seen = {"elements": 0, "strings_part": False}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        tag = _local(tag)
        budget.element()
        seen["elements"] += 1
        if seen["elements"] == 1 and tag == "sst":
            seen["strings_part"] = True  # the shared strings: bounded by their number
        if not seen["strings_part"]:
            budget.part_elements += 1
            if budget.part_elements > limits.part_elements:
                raise _oversized()
        if tag == "si":
            budget.strings += 1
            if budget.strings > limits.shared_strings:
                raise _too_many_strings(limits)

    _feed(archive, name, _parser(start))


@dataclass
class _Shape:
    last_row: int = 0  # the last row holding a value
    last_column: int = 0  # the widest column holding a value


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _scan_sheet(archive: zipfile.ZipFile, path: str, budget: _Budget) -> _Shape:
    """A worksheet's shape within the limits: by the fast scan when the sheet is
    written plainly (as Excel, WPS and openpyxl write it), else by expat."""
    fast = _Budget(budget.limits)
    fast.__dict__.update({k: v for k, v in budget.__dict__.items() if k != "limits"})
    shape = _fast_scan_sheet(archive, path, fast)
    if shape is None:
        return _expat_scan_sheet(archive, path, budget)
    budget.__dict__.update({k: v for k, v in fast.__dict__.items() if k != "limits"})
    return shape


# A cell tag as Excel, WPS and openpyxl write it: the reference first, then plain
# attributes (no other "r", no markup in values); group 3 is "/" for an empty cell.
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: (?!r=)[a-zA-Z]+="[^"<>]*")*\s*(/?)>')
_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ANY_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
# A run of more bytes than a cell holds characters: its characters are then counted.
_LONG_TEXT = re.compile(rb"[^<]{%d,}" % (EXCEL_MAX_CELL_TEXT + 1))
_FAST_CHUNK = 4 * MB


def _refuse_long_text(data: bytes) -> None:
    """Refuse a run of text (between two "<") longer than a cell holds."""
    for match in _LONG_TEXT.finditer(data):
        if len(match.group().decode("utf-8", "replace")) > EXCEL_MAX_CELL_TEXT + 64:
            raise _oversized()  # 64: room for the tag before the text


def _fast_scan_sheet(archive: zipfile.ZipFile, path: str, budget: _Budget) -> _Shape | None:
    """The sheet's rows, cells and elements counted, and the last row and column of
    every cell that is not written empty (`<c .../>`), by regular expressions over
    the unpacked XML in chunks (each cut after its last "<", the rest carried over).
    None when the sheet is not written plainly (a cell tag of another form, a
    prefix, a DTD): then expat scans it. Counts over-estimate, never under."""
    limits = budget.limits
    shape = _Shape()
    tail = b""
    try:
        with archive.open(path) as source:
            while True:
                chunk = source.read(_FAST_CHUNK)
                data = tail + chunk
                if chunk:
                    cut = data.rfind(b"<")
                    if cut <= 0:  # no "<" past the first: one run of text or a long tag
                        if len(data) > 2 * _FAST_CHUNK:
                            raise _oversized()
                        tail = data
                        continue
                    data, tail = data[:cut], data[cut:]
                else:
                    tail = b""
                if b"<!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
                    return None
                _refuse_long_text(data)
                cells = _PLAIN_CELL.findall(data)
                if len(cells) != len(_ANY_CELL.findall(data)):
                    return None
                budget.elements += data.count(b"<") - data.count(b"</") - data.count(b"<?")
                if budget.elements > limits.elements:
                    raise _oversized()
                budget.stored_rows += len(_ANY_ROW.findall(data))
                if budget.stored_rows > limits.stored_rows:
                    raise _too_many_stored_rows(limits)
                budget.cells += len(cells)
                if budget.cells > limits.cells:
                    raise _too_many_cells(limits)
                if budget.cells > max(budget.stored_rows, 1) * EXCEL_MAX_COLUMN:
                    raise _damaged()  # more cells than its rows can have columns
                for letters, number, empty in cells:
                    if empty:
                        continue
                    row = int(number)
                    if row > shape.last_row:
                        if row > limits.rows:
                            raise _too_many_rows(limits, row)
                        shape.last_row = row
                    column = _column_number(letters.decode())
                    if column > shape.last_column:
                        if column > EXCEL_MAX_COLUMN or row > EXCEL_MAX_ROW:
                            raise _damaged()
                        if column > limits.columns:
                            raise _too_many_columns(limits, row, column)
                        shape.last_column = column
                if not chunk:
                    return shape
    except _ZIP_ERRORS:
        raise _damaged() from None


def _expat_scan_sheet(archive: zipfile.ZipFile, path: str, budget: _Budget) -> _Shape:
    """One pass over a worksheet's XML, refusing it at the first row or cell past a
    limit; the last row and column holding a value."""
    limits = budget.limits
    shape = _Shape()
    # "row" of the <row> element, "cell_row" of the cell (its reference may name another)
    state = {"row": 0, "cell_row": 0, "column": 0, "in_row": 0, "value": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        budget.element()
        if tag == "c":
            budget.cells += 1
            state["in_row"] += 1
            if budget.cells > limits.cells:
                raise _too_many_cells(limits)
            if state["in_row"] > EXCEL_MAX_COLUMN:  # openpyxl holds a row's cells at once
                raise _damaged()
            reference = attrs.get("r")
            if reference is None:  # the next column of the row
                state["column"] += 1
                state["cell_row"] = state["row"]
            else:  # where python-calamine will put it, whatever the <row> says
                match = _CELL_REF.match(reference)
                if match is None or len(match.group(1)) > 3 or len(match.group(2)) > 7:
                    raise _damaged()
                state["column"] = _column_number(match.group(1).upper())
                state["cell_row"] = int(match.group(2))
            if state["column"] > EXCEL_MAX_COLUMN or not 1 <= state["cell_row"] <= EXCEL_MAX_ROW:
                raise _damaged()
            state["value"] = False
        elif tag in ("v", "is", "f"):
            state["value"] = True
        elif tag == "row":
            budget.stored_rows += 1
            if budget.stored_rows > limits.stored_rows:
                raise _too_many_stored_rows(limits)
            number = attrs.get("r", "")
            plain = number.isascii() and number.isdigit() and len(number) <= 7
            state["row"] = int(number) if plain else state["row"] + 1
            if not 1 <= state["row"] <= EXCEL_MAX_ROW:
                raise _damaged()
            state["column"] = 0
            state["in_row"] = 0

    def end(tag: str) -> None:
        if _local(tag) != "c" or not state["value"]:
            return
        row, column = state["cell_row"], state["column"]
        if row > limits.rows:
            raise _too_many_rows(limits, row)
        if column > limits.columns:
            raise _too_many_columns(limits, row, column)
        shape.last_row = max(shape.last_row, row)
        shape.last_column = max(shape.last_column, column)

    parser = _parser(start)
    parser.EndElementHandler = end
    _feed(archive, path, parser)
    return shape


# --- .csv ------------------------------------------------------------------------------


def csv_grid(content: bytes, limits: Limits) -> Grid:
    """The rows of a .csv in UTF-8 (with or without a BOM) or GB18030, comma or tab
    separated, up to the last row holding a value."""
    check_size(len(content), limits)
    encoding = _csv_encoding(content)
    lines = _bounded_lines(
        io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline=""), limits
    )
    first = next(lines, "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    grid: Grid = []
    pending_empty = 0
    try:
        for number, row in enumerate(csv.reader(_chain(first, lines), delimiter=delimiter), 1):
            last = max((i for i, v in enumerate(row, 1) if v.strip()), default=0)
            if last == 0:
                pending_empty += 1
                continue
            if number > limits.rows:
                raise _too_many_rows(limits, number)
            if last > limits.columns:
                raise _too_many_columns(limits, number, last)
            grid.extend([()] * pending_empty)
            pending_empty = 0
            grid.append(tuple(row[:last]))
    except csv.Error:
        raise UnreadableFile(_("CSV 文件格式有误，无法读取。")) from None
    return grid


def _csv_encoding(content: bytes) -> str:
    """UTF-8 (a BOM skipped) if the whole file decodes as such, else GB18030 (which
    reads every GBK file); checked chunk by chunk, the text discarded."""
    view = memoryview(content)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), _CHUNK):
                decoder.decode(view[start : start + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV。"))


def _bounded_lines(source: io.TextIOWrapper, limits: Limits) -> Iterator[str]:
    for number in range(1, limits.stored_rows + 2):
        line = source.readline(limits.line_chars + 1)
        if not line:
            return
        if number > limits.stored_rows:
            raise _too_many_stored_rows(limits)
        if len(line) > limits.line_chars:
            raise UnreadableFile(
                _("CSV 文件第 %(row)s 行超过 %(n)s 个字符，无法导入。")
                % {"row": _n(number), "n": _n(limits.line_chars)}
            )
        yield line


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest
