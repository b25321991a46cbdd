"""Honour selections (荣誉评选): honour types, nominations, the committee's check, the
secret vote, the count, the public notice with objections, the award (the scheme
item's points as a pending ledger entry, approved by a second member in the normal
review) and the withdrawal of an honour (its points reversed).

Every checked service takes `actor` and `today` (None: `timezone.localdate()`; the
demo and the tests walk a selection through past dates with it)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.engagement.choices import (
    NominationSource,
    NominationState,
    SelectionState,
    TieRule,
    VoterBody,
)
from sanxin.engagement.models import (
    Ballot,
    BallotCast,
    Honour,
    HonourObjection,
    HonourType,
    HonourWithdrawal,
    Nomination,
    NominationPhoto,
    Representative,
    Selection,
)
from sanxin.households.models import Household, Person
from sanxin.ledger.choices import Source
from sanxin.ledger.models import Review
from sanxin.ledger.services import EntryRequest, entry_record, entry_reverse, entry_review
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_line, clean_text
from sanxin.ratings.standing import active_caps, grade_in_force, is_expired
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, Grade, grade_rank
from sanxin.rules.selectors import district_version_in_force

if TYPE_CHECKING:
    from sanxin.accounts.models import User

log = logging.getLogger(__name__)

COMMITTEE_ROLES = (Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER)
MAX_PHOTOS = 6

# The honour types a district starts with: (name, item code, for a household,
# self-nomination allowed).
DEFAULT_TYPES = (
    ("道德模范", "honour.village", False, False),
    ("劳动模范", "honour.village", False, False),
    ("美丽庭院", "honour.village", True, True),
)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _district_of(region: Region) -> Region:
    return Region.objects.get(pk=Region.ids_in_path(region.path)[0])


# --- honour types --------------------------------------------------------------------


def honour_types_install_default(*, district: Region) -> list[HonourType]:
    """The district's honour types, the three defaults created when missing (no
    permission check: it only adds the defaults every district has)."""
    for name, item_code, for_household, self_nomination in DEFAULT_TYPES:
        HonourType.objects.get_or_create(
            district=district,
            name=name,
            defaults={
                "item_code": item_code,
                "for_household": for_household,
                "self_nomination": self_nomination,
            },
        )
    return list(HonourType.objects.filter(district=district, active=True))


@transaction.atomic
def honour_type_add(
    *,
    actor: User,
    district: Region,
    name: str,
    item_code: str,
    for_household: bool = False,
    min_grade: str = Grade.A3,
    no_active_veto: bool = True,
    repeat_years: int = 3,
    self_nomination: bool = False,
) -> HonourType:
    """A new honour type of the district (好婆婆、文明家庭、致富带头人 …)."""
    if not scope_for(actor).covers_region(district, Perm.ENGAGE_HONOUR_TYPES):
        raise PermissionDenied("只有区县管理员可以设置荣誉类型")
    version = district_version_in_force(district.pk, timezone.localdate())
    if version is None or version.scheme.find_item(item_code) is None:
        raise ValidationError({"item_code": [f"积分项“{item_code}”不在本区现行评分方案中"]})
    if HonourType.objects.filter(district=district, name=name).exists():
        raise ValidationError({"name": [f"“{name}”已经存在"]})
    honour_type = HonourType(
        district=district,
        name=clean_line(name, "荣誉名称", field="name"),
        item_code=clean_line(item_code, "积分项代码", field="item_code"),
        for_household=for_household,
        min_grade=min_grade,
        no_active_veto=no_active_veto,
        repeat_years=repeat_years,
        self_nomination=self_nomination,
    )
    honour_type.full_clean()
    honour_type.save()
    audit(
        actor=actor,
        action="honour_type.add",
        obj=honour_type,
        region_path=district.path,
        after={"name": honour_type.name, "item": honour_type.item_code},
    )
    return honour_type


# --- eligibility ---------------------------------------------------------------------


def eligibility_problems(
    honour_type: HonourType,
    household: Household,
    person: Person | None,
    *,
    year: int,
    today: date | None = None,
) -> list[str]:
    """Why the nominee may not be chosen, in plain words ([] if they may): the
    grade in force, running vetoes, the same honour within the last N years."""
    today = _today(today)
    problems = []
    minimum = honour_type.min_grade
    if grade_rank(minimum) > 0:
        record = grade_in_force(household)
        if record is None or is_expired(record, today):
            problems.append(
                f"该户目前没有在用的信用等级（本荣誉要求不低于{GRADE_LABELS[minimum]}）"
            )
        elif grade_rank(record.grade) < grade_rank(minimum):
            problems.append(
                f"该户在用信用等级为{GRADE_LABELS[record.grade]}，"
                f"本荣誉要求不低于{GRADE_LABELS[minimum]}"
            )
    if honour_type.no_active_veto and active_caps(household, today):
        problems.append("该户有正在执行的一票否决或直接判级")
    if honour_type.repeat_years:
        earlier = Honour.objects.filter(
            honour_type=honour_type,
            household=household,
            year__gt=year - honour_type.repeat_years,
            withdrawal__isnull=True,
        )
        if person is not None:
            earlier = earlier.filter(person=person)
        if (found := earlier.order_by("-year").first()) is not None:
            problems.append(
                f"{found.year}年已获“{honour_type.name}”，{honour_type.repeat_years}年内不能重复评选"
            )
    return problems


def rules_in_words(honour_type: HonourType) -> list[str]:
    """The type's eligibility rules as a villager reads them."""
    words = []
    if grade_rank(honour_type.min_grade) > 0:
        words.append(f"在用信用等级不低于{GRADE_LABELS[honour_type.min_grade]}")
    if honour_type.no_active_veto:
        words.append("没有正在执行的一票否决")
    if honour_type.repeat_years:
        words.append(f"{honour_type.repeat_years}年内未获同一荣誉")
    return words


