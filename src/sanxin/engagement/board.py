"""Reads of the village board (村务公开), suggestions and contributions through the
user's scope, and the poster's values (`poster_values`).

Who sees a village's board: everyone of the village — its villagers (their
household's village), the sub-teams of its groups, its committee — and the staff
above it with `engage.view` (town, district, departments). A villager sees their
own village only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from sanxin.accounts.scope import Perm, Scope
from sanxin.engagement import poster
from sanxin.engagement.choices import (
    ActivityKind,
    ContributionKind,
    SelectionState,
    SuggestionState,
)
from sanxin.engagement.models import Activity, Contribution, Project, Selection, Suggestion
from sanxin.engagement.selectors import honour_roll, nominee_name
from sanxin.households.consent import ConsentPurpose, Publication
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

UPCOMING_SHOWN = 10
ADOPTED_SHOWN = 20


def villages(scope: Scope, perm: Perm = Perm.ENGAGE_VIEW) -> QuerySet[Region]:
    """The villages whose board the user sees: those in the regions they reach with
    `perm`, and the village of a villager group they reach (sub-teams)."""
    regions = scope.regions(perm)
    return Region.objects.filter(
        Q(pk__in=regions.values("pk")) | Q(pk__in=regions.values("parent_id")),
        level=Level.VILLAGE,
    )


def village_or_404(scope: Scope, pk, perm: Perm = Perm.ENGAGE_VIEW) -> Region:
    try:
        found = villages(scope, perm).select_related("parent").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404
    return found


def is_staff_of(scope: Scope, village: Region) -> bool:
    """Whether the user sees the village as staff (names in full) rather than as
    one of its villagers: a grant other than a household's reaching it."""
    return any(
        g.region_path
        and (village.path.startswith(g.region_path) or g.region_path.startswith(village.path))
        for g in scope.grants_for(Perm.ENGAGE_VIEW)
    )


# --- suggestions ----------------------------------------------------------------------


def suggestions_of(village: Region) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(village=village).select_related(
        "household", "person", "replied_by"
    )


def author_name(suggestion: Suggestion) -> str:
    return suggestion.person.name if suggestion.person else suggestion.household.head_name


def published_author(suggestion: Suggestion, publication: Publication) -> str:
    """The author as the village is shown them: "村民" unless the author chose to be
    named; then in full if the household consented to names on the board (or it is
    the viewer's own), else masked."""
    if not suggestion.show_name:
        return "村民"
    return publication.name(
        suggestion.household_id, author_name(suggestion), ConsentPurpose.NAME_ON_BOARD
    )


def shown_author(
    scope: Scope, suggestion: Suggestion, *, staff: bool, publication: Publication | None = None
) -> str:
    """The author as this user is shown them: in full to the staff and to their own
    household (never anonymous to the committee); to other villagers as published
    (`published_author`). Pass the page's `publication` to keep a list at one query."""
    own = scope.own_household_ids()
    if staff or suggestion.household_id in own:
        return author_name(suggestion)
    return published_author(suggestion, publication or Publication([suggestion.household_id]))


