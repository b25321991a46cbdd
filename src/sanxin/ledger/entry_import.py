"""Point entries from paper sheets (积分记录表导入): a village's spreadsheet of
entries, one a row, read, checked as a whole, then recorded, all or nothing.

Columns (any order, title rows above the header allowed, as in the roster import):
户号, 姓名 (the person, for person-level items; optional otherwise), 积分项 (item code
or exact item name), 数量 (default 1), 发生日期, 事实依据.

Three steps, no HTTP here:

* `read_sheet(content, filename)` reads an .xlsx or .csv file with the shared
  bounded sheet reader (`sanxin.lib.spreadsheet`) into rows keyed by header, each with its real
  spreadsheet row number;
* `plan_entries(sheet, village, actor=...)` checks every row through
  `ledger.services.entry_plan` (the same checks as recording one entry by hand) and
  the file as a whole: an item's annual cap and its repeat multiplier count the
  earlier rows of the same file for the same household (or person) and item, exactly
  as if the rows were recorded one after another. It reports every problem at once
  and writes nothing;
* `apply_entries(plan, actor=...)` records the planned entries in one transaction
  through `entries_record_planned` (the saving path of `entry_record`, source
  "import"), plus one summary audit row.

`import_entries(...)` does the three in one call. Imported entries wait for review
like any other: the uploader cannot approve them (maker-checker).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.audit.services import audit
from sanxin.households import importing as roster
from sanxin.households import pending_upload
from sanxin.households.choices import HouseholdStatus
from sanxin.households.importing import Progress
from sanxin.households.models import Household, PendingImport, Person
from sanxin.ledger import services
from sanxin.ledger.choices import Source
from sanxin.ledger.models import Entry
from sanxin.ledger.services import EntryPlan, EntryRequest, entry_plan
from sanxin.lib import spreadsheet
from sanxin.lib.spreadsheet import KeyedSheet, Problem, SheetRow, clean_header, safe_filename
from sanxin.lib.spreadsheet import echo as _echo
from sanxin.lib.spreadsheet import text as _text
from sanxin.lib.text import clean_cells
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import engine
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import COMPONENT_LABELS, TIER_LABELS, Item, Scheme
from sanxin.rules.selectors import SchemesOn

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

# The column headers, in template order. They are the file format, not UI text.
NUMBER = "户号"
NAME = "姓名"
ITEM = "积分项"
QUANTITY = "数量"
DATE = "发生日期"
EVIDENCE = "事实依据"
HEADERS: tuple[str, ...] = (NUMBER, NAME, ITEM, QUANTITY, DATE, EVIDENCE)
REQUIRED_HEADERS: tuple[str, ...] = (NUMBER, ITEM, DATE)
# Other names clerks give the same columns.
ALIASES = {
    "积分项目": ITEM,
    "积分项编码": ITEM,
    "积分项代码": ITEM,
    "积分项名称": ITEM,
    "日期": DATE,
    "事实与依据": EVIDENCE,
    "事实和依据": EVIDENCE,
    "依据": EVIDENCE,
    "人员": NAME,
    "次数": QUANTITY,
}
HEADER_SCAN_ROWS = spreadsheet.HEADER_SCAN_ROWS
MAX_EVIDENCE = 1000
MAX_QUANTITY = 1000

# entry_plan's field names -> the columns of the sheet.
FIELD_COLUMNS = {
    "household": NUMBER,
    "person": NAME,
    "item_code": ITEM,
    "quantity": QUANTITY,
    "occurred_on": DATE,
    "evidence_text": EVIDENCE,
    "photos": EVIDENCE,
}

AUDIT_ACTION = "entries.import"
PROGRESS_ROWS = 1000  # progress is told every this many rows
# Entry uploads share PendingImport with the roster import; the prefix keeps them apart.
TOKEN_PREFIX = "points-"


# --- results ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRow:
    """One row that checks out: what will be (or was) recorded."""

    row: int
    household_number: str
    head_name: str
    person_name: str
    item_code: str
    item_name: str
    component: str
    quantity: int
    occurred_on: date
    points: Decimal

    @property
    def component_label(self) -> str:
        return COMPONENT_LABELS.get(self.component, self.component)


@dataclass
class EntryImportResult(spreadsheet.Result):
    created: int = 0  # entries recorded; with dry_run, entries that would be recorded
    dry_run: bool = False
    rows: list[PlannedRow] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "created": self.created}

    @property
    def households(self) -> int:
        return len({r.household_number for r in self.rows})

    @property
    def points_added(self) -> Decimal:
        return sum((r.points for r in self.rows if r.points > 0), Decimal(0))

    @property
    def points_deducted(self) -> Decimal:
        return sum((r.points for r in self.rows if r.points < 0), Decimal(0))


# --- reading ---------------------------------------------------------------------


def _header(value: Any) -> str:
    name = clean_header(value)
    return ALIASES.get(name, name)


def read_sheet(content: bytes, filename: str) -> KeyedSheet:
    """Read an .xlsx or .csv sheet of entries. Problems with the file itself come
    back as errors on the sheet (row None), never as exceptions."""
    sheet = KeyedSheet(filename=safe_filename(filename))
    # As before, a workbook's sheet is picked by the roster header (else the first).
    grid = spreadsheet.read_grid_into(sheet, content, filename, pick_sheet=roster.has_header)
    if grid is None:
        return sheet
    header_index = spreadsheet.find_header_row(grid, REQUIRED_HEADERS, _header)
    if header_index is None:
        sheet.errors.append(
            Problem(
                None,
                "",
                _(
                    "没有找到表头：前 %(n)d 行中没有同时包含“户号”“积分项”“发生日期”的一行。请使用导入模板。"
                )
                % {"n": HEADER_SCAN_ROWS},
            )
        )
        return sheet
    sheet.header_row = header_index + 1
    positions = spreadsheet.map_header(sheet, grid[header_index], HEADERS, _header)
    if sheet.errors:
        return sheet
    spreadsheet.take_rows(sheet, grid, header_index, positions, HEADERS)
    return sheet


# --- value helpers -----------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """A cell as a date (see `spreadsheet.parse_date`), full-width digits included."""
    return spreadsheet.parse_date(value, fullwidth=True)


def parse_quantity(value: Any) -> int | None:
    """A positive whole number, or None. Empty cells are handled by the caller."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", _text(value))
        text = re.sub(r"(次|人次|项|个|小时)$", "", text)
        # At most 9 digits after the leading zeros: int() refuses more than 4,300,
        # and anything that long is past MAX_QUANTITY anyway.
        if not re.fullmatch(r"\d+", text) or len(text.lstrip("0")) > 9:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_QUANTITY else None


