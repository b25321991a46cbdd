"""The fuzz targets: one function per parser of untrusted input, taking the raw bytes
an attacker controls and raising nothing but a bug.

Each target calls the product's own public parsing function(s) and swallows the
documented refusal (`IdNumberError`, `ValidationError`, `UnreadableFile`,
`SchemeError`, `PhotoRefused`...); anything else escaping, a failed invariant
(`AssertionError`), a hang or a blown memory limit is a crash. The same functions
run under Atheris (`python -m fuzz`) and in the suite (tests/test_fuzz_corpus.py
replays every seed through them), so they need Django set up but never a database.

The importers' planners need the database; their targets drive everything before
it: reading the file into keyed rows (`read_rows`/`read_sheet`) and each row's own
parse (`_parse_row`, `parse_row`, the amount, date, quantity and decision parsers),
on cells from a .csv (mode byte 0) or, to reach the types only an .xlsx gives
(floats, infinities, dates, times, booleans), on a typed grid built from the bytes
(mode byte 1).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

TODAY = date(2026, 6, 1)


def setup_django() -> None:
    """Django configured as the benchmarks do (bench/compute_cycles.py), with a
    database that is never opened."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxin.settings")
    os.environ.setdefault("SANXIN_DATABASE_URL", "sqlite:////nonexistent/fuzz.sqlite3")
    os.environ.setdefault("SANXIN_DEBUG", "0")
    os.environ.setdefault(
        "SANXIN_SECRET_KEY", "fuzz-only-secret-key-not-for-production-" + "abcdefghij" * 2
    )
    os.environ.setdefault(
        "SANXIN_DATA_KEY", "fuzz-only-data-key-not-for-production-" + "abcdefghij" * 2
    )
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _limits() -> Any:
    """Limits small enough that no input can keep one run busy for long."""
    from sanxin.lib.sheet_reader import MB, Limits

    return Limits(
        file_bytes=MB,
        rows=2000,
        columns=60,
        stored_rows=4000,
        cells=50_000,
        elements=200_000,
        shared_strings=20_000,
        members=50,
        sheets=10,
        member_bytes=8 * MB,
        part_bytes=4 * MB,
        part_elements=20_000,
        total_bytes=16 * MB,
        line_chars=20_000,
    )


