"""The roster import (花名册导入): a village's spreadsheet of people, one row each,
read, checked as a whole, then applied through the household services.

Three steps, no HTTP here:

* `read_rows(content, filename)` turns an .xlsx or .csv file into rows keyed by
  header, each with its real spreadsheet row number;
* `plan_import(sheet, village)` checks every row and the file as a whole, reports
  every problem at once and works out what would change, writing nothing;
* `apply_import(plan, actor=...)` writes it, all or nothing, through the services
  (which write the audit rows).

`import_roster(...)` does the three in one call. Full identity numbers never appear
in a message, a warning, a log line or an audit row: only `idcard.mask(...)`.
`HouseholdIndex` finds a village's households by 户号 for the entry and credit imports.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.audit.services import audit, audit_many
from sanxin.households import pending_upload, services
from sanxin.households.choices import (
    CADRE_ALIASES,
    HEAD_RELATIONS,
    POLITICAL_ALIASES,
    CadrePost,
    HouseholdStatus,
    PoliticalStatus,
)
from sanxin.households.models import Household, PendingImport, Person, id_number_columns
from sanxin.lib import crypto, idcard, spreadsheet
from sanxin.lib.spreadsheet import Grid, KeyedSheet, Problem, SheetRow, safe_filename
from sanxin.lib.spreadsheet import clean_header as _clean_header
from sanxin.lib.spreadsheet import echo as _echo
from sanxin.lib.spreadsheet import text as _text
from sanxin.lib.text import clean_cells
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

# The column headers, in template order. They are the file format, not UI text.
NUMBER = "户号"
GROUP = "村民小组"
NAME = "姓名"
RELATION = "与户主关系"
ID_NUMBER = "身份证号"
PHONE = "联系电话"
POLITICAL = "政治面貌"
CADRE = "职务"
ADDRESS = "住址"
HEADERS: tuple[str, ...] = (
    NUMBER,
    GROUP,
    NAME,
    RELATION,
    ID_NUMBER,
    PHONE,
    POLITICAL,
    CADRE,
    ADDRESS,
)
REQUIRED_HEADERS: tuple[str, ...] = (NUMBER, GROUP, NAME, RELATION, ID_NUMBER)
# A row is the header row when it holds at least these.
KEY_HEADERS: tuple[str, ...] = (NUMBER, NAME, ID_NUMBER)
HEADER_SCAN_ROWS = 10
# The rows a roster may have; None: the limit of the settings (sheet_reader.Limits).
MAX_ROWS: int | None = None
# Progress is told every this many rows; the registry is looked up and written in
# chunks of these (bounded statements, bounded memory per statement).
PROGRESS_ROWS = 1000
LOOKUP_CHUNK = 2000
WRITE_CHUNK = 1000

# (rows done, rows in all), told as an import goes (households.import_jobs).
Progress = Callable[[int, int], None]

MAX_NAME = 30  # Person.name
MAX_RELATION = 20  # Person.relation
MAX_NUMBER = 30  # Household.number
MAX_ADDRESS = 120  # Household.address

PENDING_MAX_AGE = pending_upload.MAX_AGE
AUDIT_ACTION = "roster.import"

_MOBILE = re.compile(r"1[3-9]\d{9}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_GROUP_SHORTHAND = re.compile(
    r"第?([0-9]{1,3}|[零〇一二两三四五六七八九十]{1,3})(?:村民小组|村民组|小组|组)?"
)


# --- results ---------------------------------------------------------------------


@dataclass
class ImportResult(spreadsheet.Result):
    households_created: int = 0
    households_updated: int = 0
    people_created: int = 0
    people_updated: int = 0
    unchanged: int = 0

    def figures(self) -> dict[str, int]:
        return {
            "households_created": self.households_created,
            "households_updated": self.households_updated,
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "unchanged": self.unchanged,
        }

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.households_created
            + self.households_updated
            + self.people_created
            + self.people_updated
        )


# --- reading ---------------------------------------------------------------------


def read_rows(content: bytes, filename: str) -> KeyedSheet:
    """Read an .xlsx or .csv roster. Problems with the file itself come back as
    errors on the sheet (row None), never as exceptions."""
    sheet = KeyedSheet(filename=safe_filename(filename))
    grid = spreadsheet.read_grid_into(
        sheet, content, filename, pick_sheet=has_header, max_rows=MAX_ROWS
    )
    if grid is not None:
        _take_rows(sheet, grid)
    return sheet


def has_header(grid: Grid) -> bool:
    """Whether a roster header row is among the first rows (picks the worksheet)."""
    return _find_header(grid)[0] is not None


def _find_header(grid: Grid) -> tuple[int | None, int | None]:
    """(index of the header row, index of the best near miss) among the first rows."""
    best, best_hits = None, 1
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        cells = {_clean_header(v) for v in row}
        if all(h in cells for h in KEY_HEADERS):
            return i, None
        hits = len(cells.intersection(HEADERS))
        if hits > best_hits:
            best, best_hits = i, hits
    return None, best


def _take_rows(sheet: KeyedSheet, grid: Grid) -> None:
    header_index, near_miss = _find_header(grid)
    if header_index is None:
        if near_miss is None:
            sheet.errors.append(
                Problem(
                    None,
                    "",
                    _(
                        "没有找到表头：前 %(n)d 行中没有同时包含“户号”“姓名”“身份证号”的一行。请使用导入模板。"
                    )
                    % {"n": HEADER_SCAN_ROWS},
                )
            )
            return
        header_index = near_miss
    sheet.header_row = header_index + 1
    positions = spreadsheet.map_header(sheet, grid[header_index], HEADERS, _clean_header)
    missing = [h for h in REQUIRED_HEADERS if h not in positions]
    if missing:
        sheet.errors.append(spreadsheet.missing_columns(sheet.header_row, missing))
    if sheet.errors:
        return
    spreadsheet.take_rows(sheet, grid, header_index, positions, HEADERS)


# --- small value helpers ---------------------------------------------------------


def clean_name(value: Any) -> str:
    name = _text(value)
    if _CJK.search(name):
        name = name.replace(" ", "")  # "王　山" padded to line up in Excel
    return re.sub(r"[•・．]", "·", name)  # the middle dot of minority names


def normalise_phone(value: Any) -> str | None:
    """A mainland mobile (11 digits) or a landline (0314-1234567, 1234567) in a
    standard form, or None when it is neither. An Excel number is fine."""
    text = idcard.normalise(_text(value))
    text = re.sub(r"[\-－—–()（）]", "-", text)
    digits = text.replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if _MOBILE.fullmatch(digits):
        return digits
    if digits.startswith("0"):
        # Area codes: 010 and 02x have three digits, every other one four.
        area_len = 3 if digits.startswith(("010", "02")) else 4
        area, number = digits[:area_len], digits[area_len:]
        if 7 <= len(number) <= 8:
            return f"{area}-{number}"
        return None
    if 7 <= len(digits) <= 8 and not digits.startswith("1"):
        return digits
    return None


def _chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGITS.get(tens) if tens else 1
        o = _CN_DIGITS.get(ones) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def group_ordinal(name: str) -> int | None:
    """3 for "第三村民小组", "三组", "3组", "第3组", "3"; None for a named group."""
    match = _GROUP_SHORTHAND.fullmatch(re.sub(r"\s+", "", name))
    return _chinese_number(match.group(1)) if match else None


class GroupResolver:
    """Villager groups of one village by name or by shorthand ("一组" for
    "第一村民小组"). Shorthand resolves only when exactly one group has that number."""

    def __init__(self, village: Region):
        self.groups = list(
            Region.objects.filter(parent=village, level=Level.GROUP).order_by("sort_order", "path")
        )
        self.by_name = {re.sub(r"\s+", "", g.name): g for g in self.groups}
        self.by_ordinal: dict[int, list[Region]] = defaultdict(list)
        for g in self.groups:
            n = group_ordinal(g.name)
            if n is not None:
                self.by_ordinal[n].append(g)

    def resolve(self, text: str) -> Region | None:
        key = re.sub(r"\s+", "", text)
        if key in self.by_name:
            return self.by_name[key]
        n = group_ordinal(key)
        candidates = self.by_ordinal.get(n, []) if n is not None else []
        return candidates[0] if len(candidates) == 1 else None

    def names(self) -> str:
        return "、".join(g.name for g in self.groups)


def _plain_number(number: str) -> bool:
    """Whether a 户号 is ASCII digits that int() reads: str.isdigit() is also true
    of "²" or "፩", which int() refuses, and int() refuses more than 4,300 digits."""
    return number.isascii() and number.isdigit() and len(number) <= MAX_NUMBER


class HouseholdIndex:
    """A village's households by 户号, for the imports whose rows name a household
    (point entries, credit assessments): "1" finds "001" when only one household
    would match (Excel drops the leading zeros of a number)."""

    def __init__(self, village: Region):
        self.village = village
        households = Household.objects.filter(village=village).select_related(
            "village", "villager_group"
        )
        self.by_number = {h.number: h for h in households}
        self.by_value: dict[int, list[Household]] = defaultdict(list)
        for number, h in self.by_number.items():
            if _plain_number(number):
                self.by_value[int(number)].append(h)

    def find(self, number: str) -> Household | None:
        if number in self.by_number:
            return self.by_number[number]
        if _plain_number(number):
            candidates = self.by_value.get(int(number), [])
            if len(candidates) == 1:
                return candidates[0]
        return None

    def row_household(self, number: str, row: int, errors: list[Problem]) -> Household | None:
        """The household a row's 户号 names; None, with the reason on `errors`, when
        the cell is empty or the village has no such household."""
        if not number:
            errors.append(Problem(row, NUMBER, _("户号为空。")))
            return None
        household = self.find(number)
        if household is None:
            errors.append(
                Problem(
                    row,
                    NUMBER,
                    _("%(village)s没有户号为“%(number)s”的农户。")
                    % {"village": self.village.name, "number": _echo(number)},
                )
            )
        return household


def _labels(choices: Iterable[Any]) -> str:
    return "、".join(str(c.label) for c in choices)


# --- planning --------------------------------------------------------------------


@dataclass
class RowData:
    """One person row, parsed. Optional fields are None when not given: an existing
    person keeps what they have (a column absent from the file changes nothing)."""

    row: int
    number: str
    group_text: str
    group: Region | None
    address: str
    name: str
    relation: str
    id_number: idcard.IdNumber | None
    id_hash: str | None  # the blind index, as Person.id_number_hash
    phone: str | None
    political_status: str | None
    cadre_post: str | None

    @property
    def is_head(self) -> bool:
        return self.relation in HEAD_RELATIONS


@dataclass
class PersonPlan:
    row: int
    data: services.PersonData
    existing: Person | None
    changed: bool  # for an existing person: whether the update changes anything


@dataclass
class HouseholdPlan:
    number: str
    first_row: int
    group: Region
    address: str | None  # None: not given, keep
    phone: str | None  # the head's phone; None: not given, keep
    existing: Household | None
    people: list[PersonPlan] = field(default_factory=list)

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {"villager_group": self.group}
        if self.address is not None:
            changes["address"] = self.address
        if self.phone is not None:
            changes["phone"] = self.phone
        return changes

    @property
    def changed(self) -> bool:
        if self.existing is None:
            return True
        return any(getattr(self.existing, k) != v for k, v in self.changes().items())


@dataclass
class ImportPlan(spreadsheet.Plan):
    households: list[HouseholdPlan] = field(default_factory=list)

    def result(self) -> ImportResult:
        """What applying would do (nothing at all when there are errors)."""
        if self.errors:
            return ImportResult(ok=False, errors=list(self.errors), warnings=list(self.warnings))
        people = [p for h in self.households for p in h.people]
        return ImportResult(
            ok=True,
            households_created=sum(1 for h in self.households if h.existing is None),
            households_updated=sum(
                1 for h in self.households if h.existing is not None and h.changed
            ),
            people_created=sum(1 for p in people if p.existing is None),
            people_updated=sum(1 for p in people if p.existing is not None and p.changed),
            unchanged=sum(1 for p in people if p.existing is not None and not p.changed),
            warnings=list(self.warnings),
        )


def plan_import(
    sheet: KeyedSheet, village: Region, *, progress: Progress | None = None
) -> ImportPlan:
    """Check the whole file against the village and the registry; report every
    problem with its row; write nothing. A handful of queries whatever the size
    (the people by their IDs' blind indexes in one query per chunk of
    LOOKUP_CHUNK). `progress(rows checked, rows)` is told as it goes."""
    plan = ImportPlan.for_sheet(sheet, village)
    if sheet.errors:
        return plan
    errors = plan.errors
    groups = GroupResolver(village)
    present = set(sheet.columns)
    total = len(sheet.rows)
    today = timezone.localdate()
    rows = []
    for i, sheet_row in enumerate(sheet.rows, 1):
        rows.append(_parse_row(sheet_row, present, groups, errors, today))
        if progress is not None and (i % PROGRESS_ROWS == 0 or i == total):
            progress(i, total)

    # The same identity number twice in the file.
    first_seen: dict[str, RowData] = {}
    for r in rows:
        if r.id_number is None:
            continue
        earlier = first_seen.setdefault(r.id_number.value, r)
        if earlier is not r:
            errors.append(
                Problem(
                    r.row,
                    ID_NUMBER,
                    _("身份证号 %(id)s 与第 %(row)d 行重复，同一人只能出现一次。")
                    % {"id": r.id_number.masked, "row": earlier.row},
                )
            )

    by_household: dict[str, list[RowData]] = defaultdict(list)
    for r in rows:
        if r.number:
            by_household[r.number].append(r)
    household_values = {
        number: _check_household(number, members, errors)
        for number, members in by_household.items()
    }

    # The registry: households of this village named in the file, and people by ID, in bulk.
    # The village's households (not `number__in`: a file may name more households
    # than a statement may carry parameters), those the file names kept.
    existing_households = {
        h.number: h
        for h in Household.objects.filter(village=village).select_related(
            "village", "villager_group"
        )
        if h.number in by_household
    }
    # Stored hashes may be under any configured data key (a rotation in progress).
    older_keys = len(crypto.index_keys()) > 1
    candidates = {
        r.id_hash: (crypto.blind_indexes(r.id_number.value) if older_keys else [r.id_hash])
        for r in first_seen.values()
    }
    wanted = [h for hashes in candidates.values() for h in hashes]
    stored: dict[str, Person] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        stored.update(
            (p.id_number_hash, p)
            for p in Person.objects.filter(
                id_number_hash__in=wanted[start : start + LOOKUP_CHUNK]
            ).select_related("household")
        )
    people = {
        current: stored[h] for current, hashes in candidates.items() for h in hashes if h in stored
    }
    for r in first_seen.values():
        person = people.get(r.id_hash)
        if person is None or not r.number:
            continue
        if person.household.village_id != village.pk:
            errors.append(
                Problem(
                    r.row,
                    ID_NUMBER,
                    _(
                        "身份证号 %(id)s 已登记在其他村的农户中，不能重复登记；如需迁入本村，请先办理迁移。"
                    )
                    % {"id": r.id_number.masked},
                )
            )
        elif person.household.number != r.number:
            errors.append(
                Problem(
                    r.row,
                    ID_NUMBER,
                    _(
                        "身份证号 %(id)s 已登记在本村 %(other)s 号户（%(name)s），不能再登记到 %(number)s 号户；如需换户，请使用迁移功能。"
                    )
                    % {
                        "id": r.id_number.masked,
                        "other": person.household.number,
                        "name": person.name,
                        "number": r.number,
                    },
                )
            )
    _check_head_changes(by_household, existing_households, errors)

    for number, household in existing_households.items():
        if household.status != HouseholdStatus.ACTIVE:
            plan.warnings.append(
                Problem(
                    by_household[number][0].row,
                    NUMBER,
                    _("%(number)s 号户的状态是“%(status)s”，导入不会改变其状态。")
                    % {"number": number, "status": household.get_status_display()},
                )
            )

    errors.sort(
        key=lambda p: (p.row or 0, HEADERS.index(p.field) if p.field in HEADERS else len(HEADERS))
    )
    if errors:
        return plan

    for number, members in by_household.items():
        group, address = household_values[number]
        head = next(r for r in members if r.is_head)
        existing = existing_households.get(number)
        household_plan = HouseholdPlan(
            number=number,
            first_row=members[0].row,
            group=group,
            address=address,
            phone=head.phone or None,
            existing=existing,
        )
        for r in members:
            person = people.get(r.id_hash)
            data = _person_data(r, person)
            household_plan.people.append(
                PersonPlan(
                    row=r.row,
                    data=data,
                    existing=person,
                    changed=person is None or services.person_differs(person, data),
                )
            )
        plan.households.append(household_plan)
    return plan


def _parse_row(
    row: SheetRow,
    present: set[str],
    groups: GroupResolver,
    errors: list[Problem],
    today: date | None = None,
) -> RowData:
    n = row.number
    v, refused = clean_cells(row.values, codes={NUMBER, PHONE, ID_NUMBER})
    errors.extend(Problem(n, column, reason) for column, reason in refused)

    number = _text(v.get(NUMBER))
    if not number:
        errors.append(
            Problem(
                n,
                NUMBER,
                _(
                    "户号为空。同一户的每个人都要填写户号（如使用了合并单元格，请取消合并后逐行填写）。"
                ),
            )
        )
    elif len(number) > MAX_NUMBER:
        errors.append(
            Problem(n, NUMBER, _("户号太长（最多 %(max)d 个字符）。") % {"max": MAX_NUMBER})
        )

    group_text = _text(v.get(GROUP))
    group = groups.resolve(group_text) if group_text else None
    if group_text and group is None:
        if groups.groups:
            message = _("村民小组“%(value)s”不存在。本村的村民小组有：%(names)s。") % {
                "value": _echo(group_text),
                "names": groups.names(),
            }
        else:
            message = _("本村还没有设置村民小组，请先在行政区划中添加村民小组。")
        errors.append(Problem(n, GROUP, message))

    name = clean_name(v.get(NAME))
    if not name:
        errors.append(Problem(n, NAME, _("姓名为空。")))
    elif len(name) > MAX_NAME:
        errors.append(Problem(n, NAME, _("姓名太长（最多 %(max)d 个字）。") % {"max": MAX_NAME}))

    relation = re.sub(r"\s+", "", _text(v.get(RELATION)))
    if not relation:
        errors.append(Problem(n, RELATION, _("与户主关系为空（户主本人填“户主”）。")))
    elif len(relation) > MAX_RELATION:
        errors.append(
            Problem(n, RELATION, _("与户主关系太长（最多 %(max)d 个字）。") % {"max": MAX_RELATION})
        )

    id_number = None
    try:
        # The raw cell, so parse() sees an Excel number for what it is.
        id_number = idcard.parse(v.get(ID_NUMBER), today=today)
    except idcard.IdNumberError as exc:
        errors.append(Problem(n, ID_NUMBER, _echo(str(exc), limit=200)))

    phone: str | None = None
    if PHONE in present and _text(v.get(PHONE)):
        raw_phone = v.get(PHONE)
        phone = normalise_phone(raw_phone)
        if phone is None:
            message = _(
                "联系电话“%(value)s”格式不对：应为 11 位手机号，或 0314-1234567 这样的固定电话。"
            ) % {"value": _echo(raw_phone)}
            if isinstance(raw_phone, int | float):
                message += _(
                    "（该单元格是数字格式，固定电话开头的 0 可能已被 Excel 去掉，请把该列设为“文本”。）"
                )
            errors.append(Problem(n, PHONE, message))

    political = None
    if POLITICAL in present:
        key = re.sub(r"\s+", "", _text(v.get(POLITICAL)))
        political = POLITICAL_ALIASES.get(key)
        if political is None:
            errors.append(
                Problem(
                    n,
                    POLITICAL,
                    _("政治面貌“%(value)s”无法识别，可填写：%(allowed)s（留空视为群众）。")
                    % {"value": _echo(key), "allowed": _labels(PoliticalStatus)},
                )
            )

    cadre = None
    if CADRE in present:
        key = re.sub(r"\s+", "", _text(v.get(CADRE)))
        cadre = CADRE_ALIASES.get(key)
        if cadre is None:
            errors.append(
                Problem(
                    n,
                    CADRE,
                    _("职务“%(value)s”无法识别，可填写：%(allowed)s（不是村干部请留空或填“无”）。")
                    % {"value": _echo(key), "allowed": _labels(CadrePost)},
                )
            )

    address = _text(v.get(ADDRESS)) if ADDRESS in present else ""
    if len(address) > MAX_ADDRESS:
        errors.append(
            Problem(n, ADDRESS, _("住址太长（最多 %(max)d 个字）。") % {"max": MAX_ADDRESS})
        )

    return RowData(
        row=n,
        number=number,
        group_text=group_text,
        group=group,
        address=address,
        name=name,
        relation=relation,
        id_number=id_number,
        id_hash=crypto.blind_index(id_number.value) if id_number else None,
        phone=phone,
        political_status=None if political is None else str(political),
        cadre_post=None if cadre is None else str(cadre),
    )


def _check_household(
    number: str, members: list[RowData], errors: list[Problem]
) -> tuple[Region | None, str | None]:
    """One household's rows agree on group and address and name exactly one head.
    Returns (group, address), address None when no row gives one."""
    first = members[0]
    group_rows = [r for r in members if r.group is not None]
    for r in group_rows[1:]:
        if r.group.pk != group_rows[0].group.pk:
            errors.append(
                Problem(
                    r.row,
                    GROUP,
                    _(
                        "同一户（户号 %(number)s）的村民小组不一致：第 %(row)d 行是“%(a)s”，这一行是“%(b)s”。"
                    )
                    % {
                        "number": number,
                        "row": group_rows[0].row,
                        "a": group_rows[0].group.name,
                        "b": r.group.name,
                    },
                )
            )
    if all(not r.group_text for r in members):
        errors.append(
            Problem(first.row, GROUP, _("村民小组为空（户号 %(number)s）。") % {"number": number})
        )

    address_rows = [r for r in members if r.address]
    for r in address_rows[1:]:
        if r.address != address_rows[0].address:
            errors.append(
                Problem(
                    r.row,
                    ADDRESS,
                    _(
                        "同一户（户号 %(number)s）的住址不一致：第 %(row)d 行是“%(a)s”，这一行是“%(b)s”。"
                    )
                    % {
                        "number": number,
                        "row": address_rows[0].row,
                        "a": _echo(address_rows[0].address),
                        "b": _echo(r.address),
                    },
                )
            )

    heads = [r for r in members if r.is_head]
    if not heads and all(r.relation for r in members):
        errors.append(
            Problem(
                first.row,
                RELATION,
                _("户号 %(number)s 没有户主：应有一人的“与户主关系”填“户主”。")
                % {"number": number},
            )
        )
    if len(heads) > 1:
        rows = "、".join(str(r.row) for r in heads)
        for r in heads:
            errors.append(
                Problem(
                    r.row,
                    RELATION,
                    _("户号 %(number)s 有 %(n)d 个户主（第 %(rows)s 行），每户只能有一个户主。")
                    % {"number": number, "n": len(heads), "rows": rows},
                )
            )
    group = group_rows[0].group if group_rows else None
    return group, (address_rows[0].address if address_rows else None)


def _check_head_changes(
    by_household: dict[str, list[RowData]], existing: dict[str, Household], errors: list[Problem]
) -> None:
    """A new head for an existing household is fine when the present head is in the
    file too (they are demoted first); a present head left out would leave two."""
    if not existing:
        return
    village_ids = {h.village_id for h in existing.values()}
    heads = {
        p.household_id: p
        for p in Person.objects.filter(
            household__village_id__in=village_ids, is_head=True, active=True
        )
    }
    for number, household in existing.items():
        present = heads.get(household.pk)
        members = by_household[number]
        new_heads = [r for r in members if r.is_head and r.id_number]
        if present is None or len(new_heads) != 1:
            continue
        listed = {
            h for r in members if r.id_number for h in crypto.blind_indexes(r.id_number.value)
        }
        if present.id_number_hash not in listed:
            errors.append(
                Problem(
                    new_heads[0].row,
                    RELATION,
                    _(
                        "%(number)s 号户现在的户主是 %(name)s（%(id)s），但文件中没有此人；如要更换户主，请把 %(name)s 也列入文件并修改其“与户主关系”。"
                    )
                    % {"number": number, "name": present.name, "id": present.id_number_masked},
                )
            )


def _person_data(r: RowData, person: Person | None) -> services.PersonData:
    assert r.id_number is not None
    return services.PersonData(
        name=r.name,
        id_number=r.id_number,
        relation=r.relation,
        phone=r.phone if r.phone is not None else (person.phone if person else ""),
        political_status=r.political_status
        if r.political_status is not None
        else (person.political_status if person else PoliticalStatus.MASSES.value),
        cadre_post=r.cadre_post
        if r.cadre_post is not None
        else (person.cadre_post if person else ""),
    )


# --- applying --------------------------------------------------------------------


def apply_import(
    plan: ImportPlan, *, actor: User | None, progress: Progress | None = None
) -> ImportResult:
    """Write the plan, all or nothing, in one transaction: new households and new
    people in bulk (chunks of WRITE_CHUNK, each with its audit row as the services
    write it), changes to registered ones through the services; one summary audit
    row. `progress(people written, people)` is told as it goes."""
    if plan.errors:
        return plan.result()
    result = ImportResult(ok=True, warnings=list(plan.warnings))
    started = time.perf_counter()
    people = [(hp, pp) for hp in plan.households for pp in hp.people]
    written = 0

    def tell(n: int) -> None:
        nonlocal written
        written += n
        if progress is not None:
            progress(written, len(people))

    try:
        with transaction.atomic():
            households = _create_households(
                plan, [hp for hp in plan.households if hp.existing is None], actor
            )
            result.households_created = len(households)
            new_people: list[tuple[Household, PersonPlan]] = []
            for hp in plan.households:
                household = households.get(hp.number) or hp.existing
                assert household is not None
                if hp.existing is not None and services._household_update(
                    actor=actor, household=household, **hp.changes()
                ):
                    result.households_updated += 1
                # The head last, so a present head is demoted before the new one is made.
                for pp in sorted(hp.people, key=lambda p: p.data.relation in HEAD_RELATIONS):
                    if pp.existing is None:
                        new_people.append((household, pp))
                        continue
                    pp.existing.household = household
                    if pp.changed and services._person_update(
                        actor=actor, person=pp.existing, data=pp.data
                    ):
                        result.people_updated += 1
                    else:
                        result.unchanged += 1
                    tell(1)
            for start in range(0, len(new_people), WRITE_CHUNK):
                chunk = new_people[start : start + WRITE_CHUNK]
                _create_people(chunk, actor)
                tell(len(chunk))
            result.people_created = len(new_people)
            touched = [h.pk for h in households.values()] + [
                hp.existing.pk for hp in plan.households if hp.existing is not None
            ]
            for start in range(0, len(touched), LOOKUP_CHUNK):
                services.refresh_household_summary(touched[start : start + LOOKUP_CHUNK])
            audit(
                actor=actor,
                action=AUDIT_ACTION,
                obj=plan.village,
                region_path=plan.village.path,
                after={"file": plan.filename, **result.figures()},
            )
    except (ValidationError, IntegrityError) as exc:
        # Checked beforehand, so this means the registry changed under us.
        logger.warning(
            "roster import into village %s rolled back: %s", plan.village.pk, type(exc).__name__
        )
        return ImportResult.rolled_back(plan)
    logger.info(
        "roster import into village %s: %s in %.2f s",
        plan.village.pk, result.figures(), time.perf_counter() - started,
    )  # fmt: skip
    return result


def _create_households(
    plan: ImportPlan, new: list[HouseholdPlan], actor: User | None
) -> dict[str, Household]:
    """The new households, inserted in chunks, each audited as `household.create`;
    by number. Their groups were resolved among the village's own by the plan."""
    created: dict[str, Household] = {}
    for start in range(0, len(new), WRITE_CHUNK):
        rows = [
            Household(
                village=plan.village,
                villager_group=hp.group,
                district_id=Region.district_id_in_path(plan.village.path),
                status=HouseholdStatus.ACTIVE,
                **services._clean_text_fields(
                    services.HOUSEHOLD_TEXT,
                    number=hp.number,
                    address=hp.address or "",
                    phone=hp.phone or "",
                ),
            )
            for hp in new[start : start + WRITE_CHUNK]
        ]
        Household.objects.bulk_create(rows)
        audit_many(
            actor=actor,
            action="household.create",
            rows=[(h, h.villager_group.path, None, services.household_snapshot(h)) for h in rows],
        )
        created.update((h.number, h) for h in rows)
    return created


