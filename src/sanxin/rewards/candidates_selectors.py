"""Party and cadre reserve candidates (政治激励): the reads. The suggestions computed
from the grades in force, the district's criteria in force, the candidate lists with
their live flags, and a villager's own candidacies once the household has been told.
Every function runs a fixed number of queries, whatever the size of the village."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, VetoEvent
from sanxin.ratings import periods
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle, GradeRecord, Rating
from sanxin.ratings.standing import period_order, with_grade_in_force
from sanxin.regions.models import Region
from sanxin.rewards.models import (
    LIVE_STATUSES,
    Candidate,
    CandidateCriteria,
    CandidateKind,
)
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES, Grade, grade_rank
from sanxin.rules.models import SchemeVersion
from sanxin.rules.selectors import district_of


def criteria_in_force(district_id: int, on: date) -> CandidateCriteria:
    """The district's criteria version in force on `on`, or (unsaved, pk None) the
    defaults every district starts with: 4A and above, 18 and over, no age limit, a
    vanguard score of at least 80, no running veto. One query."""
    found = (
        CandidateCriteria.objects.filter(district_id=district_id, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )
    return found or CandidateCriteria(district_id=district_id, effective_from=date.min)


def qualifying_grades(criteria: CandidateCriteria) -> list[str]:
    """The grades at or above the criteria's minimum."""
    return [g for g in RATED_GRADES if grade_rank(g) >= grade_rank(criteria.min_grade)]


