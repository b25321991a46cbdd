"""Credit lines (授信): granting a village's eligible households their lines from its
latest final cycle (all at once, or one with different terms and a reason), declining
one, following the grade in force (suspended, lowered, restored), the officer's
acknowledgement of such a change, and the bank's decisions.

A line is valid as long as the grade it was granted from (until the village's next
final cycle, at most a year: the grade record's `valid_until`); granting from the
next cycle ends the old line. Every change writes a
`CreditLineEvent` and an audit row in the same transaction."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.households.models import Household
from sanxin.lending.choices import LINE_CURRENT, BankDecision, LineEventKind, LineStatus
from sanxin.lending.models import CreditLine, CreditLineEvent, CreditPolicy
from sanxin.lending.selectors import (
    EligibleRow,
    Terms,
    district_of,
    latest_final_cycle,
    policy_in_force,
    terms_for,
    village_rows,
)
from sanxin.lending.services.policy import check_terms
from sanxin.notifications.choices import Kind
from sanxin.notifications.services import notify
from sanxin.ratings.models import Cycle, GradeRecord
from sanxin.ratings.standing import grades_in_force
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, grade_rank

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)

BATCH = 500
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_reference() -> str:
    """A line's reference for the bank (授信编号): SX and ten unambiguous characters."""
    return "SX" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# --- what the officer is about to grant -------------------------------------------------


@dataclass
class VillageLines:
    """A village's latest final cycle, the policy in force and its households' rows."""

    village: Region
    cycle: Cycle | None
    policy: CreditPolicy | None
    rows: list[EligibleRow] = field(default_factory=list)

    @property
    def to_grant(self) -> list[EligibleRow]:
        return [r for r in self.rows if r.to_grant]


def village_lines(village: Region, today: date | None = None) -> VillageLines:
    """What the lines page shows and what a bulk grant would do."""
    today = today or timezone.localdate()
    cycle = latest_final_cycle(village)
    policy = policy_in_force(district_of(village), today)
    if cycle is None:
        return VillageLines(village=village, cycle=None, policy=policy)
    return VillageLines(
        village=village, cycle=cycle, policy=policy, rows=village_rows(village, cycle, policy)
    )


# --- checks ----------------------------------------------------------------------------


def _require_manage(actor: User | None, household: Household) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.LENDING_MANAGE):
        raise PermissionDenied("无权为该户办理授信")
    if household.pk in scope.own_household_ids():
        raise ValidationError(f"{household.number}号户是您本人的家庭，不能为其办理授信，请回避")


def _require_village(actor: User | None, village: Region) -> None:
    if actor is not None and not scope_for(actor).covers_region(village, Perm.LENDING_MANAGE):
        raise PermissionDenied("无权为该村办理授信")


def _lock_village(village: Region) -> None:
    """One grant at a time per village: concurrent clicks queue here, and the second
    finds the households already granted."""
    Region.objects.select_for_update().filter(pk=village.pk).first()


def _ready(village: Region, today: date) -> VillageLines:
    lines = village_lines(village, today)
    if lines.cycle is None:
        raise ValidationError(f"{village.name}还没有最终确定的评定周期，不能授信")
    if lines.policy is None:
        raise ValidationError("本区还没有生效的授信政策，请先发布授信政策")
    return lines


def _end_old(old: CreditLine | None, *, actor, cycle: Cycle, now: datetime) -> None:
    """A grant from a newer cycle ends the household's line from the earlier one."""
    if old is None or old.cycle_id == cycle.pk:
        return
    old.status = LineStatus.ENDED
    old.ended_at = now
    old.needs_attention = False
    old.save(update_fields=["status", "ended_at", "needs_attention", "updated_at"])
    _event(old, LineEventKind.ENDED, actor, now, reason=f"{cycle.period_label}评定后重新授信")


def _event(line: CreditLine, kind: str, actor, now: datetime, reason: str = "") -> CreditLineEvent:
    event = _event_row(line, kind, actor, now, reason)
    event.save()
    return event