def _key(text: str) -> str:
    """Item names compare without whitespace and with one kind of bracket and quote."""
    text = unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))
    return text.replace("“", '"').replace("”", '"')


def find_item(scheme: Scheme, text: str) -> Item | None:
    """An item of the scheme by its code or its exact name."""
    wanted = text.strip()
    item = scheme.find_item(wanted) or scheme.find_item(wanted.lower())
    if item is not None:
        return item
    key = _key(wanted)
    matches = [i for i in scheme.items if _key(i.name) == key]
    return matches[0] if len(matches) == 1 else None


class _HouseholdIndex(roster.HouseholdIndex):
    """The village's households by 户号, and their members by name."""

    def __init__(self, village: Region):
        super().__init__(village)
        self.members: dict[int, dict[str, list[Person]]] = defaultdict(lambda: defaultdict(list))
        self.by_household: dict[int, list[Person]] = defaultdict(list)
        for p in Person.objects.filter(household__village=village, active=True).order_by("id"):
            self.members[p.household_id][p.name].append(p)
            self.by_household[p.household_id].append(p)

    def people_named(self, household: Household, name: str) -> list[Person]:
        return self.members[household.pk].get(name, [])


class _VillageLookups(services.PlanLookups):
    """What `entry_plan` looks up, loaded once for the whole village: the scheme
    versions by date, the households' members, and the standing entries (those
    `services._live_entries` counts) by (household, item, person), dates sorted."""

    def __init__(self, village: Region, schemes_on: SchemesOn, index: _HouseholdIndex):
        self.schemes_on = schemes_on
        self.index = index
        self.live: dict[tuple[int, str, int | None], list[tuple[date, Decimal]]] = defaultdict(list)
        standing = (
            Entry.objects.filter(household__village=village, reversal_of__isnull=True)
            .exclude(review__approved=False)
            .exclude(reversals__review__approved=True)
            .values_list("household_id", "item_code", "person_id", "occurred_on", "points")
        )
        for household_id, code, person_id, occurred_on, points in standing.iterator(2000):
            self.live[(household_id, code, None)].append((occurred_on, points))
            if person_id is not None:
                self.live[(household_id, code, person_id)].append((occurred_on, points))
        for dated in self.live.values():
            dated.sort()

    def version(self, household: Household, on: date) -> SchemeVersion | None:
        return self.schemes_on(on)

    def members(self, household: Household) -> list[Person]:
        return list(self.index.by_household.get(household.pk, []))

    def _dated(self, household: Household, item: Item, person: Person | None) -> list:
        return self.live.get((household.pk, item.code, person.pk if person else None), [])

    def prior(
        self, household: Household, item: Item, person: Person | None, start: date, end: date
    ) -> int:
        dated = self._dated(household, item, person)
        return bisect_right(dated, (end, _MAX_POINTS)) - bisect_left(dated, (start, _MIN_POINTS))

    def year_total(
        self, household: Household, item: Item, person: Person | None, year: int
    ) -> Decimal:
        return sum(
            (p for d, p in self._dated(household, item, person) if d.year == year and p > 0),
            Decimal(0),
        )