def age_on(birth: date, today: date) -> int:
    """Whole years of age on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def latest_final_cycle(village: Region) -> Cycle | None:
    """The village's final cycle of the latest period (as the grade in force counts
    periods). One query."""
    cycles = list(Cycle.objects.filter(village=village, state=CycleState.FINAL))
    return max(cycles, key=lambda c: periods.order_key(c.period), default=None)


def vanguard_scores(cycle: Cycle | None, household_ids: Iterable[int]) -> dict[int, Decimal]:
    """{person id: their own vanguard score (0–100)} in the cycle's ratings in force,
    for the party members of the given households. One query."""
    if cycle is None:
        return {}
    scores: dict[int, Decimal] = {}
    rows = Rating.objects.filter(
        cycle=cycle, run=cycle.current_run, household_id__in=list(household_ids)
    ).values_list("result", flat=True)
    for result in rows:
        for member in (result or {}).get("vanguard_members", ()):
            try:
                scores[int(member["person_id"])] = Decimal(str(member["score"]))
            except (KeyError, TypeError, ValueError, ArithmeticError):
                continue
    return scores


def running_vetoes(household_ids: Iterable[int], today: date) -> set[int]:
    """The households among `household_ids` with a veto running on `today`: a veto or
    direct-grading event neither revoked nor ended, or an approved veto item within
    its veto period and not reversed. Four queries, whatever the number."""
    ids = list(household_ids)
    if not ids:
        return set()
    found: set[int] = set()
    events = list(
        VetoEvent.objects.filter(household_id__in=ids, starts_on__lte=today).values_list(
            "pk", "household_id", "revokes_id", "ends_on"
        )
    )
    revoked = {revokes for _pk, _h, revokes, _e in events if revokes}
    for pk, household_id, revokes, ends_on in events:
        if revokes is None and pk not in revoked and (ends_on is None or ends_on >= today):
            found.add(household_id)
    days: dict[str, int] = {}
    for version in SchemeVersion.objects.all():
        for item in version.scheme.items:
            if item.veto is not None:
                days[item.code] = max(days.get(item.code, 0), item.veto.days)
    if days:
        items = list(
            Entry.objects.filter(
                household_id__in=ids,
                item_code__in=list(days),
                review__approved=True,
                occurred_on__lte=today,
                occurred_on__gt=today - timedelta(days=max(days.values())),
            ).values_list("pk", "household_id", "item_code", "occurred_on")
        )
        reversed_ids = set(
            Entry.objects.filter(
                reversal_of_id__in=[pk for pk, *_ in items], review__approved=True
            ).values_list("reversal_of_id", flat=True)
        )
        for pk, household_id, code, occurred_on in items:
            if pk not in reversed_ids and today < occurred_on + timedelta(days=days[code]):
                found.add(household_id)
    return found


# --- suggestions ------------------------------------------------------------------


@dataclass
class Suggestion:
    kind: str
    person: Person
    household: Household
    grade: str
    age: int
    vanguard: Decimal | None = None
    candidate: Candidate | None = None  # a live candidacy of this kind already

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]


@dataclass
class Suggestions:
    village: Region
    criteria: CandidateCriteria
    cycle: Cycle | None
    party: list[Suggestion] = field(default_factory=list)
    cadre: list[Suggestion] = field(default_factory=list)
    vetoed_households: int = 0  # left out for a running veto


def suggestions(village: Region, today: date) -> Suggestions:
    """The reserve candidates the product suggests for `village` on `today`, from the
    grades in force and the district's criteria:
    - party: members 18 and over (within the district's ages) of households at or
      above the minimum grade who are not (probationary) party members;
    - cadre: party members of those households whose own vanguard score in the
      village's latest final cycle reaches the district's threshold.
    Households with a veto running are left out when the criteria say so. A grade
    whose validity has run out does not count. Eight queries."""
    criteria = criteria_in_force(district_of(village), today)
    out = Suggestions(village=village, criteria=criteria, cycle=latest_final_cycle(village))
    households = {
        h.pk: h
        for h in with_grade_in_force(
            Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE).select_related(
                "villager_group"
            )
        ).filter(grade_in_force__in=qualifying_grades(criteria), grade_valid_until__gte=today)
    }
    if criteria.exclude_vetoed:
        vetoed = running_vetoes(households, today)
        out.vetoed_households = len(vetoed)
        for pk in vetoed:
            households.pop(pk, None)
    if not households:
        return out
    people = list(
        Person.objects.filter(household_id__in=list(households), active=True).order_by(
            "household__number", "-is_head", "id"
        )
    )
    live = {
        (c.person_id, c.kind): c
        for c in Candidate.objects.filter(
            person__in=people, status__in=[s.value for s in LIVE_STATUSES]
        )
    }
    scores = vanguard_scores(out.cycle, {p.household_id for p in people if p.is_party_member})
    for person in people:
        household = households[person.household_id]
        age = age_on(person.birth_date, today)
        grade = household.grade_in_force  # type: ignore[attr-defined]
        if person.is_party_member:
            score = scores.get(person.pk)
            if score is None or score < criteria.cadre_min_vanguard:
                continue
            if criteria.cadre_max_age is not None and age > criteria.cadre_max_age:
                continue
            kind = CandidateKind.CADRE
            target = out.cadre
        else:
            score = None
            if age < max(18, criteria.party_min_age):
                continue
            if criteria.party_max_age is not None and age > criteria.party_max_age:
                continue
            kind = CandidateKind.PARTY
            target = out.party
        target.append(
            Suggestion(
                kind=kind,
                person=person,
                household=household,
                grade=grade,
                age=age,
                vanguard=score,
                candidate=live.get((person.pk, kind)),
            )
        )
    return out


# --- candidate lists ----------------------------------------------------------------


def with_current_grade(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """`candidates` annotated with their household's grade in force (`grade_now`) and
    its validity (`grade_until`), the rule of ratings.standing.with_grade_in_force."""
    records = (
        GradeRecord.objects.filter(household=OuterRef("household_id"))
        .annotate(period_key=period_order())
        .order_by("-period_key", "-effective_from", "-pk")
    )
    return candidates.annotate(
        grade_now=Subquery(records.values("grade")[:1]),
        grade_until=Subquery(records.values("valid_until")[:1]),
    )


@dataclass
class CandidateRow:
    candidate: Candidate
    grade: str  # the household's grade in force today ("unrated" when none or run out)
    vetoed: bool
    min_grade: str

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]

    @property
    def below_grade(self) -> bool:
        return grade_rank(self.grade) < grade_rank(self.min_grade)

    @property
    def flagged(self) -> bool:
        """A live candidacy whose household has fallen below the minimum grade or has a
        veto running: the committee, town and district should look at it again."""
        return self.candidate.is_live and (self.below_grade or self.vetoed)

    @property
    def flag_reasons(self) -> list[str]:
        reasons = []
        if self.below_grade:
            reasons.append(f"户在用等级已降为{self.grade_label}")
        if self.vetoed:
            reasons.append("该户有生效中的一票否决")
        return reasons


def candidate_rows(candidates: QuerySet[Candidate], today: date) -> list[CandidateRow]:
    """The candidacies with their flags computed live: the household's grade in force
    below the district's minimum (4A by default), or a veto running. A fixed number of
    queries whatever the number of rows (one per district for the criteria)."""
    rows = list(
        with_current_grade(candidates).select_related(
            "person", "household__villager_group", "village", "nominated_by"
        )
    )
    vetoed = running_vetoes({c.household_id for c in rows}, today)
    criteria: dict[int, CandidateCriteria] = {}
    out = []
    for c in rows:
        district_id = district_of(c.village)
        if district_id not in criteria:
            criteria[district_id] = criteria_in_force(district_id, today)
        grade = c.grade_now or Grade.UNRATED  # type: ignore[attr-defined]
        if c.grade_until is not None and c.grade_until < today:  # type: ignore[attr-defined]
            grade = Grade.UNRATED
        out.append(
            CandidateRow(
                candidate=c,
                grade=grade,
                vetoed=c.household_id in vetoed,
                min_grade=criteria[district_id].min_grade,
            )
        )
    return out


def told_candidacies(person_ids: Iterable[int]) -> list[Candidate]:
    """The candidacies of these people that the committee has told the household
    about and that are still live: all a villager ever sees of the lists. One query."""
    return list(
        Candidate.objects.filter(
            person_id__in=list(person_ids),
            told_on__isnull=False,
            status__in=[s.value for s in LIVE_STATUSES],
        )
        .select_related("person")
        .order_by("kind", "id")
    )