def _str(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# --- typed grids: the cells calamine can give -------------------------------------------


class _Bytes:
    """Reads values off the input, zeros once it runs out (like atheris'
    FuzzedDataProvider, but usable without atheris)."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk.ljust(n, b"\0")

    def byte(self) -> int:
        return self.take(1)[0]

    def text(self) -> str:
        return _str(self.take(self.byte() % 64))


_SPECIAL_FLOATS = (math.inf, -math.inf, math.nan, 0.0, -0.0, 1e300, 5e-324, 45000.0, 45000.5)


def _cell(src: _Bytes) -> Any:
    kind = src.byte() % 12
    if kind == 0:
        return None
    if kind in (1, 2, 3):
        return src.text()
    if kind == 4:
        return int.from_bytes(src.take(8), "little", signed=True) >> (src.byte() % 64)
    if kind == 5:
        return struct.unpack("<d", src.take(8))[0]
    if kind == 6:
        return _SPECIAL_FLOATS[src.byte() % len(_SPECIAL_FLOATS)]
    if kind == 7:
        return bool(src.byte() & 1)
    if kind == 8:
        return date.fromordinal(1 + int.from_bytes(src.take(3), "little") % 3_652_059)
    if kind == 9:
        day = date.fromordinal(1 + int.from_bytes(src.take(3), "little") % 3_652_059)
        return datetime.combine(day, time(src.byte() % 24, src.byte() % 60))
    if kind == 10:
        return time(src.byte() % 24, src.byte() % 60, src.byte() % 60)
    return timedelta(seconds=int.from_bytes(src.take(4), "little", signed=True))


def typed_grid(data: bytes, header: list[str]) -> list[tuple[Any, ...]]:
    """A header row (`header`, some columns dropped or renamed as the bytes say),
    then rows of typed cells."""
    src = _Bytes(data)
    renamed = src.byte()  # bit i: the i-th header (of the first eight) is other text
    row0 = tuple(src.text() if i < 8 and renamed >> i & 1 else h for i, h in enumerate(header))
    grid: list[tuple[Any, ...]] = [row0]
    while src.left() > 0 and len(grid) < 50:
        grid.append(tuple(_cell(src) for _ in range(src.byte() % (len(header) + 2))))
    return grid


def _grid_bytes(data: bytes) -> tuple[int, bytes]:
    return (data[0] % 2 if data else 0), data[1:]


# --- the targets ---------------------------------------------------------------------------


def idcard_target(data: bytes) -> None:
    from sanxin.lib import idcard

    if not data:
        return
    mode, rest = data[0] % 4, data[1:]
    raw: object
    if mode == 0:
        raw = _str(rest)
    elif mode == 1:
        raw = int.from_bytes(rest[:16], "little")
    elif mode == 2:
        raw = struct.unpack("<d", rest[:8].ljust(8, b"\0"))[0]
    else:
        raw = rest.decode("gb18030", "replace")
    idcard.normalise(raw)
    try:
        parsed = idcard.parse(raw, today=TODAY)
    except idcard.IdNumberError as exc:
        assert str(exc)
        return
    value = parsed.value
    assert len(value) == 18 and value.isascii(), value
    assert parsed.birth_date <= TODAY and parsed.sex in ("M", "F")
    assert len(parsed.masked) == 18 and parsed.masked[6:16] == "*" * 10
    assert idcard.parse(value, today=TODAY) == parsed  # normalised stays valid


def text_target(data: bytes) -> None:
    from django.core.exceptions import ValidationError

    from sanxin.lib import text

    value = _str(data)
    for code in (False, True):
        try:
            line = text.clean_line(value, "姓名", code=code)
        except ValidationError as exc:
            assert exc.messages and "姓名" in exc.messages[0]
        else:
            assert text.first_forbidden(line) is None, ascii(line)
            assert "\n" not in line and line == line.strip()
    try:
        block = text.clean_text(value, "事实依据", field="evidence")
    except ValidationError as exc:
        assert "evidence" in exc.message_dict
    else:
        assert text.first_forbidden(block, allowed=frozenset("\n\t")) is None, ascii(block)
    cell, reason = text.clean_cell(value, "住址")
    assert text.first_forbidden(cell) is None or reason is not None
    text.mask_name(value)


def _xlsx_parts(data: bytes) -> bytes:
    """A well-formed package whose parts are cut from the input: the worksheet's
    XML, the shared strings, the workbook and the styles, in that order, separated
    by NUL bytes (missing parts are left out, so the mutations also test a package
    without them)."""
    from tests import crafted_files as crafted

    pieces = data.split(b"\0", 3)
    sheet = pieces[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{crafted.CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{crafted.CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{crafted.CT}.sharedStrings+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{crafted.PKG_REL}"><Relationship Id="rId1" '
            f'Type="{crafted.REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        workbook = (
            pieces[2]
            if len(pieces) > 2
            else (
                f'<workbook xmlns="{crafted.MAIN}" xmlns:r="{crafted.REL}"><sheets>'
                '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode()
        )
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{crafted.PKG_REL}">'
            f'<Relationship Id="rId1" Type="{crafted.REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{crafted.REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{crafted.REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if len(pieces) > 1:
            archive.writestr("xl/sharedStrings.xml", pieces[1])
        if len(pieces) > 3:
            archive.writestr("xl/styles.xml", pieces[3])
    return buffer.getvalue()


def _read(content: bytes, filename: str) -> None:
    from sanxin.lib import spreadsheet
    from sanxin.lib.sheet_reader import UnreadableFile

    try:
        grid = spreadsheet.read_grid(content, filename, limits=_limits())
    except UnreadableFile as exc:
        assert str(exc)
        return
    assert isinstance(grid, list)
    for row in grid:
        for value in row:
            spreadsheet.text(value)
            spreadsheet.echo(value)
            spreadsheet.parse_date(value, fullwidth=True)


def xlsx_target(data: bytes) -> None:
    _read(data, "上传.xlsx")


def xlsx_parts_target(data: bytes) -> None:
    _read(_xlsx_parts(data), "上传.xlsx")


def csv_target(data: bytes) -> None:
    _read(data, "上传.csv")


def _sheet_of(
    data: bytes, header: list[str], read: Callable[[bytes, str], Any], take: Callable[..., Any]
) -> Any:
    """The keyed sheet of a .csv (mode 0) or of a typed grid (mode 1)."""
    from sanxin.lib import spreadsheet

    mode, rest = _grid_bytes(data)
    if mode == 0:
        return read(rest, "导入.csv")
    grid = typed_grid(rest, header)
    sheet = spreadsheet.KeyedSheet(filename="导入.xlsx")
    take(sheet, grid)
    return sheet


def roster_target(data: bytes) -> None:
    from sanxin.households import importing as roster
    from sanxin.regions.choices import Level
    from sanxin.regions.models import Region

    sheet = _sheet_of(data, list(roster.HEADERS), roster.read_rows, roster._take_rows)
    groups = roster.GroupResolver.__new__(roster.GroupResolver)
    groups.groups = [
        Region(name=n, level=Level.GROUP, path=f"/{i}/")
        for i, n in enumerate(("第一村民小组", "第二村民小组", "三组", "东头"))
    ]
    groups.by_name = {g.name: g for g in groups.groups}
    groups.by_ordinal = {}
    for g in groups.groups:
        n = roster.group_ordinal(g.name)
        if n is not None:
            groups.by_ordinal.setdefault(n, []).append(g)
    present = set(sheet.columns)
    for row in sheet.rows:
        errors: list[Any] = []
        data_row = roster._parse_row(row, present, groups, errors, today=TODAY)
        assert all(p.message for p in errors)
        assert data_row.id_number is not None or any(p.field == roster.ID_NUMBER for p in errors)
        for value in row.values.values():
            roster.normalise_phone(value)
            roster.clean_name(value)


def _schemes_on() -> Callable[[date], Any]:
    from sanxin.rules.defaults import load_default_scheme
    from sanxin.rules.models import SchemeVersion

    scheme = load_default_scheme()
    version = SchemeVersion(name=scheme.name, version=scheme.version, document={})
    version._scheme = scheme  # type: ignore[attr-defined]
    return lambda on: version if on >= date(2020, 1, 1) else None


def _household_index() -> Any:
    """A village's households by 户号 as `HouseholdIndex` holds them, without the query."""
    from collections import defaultdict

    from sanxin.households import importing as roster
    from sanxin.households.models import Household
    from sanxin.regions.models import Region

    index = roster.HouseholdIndex.__new__(roster.HouseholdIndex)
    index.village = Region(name="东村")
    index.by_number = {n: Household(number=n) for n in ("001", "002", "12", "A-3")}
    index.by_value = defaultdict(list)
    for number, household in index.by_number.items():
        if roster._plain_number(number):
            index.by_value[int(number)].append(household)
    return index


def entries_target(data: bytes) -> None:
    from sanxin.ledger import entry_import as entries
    from sanxin.lib import spreadsheet

    def take(sheet: Any, grid: Any) -> None:
        positions = spreadsheet.map_header(sheet, grid[0], entries.HEADERS, entries._header)
        spreadsheet.take_rows(sheet, grid, 0, positions, entries.HEADERS)

    sheet = _sheet_of(data, list(entries.HEADERS), entries.read_sheet, take)
    schemes_on = _schemes_on()
    index = _household_index()
    present = set(sheet.columns)
    for row in sheet.rows:
        parsed = entries.parse_row(row, present=present, schemes_on=schemes_on, today=TODAY)
        index.row_household(parsed.household_number, row.number, parsed.problems)
        assert all(p.message for p in parsed.problems)
        assert parsed.occurred_on is None or parsed.occurred_on <= TODAY
        assert 1 <= parsed.quantity <= entries.MAX_QUANTITY
        for value in row.values.values():
            entries.parse_quantity(value)
            entries.parse_date(value)


def credit_target(data: bytes) -> None:
    from sanxin.credit import importing as credit
    from sanxin.rules.defaults import load_default_scheme

    scheme = load_default_scheme()
    mode, rest = _grid_bytes(data)
    if mode == 0:
        sheet = credit.read_sheet(rest, "评定.csv")
    else:  # as read_sheet keys a grid it has read, header on the first row
        grid = typed_grid(rest, credit.template_headers(scheme))
        sheet = credit.CreditSheet(filename="评定.xlsx", header_row=1)
        for col, value in enumerate(grid[0]):
            name = credit._norm(value)
            if name and name not in sheet.columns:
                sheet.columns[name] = col
                sheet.labels[name] = credit._text(value)
        sheet.rows = [
            credit.CreditRow(number=i, cells=cells) for i, cells in enumerate(grid[1:], 2)
        ]
    if sheet.errors:
        return
    plan = credit.CreditPlan(village=None, filename=sheet.filename)
    if not credit._check_columns(plan, sheet, scheme):
        return
    schemes_on = _schemes_on()
    index = _household_index()
    for row in sheet.rows:
        parsed = credit.parse_row(
            sheet, row, header_scheme=scheme, schemes_on=schemes_on, today=TODAY
        )
        number = credit._text(sheet.cell(row, sheet.columns[credit.NUMBER]))
        index.row_household(number, row.number, parsed.problems)
        assert all(p.message for p in parsed.problems)
        assert parsed.problems or parsed.period


def repayments_target(data: bytes) -> None:
    from sanxin.lending import repayment_import as repayments
    from sanxin.lib import spreadsheet

    def take(sheet: Any, grid: Any) -> None:
        positions = spreadsheet.map_header(sheet, grid[0], repayments.HEADERS, repayments._header)
        spreadsheet.take_rows(sheet, grid, 0, positions, repayments.HEADERS)

    sheet = _sheet_of(data, list(repayments.HEADERS), repayments.read_sheet, take)
    for row in sheet.rows:
        problems: list[Any] = []
        repayments._date(row.values.get(repayments.DATE), row.number, problems, TODAY)
        amount = repayments._amount(row.values.get(repayments.AMOUNT), row.number, problems)
        assert amount is None or (amount > 0 and amount == amount.quantize(repayments.CENT))
        for value in row.values.values():
            repayments.parse_amount(value)


def bank_target(data: bytes) -> None:
    from sanxin.lending import bank_decisions as bank
    from sanxin.lib import spreadsheet
    from sanxin.lib.text import clean_cell

    def take(sheet: Any, grid: Any) -> None:
        positions = spreadsheet.map_header(sheet, grid[0], bank.KNOWN, spreadsheet.clean_header)
        spreadsheet.take_rows(sheet, grid, 0, positions, bank.KNOWN)

    sheet = _sheet_of(data, list(bank.KNOWN), bank.read_sheet, take)
    for row in sheet.rows:
        bank._decision(row.values.get(bank.DECISION))
        reason, _refused = clean_cell(row.values.get(bank.REASON), bank.REASON)
        spreadsheet.text(reason)
        spreadsheet.echo(row.values.get(bank.REFERENCE))


def scheme_target(data: bytes) -> None:
    from sanxin.rules.scheme import SchemeError, item_to_dict
    from sanxin.rules.scheme_reader import adopt_for_village, item_from_dict, scheme_from_json

    try:
        scheme = scheme_from_json(data)
    except SchemeError as exc:
        assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)
        return
    # A valid scheme round-trips through its own export.
    again = scheme_from_json(scheme.to_json())
    assert again.to_dict() == scheme.to_dict()
    try:
        items = [item_from_dict(item_to_dict(i)) for i in scheme.items[:3]]
        adopt_for_village(scheme, items, version="v-fuzz")
    except SchemeError:
        pass