_MAX_POINTS = Decimal("Infinity")
_MIN_POINTS = Decimal("-Infinity")


def import_villages(scope: Scope) -> QuerySet[Region]:
    """The villages whose entries the user may import: villages where they may record
    points, and the villages of the villager groups where they may (a sub-team
    member's reach is one group; the import still refuses the other groups' rows)."""
    regions = scope.regions(Perm.RECORD_POINTS)
    return Region.objects.filter(level=Level.VILLAGE).filter(
        Q(pk__in=regions.filter(level=Level.VILLAGE).values("pk"))
        | Q(pk__in=regions.filter(level=Level.GROUP).values("parent_id"))
    )


# --- planning --------------------------------------------------------------------
#
# `plan_entries` takes each row in two steps: `parse_row` reads it on its own into a
# `ParsedRow` (date, quantity, evidence, the item in the scheme of the date, the name
# as written; no database beyond the cached scheme of the date), then the checks that
# need more than the row: the household's scope and recusal and the person
# (`_Reach`), the checks of recording one entry by hand (`entry_plan`), and the rows
# before it in the file (`_EarlierRows`: repeats, annual caps, duplicates).


@dataclass
class _Accepted:
    row: int
    plan: EntryPlan

    @property
    def occurred_on(self) -> date:
        return self.plan.request.occurred_on


@dataclass
class EntryImportPlan(spreadsheet.Plan):
    accepted: list[_Accepted] = field(default_factory=list)

    def rows(self) -> list[PlannedRow]:
        out = []
        for a in self.accepted:
            r, p = a.plan.request, a.plan
            out.append(
                PlannedRow(
                    row=a.row, household_number=r.household.number, head_name=r.household.head_name,
                    person_name=r.person.name if (r.person is not None and p.item.applies_to == "person") else "",
                    item_code=p.item.code, item_name=p.item.name, component=p.item.component,
                    quantity=r.quantity, occurred_on=r.occurred_on, points=p.points,
                )
            )  # fmt: skip
        return out

    def result(self, *, dry_run: bool = False) -> EntryImportResult:
        """What applying would do (nothing at all when there are errors)."""
        if self.errors:
            return EntryImportResult(
                ok=False, dry_run=dry_run, errors=list(self.errors), warnings=list(self.warnings)
            )
        rows = self.rows()
        return EntryImportResult(
            ok=True, dry_run=dry_run, created=len(rows), warnings=list(self.warnings), rows=rows
        )


def _row_key(plan: EntryPlan) -> tuple[int, str, int | None]:
    r = plan.request
    person = r.person.pk if (plan.item.applies_to == "person" and r.person is not None) else None
    return (r.household.pk, plan.item.code, person)


@dataclass
class ParsedRow:
    """One row read on its own; `occurred_on` and `item` are None when unusable."""

    number: int
    household_number: str  # 户号 as written
    name: str  # 姓名 as written, cleaned
    occurred_on: date | None
    quantity: int
    evidence: str
    item: Item | None
    problems: list[Problem]