# --- selections ----------------------------------------------------------------------


def _check_manage(actor: User | None, region: Region) -> None:
    if not scope_for(actor).covers_region(region, Perm.ENGAGE_MANAGE):
        raise PermissionDenied("无权管理该村（镇）的荣誉评选")


def _locked(selection: Selection) -> Selection:
    return (
        Selection.objects.select_for_update()
        .select_related("honour_type", "region")
        .get(pk=selection.pk)
    )


def _audit_selection(actor, action: str, selection: Selection, **after) -> None:
    audit(
        actor=actor,
        action=action,
        obj=selection,
        region_path=selection.region.path,
        after={"state": selection.state, **after},
    )


@transaction.atomic
def selection_open(
    *,
    actor: User,
    honour_type: HonourType,
    region: Region,
    year: int,
    nominate_from: date,
    nominate_until: date,
    vote_from: date,
    vote_until: date,
    quota: int,
    voters: str = VoterBody.REPRESENTATIVES,
    quorum_percent: int = 66,
    tie_rule: str = TieRule.NONE_TIED,
    notice_days: int = 7,
) -> Selection:
    """Open a selection: its nomination window begins."""
    _check_manage(actor, region)
    if region.level not in (Level.VILLAGE, Level.TOWN):
        raise ValidationError({"region": ["荣誉评选以村或镇为单位"]})
    if honour_type.district_id != Region.ids_in_path(region.path)[0] or not honour_type.active:
        raise ValidationError({"honour_type": ["该荣誉不属于本区县或已停用"]})
    if nominate_until < nominate_from:
        raise ValidationError({"nominate_until": ["提名截止日期早于开始日期"]})
    if vote_from < nominate_until:
        raise ValidationError({"vote_from": ["投票应在提名截止之后开始"]})
    if vote_until < vote_from:
        raise ValidationError({"vote_until": ["投票截止日期早于开始日期"]})
    if (
        Selection.objects.filter(honour_type=honour_type, region=region, year=year)
        .exclude(state=SelectionState.CLOSED)
        .exists()
    ):
        raise ValidationError({"year": [f"{year}年“{honour_type.name}”评选已经开始，不能重复"]})
    selection = Selection(
        honour_type=honour_type,
        region=region,
        year=year,
        nominate_from=nominate_from,
        nominate_until=nominate_until,
        vote_from=vote_from,
        vote_until=vote_until,
        quota=quota,
        voters=voters,
        quorum_percent=quorum_percent,
        tie_rule=tie_rule,
        notice_days=notice_days,
        created_by=actor,
    )
    selection.full_clean()
    selection.save()
    _audit_selection(actor, "selection.open", selection, year=year, quota=quota)
    log.info("selection %s opened (region %s)", selection.pk, region.pk)
    return selection


