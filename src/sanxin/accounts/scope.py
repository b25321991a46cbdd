"""The one place that answers: which regions, households and people may this user
see, and which may they change. Every view, form, API call and command asks here.

A user's reach is the union of their role assignments. Each assignment grants a set
of permissions (PERMISSIONS below) over one region subtree, or, for villagers, over
their own household. Objects outside every granting subtree do not exist for the
user (views answer 404); pages whose permission the user lacks answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import RoleAssignment, related_rows
from sanxin.regions.choices import Level
from sanxin.regions.models import Region


class Perm(StrEnum):
    VIEW_REGISTRY = "registry.view"  # see households, people (masked) and regions
    CHANGE_REGISTRY = "registry.change"  # edit households and people, import rosters
    REVEAL_ID = "id.reveal"  # see a full identity number (each reveal is audited)
    VIEW_AUDIT = "audit.view"  # browse the audit log
    # credit-union indicator details of the households in reach (the household itself
    # sees its own: Scope.sees_credit_details)
    VIEW_FINANCE = "finance.view"
    RECORD_POINTS = "points.record"  # record ledger entries
    REVIEW_POINTS = "points.review"  # approve or reject entries (maker-checker)
    RECORD_CREDIT = "credit.record"  # enter 双基 credit assessments
    MANAGE_SCHEME = "scheme.manage"  # publish district scheme versions
    MANAGE_VILLAGE_ITEMS = "scheme.village_items"  # a village's own items
    RUN_RATINGS = "ratings.run"  # open, compute and advance a village's rating cycles
    OPEN_PAST_CYCLE = "ratings.open_past"  # open a cycle of a past period (re-run history)
    SET_RATING_CADENCE = "ratings.cadence"  # a district's yearly or quarterly cycles
    OVERSEE_RATINGS = "ratings.oversee"  # see a village's review, every appeal, the exports
    REVIEW_RATINGS = "ratings.review"  # propose and confirm grade adjustments, the meeting
    DECIDE_APPEALS = "appeals.decide"  # answer appeals (and file them on a household's behalf)
    DECIDE_VETOES = "vetoes.decide"  # decide and revoke vetoes and direct gradings
    ISSUE_CERTIFICATES = "certificates.issue"  # issue any household's credit certificate
    MANAGE_USERS = "users.manage"  # create users of the region, assign and end their roles
    # 奖励用信: the points supermarket (rewards)
    SHOP_POLICY = "shop.policy"  # publish the district's redemption policy versions
    SHOP_MANAGE = "shop.manage"  # shops, products and prices, funding sources and money received
    SHOP_STOCK = "shop.stock"  # stock receipts, adjustments (a second person confirms), stocktakes
    SHOP_REDEEM = "shop.redeem"  # the counter: redeem, same-day void, paper slips, QR cards
    SHOP_CONFIRM_VOID = "shop.confirm_void"  # confirm a void after the day of the sale
    SHOP_VIEW = "shop.view"  # shops' stock, redemptions, funding and reports; a villager's wallet
    # party and cadre reserve candidates (政治激励, in rewards)
    CANDIDATES_VIEW = "candidates.view"
    CANDIDATES_NOMINATE = "candidates.nominate"  # the committee nominates with a reason
    CANDIDATES_CONFIRM = (
        "candidates.confirm"  # the town confirms and forwards; the district accepts
    )
    # 授信用信: credit policy, lines, loans (lending)
    LENDING_POLICY = "lending.policy"  # the credit policy by grade (district credit officer)
    LENDING_MANAGE = "lending.manage"  # grant lines, decide and disburse loans, repayments
    LENDING_VIEW = "lending.view"  # lines, loans and repayments in detail; a household its own
    LENDING_TOTALS = "lending.totals"  # totals per village, town and district only
    # 全民争信: honours, activities, suggestions, contributions (engagement)
    ENGAGE_VIEW = "engage.view"  # the village board, selections, honour roll, activities
    ENGAGE_TAKE_PART = "engage.take_part"  # a villager nominates, objects, signs up, suggests
    ENGAGE_VOTE = "engage.vote"  # vote in a selection (with the voter list: committee or 村民代表)
    ENGAGE_PUBLISH = "engage.publish"  # a sub-team nominates, publishes activities, signs up
    ENGAGE_MANAGE = "engage.manage"  # selections, checks, representatives, answers, contributions
    ENGAGE_HONOUR_TYPES = "engage.honour_types"  # the district's honour types and their rules
    # Leadership and 考核 (oversight)
    DASHBOARD_VIEW = "oversight.dashboard"  # dashboards of the regions in reach, drill-down
    DEPARTMENT_VIEWS = "oversight.departments"  # what each department guides, district-wide
    BIG_SCREEN = "oversight.big_screen"  # the district dashboard on a meeting-room display
    REPORT_VIEW = "oversight.report"  # the period report for the leading group (PDF, Excel)
    ASSESS_VIEW = "assessment.view"  # assessment results of the regions in reach, with working
    ASSESS_MANAGE = "assessment.manage"  # assessment schemes, hand scores, publishing


_ALL_STAFF = {
    Role.DISTRICT_ADMIN,
    Role.DEPARTMENT_VIEWER,
    Role.CREDIT_OFFICER,
    Role.TOWN_ADMIN,
    Role.COMMITTEE_HEAD,
    Role.COMMITTEE_DEPUTY,
    Role.COMMITTEE_MEMBER,
    Role.SUBTEAM_MEMBER,
    Role.SHOP_CLERK,
}

PERMISSIONS: dict[Perm, set[str]] = {
    Perm.VIEW_REGISTRY: _ALL_STAFF | {Role.VILLAGER},
    Perm.CHANGE_REGISTRY: {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
    },
    # Whoever may register people checks numbers against the register (a duplicate
    # is named to them), which is as good as a look-up: they hold the reveal
    # permission too, so every role that can learn a full number is one that is
    # audited for it. (The deputy head is the township credit co-op's director.)
    Perm.REVEAL_ID: {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.CREDIT_OFFICER,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
    },
    Perm.VIEW_AUDIT: {Role.DISTRICT_ADMIN},
    Perm.VIEW_FINANCE: {Role.CREDIT_OFFICER},
    Perm.RECORD_POINTS: {
        Role.SUBTEAM_MEMBER,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.REVIEW_POINTS: {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER},
    Perm.RECORD_CREDIT: {Role.CREDIT_OFFICER},
    Perm.MANAGE_SCHEME: {Role.DISTRICT_ADMIN},
    Perm.MANAGE_VILLAGE_ITEMS: {Role.COMMITTEE_HEAD},
    Perm.RUN_RATINGS: {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
    },
    Perm.OPEN_PAST_CYCLE: {Role.DISTRICT_ADMIN},
    Perm.SET_RATING_CADENCE: {Role.DISTRICT_ADMIN},
    Perm.OVERSEE_RATINGS: {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.REVIEW_RATINGS: {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER},
    Perm.DECIDE_APPEALS: {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER},
    Perm.DECIDE_VETOES: {
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
        Role.CREDIT_OFFICER,
    },
    Perm.ISSUE_CERTIFICATES: {
        Role.DISTRICT_ADMIN,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.MANAGE_USERS: {Role.DISTRICT_ADMIN, Role.TOWN_ADMIN},
    Perm.SHOP_POLICY: {Role.DISTRICT_ADMIN},
    Perm.SHOP_MANAGE: {Role.DISTRICT_ADMIN, Role.TOWN_ADMIN, Role.COMMITTEE_HEAD},
    Perm.SHOP_STOCK: {
        Role.SHOP_CLERK,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.SHOP_REDEEM: {Role.SHOP_CLERK},
    Perm.SHOP_CONFIRM_VOID: {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER},
    Perm.SHOP_VIEW: {
        Role.DISTRICT_ADMIN,
        Role.DEPARTMENT_VIEWER,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
        Role.SHOP_CLERK,
        Role.VILLAGER,
    },
    Perm.CANDIDATES_VIEW: {
        Role.DISTRICT_ADMIN,
        Role.DEPARTMENT_VIEWER,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.CANDIDATES_NOMINATE: {Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER},
    Perm.CANDIDATES_CONFIRM: {Role.TOWN_ADMIN, Role.DISTRICT_ADMIN},
    Perm.LENDING_POLICY: {Role.CREDIT_OFFICER},
    Perm.LENDING_MANAGE: {Role.CREDIT_OFFICER},
    Perm.LENDING_VIEW: {Role.CREDIT_OFFICER, Role.VILLAGER},
    Perm.LENDING_TOTALS: {Role.DISTRICT_ADMIN, Role.DEPARTMENT_VIEWER, Role.CREDIT_OFFICER},
    Perm.ENGAGE_VIEW: _ALL_STAFF - {Role.SHOP_CLERK, Role.CREDIT_OFFICER} | {Role.VILLAGER},
    Perm.ENGAGE_TAKE_PART: {Role.VILLAGER},
    Perm.ENGAGE_VOTE: {
        Role.VILLAGER,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.ENGAGE_PUBLISH: {
        Role.SUBTEAM_MEMBER,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.ENGAGE_MANAGE: {
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.ENGAGE_HONOUR_TYPES: {Role.DISTRICT_ADMIN},
    Perm.DASHBOARD_VIEW: {
        Role.DISTRICT_ADMIN,
        Role.DEPARTMENT_VIEWER,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
    },
    Perm.DEPARTMENT_VIEWS: {Role.DISTRICT_ADMIN, Role.DEPARTMENT_VIEWER},
    Perm.BIG_SCREEN: {Role.DISTRICT_ADMIN, Role.DEPARTMENT_VIEWER, Role.DISPLAY},
    Perm.REPORT_VIEW: {Role.DISTRICT_ADMIN, Role.DEPARTMENT_VIEWER, Role.TOWN_ADMIN},
    Perm.ASSESS_VIEW: {
        Role.DISTRICT_ADMIN,
        Role.DEPARTMENT_VIEWER,
        Role.TOWN_ADMIN,
        Role.COMMITTEE_HEAD,
        Role.COMMITTEE_DEPUTY,
        Role.COMMITTEE_MEMBER,
    },
    Perm.ASSESS_MANAGE: {Role.DISTRICT_ADMIN},
}


class Field(StrEnum):
    """Groups of household fields. Which roles see which is the table FIELDS below
    (and in docs/access.md); pages and exports ask `scope.sees(field, household)`."""

    HOUSEHOLD = "household"  # 户号, head name, village, group, status, member count
    ADDRESS = "address"
    PHONE = "phone"  # the household's and the members' phone numbers
    MEMBERS = "members"  # members' names and relation to the head
    SEX_AGE = "sex_age"  # sex and birth year (no role is shown the full birth date)
    MASKED_ID = "masked_id"  # 130803**********3X
    POLITICAL = "political"  # political status and post
    GRADE = "grade"  # the grade in force, grade history and certificates
    POINTS = "points"  # provisional grade, scores, entries, vetoes, credit-union scores
    FULL_ID = "full_id"  # with Perm.REVEAL_ID only, each reveal audited


_REGISTRY_FIELDS = frozenset(Field) - {Field.FULL_ID}

FIELDS: dict[str, frozenset[Field]] = {
    Role.DISTRICT_ADMIN: _REGISTRY_FIELDS,
    Role.TOWN_ADMIN: _REGISTRY_FIELDS,
    Role.COMMITTEE_HEAD: _REGISTRY_FIELDS,
    Role.COMMITTEE_DEPUTY: _REGISTRY_FIELDS,
    Role.COMMITTEE_MEMBER: _REGISTRY_FIELDS - {Field.MASKED_ID},
    Role.SUBTEAM_MEMBER: _REGISTRY_FIELDS - {Field.MASKED_ID, Field.PHONE},
    Role.CREDIT_OFFICER: _REGISTRY_FIELDS - {Field.POLITICAL},
    Role.DEPARTMENT_VIEWER: frozenset({Field.HOUSEHOLD, Field.GRADE, Field.POINTS}),
    Role.SHOP_CLERK: frozenset({Field.HOUSEHOLD, Field.GRADE}),
    # Their own household: everything but the full numbers.
    Role.VILLAGER: _REGISTRY_FIELDS,
    # The big screen shows totals only, never a household.
    Role.DISPLAY: frozenset(),
}


@dataclass(frozen=True)
class Grant:
    role: str
    region_id: int | None
    region_path: str | None
    region_level: str | None
    region_name: str | None
    household_id: int | None
    household_label: str | None = None
    # a villager grant's household: its village and its villager group's path
    household_village_id: int | None = None
    household_group_path: str | None = None
    # a department viewer grant's department (accounts.choices.Department); "" otherwise
    department: str = ""

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def department_label(self) -> str:
        return str(Department(self.department).label) if self.department else ""

    @property
    def where(self) -> str:
        return self.region_name or self.household_label or ""


class Scope:
    """What one user may reach. Build it with `scope_for(user)`."""

    def __init__(self, user, grants: list[Grant]):
        self.user = user
        self.grants = grants

    # --- roles and permissions -------------------------------------------------
    @cached_property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def grants_for(self, perm: Perm) -> list[Grant]:
        allowed = PERMISSIONS[perm]
        return [g for g in self.grants if g.role in allowed]

    def district_ids(self, perm: Perm) -> set[int]:
        """The districts the user's grants for `perm` lie in (the first id of each
        grant's path, a villager's through their group): what a query of a large table
        names besides the paths (docs/scaling.md)."""
        paths = {g.region_path or g.household_group_path for g in self.grants_for(perm)}
        return {Region.district_id_in_path(p) for p in paths if p}

    def has(self, perm: Perm) -> bool:
        return bool(self.grants_for(perm))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @cached_property
    def departments(self) -> frozenset[str]:
        """The departments (accounts.choices.Department values) of the user's current
        department-viewer grants: which department pages they land on and may open."""
        return frozenset(
            g.department for g in self.grants if g.role == Role.DEPARTMENT_VIEWER and g.department
        )

    # --- querysets ---------------------------------------------------------------
    def _filter(self, perm: Perm, *, path_field: str, household_field: str | None) -> Q | None:
        condition: Q | None = None
        for g in self.grants_for(perm):
            if g.household_id is not None:
                if household_field is None:
                    continue
                part = Q(**{household_field: g.household_id})
            else:
                part = Q(**{f"{path_field}__startswith": g.region_path})
            condition = part if condition is None else condition | part
        return condition

    def filter(self, queryset, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
        """`queryset` (a manager or a queryset) narrowed to the rows the user reaches
        with `perm`. The model says where it hangs in the region tree, next to its
        fields: `SCOPE_PATH`, the lookup of the region path its rows belong to (e.g.
        "household__villager_group__path"), and `SCOPE_HOUSEHOLD`, the lookup of its
        household's id for a villager's own-household grant (None: villagers reach no
        row of it). A new kind of record declares the two; this module stays unaware
        of it."""
        queryset = queryset.all()
        model = queryset.model
        try:
            path_field = model.SCOPE_PATH
        except AttributeError:
            raise TypeError(
                f"{model.__name__} declares no SCOPE_PATH: it cannot be scoped"
            ) from None
        condition = self._filter(
            perm, path_field=path_field, household_field=getattr(model, "SCOPE_HOUSEHOLD", None)
        )
        return queryset.filter(condition) if condition is not None else queryset.none()

    def get(self, queryset, pk, perm: Perm = Perm.VIEW_REGISTRY):
        """The row `pk` of `queryset` if it is in scope for `perm`, else 404 (it does
        not exist for the user)."""
        found = self.filter(queryset, perm).filter(pk=_int_or_404(pk)).first()
        if found is None:
            raise Http404
        return found

    def households(self, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
        """The households in reach: `filter` over the registry's households, the unit
        every other record is scoped through (a convenience, the most used query)."""
        return self.filter(related_rows("household"), perm)

    def regions(self, perm: Perm = Perm.VIEW_REGISTRY) -> QuerySet:
        """The regions in reach: the subtrees of the user's grants, and for a villager
        grant the village and the villager group of their household."""
        condition = self._filter(perm, path_field="path", household_field=None)
        for g in self.grants_for(perm):
            if g.household_id is not None:
                extra = Q(pk=g.household_village_id) | Q(path=g.household_group_path)
                condition = extra if condition is None else condition | extra
        return Region.objects.filter(condition) if condition is not None else Region.objects.none()

    def is_recused(self, household) -> bool:
        """Whether the user must stay out of decisions on this household: it is
        their own household (where their close relatives are registered too)."""
        person = getattr(self.user, "person", None) if self.user is not None else None
        return person is not None and person.household_id == household.pk

    def own_household_ids(self) -> set[int]:
        """The households that are the user's own: a villager's household grant, or
        the household of the person the account belongs to."""
        ids = {g.household_id for g in self.grants if g.household_id is not None}
        person = getattr(self.user, "person", None) if self.user is not None else None
        if person is not None:
            ids.add(person.household_id)
        return ids

    def sees_credit_details(self, household) -> bool:
        """Whether the user may see the household's 双基 indicator answers (financial
        data): the credit union over its region, and the household itself (its
        villager logins, and a staff member whose own household it is)."""
        return household.pk in self.own_household_ids() or self.covers_household(
            household, Perm.VIEW_FINANCE
        )

    # --- single objects ----------------------------------------------------------
    def get_household(self, pk, perm: Perm = Perm.VIEW_REGISTRY):
        """The household if it is in scope for `perm`, else 404."""
        return self.get(self.households(perm).select_related("village", "villager_group"), pk, perm)

    def get_person(self, pk, perm: Perm = Perm.VIEW_REGISTRY):
        """The person if they are in scope for `perm`, else 404."""
        return self.get(
            related_rows("person").select_related("household__villager_group"), pk, perm
        )

    def covers_region(self, region, perm: Perm) -> bool:
        """Whether `region` lies inside a subtree where the user holds `perm`."""
        return any(
            g.region_path and region.path.startswith(g.region_path) for g in self.grants_for(perm)
        )

    def covers_household(self, household, perm: Perm) -> bool:
        for g in self.grants_for(perm):
            if g.household_id is not None and g.household_id == household.pk:
                return True
            if g.region_path and household.villager_group.path.startswith(g.region_path):
                return True
        return False

    def roles_covering(self, household) -> set[str]:
        """The roles the user holds over this household."""
        return {
            g.role
            for g in self.grants
            if (g.household_id is not None and g.household_id == household.pk)
            or (g.region_path and household.villager_group.path.startswith(g.region_path))
        }

    def may_issue_certificate(self, household) -> bool:
        """The household's own certificate, or any household's in a village where the
        user issues certificates (its committee, the town and district admins)."""
        return household.pk in self.own_household_ids() or self.covers_region(
            household.village, Perm.ISSUE_CERTIFICATES
        )

    def villages(self, perm: Perm) -> QuerySet:
        return self.regions(perm).filter(level=Level.VILLAGE)

    # --- fields ------------------------------------------------------------------
    def fields(self, household) -> frozenset[Field]:
        """The field groups of `household` this user is shown: the union over the
        roles they hold over it (FIELDS), all but the full ID for their own household,
        and the full ID where they hold Perm.REVEAL_ID."""
        cache = self.__dict__.setdefault("_fields_cache", {})
        if household.pk not in cache:
            shown: set[Field] = set()
            for role in self.roles_covering(household):
                shown |= FIELDS[role]
            if household.pk in self.own_household_ids():
                shown |= FIELDS[Role.VILLAGER]
            if self.covers_household(household, Perm.REVEAL_ID):
                shown.add(Field.FULL_ID)
            cache[household.pk] = frozenset(shown)
        return cache[household.pk]

    def sees(self, field: Field, household) -> bool:
        return field in self.fields(household)

    def require(self, field: Field, household) -> None:
        """403 unless the user is shown `field` of `household` (a page that exists
        only to show that field, e.g. the points page for Field.POINTS)."""
        if not self.sees(field, household):
            raise PermissionDenied

    def sees_anywhere(self, field: Field) -> bool:
        """Whether some household could show this user `field` (for a column header)."""
        if field is Field.FULL_ID:
            return self.has(Perm.REVEAL_ID)
        return any(field in FIELDS[g.role] for g in self.grants)

    # --- for the home page -------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return not self.grants


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def scope_for(user) -> Scope:
    """The user's scope, loaded with one query and cached on the user object."""
    cached = getattr(user, "_sanxin_scope", None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user is not None and user.is_authenticated and user.is_active:
        for a in (
            RoleAssignment.objects.filter(user=user, ended_at__isnull=True)
            .select_related("region", "household__village", "household__villager_group")
            .order_by("id")
        ):
            grants.append(
                Grant(
                    role=a.role,
                    region_id=a.region_id,
                    region_path=a.region.path if a.region else None,
                    region_level=a.region.level if a.region else None,
                    region_name=a.region.name if a.region else None,
                    household_id=a.household_id,
                    household_label=f"{a.household.village.name} {a.household.number}号户"
                    if a.household
                    else None,
                    household_village_id=a.household.village_id if a.household else None,
                    household_group_path=a.household.villager_group.path if a.household else None,
                    department=a.department,
                )
            )
    scope = Scope(user, grants)
    if user is not None:
        user._sanxin_scope = scope
    return scope
