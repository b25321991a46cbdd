"""Crafted uploads, small on disk, hostile once opened: spreadsheets (built part by
part with zipfile and raw XML, streamed, so that building one takes little memory)
and images. The tests refuse each with its message; `bench/crafted_uploads.py`
measures how long refusing takes and how much memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable

from PIL import Image

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx(
    sheets: list[Iterable[bytes]],
    *,
    shared: Iterable[bytes] | None = None,
    extra: dict[str, Iterable[bytes]] | None = None,
    workbook_prefix: bytes = b"",
    prefix: str = "",
) -> bytes:
    """A workbook whose sheets' XML (each an iterable of chunks, within `<sheetData>`)
    and shared strings (`<si>` elements) are given; `extra` parts are added as they are.
    With `prefix` ("x:"), the sheets' wrapping elements are spelt with that prefix."""
    buffer = io.BytesIO()
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared is not None:
        overrides += (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>',
        )
        names = "".join(
            f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rId{i}"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/workbook.xml",
            workbook_prefix
            + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{names}</sheets></workbook>'.encode(),
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        if shared is not None:
            rels += (
                f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}/sharedStrings"'
                ' Target="sharedStrings.xml"/>'
            )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>'
        )
        for i, chunks in enumerate(sheets, 1):
            _stream(
                archive,
                f"xl/worksheets/sheet{i}.xml",
                [
                    f'<{prefix}worksheet xmlns{":" + prefix[:-1] if prefix else ""}="{MAIN}">'
                    f"<{prefix}sheetData>".encode()
                ],
                chunks,
                [f"</{prefix}sheetData></{prefix}worksheet>".encode()],
            )
        if shared is not None:
            _stream(
                archive,
                "xl/sharedStrings.xml",
                [f'<sst xmlns="{MAIN}">'.encode()],
                shared,
                [b"</sst>"],
            )
        for name, chunks in (extra or {}).items():
            _stream(archive, name, chunks)
    return buffer.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, *parts: Iterable[bytes]) -> None:
    with archive.open(name, "w") as target:
        for part in parts:
            for chunk in part:
                target.write(chunk)


def _batched(make: Callable[[int], bytes], count: int, batch: int = 10_000) -> Iterable[bytes]:
    for start in range(1, count + 1, batch):
        yield b"".join(make(i) for i in range(start, min(start + batch, count + 1)))


def inline_row(row: int, values: list[str]) -> bytes:
    cells = "".join(
        f'<c r="{column_letters(col)}{row}" t="inlineStr"><is><t>{value}</t></is></c>'
        for col, value in enumerate(values, 1)
    )
    return f'<row r="{row}">{cells}</row>'.encode()


def column_letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- the crafted spreadsheets ------------------------------------------------------------


def million_empty_rows() -> bytes:
    """A header, then 1,048,575 stored empty rows (some 90 KB packed)."""
    rows = _batched(lambda i: f'<row r="{i + 1}"/>'.encode(), 1_048_575)
    return xlsx([_chain([inline_row(1, ["户号", "姓名"])], rows)])


def declared_whole_sheet() -> bytes:
    """A sheet declaring A1:XFD1048576: one value in A1, one empty styled cell in the
    very last cell of the sheet."""
    return xlsx([[inline_row(1, ["户号"]), b'<row r="1048576"><c r="XFD1048576" s="0"/></row>']])


def value_in_the_last_row() -> bytes:
    """A header, and one value in row 1,048,576."""
    return xlsx([[inline_row(1, ["户号"]), inline_row(1_048_576, ["001"])]])


def huge_shared_strings(count: int = 700_000) -> bytes:
    """A shared-strings table of `count` entries, and a sheet using one."""
    strings = _batched(lambda i: f"<si><t>{i}</t></si>".encode(), count)
    return xlsx([[b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>']], shared=strings)


def zip_bomb_member(size: int = 1024 * 1024 * 1024) -> bytes:
    """A workbook carrying a part of `size` zero bytes (1 GB packs into 1 MB)."""
    zeros = (b"\0" * (1024 * 1024) for _ in range(size // (1024 * 1024)))
    return xlsx([[inline_row(1, ["户号"])]], extra={"xl/media/image1.png": zeros})


def padded_sheet(size: int = 200 * 1024 * 1024) -> bytes:
    """A sheet of one row followed by `size` bytes of blanks."""
    blanks = (b" " * (1024 * 1024) for _ in range(size // (1024 * 1024)))
    return xlsx([_chain([inline_row(1, ["户号"])], blanks)])


def many_sheets(count: int = 1000) -> bytes:
    return xlsx([[inline_row(1, ["户号"])] for _ in range(count)])


def wide_row(columns: int = 16_384) -> bytes:
    """One row with a value in every column of the sheet."""
    return xlsx([[inline_row(1, ["x"] * columns)]])


def repeated_cell(count: int = 100_000) -> bytes:
    """One row storing the same cell `count` times."""
    return xlsx([[b'<row r="1">', (b'<c r="A1"/>' * count), b"</row>"]])


def entity_expansion() -> bytes:
    """A workbook part with a DTD whose entities expand a billion times."""
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10)
    )
    return xlsx(
        [[inline_row(1, ["户号"])]],
        workbook_prefix=b"<?xml version='1.0'?><!DOCTYPE workbook [" + entities + b"]>",
    )


def many_lines_csv(lines: int = 1_000_000) -> bytes:
    return "户号,姓名\n".encode() + b"\n" * lines


def long_line_csv(chars: int = 5 * 1024 * 1024) -> bytes:
    return "户号,姓名\n".encode() + b"x" * chars + b"\n"


def _chain(*parts: Iterable[bytes]) -> Iterable[bytes]:
    for part in parts:
        yield from part


CRAFTED_SHEETS: dict[str, tuple[Callable[[], bytes], str]] = {
    "million empty rows": (million_empty_rows, "xlsx"),
    "declared A1:XFD1048576": (declared_whole_sheet, "xlsx"),
    "a value in row 1,048,576": (value_in_the_last_row, "xlsx"),
    "700,000 shared strings": (huge_shared_strings, "xlsx"),
    "1 GB zip-bomb member": (zip_bomb_member, "xlsx"),
    "sheet padded to 200 MB": (padded_sheet, "xlsx"),
    "1,000 sheets": (many_sheets, "xlsx"),
    "a row of 16,384 values": (wide_row, "xlsx"),
    "one cell stored 100,000 times": (repeated_cell, "xlsx"),
    "entity expansion": (entity_expansion, "xlsx"),
    "1,000,000 empty csv lines": (many_lines_csv, "csv"),
    "a 5 MB csv line": (long_line_csv, "csv"),
}


# --- images ----------------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (8, 6), **save: object) -> bytes:
    """A small real image in `fmt` (JPEG, PNG, WEBP, GIF...)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG declaring width × height pixels (ten gigapixels by default), a few
    hundred bytes long: the header of a real 1×1 PNG, its size rewritten."""
    import struct
    import zlib

    raw = image_bytes("PNG", (1, 1))
    ihdr = b"IHDR" + struct.pack(">II", width, height) + raw[24:29]
    return raw[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + raw[33:]