@transaction.atomic
def selection_close_nominations(
    *, actor: User, selection: Selection, today: date | None = None
) -> Selection:
    """Nominating → checking, once the nomination window has ended."""
    _check_manage(actor, selection.region)
    selection = _locked(selection)
    if selection.state != SelectionState.NOMINATING:
        raise ValidationError("该评选不在提名阶段")
    if _today(today) <= selection.nominate_until:
        raise ValidationError(
            f"提名截止日期（{selection.nominate_until:%Y-%m-%d}）之后才能进入资格审查"
        )
    selection.state = SelectionState.CHECKING
    selection.save(update_fields=["state"])
    _audit_selection(actor, "selection.check", selection)
    return selection


def voter_ids(selection: Selection, today: date | None = None) -> set[int]:
    """The users who may vote in the selection today: the committees of its village
    (of the town's villages), or the representatives on the list who have a login."""
    from sanxin.accounts.models import User

    today = _today(today)
    if selection.voters == VoterBody.COMMITTEE:
        return set(
            RoleAssignment.objects.filter(
                ended_at__isnull=True,
                role__in=COMMITTEE_ROLES,
                region__path__startswith=selection.region.path,
                user__is_active=True,
            ).values_list("user_id", flat=True)
        )
    return set(
        User.objects.filter(
            is_active=True, person__in=_representatives(selection, today).values("person")
        ).values_list("pk", flat=True)
    )


def _representatives(selection: Selection, today: date):
    return Representative.objects.filter(
        village__path__startswith=selection.region.path, since__lte=today
    ).filter(Q(until__isnull=True) | Q(until__gt=today))


def eligible_voter_count(selection: Selection, today: date | None = None) -> int:
    """The quorum's base: the committee members, or everyone on the representatives'
    list (with or without a login)."""
    if selection.voters == VoterBody.COMMITTEE:
        return len(voter_ids(selection, today))
    return _representatives(selection, _today(today)).count()


def quorum_needed(selection: Selection) -> int:
    base = selection.eligible_voters or 0
    return max(1, math.ceil(base * selection.quorum_percent / 100))


@transaction.atomic
def selection_open_vote(
    *, actor: User, selection: Selection, today: date | None = None
) -> Selection:
    """Checking → voting: every nomination checked, at least one eligible."""
    _check_manage(actor, selection.region)
    selection = _locked(selection)
    today = _today(today)
    if selection.state != SelectionState.CHECKING:
        raise ValidationError("该评选不在资格审查阶段")
    if selection.nominations.filter(state=NominationState.SUBMITTED).exists():
        raise ValidationError("还有提名没有审查，请先逐一审查")
    if not selection.nominations.filter(state=NominationState.ELIGIBLE).exists():
        raise ValidationError("没有审查通过的提名，无法投票；可结束本次评选")
    if today > selection.vote_until:
        raise ValidationError(f"投票截止日期（{selection.vote_until:%Y-%m-%d}）已过")
    count = eligible_voter_count(selection, today)
    if count == 0:
        raise ValidationError(
            "没有投票人：请先在村民代表名单中登记代表"
            if selection.voters == VoterBody.REPRESENTATIVES
            else "没有投票人"
        )
    selection.state = SelectionState.VOTING
    selection.eligible_voters = count
    selection.save(update_fields=["state", "eligible_voters"])
    _audit_selection(actor, "selection.vote", selection, eligible_voters=count)
    return selection


@transaction.atomic
def selection_close(*, actor: User, selection: Selection, reason: str) -> Selection:
    """End a selection without an award (before the award)."""
    _check_manage(actor, selection.region)
    selection = _locked(selection)
    if selection.state in (SelectionState.AWARDED, SelectionState.CLOSED):
        raise ValidationError("该评选已经结束")
    reason = clean_line(reason, "结束原因", field="reason")
    if not reason:
        raise ValidationError({"reason": ["请填写结束原因"]})
    selection.state = SelectionState.CLOSED
    selection.closed_reason = reason
    selection.save(update_fields=["state", "closed_reason"])
    _audit_selection(actor, "selection.close", selection, reason=reason)
    return selection


# --- nominations ---------------------------------------------------------------------