def _event_row(
    line: CreditLine, kind: str, actor, now: datetime, reason: str = ""
) -> CreditLineEvent:
    """An unsaved event recording `line`'s values after the step."""
    return CreditLineEvent(
        line=line,
        kind=kind,
        grade=line.current_grade,
        amount=line.amount,
        annual_rate=line.annual_rate,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )


def _build_line(
    row: EligibleRow,
    *,
    village: Region,
    cycle: Cycle,
    policy: CreditPolicy,
    actor,
    now: datetime,
    terms: Terms | None = None,
    reason: str = "",
    status: str = LineStatus.GRANTED,
    validate_constraints: bool = True,
) -> CreditLine:
    """An unsaved line for the row's household, checked field by field (and against
    the database's constraints unless the caller inserts in bulk, where the database
    enforces them itself)."""
    assert row.record is not None
    policy_terms = row.terms
    granted = terms or policy_terms
    line = CreditLine(
        household=row.household,
        village=village,
        cycle=cycle,
        policy=policy,
        reference=new_reference(),
        grade=row.record.grade,
        current_grade=row.record.grade,
        policy_amount=policy_terms.line_amount if policy_terms else None,
        policy_rate=policy_terms.annual_rate if policy_terms else None,
        granted_amount=granted.line_amount if granted and status != LineStatus.DECLINED else None,
        granted_rate=granted.annual_rate if granted and status != LineStatus.DECLINED else None,
        amount=granted.line_amount if granted and status != LineStatus.DECLINED else None,
        annual_rate=granted.annual_rate if granted and status != LineStatus.DECLINED else None,
        status=status,
        valid_until=row.record.valid_until,
        reason=reason,
        granted_by=actor if getattr(actor, "pk", None) else None,
        granted_at=now,
    )
    line.full_clean(exclude=["reference"], validate_constraints=validate_constraints)
    return line


def _new_line(row: EligibleRow, **kwargs) -> CreditLine:
    line = _build_line(row, **kwargs)
    line.save()
    return line


# --- granting ------------------------------------------------------------------------------


@dataclass
class GrantOutcome:
    granted: list[CreditLine]
    recused: int = 0  # the officer's own household, left for a colleague

    @property
    def total(self) -> Decimal:
        return sum((line.granted_amount or Decimal(0) for line in self.granted), Decimal(0))


@transaction.atomic
def credit_lines_grant_village(
    *, actor: User | None, village: Region, today: date | None = None, now: datetime | None = None
) -> GrantOutcome:
    """Grant every eligible household of the village its policy line from the latest
    final cycle, in one transaction. Idempotent: households already granted (or
    declined) from that cycle are left alone, so a second click grants nothing."""
    _require_village(actor, village)
    today = today or timezone.localdate()
    now = now or timezone.now()
    _lock_village(village)
    lines = _ready(village, today)
    assert lines.cycle is not None and lines.policy is not None
    own = scope_for(actor).own_household_ids() if actor is not None else set()
    rows = [r for r in lines.to_grant if r.household.pk not in own]
    recused = len(lines.to_grant) - len(rows)
    # In bulk: a fixed number of statements per batch, whatever the village's size.
    # The lines of the earlier cycle end: replaced by this grant, or, for households
    # this cycle rated without a line, with nothing in their place.
    regrant = f"{lines.cycle.period_label}评定后重新授信"
    no_line = f"{lines.cycle.period_label}评定等级不符合授信条件"
    old = [(r.old_line, regrant) for r in rows if r.old_line is not None] + [
        (r.old_line, no_line)
        for r in lines.rows
        if r.old_line is not None
        and r.record is not None
        and not r.eligible
        and r.household.pk not in own
    ]
    if old:
        CreditLine.objects.filter(pk__in=[ln.pk for ln, _ in old]).update(
            status=LineStatus.ENDED, ended_at=now, needs_attention=False, updated_at=now
        )
        for ln, _ in old:
            ln.status, ln.ended_at = LineStatus.ENDED, now
        CreditLineEvent.objects.bulk_create(
            [_event_row(ln, LineEventKind.ENDED, actor, now, why) for ln, why in old],
            batch_size=BATCH,
        )
    granted = [
        _build_line(
            r,
            village=village,
            cycle=lines.cycle,
            policy=lines.policy,
            actor=actor,
            now=now,
            validate_constraints=False,
        )
        for r in rows
    ]
    CreditLine.objects.bulk_create(granted, batch_size=BATCH)
    if any(ln.pk is None for ln in granted):  # a database that returns no ids from a bulk insert
        ids = dict(
            CreditLine.objects.filter(reference__in=[ln.reference for ln in granted]).values_list(
                "reference", "pk"
            )
        )
        for ln in granted:
            ln.pk = ids[ln.reference]
    CreditLineEvent.objects.bulk_create(
        [_event_row(ln, LineEventKind.GRANTED, actor, now, "按授信政策批量授信") for ln in granted],
        batch_size=BATCH,
    )
    audit(
        actor=actor,
        action="lending.lines_grant",
        obj=village,
        region_path=village.path,
        at=now,
        after={
            "cycle": lines.cycle.period,
            "policy_version": lines.policy.version,
            "lines": len(granted),
            "ended": len(old),
            "total": str(sum((ln.granted_amount or 0 for ln in granted), Decimal(0))),
        },
    )
    logger.info(
        "lines granted in village %s: %d (cycle %s, policy %s)",
        village.pk, len(granted), lines.cycle.pk, lines.policy.pk,
    )  # fmt: skip
    return GrantOutcome(granted=granted, recused=recused)


