"""Household QR cards (门牌码): the pages where the shop clerk and those who manage
shops print a villager group's cards, issue a new card and revoke a lost one, and the
page a card's QR code opens (no login): the counter for a clerk of a shop serving the
household's village, the public verification of the grade for anyone else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Scope, scope_for
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household
from sanxin.jobs.services import job_start
from sanxin.lib.forms import id_or_none
from sanxin.ratings.notice import mask_name
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards import cards
from sanxin.rewards import jobs as card_jobs
from sanxin.rewards.card_forms import CardRevokeForm
from sanxin.rewards.models import HouseholdCard
from sanxin.rewards.services import cards as card_services

# --- the scan (public) ------------------------------------------------------------------


@never_cache
@require_GET
def card_scan(request, token):
    """What a card's QR code opens. A clerk of an open shop serving the household's
    village goes to the counter for it; anyone else, logged in or not, sees the
    public verification: masked head name, village, grade in force and its validity.
    A bad, revoked or replaced card: a plain "invalid or revoked" page, 404."""
    card = cards.card_from_token(token)
    if card is None:
        response = render(request, "rewards/card_invalid.html", status=404)
    elif request.user.is_authenticated and cards.clerk_serves(
        scope_for(request.user), card.household
    ):
        return redirect("rewards:counter_household", card.household_id)
    else:
        response = render(request, "rewards/card_public.html", {"v": cards.public_view(card)})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- printing and replacing cards ---------------------------------------------------------


def _require_card_perm(scope: Scope) -> None:
    if not any(scope.has(perm) for perm in card_services.CARD_PERMS):
        raise PermissionDenied


def _groups(scope: Scope) -> QuerySet[Region]:
    """The villager groups under the user's card-managing grants."""
    condition = Q(pk__in=[])
    for perm in card_services.CARD_PERMS:
        for g in scope.grants_for(perm):
            if g.region_path:
                condition |= Q(path__startswith=g.region_path)
    return Region.objects.filter(condition, level=Level.GROUP).select_related("parent__parent")


def _group(scope: Scope, pk) -> Region:
    group_pk = id_or_none(pk)
    group = _groups(scope).filter(pk=group_pk).first() if group_pk is not None else None
    if group is None:
        raise Http404
    return group


@require_GET
@requires()
def card_groups(request):
    """The villager groups in reach, with their registered households and live cards."""
    _require_card_perm(request.scope)
    groups = list(
        _groups(request.scope)
        .annotate(
            household_count=Count(
                "group_households",
                filter=Q(group_households__status=HouseholdStatus.ACTIVE),
                distinct=True,
            ),
            live_count=Count(
                "group_households__cards",
                filter=Q(
                    group_households__status=HouseholdStatus.ACTIVE,
                    group_households__cards__revoked_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("path")
    )
    scope = request.scope
    villages = {g.parent_id: g.parent for g in groups}
    whole = [
        v
        for v in villages.values()
        if any(scope.covers_region(v, perm) for perm in card_services.CARD_PERMS)
    ]
    return render(request, "rewards/card_groups.html", {"groups": groups, "villages": whole})


@require_GET
@requires()
def card_group(request, group):
    """A group's households with their card: when it was made, or none yet; a new
    card for one household, or its card revoked."""
    _require_card_perm(request.scope)
    group = _group(request.scope, group)
    households = list(
        Household.objects.filter(villager_group=group, status=HouseholdStatus.ACTIVE).order_by(
            "number", "pk"
        )
    )
    live = {
        c.household_id: c
        for c in HouseholdCard.objects.filter(household__in=households, revoked_at__isnull=True)
    }
    rows = [(h, mask_name(h.head_name), live.get(h.pk)) for h in households]
    return render(
        request,
        "rewards/card_group.html",
        {"group": group, "rows": rows},
    )


def _start_sheets(request, region: Region, label: str):
    """Start the sheet's background job (rewards/jobs.py) and go to its page."""
    job = job_start(
        actor=request.user,
        kind=card_jobs.CARD_SHEETS,
        region=region,
        target=card_jobs.sheets_target(region.pk),
        label=label,
        params={"region": region.pk, "site": request.build_absolute_uri("/")},
    )
    return redirect("jobs:detail", job.pk)


@require_POST
@requires()
@rates.limited(rates.EXPORT)
def card_sheet(request, group):
    """The group's printed sheet (PDF), making the cards that are missing: a
    background job; the browser goes to its page, which offers the file."""
    _require_card_perm(request.scope)
    group = _group(request.scope, group)
    return _start_sheets(
        request, group, _("打印%(title)s") % {"title": card_jobs.sheet_title(group)}
    )


@require_POST
@requires()
@rates.limited(rates.EXPORT)
def card_village_sheet(request, village):
    """A whole village's sheets, group after group, in one PDF (a background job)."""
    _require_card_perm(request.scope)
    found = Region.objects.filter(pk=village, level=Level.VILLAGE).select_related("parent").first()
    scope = request.scope
    if found is None or not any(
        scope.covers_region(found, perm) for perm in card_services.CARD_PERMS
    ):
        raise Http404
    return _start_sheets(
        request, found, _("打印%(title)s") % {"title": card_jobs.sheet_title(found)}
    )


def _card_household(request, pk) -> Household:
    household = request.scope.get_household(pk)
    if not card_services.may_manage_cards(request.scope, household):
        raise PermissionDenied
    return household


@require_POST
@requires()
def card_issue(request, household):
    """A new card for one household (a lost or damaged card): the old one stops working."""
    _require_card_perm(request.scope)
    household = _card_household(request, household)
    card_services.card_issue(actor=request.user, household=household)
    messages.success(
        request,
        _("已为 %(n)s号户制作新门牌码，旧卡即刻作废。请打印本组门牌码取新卡。")
        % {"n": household.number},
    )
    return redirect("rewards:card_group", household.villager_group_id)


@require_POST
@requires()
def card_revoke(request, household):
    """Revoke one household's card (lost): its QR code opens nothing from now on."""
    _require_card_perm(request.scope)
    household = _card_household(request, household)
    form = CardRevokeForm(request.POST)
    if form.is_valid():
        try:
            card_services.card_revoke(
                actor=request.user, household=household, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("%(n)s号户的门牌码已作废。") % {"n": household.number})
    else:
        messages.error(request, _("请写明作废原因。"))
    return redirect("rewards:card_group", household.villager_group_id)