def nomination_source(actor: User | None, household: Household) -> str | None:
    """How `actor` nominates in `household`'s village (None: they may not)."""
    scope = scope_for(actor)
    if scope.covers_region(household.village, Perm.ENGAGE_MANAGE):
        return NominationSource.COMMITTEE
    if scope.covers_household(household, Perm.ENGAGE_PUBLISH):
        return NominationSource.SUBTEAM
    villages = {g.household_village_id for g in scope.grants_for(Perm.ENGAGE_TAKE_PART)}
    if household.village_id in villages:
        return NominationSource.VILLAGER
    return None


@transaction.atomic
def nomination_submit(
    *,
    actor: User,
    selection: Selection,
    household: Household,
    person: Person | None,
    reason: str,
    photos: Sequence[UploadedFile] = (),
    today: date | None = None,
) -> Nomination:
    """Nominate a household (an honour for households) or a person of it, with a
    reason, during the nomination window. The rules are checked at once: a nominee
    who does not meet them is refused, with the reasons (to a villager nominating
    another household, only the rules, not that household's grade or vetoes)."""
    today = _today(today)
    source = nomination_source(actor, household)
    if source is None:
        raise PermissionDenied("只能推荐本村的农户或村民")
    selection = _locked(selection)
    honour_type = selection.honour_type
    if not household.villager_group.path.startswith(selection.region.path):
        raise PermissionDenied("该户不在本次评选的范围内")
    if selection.state != SelectionState.NOMINATING or not (
        selection.nominate_from <= today <= selection.nominate_until
    ):
        raise ValidationError(
            f"不在提名时间内（{selection.nominate_from:%Y-%m-%d} 至 {selection.nominate_until:%Y-%m-%d}）"
        )
    own = household.pk in scope_for(actor).own_household_ids()
    if own and not (source == NominationSource.VILLAGER and honour_type.self_nomination):
        raise ValidationError(
            {
                "household": [
                    f"“{honour_type.name}”不能推荐本户"
                    if source == NominationSource.VILLAGER
                    else "本人家庭需回避，请由其他成员提名"
                ]
            }
        )
    if honour_type.for_household:
        person = None
    elif person is None:
        raise ValidationError({"person": ["请选择被推荐人"]})
    elif person.household_id != household.pk or not person.active:
        raise ValidationError({"person": ["被推荐人不是该户在册成员"]})
    reason = clean_text(reason, "推荐理由", field="reason")
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": ["请写明推荐理由（至少5个字）"]})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [f"最多上传 {MAX_PHOTOS} 张照片"]})
    for photo in photos:
        if problem := photo_files.problem(photo):
            raise ValidationError({"photos": [problem]})
    duplicate = selection.nominations.filter(household=household)
    duplicate = duplicate.filter(person=person) if person else duplicate.filter(person=None)
    if duplicate.exists():
        raise ValidationError({"household": ["已有人推荐过，无需重复推荐"]})
    problems = eligibility_problems(
        honour_type, household, person, year=selection.year, today=today
    )
    if problems:
        shown = (
            problems
            if own or source != NominationSource.VILLAGER
            else ["被推荐户不符合评选条件（" + "、".join(rules_in_words(honour_type)) + "）"]
        )
        raise ValidationError({"household": shown})
    now = timezone.now()
    nomination = Nomination(
        selection=selection,
        household=household,
        person=person,
        source=source,
        nominated_by=actor,
        nominated_at=now,
        reason=reason,
        eligibility_note="符合条件：" + "、".join(rules_in_words(honour_type)),
    )
    nomination.full_clean()
    nomination.save()
    for photo in photos:
        stored = photo_files.clean(photo)
        NominationPhoto.objects.create(
            nomination=nomination, image=stored, sha256=photo_files.sha256(stored)
        )
    audit(
        actor=actor,
        action="nomination.submit",
        obj=nomination,
        region_path=household.villager_group.path,
        at=now,
        after={"selection": selection.pk, "household": household.number, "nominated_as": source},
    )
    return nomination