def village_items_target(data: bytes) -> None:
    """The village's own items as the scheme form posts them (JSON), checked against
    the default scheme's limits."""
    import json

    from sanxin.rules.defaults import load_default_scheme
    from sanxin.rules.scheme import SchemeError
    from sanxin.rules.scheme_reader import adopt_for_village, item_from_dict

    try:
        own = json.loads(_str(data))
    except (ValueError, RecursionError):
        return  # the form's own JSON field refuses these (see rules/forms.py)
    if not isinstance(own, list):
        own = [own]
    try:
        items = [item_from_dict(d, f"village_items[{n}]") for n, d in enumerate(own)]
        adopt_for_village(load_default_scheme(), items, version="v-fuzz")
    except SchemeError as exc:
        assert exc.errors


def tokens_target(data: bytes) -> None:
    """What the public pages do with a token before any query: the household card's
    (`value_from_token`), the certificate's and the honour's (the same signer, their
    own salts); and the API's cursor (`decode`, refused with a 422)."""
    from django.core import signing

    from sanxin.api import pagination
    from sanxin.api.errors import ApiError
    from sanxin.engagement import certificates as honours
    from sanxin.ratings import certificates
    from sanxin.rewards import cards

    token = _str(data)
    value = cards.value_from_token(token)
    if value is not None:
        assert cards.token_for_value(value) == token
    for salt in (honours.SALT, certificates.SALT):
        with contextlib.suppress(signing.BadSignature):
            signing.Signer(salt=salt).unsign(token)
    with contextlib.suppress(ApiError):
        pagination.decode(token, "households", 2)