def _create_people(chunk: list[tuple[Household, PersonPlan]], actor: User | None) -> None:
    """New people, inserted at once, each audited as `person.create`: the fields the
    plan checked, cleaned as `_person_create` cleans them; the ID number sealed
    (encrypted, its blind indexes, masked) once per person."""
    rows = []
    for household, pp in chunk:
        data = services._clean_person_data(pp.data)
        assert data.id_number is not None
        rows.append(
            Person(
                household=household,
                name=data.name,
                **id_number_columns(data.id_number.value),
                sex=data.id_number.sex,
                relation=data.relation,
                is_head=data.relation in HEAD_RELATIONS,
                phone=data.phone,
                political_status=data.political_status,
                cadre_post=data.cadre_post,
            )
        )
    Person.objects.bulk_create(rows)
    audit_many(
        actor=actor,
        action="person.create",
        rows=[
            (p, p.household.villager_group.path, None, services.person_snapshot(p)) for p in rows
        ],
    )


def import_roster(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User | None,
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportResult:
    """Read, check and (unless dry_run or there are problems) apply a roster file."""
    sheet = read_rows(content, filename)
    with transaction.atomic():
        plan = plan_import(sheet, village, progress=progress)
        if dry_run or plan.errors:
            return plan.result()
        return apply_import(plan, actor=actor, progress=progress)


def check_roster(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User | None,
    progress: Progress | None = None,
) -> ImportResult:
    """What the upload's check shows: the file read and planned, nothing written."""
    return plan_import(read_rows(content, filename), village, progress=progress).result()


# --- between preview and confirm (the web flow) -----------------------------------


def pending_import_create(*, user, village: Region, filename: str, content: bytes) -> PendingImport:
    """Keep an uploaded file, encrypted, until its uploader confirms it. One per
    user: an earlier unconfirmed upload is dropped (of any import), as are stale ones."""
    return pending_upload.store(user=user, village=village, filename=filename, content=content)


def pending_import_confirm(
    *, pending: PendingImport, actor: User | None, progress: Progress | None = None
) -> ImportResult:
    """Check the stored file again and apply it, once (see `pending_upload.confirm`)."""
    return pending_upload.confirm(
        pending, import_roster, result=ImportResult, actor=actor, dry_run=False, progress=progress
    )


# --- the template to download --------------------------------------------------------

TEMPLATE_SHEET = "花名册"
HELP_SHEET = "填写说明"
TEXT_COLUMNS = (NUMBER, ID_NUMBER, PHONE)


def build_template() -> bytes:
    """The .xlsx clerks fill in: the header row only on the first sheet (so an
    untouched template imports nothing), the rules and an example on the second."""
    from openpyxl.styles import Alignment

    widths = {
        NUMBER: 10,
        GROUP: 16,
        NAME: 12,
        RELATION: 12,
        ID_NUMBER: 24,
        PHONE: 17,
        POLITICAL: 15,
        CADRE: 17,
        ADDRESS: 32,
    }
    # Text, so Excel keeps all 18 characters of an ID and the 0 of "001".
    workbook, sheet = spreadsheet.template_workbook(
        TEMPLATE_SHEET, HEADERS, widths, formats=dict.fromkeys(TEXT_COLUMNS, "@")
    )
    for header in TEXT_COLUMNS:  # the whole column, rows past the formatted ones too
        letter = spreadsheet.column_letter(HEADERS.index(header))
        sheet.column_dimensions[letter].number_format = "@"
    for header, choices in ((POLITICAL, PoliticalStatus), (CADRE, CadrePost)):
        options = ",".join(str(c.label).replace('"', '""') for c in choices)
        spreadsheet.add_choices(sheet, HEADERS.index(header), f'"{options}"')

    example_id = "11010519491231002X"  # the example number of GB 11643-1999 itself
    rules = [
        (NUMBER, _("必填"), _("本村内唯一的户号；同一户的每个人填写相同的户号。"), "001"),
        (
            GROUP,
            _("必填"),
            _(
                "本村已有的村民小组名称，如“第一村民小组”；也可简写为“一组”“1组”。同一户只填一个小组。"
            ),
            "第一村民小组",
        ),
        (NAME, _("必填"), _("最多 30 个字。"), _("张示例")),
        (
            RELATION,
            _("必填"),
            _(
                "户主本人填“户主”（或“本人”），其他人填与户主的关系，如“配偶”“长子”“女儿”。每户有且只有一个户主。"
            ),
            _("户主"),
        ),
        (
            ID_NUMBER,
            _("必填"),
            _(
                "18 位居民身份证号，最后一位可以是 X。本列已设为“文本”格式，请不要改成数字，否则 Excel 会丢掉后几位。"
            ),
            example_id,
        ),
        (
            PHONE,
            _("选填"),
            _(
                "11 位手机号，或 0314-1234567 这样的固定电话。户主的电话同时作为本户的联系电话。留空则不修改已登记的电话。"
            ),
            "13800000000",
        ),
        (
            POLITICAL,
            _("选填"),
            _("可填：%(allowed)s。留空视为群众。") % {"allowed": _labels(PoliticalStatus)},
            str(PoliticalStatus.MASSES.label),
        ),
        (
            CADRE,
            _("选填"),
            _("可填：%(allowed)s。不是村干部请留空或填“无”。") % {"allowed": _labels(CadrePost)},
            "",
        ),
        (
            ADDRESS,
            _("选填"),
            _("本户住址，最多 120 个字；同一户只填一个住址，可以只在户主那一行填写。"),
            _("示例村幸福街 1 号"),
        ),
    ]
    notes = [
        _("每人一行。第一张工作表“花名册”的第一行是表头，请从第二行开始填写。"),
        _("表头上方可以保留标题行；列的顺序可以调整；无法识别的列会被忽略。"),
        _("已登记的人员按身份证号匹配并更新；文件中没有列出的人员保持不变。"),
        _("一个身份证号只能出现一次，也不能已登记在其他户；换户请使用迁移功能。"),
        _("导入前会先检查整个文件，列出所有问题；有任何问题时不会保存任何数据。"),
        _("也可以上传 CSV 文件（UTF-8 或 GBK 编码），表头与本模板相同。"),
        _("下表“示例”一列是虚构的示例，仅供参考，不会被导入。"),
    ]
    help_sheet = spreadsheet.add_help_sheet(workbook, HELP_SHEET, _("花名册填写说明"), notes)
    help_sheet.append([])
    help_sheet.append([_("列名"), _("是否必填"), _("填写要求"), _("示例（虚构）")])
    spreadsheet.style_header(help_sheet[help_sheet.max_row])
    for rule in rules:
        help_sheet.append(list(rule))
        for cell in help_sheet[help_sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        help_sheet.cell(row=help_sheet.max_row, column=4).number_format = "@"
    for letter, width in (("A", 14), ("B", 10), ("C", 70), ("D", 24)):
        help_sheet.column_dimensions[letter].width = width
    return spreadsheet.workbook_bytes(workbook)