@transaction.atomic
def nomination_check(
    *,
    actor: User,
    nomination: Nomination,
    eligible: bool,
    reason: str = "",
    today: date | None = None,
) -> Nomination:
    """The committee's check of one nomination: eligible, or not with a reason.
    A nominee who does not meet the rules today cannot be passed."""
    selection = _locked(nomination.selection)
    _check_manage(actor, selection.region)
    if scope_for(actor).is_recused(nomination.household):
        raise PermissionDenied("本人家庭的提名需回避")
    if selection.state != SelectionState.CHECKING:
        raise ValidationError("该评选不在资格审查阶段")
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    reason = clean_line(reason, "审查意见", field="reason")
    if eligible:
        problems = eligibility_problems(
            selection.honour_type,
            nomination.household,
            nomination.person,
            year=selection.year,
            today=today,
        )
        if problems:
            raise ValidationError({"reason": problems})
    elif not reason:
        raise ValidationError({"reason": ["审查不通过须写明理由"]})
    nomination.state = NominationState.ELIGIBLE if eligible else NominationState.INELIGIBLE
    nomination.check_reason = reason
    nomination.checked_by = actor
    nomination.checked_at = timezone.now()
    nomination.full_clean()
    nomination.save(update_fields=["state", "check_reason", "checked_by", "checked_at"])
    audit(
        actor=actor,
        action="nomination.check",
        obj=nomination,
        region_path=nomination.household.villager_group.path,
        after={"state": nomination.state, "reason": reason},
    )
    return nomination


# --- the vote ------------------------------------------------------------------------


def voter_problem(actor: User | None, selection: Selection, today: date | None = None) -> str:
    """Why `actor` is not a voter of the selection ('' if they are)."""
    if actor is None or not scope_for(actor).has(Perm.ENGAGE_VOTE):
        return "您没有投票权"
    if actor.pk not in voter_ids(selection, today):
        return (
            "只有本村“两委”成员可以投票"
            if selection.voters == VoterBody.COMMITTEE
            else "只有村民代表名单上的代表可以投票"
        )
    return ""


def vote_problem(actor: User | None, selection: Selection, today: date | None = None) -> str:
    """Why `actor` may not vote in the selection now ('' if they may)."""
    today = _today(today)
    if selection.state != SelectionState.VOTING:
        return "该评选现在不在投票阶段"
    if not selection.vote_from <= today <= selection.vote_until:
        return (
            f"不在投票时间内（{selection.vote_from:%Y-%m-%d} 至 {selection.vote_until:%Y-%m-%d}）"
        )
    if problem := voter_problem(actor, selection, today):
        return problem
    if BallotCast.objects.filter(selection=selection, voter=actor).exists():
        return "您已经投过票了，每人只能投一次"
    return ""


@transaction.atomic
def ballot_cast(
    *,
    actor: User,
    selection: Selection,
    choices: Sequence[int],
    today: date | None = None,
) -> None:
    """One secret ballot: who voted (`BallotCast`) and what was chosen (`Ballot`, no
    voter, no time, a random id, the choices sorted) are written in the same
    transaction with nothing shared but the selection. At most `quota` choices among
    the eligible nominations; an empty ballot is a blank vote (it counts for the
    quorum). Returns nothing: the voter's choice is not echoed anywhere."""
    today = _today(today)
    selection = _locked(selection)
    if problem := voter_problem(actor, selection, today):
        raise PermissionDenied(problem)
    if problem := vote_problem(actor, selection, today):
        raise ValidationError(problem)
    chosen = sorted({int(c) for c in choices})
    if len(chosen) != len(list(choices)):
        raise ValidationError("同一人只能选一次")
    if len(chosen) > selection.quota:
        raise ValidationError(f"最多选 {selection.quota} 人（户）")
    valid = set(
        selection.nominations.filter(state=NominationState.ELIGIBLE).values_list("pk", flat=True)
    )
    if not set(chosen) <= valid:
        raise ValidationError("选票中有不在候选名单上的选项")
    try:
        with transaction.atomic():
            BallotCast.objects.create(selection=selection, voter=actor, cast_on=today)
    except IntegrityError:
        raise ValidationError("您已经投过票了，每人只能投一次") from None
    for _attempt in range(5):  # a random id may (rarely) be taken already
        try:
            with transaction.atomic():
                Ballot.objects.create(selection=selection, choices=chosen)
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("no free ballot id")
    # The audit row says who voted, never what.
    audit(actor=actor, action="ballot.cast", obj=selection, region_path=selection.region.path)


@dataclass(frozen=True)
class CountResult:
    ballots: int
    needed: int
    quorum_met: bool
    elected: list[int]  # nomination ids


def _tally(selection: Selection) -> dict[int, int]:
    votes = {
        n: 0
        for n in selection.nominations.filter(state=NominationState.ELIGIBLE).values_list(
            "pk", flat=True
        )
    }
    for choices in Ballot.objects.filter(selection=selection).values_list("choices", flat=True):
        for nomination_id in choices:
            if nomination_id in votes:
                votes[nomination_id] += 1
    return votes