def _row_for(household: Household, today: date) -> tuple[VillageLines, EligibleRow]:
    lines = _ready(household.village, today)
    row = next((r for r in lines.rows if r.household.pk == household.pk), None)
    if row is None or row.record is None:
        raise ValidationError(
            f"{household.number}号户没有{lines.cycle.period_label if lines.cycle else ''}的在用等级，不能授信"
        )
    return lines, row


@transaction.atomic
def credit_line_grant(
    *,
    actor: User | None,
    household: Household,
    line_amount: Decimal,
    annual_rate: Decimal,
    reason: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> CreditLine:
    """Grant one household a line from the village's latest final cycle, with the
    policy's terms or others; others need a written reason. Refused when the
    household's grade gets no line, or it already has a line from that cycle."""
    _require_manage(actor, household)
    today = today or timezone.localdate()
    now = now or timezone.now()
    _lock_village(household.village)
    lines, row = _row_for(household, today)
    assert lines.cycle is not None and lines.policy is not None
    if row.terms is None:
        raise ValidationError(f"按现行授信政策，{GRADE_LABELS[row.grade or '']}不能授信")
    if row.line is not None and row.line.status in LINE_CURRENT:
        raise ValidationError(
            f"{household.number}号户已经授信（{row.line.reference}），不能重复授信"
        )
    terms = check_terms(line_amount, annual_rate)
    reason = reason.strip()
    if terms != row.terms and not reason:
        raise ValidationError({"reason": ["额度或利率与授信政策不同，必须说明理由"]})
    _end_old(row.old_line, actor=actor, cycle=lines.cycle, now=now)
    line = _new_line(
        row,
        village=household.village,
        cycle=lines.cycle,
        policy=lines.policy,
        actor=actor,
        now=now,
        terms=terms,
        reason=reason,
    )
    _event(line, LineEventKind.GRANTED, actor, now, reason=reason)
    audit(
        actor=actor,
        action="lending.line_grant",
        obj=line,
        region_path=household.villager_group.path,
        at=now,
        after={
            "household": household.number,
            "grade": line.grade,
            "amount": str(line.granted_amount),
            "rate": str(line.granted_rate),
            "policy_amount": str(line.policy_amount),
            "policy_rate": str(line.policy_rate),
            "reason": reason,
        },
    )
    return line


@transaction.atomic
def credit_line_decline(
    *,
    actor: User | None,
    household: Household,
    reason: str,
    today: date | None = None,
    now: datetime | None = None,
) -> CreditLine:
    """Decide not to grant an eligible household a line from the latest final cycle,
    with a reason (its line from an earlier cycle ends)."""
    _require_manage(actor, household)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["不予授信必须说明理由"]})
    today = today or timezone.localdate()
    now = now or timezone.now()
    _lock_village(household.village)
    lines, row = _row_for(household, today)
    assert lines.cycle is not None and lines.policy is not None
    if row.line is not None and row.line.status != LineStatus.BANK_DECLINED:
        raise ValidationError(f"{household.number}号户本期已作出授信决定，不能再不予授信")
    _end_old(row.old_line, actor=actor, cycle=lines.cycle, now=now)
    line = _new_line(
        row,
        village=household.village,
        cycle=lines.cycle,
        policy=lines.policy,
        actor=actor,
        now=now,
        reason=reason,
        status=LineStatus.DECLINED,
    )
    _event(line, LineEventKind.DECLINED, actor, now, reason=reason)
    audit(
        actor=actor,
        action="lending.line_decline",
        obj=line,
        region_path=household.villager_group.path,
        at=now,
        after={"household": household.number, "grade": line.grade, "reason": reason},
    )
    return line