def parse_row(
    sheet_row: SheetRow,
    *,
    present: set[str],
    schemes_on: Callable[[date], SchemeVersion | None],
    today: date,
) -> ParsedRow:
    """Read one row: its cells cleaned, the date, the quantity, the evidence and the
    item in the scheme in force on the date."""
    n = sheet_row.number
    v, refused = clean_cells(sheet_row.values, codes={NUMBER})
    problems = [Problem(n, column, reason) for column, reason in refused]
    occurred_on = _row_date(v.get(DATE), n, problems, today)
    quantity = _row_quantity(v.get(QUANTITY), n, problems) if QUANTITY in present else 1
    evidence = _text(v.get(EVIDENCE)) if EVIDENCE in present else ""
    if len(evidence) > MAX_EVIDENCE:
        problems.append(
            Problem(n, EVIDENCE, _("事实依据太长（最多 %(max)d 个字）。") % {"max": MAX_EVIDENCE})
        )
    item = _row_item(_text(v.get(ITEM)), occurred_on, n, problems, schemes_on)
    return ParsedRow(
        number=n,
        household_number=_text(v.get(NUMBER)),
        name=roster.clean_name(v.get(NAME)) if NAME in present else "",
        occurred_on=occurred_on,
        quantity=quantity,
        evidence=evidence,
        item=item,
        problems=problems,
    )


def _row_date(raw: Any, n: int, problems: list[Problem], today: date) -> date | None:
    occurred_on = parse_date(raw)
    if _text(raw) == "":
        problems.append(Problem(n, DATE, _("发生日期为空。")))
        return None
    if occurred_on is None:
        problems.append(
            Problem(
                n,
                DATE,
                _(
                    "发生日期“%(value)s”无法识别，请填写如 2025-06-01、2025/6/1 或 2025年6月1日的日期。"
                )
                % {"value": _echo(raw)},
            )
        )
    elif occurred_on > today:
        problems.append(
            Problem(
                n,
                DATE,
                _("发生日期 %(date)s 在今天（%(today)s）之后。")
                % {"date": occurred_on.isoformat(), "today": today.isoformat()},
            )
        )
        return None
    return occurred_on


def _row_quantity(raw: Any, n: int, problems: list[Problem]) -> int:
    """The quantity, 1 when the cell is empty (or unusable, with the reason)."""
    if _text(raw) == "":
        return 1
    parsed = parse_quantity(raw)
    if parsed is None:
        problems.append(
            Problem(
                n,
                QUANTITY,
                _("数量“%(value)s”应为正整数（如 1、2、3），不超过 %(max)d。")
                % {"value": _echo(raw), "max": MAX_QUANTITY},
            )
        )
        return 1
    return parsed


def _row_item(
    item_text: str,
    occurred_on: date | None,
    n: int,
    problems: list[Problem],
    schemes_on: Callable[[date], SchemeVersion | None],
) -> Item | None:
    """The item the row names in the scheme in force on its date (not looked up
    when the date is unusable)."""
    if not item_text:
        problems.append(Problem(n, ITEM, _("积分项为空。")))
        return None
    if occurred_on is None:
        return None
    version = schemes_on(occurred_on)
    if version is None:
        problems.append(
            Problem(
                n,
                ITEM,
                _("%(date)s 时本村还没有生效的评分方案。") % {"date": occurred_on.isoformat()},
            )
        )
        return None
    item = find_item(version.scheme, item_text)
    if item is None:
        problems.append(
            Problem(
                n,
                ITEM,
                _(
                    "积分项“%(value)s”不在本户 %(date)s 适用的评分方案（%(scheme)s %(version)s）中；请填写积分项编码或完整名称（见模板中的“积分项目录”）。"
                )
                % {
                    "value": _echo(item_text),
                    "date": occurred_on.isoformat(),
                    "scheme": version.name,
                    "version": version.version,
                },
            )
        )
    return item