def winners(votes: dict[int, int], quota: int, tie_rule: str) -> list[int]:
    """The elected nominations: the most votes first, at least one vote; a tie for
    the last place is settled by the tie rule."""
    ranked = sorted(((v, n) for n, v in votes.items() if v > 0), reverse=True)
    if len(ranked) <= quota:
        return [n for _v, n in ranked]
    boundary = ranked[quota - 1][0]
    above = [n for v, n in ranked if v > boundary]
    tied = [n for v, n in ranked if v == boundary]
    if len(above) + len(tied) <= quota or tie_rule == TieRule.ALL_TIED:
        return above + tied
    return above


@transaction.atomic
def selection_count(*, actor: User, selection: Selection, today: date | None = None) -> CountResult:
    """Count the ballots once the vote has ended (or every voter has voted): the
    quorum, each nomination's votes, the elected under the tie rule. Winners go on
    public notice for the selection's notice days; without a quorum or a winner the
    selection is closed."""
    _check_manage(actor, selection.region)
    selection = _locked(selection)
    today = _today(today)
    if selection.state != SelectionState.VOTING:
        raise ValidationError("该评选不在投票阶段")
    cast = selection.casts.count()
    if today <= selection.vote_until and cast < (selection.eligible_voters or 0):
        raise ValidationError(
            f"投票截止（{selection.vote_until:%Y-%m-%d}）或全部投票人投票后才能计票"
        )
    needed = quorum_needed(selection)
    votes = _tally(selection)
    now = timezone.now()
    elected = winners(votes, selection.quota, selection.tie_rule) if cast >= needed else []
    for nomination in selection.nominations.filter(state=NominationState.ELIGIBLE):
        nomination.votes = votes.get(nomination.pk, 0)
        nomination.state = (
            NominationState.ELECTED if nomination.pk in elected else NominationState.NOT_ELECTED
        )
        nomination.save(update_fields=["votes", "state"])
    selection.ballots_counted = cast
    selection.counted_at = now
    if cast < needed:
        selection.state = SelectionState.CLOSED
        selection.closed_reason = f"投票人数 {cast} 人，未达到应投票人数的 {selection.quorum_percent}%（{needed} 人），投票无效"
    elif not elected:
        selection.state = SelectionState.CLOSED
        selection.closed_reason = "没有产生当选者"
    else:
        selection.state = SelectionState.NOTICE
        selection.notice_from = today
        selection.notice_until = today + timedelta(days=selection.notice_days - 1)
    selection.save()
    _audit_selection(
        actor, "selection.count", selection, ballots=cast, needed=needed, elected=len(elected)
    )
    return CountResult(ballots=cast, needed=needed, quorum_met=cast >= needed, elected=elected)


# --- notice and objections ------------------------------------------------------------


@transaction.atomic
def objection_raise(
    *, actor: User, nomination: Nomination, text: str, today: date | None = None
) -> HonourObjection:
    """An objection to a winner, during the notice, by anyone of the selection's area."""
    nomination = Nomination.objects.select_related(
        "selection__region", "household__villager_group"
    ).get(pk=nomination.pk)
    selection = nomination.selection
    from sanxin.engagement.selectors import selections

    if not selections(scope_for(actor)).filter(pk=selection.pk).exists():
        raise PermissionDenied("只有本村（镇）的村民和干部可以提出异议")
    today = _today(today)
    if selection.state != SelectionState.NOTICE or nomination.state != NominationState.ELECTED:
        raise ValidationError("只能对公示中的当选者提出异议")
    start, end = selection.notice_from, selection.notice_until
    if start is None or end is None or not start <= today <= end:
        raise ValidationError("不在公示期内")
    text = clean_text(text, "异议内容", field="text")
    if len(text.strip()) < 5:
        raise ValidationError({"text": ["请写明异议的事实（至少5个字）"]})
    objection = HonourObjection(
        nomination=nomination, raised_by=actor, raised_at=timezone.now(), text=text
    )
    objection.full_clean()
    objection.save()
    audit(
        actor=actor,
        action="honour_objection.raise",
        obj=objection,
        region_path=nomination.household.villager_group.path,
    )
    return objection