# --- following the grade in force -------------------------------------------------------


def line_target(
    *, granted_grade: str, granted: Terms, grade: str, terms: Terms | None
) -> tuple[str, Decimal, Decimal]:
    """The state, amount and rate of a line granted at `granted_grade` on `granted`
    terms once the household's grade in force is `grade` (which the policy gives
    `terms`): as granted at its grade or above; below it the new grade's line (never
    more than granted) at the dearer of the two rates, or suspended (nothing to draw)
    when the new grade gets no line. Pure: no database."""
    if grade_rank(grade) >= grade_rank(granted_grade):
        return LineStatus.GRANTED, granted.line_amount, granted.annual_rate
    if terms is None:
        return LineStatus.SUSPENDED, Decimal("0.00"), granted.annual_rate
    amount = min(granted.line_amount, terms.line_amount)
    rate = max(granted.annual_rate, terms.annual_rate)
    if (amount, rate) == (granted.line_amount, granted.annual_rate):
        return LineStatus.GRANTED, amount, rate  # the lower grade's terms are no worse
    return LineStatus.LOWERED, amount, rate


def credit_line_follow_grade(
    *,
    household: Household,
    record: GradeRecord,
    actor: User | None,
    now: datetime | None = None,
) -> CreditLine | None:
    """Bring the household's current line in line with its new grade in force (a
    dynamic downgrade, a veto, their end): suspended, lowered or restored, with an
    event, an audit row, a notification to the household and the line flagged for
    the officer. Returns the line when it changed. No permission check: it applies
    the policy's rule, called by the `grade_changed` receiver inside the grade
    change's transaction."""
    line = (
        CreditLine.objects.select_for_update()
        .filter(household=household, status__in=LINE_CURRENT)
        .select_related("policy")
        .first()
    )
    if line is None:
        return None
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    policy = policy_in_force(district_of(household.village), today) or line.policy
    assert line.granted_amount is not None and line.granted_rate is not None
    status, amount, rate = line_target(
        granted_grade=line.grade,
        granted=Terms(line.granted_amount, line.granted_rate),
        grade=record.grade,
        terms=terms_for(policy, record.grade),
    )
    line.current_grade = record.grade
    if (status, amount, rate) == (line.status, line.amount, line.annual_rate):
        line.save(update_fields=["current_grade", "updated_at"])
        return None
    before = {"status": line.status, "amount": str(line.amount), "rate": str(line.annual_rate)}
    kinds: dict[str, str] = {
        LineStatus.GRANTED: LineEventKind.RESTORED,
        LineStatus.LOWERED: LineEventKind.LOWERED,
        LineStatus.SUSPENDED: LineEventKind.SUSPENDED,
    }
    kind = kinds[status]
    line.status, line.amount, line.annual_rate = status, amount, rate
    line.needs_attention = True
    line.full_clean(exclude=["reference"])
    line.save(
        update_fields=[
            "status",
            "amount",
            "annual_rate",
            "current_grade",
            "needs_attention",
            "updated_at",
        ]
    )
    grade = GRADE_LABELS[record.grade]
    reason = f"在用等级调整为{grade}" + (f"：{record.reason}" if record.reason else "")
    _event(line, kind, actor, now, reason=reason)
    audit(
        actor=actor,
        action="lending.line_follow_grade",
        obj=line,
        region_path=household.villager_group.path,
        at=now,
        before=before,
        after={"status": status, "amount": str(amount), "rate": str(rate), "grade": record.grade},
    )
    if status == LineStatus.SUSPENDED:
        title = "您家的授信已暂停"
        body = f"因信用等级调整为{grade}，您家的授信额度暂停使用，等级恢复后将恢复。"
    elif status == LineStatus.LOWERED:
        title = f"您家的授信额度已调整为{money(amount)}元"
        body = f"因信用等级调整为{grade}，授信额度调整为{money(amount)}元，年利率{rate.normalize():f}%。"
    else:
        title = "您家的授信已恢复"
        body = (
            f"信用等级恢复为{grade}，授信额度恢复为{money(amount)}元，年利率{rate.normalize():f}%。"
        )
    notify(
        households=[household.pk],
        kind=Kind.GRADE_CHANGED,
        at=now,
        url=reverse("lending:household", args=[household.pk]),
        title=title,
        body=body,
    )
    return line