def suggestion_or_404(scope: Scope, pk) -> tuple[Suggestion, bool]:
    """The suggestion if its village's board is visible to the user, and whether the
    user sees it as staff."""
    try:
        suggestion = (
            Suggestion.objects.select_related(
                "village", "household__villager_group", "person", "replied_by"
            )
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        suggestion = None
    if suggestion is None or not villages(scope).filter(pk=suggestion.village_id).exists():
        raise Http404
    return suggestion, is_staff_of(scope, suggestion.village)


def sees_photos(scope: Scope, suggestion: Suggestion, *, staff: bool) -> bool:
    """Photos may show people and homes: the author's household and the staff."""
    return staff or suggestion.household_id in scope.own_household_ids()


# --- contributions ---------------------------------------------------------------------


@dataclass
class ProjectTotal:
    project: Project | None  # None: the causes outside projects, together
    name: str
    money: Decimal = Decimal(0)
    households: int = 0
    labour_days: Decimal = Decimal(0)
    goods: list[str] = field(default_factory=list)
    records: int = 0

    @property
    def share(self) -> int | None:
        """Percent of the target raised (for a progress bar), at most 100."""
        target = self.project.target_amount if self.project else None
        if not target:
            return None
        return min(100, int(self.money * 100 / target))


def _goods_line(name: str, quantity: Decimal, unit: str) -> str:
    return f"{name} {format(quantity.normalize(), 'f')}{unit}"


def project_totals(village: Region) -> list[ProjectTotal]:
    """Per project of the village (newest first), then the other causes together:
    money given (goods' value is not money raised), households that gave, labour
    days, goods by name and unit. Three queries whatever the number of records."""
    projects = list(Project.objects.filter(village=village).order_by("-id"))
    totals: dict[int | None, ProjectTotal] = {
        p.pk: ProjectTotal(project=p, name=p.name) for p in projects
    }
    rows = (
        Contribution.objects.filter(village=village)
        .values("project_id")
        .annotate(
            money=Sum("amount", filter=Q(kind=ContributionKind.MONEY)),
            labour=Sum("labour_days"),
            households=Count("household_id", distinct=True),
            records=Count("id"),
        )
    )
    for row in rows:
        total = totals.setdefault(row["project_id"], ProjectTotal(project=None, name="其他用途"))
        total.money = row["money"] or Decimal(0)
        total.labour_days = row["labour"] or Decimal(0)
        total.households = row["households"]
        total.records = row["records"]
    goods = (
        Contribution.objects.filter(village=village, kind=ContributionKind.GOODS)
        .values("project_id", "goods", "goods_unit")
        .annotate(quantity=Sum("goods_quantity"))
        .order_by("project_id", "goods", "goods_unit")
    )
    for row in goods:
        totals[row["project_id"]].goods.append(
            _goods_line(row["goods"], row["quantity"], row["goods_unit"])
        )
    ordered = [totals[p.pk] for p in projects]
    if None in totals:
        ordered.append(totals[None])
    return ordered


def contributions_of(project: Project) -> QuerySet[Contribution]:
    return project.contributions.select_related("household", "person").order_by(
        "-contributed_on", "-id"
    )


def contributor_name(
    contribution: Contribution, *, staff: bool, own: set[int], publication: Publication
) -> str:
    """The household as shown on a project's list: the head's name in full to the
    staff, to the household itself and, when the household consented to names on the
    board, to the other villagers; masked otherwise."""
    name = contribution.household.head_name
    if staff or contribution.household_id in own:
        return name
    return publication.name(contribution.household_id, name, ConsentPurpose.NAME_ON_BOARD)


# --- the board ---------------------------------------------------------------------------


@dataclass
class NoticeLine:
    headline: str
    starts_on: date | None
    ends_on: date | None
    url: str


@dataclass
class Board:
    village: Region
    honours: list = field(default_factory=list)  # (Honour, name as published)
    upcoming: list[Activity] = field(default_factory=list)
    adopted: list[Suggestion] = field(default_factory=list)
    adopted_total: int = 0
    projects: list[ProjectTotal] = field(default_factory=list)
    notices: list[NoticeLine] = field(default_factory=list)
    # What may be published about the households on the board (names, photos).
    publication: Publication = field(default_factory=lambda: Publication([]))

    @property
    def honour_groups(self) -> list[dict]:
        """The honour roll by (year, honour), in the roll's order: what the page shows
        one line per group."""
        groups: dict[tuple[int, str], list] = {}
        for honour, name in self.honours:
            groups.setdefault((honour.year, honour.honour_type.name), []).append((honour, name))
        return [{"year": y, "honour": h, "rows": rows} for (y, h), rows in groups.items()]


def upcoming_activities(village: Region, now=None) -> list[Activity]:
    now = now or timezone.now()
    return list(
        Activity.objects.filter(
            village=village, ends_at__gte=now, cancelled_at__isnull=True
        ).order_by("starts_at", "id")[:UPCOMING_SHOWN]
    )


def notices(village: Region, today: date) -> list[NoticeLine]:
    """What is on public notice in the village: its rating cycle, and the honour
    selections of the village or its town whose winners are on notice."""
    from django.urls import reverse

    lines = [
        NoticeLine(
            headline=f"{cycle.period_label}农户信用等级评定结果公示",
            starts_on=cycle.notice_starts_on,
            ends_on=cycle.notice_ends_on,
            url=reverse("ratings:notice", args=[cycle.pk]),
        )
        for cycle in Cycle.objects.filter(village=village, state=CycleState.NOTICE).order_by(
            "-period"
        )
    ]
    selections = Selection.objects.filter(
        region_id__in=Region.ids_in_path(village.path), state=SelectionState.NOTICE
    ).select_related("honour_type", "region")
    for s in selections.order_by("-year", "id"):
        lines.append(
            NoticeLine(
                headline=f"{s.year}年度{s.region.name}“{s.honour_type.name}”评选结果公示",
                starts_on=s.notice_from,
                ends_on=s.notice_until,
                url=reverse("engagement:selection", args=[s.pk]),
            )
        )
    return lines


def board_of(village: Region, today: date | None = None, *, own: Iterable[int] = ()) -> Board:
    """Everything on the village's board, in a fixed number of queries. Names follow
    the households' consent (`households.consent`): the honour roll's names in full
    only with consent to full names on the roll, else masked; `own` (the viewer's
    households) see their own names in full. A poster passes no `own`."""
    today = today or timezone.localdate()
    adopted_qs = suggestions_of(village).filter(state=SuggestionState.ADOPTED)
    roll = honour_roll(village)
    adopted = list(adopted_qs.order_by("-replied_at", "-id")[:ADOPTED_SHOWN])
    publication = Publication(
        {h.household_id for h in roll} | {s.household_id for s in adopted}, own=own
    )
    return Board(
        village=village,
        honours=[
            (
                h,
                nominee_name(h, masked=False)
                if publication.full_name(h.household_id, ConsentPurpose.NAME_ON_HONOUR_ROLL)
                else nominee_name(h),
            )
            for h in roll
        ],
        upcoming=upcoming_activities(village),
        adopted=adopted,
        adopted_total=adopted_qs.count(),
        projects=project_totals(village),
        notices=notices(village, today),
        publication=publication,
    )


def poster_values(board: Board, *, url: str, today: date) -> poster.BoardPoster:
    """The poster's plain values, local times. Build `board` without `own`: a printed
    poster is public, so every name follows consent alone (masked without it) and the
    suggestions' authors are as other villagers see them."""
    village = board.village
    kinds = dict(ActivityKind.choices)
    return poster.BoardPoster(
        village_name=village.name,
        town_name=village.parent.name if village.parent_id else "",
        day=today,
        url=url,
        honours=[
            poster.PosterHonour(
                honour=h.honour_type.name,
                year=h.year,
                name=name,
                household_number=h.household.number,
            )
            for h, name in board.honours
        ],
        activities=[
            poster.PosterActivity(
                title=a.title,
                kind=str(kinds.get(a.kind, a.kind)),
                starts_at=timezone.localtime(a.starts_at),
                place=a.place,
            )
            for a in board.upcoming
        ],
        suggestions=[
            poster.PosterSuggestion(
                text=s.text,
                author=published_author(s, board.publication),
                reply=s.reply,
                adopted_on=timezone.localtime(s.replied_at).date() if s.replied_at else None,
            )
            for s in board.adopted
        ],
        suggestions_total=board.adopted_total,
        projects=[
            poster.PosterProject(
                name=t.name,
                money=t.money,
                households=t.households,
                labour_days=t.labour_days,
                goods=list(t.goods),
                target=t.project.target_amount if t.project else None,
            )
            for t in board.projects
        ],
        notices=[poster.PosterNotice(n.headline, n.starts_on, n.ends_on) for n in board.notices],
    )