@transaction.atomic
def objection_answer(
    *, actor: User, objection: HonourObjection, upheld: bool, answer: str
) -> HonourObjection:
    """The committee's answer; an upheld objection takes the winner off the list."""
    nomination = objection.nomination
    _check_manage(actor, nomination.selection.region)
    if scope_for(actor).is_recused(nomination.household):
        raise PermissionDenied("本人家庭的异议需回避")
    objection = HonourObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.answered_at is not None:
        raise ValidationError("该异议已经答复")
    if nomination.selection.state != SelectionState.NOTICE:
        raise ValidationError("评选已不在公示阶段")
    answer = clean_text(answer, "答复", field="answer")
    if not answer.strip():
        raise ValidationError({"answer": ["请填写答复"]})
    objection.upheld = upheld
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.full_clean()
    objection.save()
    if upheld:
        Nomination.objects.filter(pk=nomination.pk).update(
            state=NominationState.INELIGIBLE, check_reason=f"公示异议成立：{answer}"[:300]
        )
    audit(
        actor=actor,
        action="honour_objection.answer",
        obj=objection,
        region_path=nomination.household.villager_group.path,
        after={"upheld": upheld},
    )
    return objection


# --- award and withdrawal -------------------------------------------------------------


def _entry_person(nomination: Nomination) -> Person | None:
    """Whom the item's points are recorded for: the nominee, or for a household
    honour the head of the household (the scheme's honour items count per person)."""
    if nomination.person is not None:
        return nomination.person
    return nomination.household.members.filter(active=True, is_head=True).first()


@transaction.atomic
def selection_award(
    *, actor: User, selection: Selection, today: date | None = None
) -> list[Honour]:
    """After the notice, with every objection answered: each winner's honour, its
    points recorded as a pending entry (approved by a second member in the review)."""
    _check_manage(actor, selection.region)
    selection = _locked(selection)
    today = _today(today)
    if selection.state != SelectionState.NOTICE:
        raise ValidationError("该评选不在公示阶段")
    end = selection.notice_until
    if end is None or today <= end:
        raise ValidationError(f"公示期到 {end:%Y-%m-%d} 结束，之后才能授予")
    if HonourObjection.objects.filter(
        nomination__selection=selection, answered_at__isnull=True
    ).exists():
        raise ValidationError("还有异议没有答复")
    elected = list(
        selection.nominations.filter(state=NominationState.ELECTED).select_related(
            "household__village", "household__villager_group", "person"
        )
    )
    honour_type = selection.honour_type
    now = timezone.now()
    honours = []
    for nomination in elected:
        entry = entry_record(
            actor=actor,
            request=EntryRequest(
                household=nomination.household,
                item_code=honour_type.item_code,
                occurred_on=today,
                person=_entry_person(nomination),
                evidence_text=(
                    f"{selection.year}年度{selection.region.name}“{honour_type.name}”评选当选"
                    f"（评选 #{selection.pk}，得票 {nomination.votes}）"
                ),
                source=Source.HONOUR,
            ),
            idempotency_key=f"honour-{nomination.pk}",
            today=today,
        )
        honour = Honour.objects.create(
            selection=selection,
            nomination=nomination,
            honour_type=honour_type,
            household=nomination.household,
            person=nomination.person,
            year=selection.year,
            awarded_on=today,
            entry=entry,
            awarded_by=actor,
            awarded_at=now,
        )
        audit(
            actor=actor,
            action="honour.award",
            obj=honour,
            region_path=nomination.household.villager_group.path,
            at=now,
            after={"selection": selection.pk, "entry": entry.pk, "serial": honour.serial},
        )
        honours.append(honour)
    selection.state = SelectionState.AWARDED
    selection.save(update_fields=["state"])
    _audit_selection(actor, "selection.award", selection, honours=len(honours))
    log.info("selection %s awarded: %d honours", selection.pk, len(honours))
    return honours