class _Reach:
    """The village's households and people the actor may record points for: in their
    scope, not their own household."""

    def __init__(self, village: Region, scope: Scope):
        self.index = _HouseholdIndex(village)
        self.scope = scope
        self.own = scope.own_household_ids()

    def household(self, row: ParsedRow, problems: list[Problem]) -> Household | None:
        """The household a row names, or None with the reason on `problems`."""
        n = row.number
        household = self.index.row_household(row.household_number, n, problems)
        if household is not None and not self.scope.covers_household(household, Perm.RECORD_POINTS):
            problems.append(
                Problem(
                    n,
                    NUMBER,
                    _("%(number)s 号户（%(group)s）不在您可以记录积分的范围内。")
                    % {"number": household.number, "group": household.villager_group.name},
                )
            )
            return None
        if household is not None and household.pk in self.own:
            problems.append(
                Problem(
                    n,
                    NUMBER,
                    _("%(number)s 号户是您本人的家庭，不能为其记录积分，请回避。")
                    % {"number": household.number},
                )
            )
            return None
        return household

    def person(
        self, household: Household | None, row: ParsedRow, problems: list[Problem]
    ) -> Person | None:
        """The member the row names (when it names one), and what the item requires:
        a name for an item scored per person, evidence where the item asks for it."""
        n, name, item = row.number, row.name, row.item
        person = None
        if household is not None and name:
            people = self.index.people_named(household, name)
            if not people:
                problems.append(
                    Problem(
                        n,
                        NAME,
                        _("%(name)s 不是 %(number)s 号户的在册成员。")
                        % {"name": _echo(name), "number": household.number},
                    )
                )
            elif len(people) > 1:
                problems.append(
                    Problem(
                        n,
                        NAME,
                        _("%(number)s 号户有 %(k)d 人叫 %(name)s，无法区分，请改为逐条记录。")
                        % {"number": household.number, "k": len(people), "name": name},
                    )
                )
            else:
                person = people[0]
        if item is not None and household is not None:
            if item.applies_to == "person" and not name:
                problems.append(
                    Problem(
                        n,
                        NAME,
                        _("“%(item)s”按人记分，请在“姓名”列填写本户成员的姓名。")
                        % {"item": item.name},
                    )
                )
            if item.evidence_required and not row.evidence:
                problems.append(
                    Problem(n, EVIDENCE, _("“%(item)s”必须填写事实依据。") % {"item": item.name})
                )
        return person


def _entry_plan(
    row: ParsedRow,
    household: Household,
    item: Item,
    occurred_on: date,
    person: Person | None,
    *,
    actor: User,
    today: date,
    problems: list[Problem],
    lookups: services.PlanLookups | None = None,
) -> EntryPlan | None:
    """The row through the checks of recording one entry by hand; None with the
    reasons on `problems` when they refuse it."""
    n = row.number
    request = EntryRequest(
        household=household, item_code=item.code, occurred_on=occurred_on, quantity=row.quantity,
        person=person if item.applies_to == "person" else None, evidence_text=row.evidence, source=Source.IMPORT,
    )  # fmt: skip
    planned = entry_plan(request, today=today, lookups=lookups)
    if isinstance(planned, dict):
        for field_name, messages in planned.items():
            column = FIELD_COLUMNS.get(field_name, "")
            problems.extend(Problem(n, column, message) for message in messages)
        return None
    role_problem = services.recorder_role_problem(actor, planned)
    if role_problem:
        problems.append(Problem(n, FIELD_COLUMNS.get("item_code", ""), role_problem))
        return None
    return planned