def photo_target(data: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sanxin.lib import photos

    upload = SimpleUploadedFile("照片.jpg", data, content_type="image/jpeg")
    try:
        stored = photos.clean(upload)
    except photos.PhotoRefused as exc:
        assert str(exc)
        return
    from PIL import Image

    with Image.open(io.BytesIO(stored.read())) as image:
        assert max(image.size) <= photos.MAX_SIDE
        assert not image.getexif()


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], None]
    covers: str
    max_len: int = 4096
    # The packages whose Python code guides the search (python-calamine, the csv
    # module and Pillow's decoders are compiled: not instrumented).
    instrument: tuple[str, ...] = ("sanxin",)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("idcard", idcard_target, "lib.idcard.parse/normalise/mask (ID numbers)", 256),
        Target("text", text_target, "lib.text.clean_line/clean_text/clean_cell/mask_name", 1024),
        Target("xlsx", xlsx_target, "lib.spreadsheet.read_grid on raw .xlsx bytes", 65536),
        Target(
            "xlsx_parts",
            xlsx_parts_target,
            "lib.spreadsheet.read_grid on a zip whose XML parts are the input",
            65536,
        ),
        Target("csv", csv_target, "lib.spreadsheet.read_grid on .csv bytes", 16384),
        Target("roster", roster_target, "households.importing.read_rows + _parse_row"),
        Target("entries", entries_target, "ledger.entry_import.read_sheet + parse_row"),
        Target("credit", credit_target, "credit.importing.read_sheet + parse_row"),
        Target(
            "repayments",
            repayments_target,
            "lending.repayment_import.read_sheet + _date/_amount/parse_amount",
        ),
        Target("bank", bank_target, "lending.bank_decisions.read_sheet + _decision"),
        Target("scheme", scheme_target, "rules.scheme_reader.scheme_from_json", 65536),
        Target(
            "village_items",
            village_items_target,
            "rules.scheme_reader.item_from_dict + adopt_for_village",
            8192,
        ),
        Target(
            "tokens",
            tokens_target,
            "card/certificate tokens, API cursors",
            512,
            ("sanxin", "django.core.signing"),
        ),
        Target(
            "photo",
            photo_target,
            "lib.photos.clean (Pillow decoding)",
            65536,
            ("sanxin", "PIL"),
        ),
    )
}