def credit_lines_follow_cycle(*, cycle: Cycle, actor: User | None, now: datetime) -> int:
    """A village's cycle has just become final: each current line granted from an
    earlier cycle follows its household's new grade at once (a household rated lower
    is suspended or lowered until the officer grants from the new cycle; one rated
    the same or higher keeps its line until then). Returns how many lines changed.
    No permission check: called by the `cycle_final` receiver inside the cycle's
    transaction."""
    lines = list(
        CreditLine.objects.filter(village_id=cycle.village_id, status__in=LINE_CURRENT)
        .exclude(cycle=cycle)
        .select_related("household__village", "household__villager_group")
    )
    if not lines:
        return 0
    records = grades_in_force([ln.household_id for ln in lines])
    changed = 0
    for ln in lines:
        record = records.get(ln.household_id)
        if record is not None and record.cycle_id == cycle.pk:
            changed += (
                credit_line_follow_grade(
                    household=ln.household, record=record, actor=actor, now=now
                )
                is not None
            )
    return changed


@transaction.atomic
def credit_line_acknowledge(*, actor: User, line: CreditLine) -> CreditLine:
    """The officer has seen a line's change: it leaves the "needs attention" list."""
    _require_manage(actor, line.household)
    if not line.needs_attention:
        return line
    line.needs_attention = False
    line.save(update_fields=["needs_attention", "updated_at"])
    audit(
        actor=actor,
        action="lending.line_acknowledge",
        obj=line,
        region_path=line.household.villager_group.path,
        after={"status": line.status},
    )
    return line


# --- the bank's decision ------------------------------------------------------------------


def credit_line_bank_decide(
    *, line: CreditLine, approved: bool, reason: str, actor, now: datetime
) -> bool:
    """Record the bank's decision on a line (from its file; the caller checks scope and
    writes the import's audit row). Returns False when the line already has this very
    decision (a re-import changes nothing); a contrary decision is refused."""
    decision = BankDecision.APPROVED if approved else BankDecision.DECLINED
    if line.bank_decision == decision:
        return False
    if line.bank_decision != BankDecision.PENDING:
        raise ValidationError(
            f"授信 {line.reference} 信用社已作出决定（{BankDecision(line.bank_decision).label}），不能更改"
        )
    if line.status not in LINE_CURRENT:
        raise ValidationError(
            f"授信 {line.reference} 的状态是“{LineStatus(line.status).label}”，不能审批"
        )
    line.bank_decision = decision
    line.bank_reason = reason
    line.bank_decided_at = now
    fields = ["bank_decision", "bank_reason", "bank_decided_at", "updated_at"]
    if not approved:
        line.status = LineStatus.BANK_DECLINED
        line.ended_at = now
        line.needs_attention = False
        fields += ["status", "ended_at", "needs_attention"]
    line.save(update_fields=fields)
    _event(
        line,
        LineEventKind.BANK_APPROVED if approved else LineEventKind.BANK_DECLINED,
        actor,
        now,
        reason=reason,
    )
    if not approved:
        notify(
            households=[line.household_id],
            kind=Kind.GRADE_CHANGED,
            at=now,
            url=reverse("lending:household", args=[line.household_id]),
            title="信用社未批准您家的授信",
            body=reason,
        )
    return True