class _EarlierRows:
    """The rows of the file accepted so far, by (household, item, person): a row is
    weighed as if the rows before it had been recorded one after another."""

    def __init__(self, sheet: KeyedSheet, village: Region, lookups: _VillageLookups):
        self.earlier: dict[tuple[int, str, int | None], list[_Accepted]] = defaultdict(list)
        self.year_totals: dict[tuple[int, str, int | None, int], Decimal] = {}
        self.existing = _existing_entries(sheet, village)
        self.lookups = lookups

    def repeated(self, planned: EntryPlan, item: Item) -> EntryPlan:
        """The plan with the repeat multiplier counting the earlier rows in the item's window."""
        occurred_on = planned.request.occurred_on
        in_window = [
            a
            for a in self.earlier[_row_key(planned)]
            if a.occurred_on <= occurred_on
            and engine.valid_until(item, a.occurred_on) >= occurred_on
        ]
        if not in_window:
            return planned
        points = engine.points_for_entry(
            planned.version.scheme,
            item.code,
            planned.tier,
            planned.request.quantity,
            len(in_window),
        )
        return replace(planned, points=points)

    def cap_problem(self, planned: EntryPlan, item: Item, n: int) -> Problem | None:
        """The annual cap, counting what is recorded and the earlier rows of the year."""
        request = planned.request
        occurred_on = request.occurred_on
        if item.annual_cap is None or planned.points <= 0:
            return None
        key = _row_key(planned)
        same_year = [
            a
            for a in self.earlier[key]
            if a.occurred_on.year == occurred_on.year and a.plan.points > 0
        ]
        if not same_year:
            return None
        year_key = (*key, occurred_on.year)
        if year_key not in self.year_totals:
            self.year_totals[year_key] = self.lookups.year_total(
                request.household, item, request.person, occurred_on.year
            )
        recorded = self.year_totals[year_key]
        in_file = sum((a.plan.points for a in same_year), Decimal(0))
        if recorded + in_file + planned.points <= item.annual_cap:
            return None
        left = max(item.annual_cap - recorded - in_file, Decimal(0))
        who = (
            request.person.name
            if request.person is not None
            else _("%(number)s 号户") % {"number": request.household.number}
        )
        return Problem(
            n,
            QUANTITY,
            _(
                "“%(item)s”每年最多 %(cap)s 分：%(who)s %(year)d 年已记 %(recorded)s 分，本文件第 %(rows)s 行又记 %(in_file)s 分，这一行的 %(points)s 分超过上限（最多还能记 %(left)s 分）。"
            )
            % {
                "item": item.name,
                "cap": _num(item.annual_cap),
                "who": who,
                "year": occurred_on.year,
                "recorded": _num(recorded),
                "rows": "、".join(str(a.row) for a in same_year),
                "in_file": _num(in_file),
                "points": _num(planned.points),
                "left": _num(left),
            },  # fmt: skip
        )

    def warnings(self, planned: EntryPlan, item: Item, n: int) -> list[Problem]:
        """The same entry twice in the file, or already in the ledger; a household
        that is not active."""
        request = planned.request
        household, occurred_on = request.household, request.occurred_on
        key = _row_key(planned)
        warnings = []
        twin = next(
            (
                a
                for a in self.earlier[key]
                if a.occurred_on == occurred_on and a.plan.request.quantity == request.quantity
            ),
            None,
        )
        if twin is not None:
            warnings.append(
                Problem(
                    n,
                    "",
                    _("与第 %(row)d 行的农户、人员、积分项、数量和日期都相同，请确认不是重复录入。")
                    % {"row": twin.row},
                )
            )
        elif (household.pk, item.code, key[2], occurred_on) in self.existing:
            warnings.append(
                Problem(
                    n,
                    "",
                    _("%(number)s 号户在 %(date)s 已有一条“%(item)s”记录，请确认不是重复导入。")
                    % {
                        "number": household.number,
                        "date": occurred_on.isoformat(),
                        "item": item.name,
                    },
                )
            )
        if household.status != HouseholdStatus.ACTIVE:
            warnings.append(
                Problem(
                    n,
                    NUMBER,
                    _("%(number)s 号户的状态是“%(status)s”。")
                    % {"number": household.number, "status": household.get_status_display()},
                )
            )
        return warnings

    def accept(self, n: int, planned: EntryPlan) -> _Accepted:
        accepted = _Accepted(row=n, plan=planned)
        self.earlier[_row_key(planned)].append(accepted)
        return accepted


def plan_entries(
    sheet: KeyedSheet,
    village: Region,
    *,
    actor: User | None,
    today: date | None = None,
    progress: Progress | None = None,
) -> EntryImportPlan:
    """Check every row and the file as a whole; report every problem at once and work
    out the entries to record, with the points to freeze. Writes nothing.
    `progress(rows checked, rows)` is told as it goes."""
    plan = EntryImportPlan.for_sheet(sheet, village)
    if plan.errors:
        return plan
    today = today or timezone.localdate()
    schemes_on = SchemesOn(village)
    present = set(sheet.columns)
    reach = _Reach(village, scope_for(actor))
    lookups = _VillageLookups(village, schemes_on, reach.index)
    earlier = _EarlierRows(sheet, village, lookups)
    total = len(sheet.rows)

    for done, sheet_row in enumerate(sheet.rows):
        if progress is not None and done % PROGRESS_ROWS == 0:
            progress(done, total)
        row = parse_row(sheet_row, present=present, schemes_on=schemes_on, today=today)
        n, item, occurred_on = row.number, row.item, row.occurred_on
        problems = list(row.problems)
        household = reach.household(row, problems)
        person = reach.person(household, row, problems)
        if problems or household is None or item is None or occurred_on is None:
            plan.errors.extend(problems)
            continue
        planned = _entry_plan(
            row, household, item, occurred_on, person, actor=actor, today=today,
            problems=problems, lookups=lookups,
        )  # fmt: skip
        if planned is None:
            plan.errors.extend(problems)
            continue
        planned = earlier.repeated(planned, item)
        cap_problem = earlier.cap_problem(planned, item, n)
        if cap_problem is not None:
            plan.errors.append(cap_problem)
            continue
        plan.warnings.extend(earlier.warnings(planned, item, n))
        plan.accepted.append(earlier.accept(n, planned))

    if progress is not None:
        progress(total, total)
    plan.errors.sort(
        key=lambda p: (p.row or 0, HEADERS.index(p.field) if p.field in HEADERS else len(HEADERS))
    )
    return plan


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


