"""Party and cadre reserve candidates (政治激励): the pages. The lists (committee,
town, district, the organisation department read-only), a village's suggestions and
candidates, one candidacy with its history and the steps the user may take, the
district's criteria, and a villager's own candidacies once the household has been told."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm
from sanxin.households.models import Person
from sanxin.ledger.submissions import submit_once
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.models import Region
from sanxin.rewards import candidates_selectors as selectors
from sanxin.rewards.candidates_forms import CriteriaForm, NominateForm, StepForm
from sanxin.rewards.models import (
    LIVE_STATUSES,
    Candidate,
    CandidateAction,
    CandidateCriteria,
    CandidateKind,
    CandidateStatus,
)
from sanxin.rewards.services import candidates as services

STEP_SERVICES = {
    CandidateAction.CONFIRM: services.candidate_confirm,
    CandidateAction.FORWARD: services.candidate_forward,
    CandidateAction.ACCEPT: services.candidate_accept,
    CandidateAction.WITHDRAW: services.candidate_withdraw,
}
STEP_DONE = {
    CandidateAction.CONFIRM: "已确认。",
    CandidateAction.FORWARD: "已报送区委组织部。",
    CandidateAction.ACCEPT: "已列入后备人选名单。",
    CandidateAction.WITHDRAW: "已撤回。",
    CandidateAction.TELL: "已记为“已告知本户”，本户从现在起能看到。",
}


def _shown(scope, rows):
    """Each row with what the user is shown of the person (FIELDS): birth year and
    age, the masked ID number."""
    return [
        {
            "row": r,
            "age": scope.sees(Field.SEX_AGE, r.candidate.household),
            "masked_id": scope.sees(Field.MASKED_ID, r.candidate.household),
        }
        for r in rows
    ]


@requires(Perm.CANDIDATES_VIEW)
def candidate_list(request):
    scope = request.scope
    today = timezone.localdate()
    candidates = scope.filter(Candidate.objects, Perm.CANDIDATES_VIEW)
    status = request.GET.get("status", "live")
    if status == "live":
        candidates = candidates.filter(status__in=[s.value for s in LIVE_STATUSES])
    elif status in CandidateStatus.values:
        candidates = candidates.filter(status=status)
    else:
        status = "all"
    kind = request.GET.get("kind", "")
    if kind in CandidateKind.values:
        candidates = candidates.filter(kind=kind)
    else:
        kind = ""
    rows = selectors.candidate_rows(
        candidates.order_by("village__path", "kind", "nominated_at", "id"), today
    )
    if request.GET.get("flagged"):
        rows = [r for r in rows if r.flagged]
    return render(
        request,
        "rewards/candidates/list.html",
        {
            "rows": _shown(scope, rows),
            "flagged": sum(r.flagged for r in rows),
            "villages": scope.villages(Perm.CANDIDATES_VIEW).order_by("path"),
            "statuses": CandidateStatus.choices,
            "kinds": CandidateKind.choices,
            "status": status,
            "kind": kind,
            "only_flagged": bool(request.GET.get("flagged")),
            "may_set_criteria": scope.has_role("district_admin"),
        },
    )


def _village(request, pk) -> Region:
    village = request.scope.villages(Perm.CANDIDATES_VIEW).filter(pk=pk).first()
    if village is None:
        raise Http404
    return village


def _village_page(request, village: Region, form: NominateForm | None = None, status=200):
    scope = request.scope
    today = timezone.localdate()
    found = selectors.suggestions(village, today)
    rows = selectors.candidate_rows(
        Candidate.objects.filter(village=village).order_by("kind", "nominated_at", "id"), today
    )
    may_nominate = scope.covers_region(village, Perm.CANDIDATES_NOMINATE)
    own = scope.own_household_ids()
    key = uuid.uuid4().hex

    def suggestion_rows(items):
        return [
            {
                "s": s,
                "age": scope.sees(Field.SEX_AGE, s.household),
                "masked_id": scope.sees(Field.MASKED_ID, s.household),
                "recused": s.household.pk in own,
            }
            for s in items
        ]

    return render(
        request,
        "rewards/candidates/village.html",
        {
            "village": village,
            "found": found,
            "party": suggestion_rows(found.party),
            "cadre": suggestion_rows(found.cadre),
            "rows": _shown(scope, rows),
            "may_nominate": may_nominate,
            "form": form or NominateForm(initial={"idempotency_key": key}),
            "key": key,
            "kinds": CandidateKind.choices,
        },
        status=status,
    )


@requires(Perm.CANDIDATES_VIEW)
def village_candidates(request, pk: int):
    return _village_page(request, _village(request, pk))


@require_POST
@requires(Perm.CANDIDATES_NOMINATE)
def candidate_nominate(request, pk: int):
    village = _village(request, pk)
    if not request.scope.covers_region(village, Perm.CANDIDATES_NOMINATE):
        raise PermissionDenied
    form = NominateForm(request.POST)
    if not form.is_valid():
        return _village_page(request, village, form, status=400)
    cd = form.cleaned_data
    people = Person.objects.filter(household__village=village, active=True)
    if cd["person"]:
        person = people.filter(pk=cd["person"]).first()
    else:
        person = people.filter(household__number=cd["household_number"], name=cd["name"]).first()
    if person is None:
        form.add_error(None, _("本村没有这个户号和姓名的在户人员"))
        return _village_page(request, village, form, status=400)
    from_suggestion = bool(cd["person"])
    try:
        submit_once(
            actor=request.user,
            kind="candidate.nominate",
            key=cd["idempotency_key"],
            content={"person": person.pk, "kind": cd["kind"], "reason": cd["reason"]},
            perform=lambda: [
                services.candidate_nominate(
                    actor=request.user,
                    person=person,
                    kind=cd["kind"],
                    reason=cd["reason"],
                    from_suggestion=from_suggestion,
                ).pk
            ],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _village_page(request, village, form, status=400)
    messages.success(
        request,
        _("已提名 %(name)s 为%(kind)s，待镇里确认。")
        % {"name": person.name, "kind": CandidateKind(cd["kind"]).label},
    )
    return redirect("rewards:candidates_village", village.pk)


def _candidate(request, pk) -> Candidate:
    return request.scope.get(
        Candidate.objects.select_related(
            "person", "household__villager_group", "household__village", "village", "nominated_by"
        ),
        pk,
        Perm.CANDIDATES_VIEW,
    )


@requires(Perm.CANDIDATES_VIEW)
def candidate_detail(request, pk: int):
    candidate = _candidate(request, pk)
    today = timezone.localdate()
    (row,) = selectors.candidate_rows(Candidate.objects.filter(pk=candidate.pk), today)
    scope = request.scope
    return render(
        request,
        "rewards/candidates/detail.html",
        {
            "c": row.candidate,
            "row": row,
            "age": scope.sees(Field.SEX_AGE, candidate.household),
            "masked_id": scope.sees(Field.MASKED_ID, candidate.household),
            "events": candidate.events.select_related("actor").order_by("at", "id"),
            "actions": services.allowed_actions(scope, candidate),
            "recused": scope.is_recused(candidate.household),
            "form": StepForm(),
        },
    )


def _step(request, pk: int, action: str):
    candidate = _candidate(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("rewards:candidate", candidate.pk)
    try:
        if action == CandidateAction.TELL:
            services.candidate_mark_told(actor=request.user, candidate=candidate)
        else:
            STEP_SERVICES[action](
                actor=request.user, candidate=candidate, reason=form.cleaned_data["reason"]
            )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _(STEP_DONE[action]))
    return redirect("rewards:candidate", candidate.pk)


@require_POST
@requires(Perm.CANDIDATES_CONFIRM)
def candidate_confirm(request, pk: int):
    return _step(request, pk, CandidateAction.CONFIRM)


@require_POST
@requires(Perm.CANDIDATES_CONFIRM)
def candidate_forward(request, pk: int):
    return _step(request, pk, CandidateAction.FORWARD)


@require_POST
@requires(Perm.CANDIDATES_CONFIRM)
def candidate_accept(request, pk: int):
    return _step(request, pk, CandidateAction.ACCEPT)


@require_POST
@requires(Perm.CANDIDATES_VIEW)
def candidate_withdraw(request, pk: int):
    return _step(request, pk, CandidateAction.WITHDRAW)


@require_POST
@requires(Perm.CANDIDATES_NOMINATE)
def candidate_tell(request, pk: int):
    return _step(request, pk, CandidateAction.TELL)


@requires(Perm.CANDIDATES_VIEW)
def criteria(request):
    """The district's criteria versions; its admin publishes a new one."""
    scope = request.scope
    district_ids = {
        Region.ids_in_path(g.region_path)[0]
        for g in scope.grants_for(Perm.CANDIDATES_VIEW)
        if g.region_path
    }
    districts = list(Region.objects.filter(pk__in=district_ids).order_by("path"))
    if not districts:
        raise Http404
    district = districts[0]
    today = timezone.localdate()
    may_set = services.may_set_criteria(scope, district)
    form = None
    if may_set:
        current = selectors.criteria_in_force(district.pk, today)
        form = CriteriaForm(
            request.POST or None,
            initial={
                "effective_from": today,
                **{f: getattr(current, f) for f in services.CRITERIA_FIELDS},
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.candidate_criteria_set(
                    actor=request.user, district=district, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已发布新的建议条件版本。"))
                return redirect("rewards:candidate_criteria")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "rewards/candidates/criteria.html",
        {
            "district": district,
            "in_force": selectors.criteria_in_force(district.pk, today),
            "versions": CandidateCriteria.objects.filter(district=district)
            .select_related("created_by")
            .order_by("-effective_from", "-id"),
            "form": form,
        },
    )


@requires()
def mine(request):
    """A villager's own candidacies, only once the committee has told the household;
    before that (or for anyone else) the page says there is nothing."""
    household_ids = request.scope.own_household_ids()
    person_ids = Person.objects.filter(household_id__in=household_ids, active=True).values_list(
        "pk", flat=True
    )
    return render(
        request,
        "rewards/candidates/mine.html",
        {"candidacies": selectors.told_candidacies(person_ids)},
    )
