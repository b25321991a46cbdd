"""The 积分 recording screens: one entry, or one item for many households. The
review queue, one entry's trace and the decisions on it are in views/review.py.

Views stay thin: objects come through `request.scope`, input through a form, and
every write through `ledger.services`, which checks scope, recusal and
maker-checker and names what is wrong in Chinese."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households.selectors import household_members, household_search
from sanxin.ledger import services
from sanxin.ledger.choices import Source
from sanxin.ledger.forms import (
    BatchForm,
    EntryForm,
    item_choices,
    parse_date,
)
from sanxin.ledger.models import Entry
from sanxin.ledger.tiers import household_tier_of, person_tier
from sanxin.lib.forms import apply_service_errors, id_or_none
from sanxin.regions.models import Region
from sanxin.rules.scheme import TIER_LABELS
from sanxin.rules.selectors import scheme_for_village

PICK_PAGE_SIZE = 30


def _form_date(data, today):
    """The date the form is about (it decides the scheme in force), never after today."""
    on = parse_date(data.get("occurred_on")) if data is not None else None
    return today if on is None or on > today else on


def querystring(params, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()


# ---------------------------------------------------------------------- record


@requires(Perm.RECORD_POINTS)
def record(request):
    """Record one entry: pick the household, then the item, person, date, evidence."""
    scope = request.scope
    posted = request.method == "POST"
    raw = request.POST.get("household") if posted else request.GET.get("household")
    if not raw:
        return _pick_household(request)
    household = scope.get_household(raw, Perm.RECORD_POINTS)
    if household.pk in scope.own_household_ids():
        messages.error(
            request,
            _("%(n)s号户是您本人的家庭，不能为其记录积分，请回避。") % {"n": household.number},
        )
        return redirect("points:record")
    today = timezone.localdate()
    members_qs = household_members(household)
    members = list(members_qs)
    data = request.POST if posted else None
    version = scheme_for_village(household.village, _form_date(data, today))
    items = (
        item_choices(
            version.scheme,
            household_tier=household_tier_of(members),
            member_tiers={person_tier(m) for m in members},
        )
        if version
        else []
    )
    form = EntryForm(
        data,
        request.FILES if posted else None,
        today=today,
        items=items,
        members=members_qs,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if posted and form.is_valid():
        cd = form.cleaned_data
        entry_request = services.EntryRequest(
            household=household,
            item_code=cd["item_code"],
            occurred_on=cd["occurred_on"],
            quantity=cd["quantity"],
            person=cd["person"],
            evidence_text=cd["evidence_text"],
            photos=cd["photos"],
        )
        try:
            entry = _record_once(request.user, entry_request, cd["idempotency_key"], today)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录，待评信团审核"))
            return redirect(
                f"{reverse('points:record')}?{urlencode({'household': household.pk, 'last': entry.pk})}"
            )
    last = None
    last_id = request.GET.get("last", "")
    if not posted and (last_pk := id_or_none(last_id)) is not None:
        last = (
            scope.filter(Entry.objects, Perm.RECORD_POINTS)
            .filter(pk=last_pk, household=household)
            .select_related("person")
            .annotate(photo_count=Count("photos"))
            .first()
        )
    return render(
        request,
        "ledger/record.html",
        {
            "household": household,
            "members": members,
            "form": form,
            "version": version,
            "last": last,
            "today": today,
            "tier_label": TIER_LABELS[household_tier_of(members)],
        },
    )


def _record_once(actor, entry_request, key: str, today):
    try:
        return services.entry_record(
            actor=actor, request=entry_request, idempotency_key=key, today=today
        )
    except IntegrityError:
        # A double tap raced the first submission past the key check; the first won,
        # and asking again returns the entry it saved.
        return services.entry_record(
            actor=actor, request=entry_request, idempotency_key=key, today=today
        )


def _pick_household(request):
    query = request.GET.get("q", "").strip()
    # One's own household is not offered: recording for it is refused (recusal).
    households = (
        request.scope.households(Perm.RECORD_POINTS)
        .exclude(pk__in=request.scope.own_household_ids())
        .select_related("villager_group")
    )
    households = household_search(
        households, query, by_id_in=request.scope.households(Perm.REVEAL_ID)
    ).order_by("village_id", "number", "id")
    page = Paginator(households, PICK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/record_pick.html",
        {"page": page, "q": query, "filters": urlencode({"q": query})},
    )


# ----------------------------------------------------------------------- batch


@requires(Perm.RECORD_POINTS)
def batch(request):
    """One household-level item (a clean-up, a meeting…) for many households at once."""
    scope = request.scope
    posted = request.method == "POST"
    today = timezone.localdate()
    in_scope = scope.households(Perm.RECORD_POINTS)
    if posted:
        # Households outside the user's scope do not exist for them.
        raw_ids = request.POST.getlist("households")
        ids = {id_or_none(x) for x in raw_ids}
        if None in ids:
            raise Http404
        if ids and in_scope.filter(pk__in=ids).count() != len(ids):
            raise Http404
    villages = list(
        Region.objects.filter(pk__in=in_scope.values("village_id"))
        .select_related("parent")
        .order_by("path")
    )
    village_id = request.GET.get("village", "")
    village = next(
        (v for v in villages if str(v.pk) == village_id), villages[0] if villages else None
    )
    context = {"villages": villages, "village": village, "today": today}
    if village is None:
        return render(request, "ledger/batch.html", context)
    in_village = in_scope.filter(village=village)
    groups = list(
        Region.objects.filter(pk__in=in_village.values("villager_group_id")).order_by("path")
    )
    group_id = request.GET.get("group", "")
    # One's own household is not offered: recording for it is refused (recusal).
    listed = (
        in_village.exclude(pk__in=scope.own_household_ids())
        .select_related("village", "villager_group")
        .order_by("number", "id")
    )
    if (group_pk := id_or_none(group_id)) is not None:
        listed = listed.filter(villager_group_id=group_pk)
    data = request.POST if posted else None
    version = scheme_for_village(village, _form_date(data, today))
    items = item_choices(version.scheme, household_level_only=True) if version else []
    form = BatchForm(
        data,
        request.FILES if posted else None,
        today=today,
        items=items,
        households=listed,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    household_errors = []
    if posted and form.is_valid():
        cd = form.cleaned_data
        chosen = list(cd["households"])
        try:
            result = services.entries_record_batch(
                actor=request.user,
                households=chosen,
                item_code=cd["item_code"],
                occurred_on=cd["occurred_on"],
                quantity=cd["quantity"],
                evidence_text=cd["evidence_text"],
                photos=cd["photos"],
                source=Source.BATCH,
                today=today,
                idempotency_key=cd["idempotency_key"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if result.repeated:
                messages.info(
                    request,
                    _("这份表单已经提交过，未重复记录：已为 %(n)d 户记录积分，待评信团审核")
                    % {"n": len(result.entries)},
                )
                return redirect(f"{reverse('points:batch')}?{querystring(request.GET)}")
            if not result.errors:
                messages.success(
                    request, _("已为 %(n)d 户记录积分，待评信团审核") % {"n": len(result.entries)}
                )
                return redirect(f"{reverse('points:batch')}?{querystring(request.GET)}")
            by_pk = {h.pk: h for h in chosen}
            household_errors = [
                (by_pk[pk], [m for messages_ in errs.values() for m in messages_])
                for pk, errs in result.errors.items()
            ]
            form.add_error(
                None,
                _("有 %(n)d 户不能记录，全部未保存，请修改后重新提交")
                % {"n": len(household_errors)},
            )
    context.update(
        {
            "groups": groups,
            "group_id": group_id,
            "form": form,
            "version": version,
            "household_errors": household_errors,
            "querystring": querystring(request.GET),
        }
    )
    return render(request, "ledger/batch.html", context)