@transaction.atomic
def honour_withdraw(*, actor: User, honour: Honour, reason: str) -> HonourWithdrawal:
    """Withdraw an honour with a reason. Its points go: an approved entry is reversed
    (the reversal waits for a second member's approval, like every reversal), a
    pending one is rejected (by a member other than its recorder)."""
    _check_manage(actor, honour.selection.region)
    reason = clean_line(reason, "撤销原因", field="reason")
    if not reason:
        raise ValidationError({"reason": ["请填写撤销原因"]})
    if HonourWithdrawal.objects.filter(honour=honour).exists():
        raise ValidationError("该荣誉已经撤销")
    reversal = None
    entry = honour.entry
    if entry is not None:
        review = Review.objects.filter(entry=entry).first()
        if review is None:
            entry_review(actor=actor, entry=entry, approve=False, reason=f"荣誉撤销：{reason}")
        elif review.approved:
            reversal = entry_reverse(actor=actor, entry=entry, reason=f"荣誉撤销：{reason}")
    withdrawal = HonourWithdrawal.objects.create(
        honour=honour,
        reason=reason,
        reversal=reversal,
        withdrawn_by=actor,
        withdrawn_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="honour.withdraw",
        obj=honour,
        region_path=honour.household.villager_group.path,
        after={"reason": reason, "reversal": reversal.pk if reversal else None},
    )
    return withdrawal


# --- representatives ------------------------------------------------------------------


@transaction.atomic
def representative_add(*, actor: User, person: Person, since: date | None = None) -> Representative:
    """Put a villager on the village's list of representatives (村民代表)."""
    village = person.household.village
    _check_manage(actor, village)
    if not person.active:
        raise ValidationError({"person": ["该村民不在户"]})
    if Representative.objects.filter(village=village, person=person, until__isnull=True).exists():
        raise ValidationError({"person": ["已在村民代表名单上"]})
    rep = Representative(
        village=village, person=person, since=since or timezone.localdate(), added_by=actor
    )
    rep.full_clean()
    rep.save()
    audit(actor=actor, action="representative.add", obj=rep, region_path=village.path)
    return rep


@transaction.atomic
def representative_end(
    *, actor: User, representative: Representative, until: date | None = None
) -> Representative:
    _check_manage(actor, representative.village)
    if representative.until is not None:
        raise ValidationError("已不在名单上")
    representative.until = until or timezone.localdate()
    representative.ended_by = actor
    representative.save(update_fields=["until", "ended_by"])
    audit(
        actor=actor,
        action="representative.end",
        obj=representative,
        region_path=representative.village.path,
    )
    return representative


# --- a finished selection, for the demo ----------------------------------------------


def selection_finished(
    *,
    committee: User,
    honour_type: HonourType,
    region: Region,
    year: int,
    nominees: Sequence[tuple[Household, Person | None, str]],
    voters: Sequence[User],
    votes_for: Sequence[int],
    awarded_on: date,
    quota: int | None = None,
) -> Selection:
    """A selection walked through every step by the checked services, ending awarded
    on `awarded_on` (its pending entries await a second member's approval):
    `nominees` (household, person, reason) nominated by `committee`, all checked
    eligible, each of `voters` choosing the nominees at the indices `votes_for`
    (the same ballot for all), counted, on notice for one day, awarded. The voters
    must be able to vote (representatives on the list, or the committee)."""
    notice_day = awarded_on - timedelta(days=1)
    vote_day = notice_day - timedelta(days=1)
    check_day = vote_day - timedelta(days=1)
    nominate_day = check_day - timedelta(days=1)
    selection = selection_open(
        actor=committee,
        honour_type=honour_type,
        region=region,
        year=year,
        nominate_from=nominate_day,
        nominate_until=nominate_day,
        vote_from=vote_day,
        vote_until=vote_day,
        quota=quota or len(nominees),
        voters=VoterBody.COMMITTEE if not voters else VoterBody.REPRESENTATIVES,
        notice_days=1,
    )
    nominations = [
        nomination_submit(
            actor=committee,
            selection=selection,
            household=h,
            person=p,
            reason=r,
            today=nominate_day,
        )
        for h, p, r in nominees
    ]
    selection_close_nominations(actor=committee, selection=selection, today=check_day)
    for n in nominations:
        nomination_check(actor=committee, nomination=n, eligible=True, today=check_day)
    selection_open_vote(actor=committee, selection=selection, today=check_day)
    chosen = [nominations[i].pk for i in votes_for]
    for voter in voters:
        ballot_cast(actor=voter, selection=selection, choices=chosen, today=vote_day)
    selection_count(actor=committee, selection=selection, today=notice_day)
    selection.refresh_from_db()
    if selection.state == SelectionState.NOTICE:
        selection_award(actor=committee, selection=selection, today=awarded_on)
        selection.refresh_from_db()
    return selection
