"""Small builders for tests: regions, households, people and users with roles."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.households import services as hh
from sanxin.lib import idcard
from sanxin.regions.choices import Level
from sanxin.regions.services import region_create

PASSWORD = "Sanxin-test-2026"


def valid_id(seq: int, *, birth: date = date(1980, 5, 17), region: str = "130803") -> str:
    """A valid 18-character identity number; `seq` (0-999) sets the sequence code."""
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + idcard.check_char(first17)


def make_user(
    username: str,
    role: str | None = None,
    *,
    region=None,
    household=None,
    phone: str | None = None,
    department: str = "",
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, phone=phone, display_name=username
    )
    if role:
        if role == Role.DEPARTMENT_VIEWER and not department:
            department = Department.ORGANISATION
        RoleAssignment.objects.create(
            user=user, role=role, region=region, household=household, department=department
        )
    return user


def make_household(
    village,
    group,
    number: str,
    *,
    head: str = "张三",
    head_seq: int = 1,
    members: int = 0,
    actor=None,
):
    household = hh._household_create(
        actor=actor,
        village=village,
        villager_group=group,
        number=number,
        address=f"{village.name}{number}号",
    )
    hh._person_create(
        actor=actor,
        household=household,
        data=hh.PersonData(name=head, id_number=idcard.parse(valid_id(head_seq)), relation="户主"),
    )
    for i in range(members):
        hh._person_create(
            actor=actor,
            household=household,
            data=hh.PersonData(
                name=f"{head}家{i + 1}",
                id_number=idcard.parse(valid_id(head_seq + i + 1, birth=date(2005, 1, 9))),
                relation="子",
            ),
        )
    hh.refresh_household_summary([household.pk])
    household.refresh_from_db()
    return household


def make_tree(name: str = "双滦区", code: str = "130803000000"):
    district = region_create(level=Level.DISTRICT, name=name, code=code)
    return district


def child(parent, name: str, *, kind: str = ""):
    from sanxin.regions.choices import CHILD_LEVEL

    return region_create(level=CHILD_LEVEL[parent.level], name=name, parent=parent, kind=kind)


def cycle_on_notice(world, *, cut_off: date, notice_day: date, period: str | None = None):
    """Village A1's cycle taken through compute, review and the meeting to the
    notice starting on `notice_day` (by the committee head, the deputy attending)."""
    from datetime import timedelta

    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.services import cycles as services
    from sanxin.ratings.services.review import review_close

    head = world.users["committee_head"]
    cycle = services.cycle_open(
        actor=head,
        village=world.village_a1,
        period=period or str(cut_off.year),
        cut_off=cut_off,
        today=cut_off,  # opened before its cut-off, in its own period
    )
    services.cycle_compute(actor=head, cycle=cycle)
    cycle = services.cycle_advance(actor=head, cycle=cycle, to_state=CycleState.REVIEW)
    present = [world.users[k].pk for k in ("committee_head", "committee_deputy")]
    held_on = min(notice_day, timezone.localdate()) - timedelta(days=1)
    review_close(
        actor=head, cycle=cycle, held_on=held_on, present_user_ids=present, decision="同意"
    )
    cycle = services.cycle_advance(
        actor=head, cycle=cycle, to_state=CycleState.NOTICE, today=notice_day
    )
    cycle.refresh_from_db()
    return cycle


def cycle_final(world, cycle, *, day: date):
    """Finalise a cycle on notice on `day` (after its window), as the committee head."""
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.services import cycles as services

    return services.cycle_advance(
        actor=world.users["committee_head"], cycle=cycle, to_state=CycleState.FINAL, today=day
    )


def approved_entry(
    world,
    *,
    occurred_on: date,
    item: str = "env.dumping",
    recorder: str = "committee_member",
    reviewer: str = "committee_deputy",
):
    """An entry for the world's main household, recorded by one committee member
    and approved by another."""
    from sanxin.ledger import services as ledger
    from sanxin.ledger.services import EntryRequest

    entry = ledger.entry_record(
        actor=world.users[recorder],
        request=EntryRequest(
            household=world.household,
            item_code=item,
            occurred_on=occurred_on,
            evidence_text="村委会记录",
        ),
        today=occurred_on,
    )
    ledger.entry_review(actor=world.users[reviewer], entry=entry, approve=True)
    return entry


def sheet_xlsx(rows, *, header, above=()) -> bytes:
    """An .xlsx of one sheet: the rows `above` (titles), the header row, then `rows`."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in [*above, header, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_csv(rows, *, header, encoding: str = "utf-8", above=()) -> bytes:
    """The same as a .csv (comma separated, CRLF line ends, nothing quoted)."""
    lines = [",".join(str(v) for v in row) for row in [*above, header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