def _existing_entries(sheet: KeyedSheet, village: Region) -> set[tuple[int, str, int | None, date]]:
    """(household, item, person, date) of the standing entries on the dates the file names."""
    dates = {d for r in sheet.rows if (d := parse_date(r.values.get(DATE))) is not None}
    if not dates:
        return set()
    rows = (
        Entry.objects.filter(
            household__village=village, occurred_on__in=dates, reversal_of__isnull=True
        )
        .exclude(review__approved=False)
        .exclude(reversals__review__approved=True)
        .values_list("household_id", "item_code", "person_id", "occurred_on")
    )
    return set(rows)


# --- applying --------------------------------------------------------------------


def apply_entries(plan: EntryImportPlan, *, actor: User) -> EntryImportResult:
    """Record the planned entries, all or nothing, with one summary audit row (each
    entry writes its own too, as when recorded by hand)."""
    if plan.errors or not plan.accepted:
        return plan.result()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            entries = services.entries_record_planned(
                actor=actor, plans=[a.plan for a in plan.accepted], source=Source.IMPORT
            )
            audit(
                actor=actor, action=AUDIT_ACTION, obj=plan.village, region_path=plan.village.path,
                after={"file": plan.filename, "created": len(entries), "batch": entries[0].batch_key},
            )  # fmt: skip
    except (ValidationError, PermissionDenied, IntegrityError) as exc:
        # Checked beforehand, so this means the ledger or the registry changed under us.
        logger.warning(
            "entry import into village %s rolled back: %s", plan.village.pk, type(exc).__name__
        )
        return EntryImportResult.rolled_back(plan)
    logger.info(
        "entry import into village %s: %d entries in %.2f s",
        plan.village.pk, len(entries), time.perf_counter() - started,
    )  # fmt: skip
    result = plan.result()
    result.created = len(entries)
    return result


def import_entries(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User,
    dry_run: bool,
    today: date | None = None,
    progress: Progress | None = None,
) -> EntryImportResult:
    """Read, check and (unless dry_run or there are problems) record a sheet of entries."""
    sheet = read_sheet(content, filename)
    with transaction.atomic():
        if not dry_run:
            # The rows are weighed against the entries already recorded (annual caps,
            # repeats): nobody records for these households until this one is saved.
            services.lock_households(Household.objects.filter(village=village))
        plan = plan_entries(sheet, village, actor=actor, today=today, progress=progress)
        if dry_run or plan.errors:
            return plan.result(dry_run=dry_run)
        return apply_entries(plan, actor=actor)


# --- between preview and confirm (the web flow) -------------------------------------


def pending_entries_create(
    *, user, village: Region, filename: str, content: bytes
) -> PendingImport:
    """Keep an uploaded sheet, encrypted, until its uploader confirms it. One entry
    upload per user; stale ones are dropped."""
    return pending_upload.store(
        user=user, village=village, filename=filename, content=content, prefix=TOKEN_PREFIX
    )


def pending_entries_confirm(
    *, pending: PendingImport, actor: User | None, progress: Progress | None = None
) -> EntryImportResult:
    """Check the stored file again and record it, once (see `pending_upload.confirm`)."""
    return pending_upload.confirm(
        pending,
        import_entries,
        result=EntryImportResult,
        actor=actor,
        dry_run=False,
        progress=progress,
    )


def check_entries(
    content: bytes,
    filename: str,
    village: Region,
    *,
    actor: User | None,
    progress: Progress | None = None,
) -> EntryImportResult:
    """What the upload's check shows: the sheet read and planned, nothing written."""
    sheet = read_sheet(content, filename)
    return plan_entries(sheet, village, actor=actor, progress=progress).result()


# --- the template to download ---------------------------------------------------------

TEMPLATE_SHEET = "积分记录"
ITEMS_SHEET = "积分项目录"
HELP_SHEET = "填写说明"


def _applies_label(item: Item) -> str:
    return _("按人") if item.applies_to == "person" else _("按户")


def build_template(version: SchemeVersion | None) -> bytes:
    """The .xlsx clerks fill in: the header row only on the first sheet (an untouched
    template imports nothing), the items of the scheme in force on the second, the
    rules on the third."""
    widths = {NUMBER: 10, NAME: 12, ITEM: 34, QUANTITY: 8, DATE: 14, EVIDENCE: 50}
    workbook, sheet = spreadsheet.template_workbook(
        TEMPLATE_SHEET, HEADERS, widths, formats={NUMBER: "@", DATE: "yyyy-mm-dd"}
    )

    items_sheet = workbook.create_sheet(ITEMS_SHEET)
    items_sheet.append(
        [
            _("编码"),
            _("名称"),
            _("分类"),
            _("积分类别"),
            _("每次分值"),
            _("按户/按人"),
            _("年度上限"),
            _("必须填写事实依据"),
            _("适用身份"),
            _("一票否决"),
        ]
    )
    spreadsheet.style_header(items_sheet[1])
    scheme = version.scheme if version is not None else None
    if scheme is not None:
        for item in scheme.items:
            items_sheet.append(
                [
                    item.code, item.name, scheme.category(item.category).name, COMPONENT_LABELS.get(item.component, item.component),
                    _num(item.points), _applies_label(item), _num(item.annual_cap) if item.annual_cap is not None else "",
                    _("是") if item.evidence_required else "", "、".join(str(TIER_LABELS[t]) for t in item.tiers),
                    _("是") if item.veto else "",
                ]
            )  # fmt: skip
        spreadsheet.add_choices(
            sheet, HEADERS.index(ITEM), f"'{ITEMS_SHEET}'!$B$2:$B${items_sheet.max_row}"
        )
    for letter, w in zip("ABCDEFGHIJ", (26, 44, 12, 18, 10, 10, 10, 16, 22, 10), strict=True):
        items_sheet.column_dimensions[letter].width = w
    items_sheet.freeze_panes = "C2"

    notes = [
        _(
            "每条积分一行。第一张工作表“积分记录”的第一行是表头，请从第二行开始填写；表头上方可以保留标题行，列的顺序可以调整。"
        ),
        _("户号：本村已登记的户号。"),
        _("姓名：按人记分的积分项必须填写本户在册成员的姓名；按户记分的积分项可以不填。"),
        _("积分项：填写工作表“积分项目录”中的编码或完整名称（可从下拉列表选择）。"),
        _("数量：正整数，不填视为 1；分值 = 每次分值 × 数量，扣分项按身份和重复情况加倍。"),
        _("发生日期：如 2025-06-01、2025/6/1 或 2025年6月1日，不能晚于今天。"),
        _("事实依据：目录中注明“必须填写事实依据”的积分项必须填写。"),
        _(
            "年度上限：同一户（按人记分的为同一人）同一积分项一年内累计不能超过上限，文件中前面的行也计算在内。"
        ),
        _("导入前会先检查整个文件，列出所有问题；有任何问题时不会保存任何数据。"),
        _(
            "导入的积分与逐条记录的一样，须由评信团其他成员审核通过后才计入等级；导入人不能审核自己导入的记录。"
        ),
    ]
    intro = (
        _("评分方案：%(name)s %(version)s") % {"name": version.name, "version": version.version}
        if version is not None
        else _("本村还没有生效的评分方案，积分项目录为空。")
    )
    help_sheet = spreadsheet.add_help_sheet(
        workbook, HELP_SHEET, _("积分记录表填写说明"), notes, intro=intro
    )
    help_sheet.column_dimensions["A"].width = 110
    return spreadsheet.workbook_bytes(workbook)
