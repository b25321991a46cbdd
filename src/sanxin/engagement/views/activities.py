"""Village activities: the list (upcoming, a villager's sign-ups and check-ins),
publishing, one activity's page (sign up, withdraw, cancel), the organiser's rotating
QR code, the scan that checks a villager in, the organiser's check-in list and the
attendance page that turns check-ins into pending points. Every write goes through
`engagement.services.activities`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.engagement import activity_selectors as sel
from sanxin.engagement import checkin_codes
from sanxin.engagement.activity_forms import ActivityForm, ChecklistForm, ReasonForm, SignUpForm
from sanxin.engagement.models import Activity, SignUp
from sanxin.engagement.services import activities as svc
from sanxin.households.models import Person
from sanxin.lib.forms import apply_service_errors, id_or_none
from sanxin.lib.qr import qr_svg
from sanxin.regions.choices import Level
from sanxin.rules.selectors import scheme_for_village

UPCOMING_LIMIT = 100
PAST_LIMIT = 30


def _refused(request, exc: ValidationError | PermissionDenied) -> None:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text or _("无权进行此操作"))


def _organiser_or_404(request, pk: int):
    activity = sel.activity_or_404(request.scope, pk)
    if not svc.may_organise(request.user, activity):
        raise PermissionDenied
    return activity


@requires(Perm.ENGAGE_VIEW)
def activity_list(request):
    scope, now = request.scope, timezone.now()
    return render(
        request,
        "engagement/activities/list.html",
        {
            "upcoming": list(sel.upcoming(scope, now)[:UPCOMING_LIMIT]),
            "past": list(sel.past(scope, now).order_by("-starts_at", "-id")[:PAST_LIMIT])
            if scope.has(Perm.ENGAGE_PUBLISH)
            else [],
            "my_signups": list(sel.own_signups(scope)[:50]),
            "my_checkins": list(sel.own_checkins(scope)[:50]),
            "can_publish": scope.has(Perm.ENGAGE_PUBLISH),
            "now": now,
        },
    )


def _places(scope) -> list[tuple[str, str]]:
    """Where the user may publish: villages (committee) and villager groups (sub-team)."""
    regions = (
        scope.regions(Perm.ENGAGE_PUBLISH)
        .filter(level__in=[Level.VILLAGE, Level.GROUP])
        .select_related("parent")
        .order_by("path")[:200]
    )
    out = []
    for r in regions:
        if r.level == Level.VILLAGE:
            out.append((str(r.pk), r.name))
        elif r.parent is not None:
            out.append((str(r.pk), f"{r.parent.name} {r.name}{_('（分团）')}"))
    return out


@requires(Perm.ENGAGE_PUBLISH)
def activity_new(request):
    scope = request.scope
    places = _places(scope)
    chosen = request.POST.get("where") or (places[0][0] if places else "")
    region = (
        scope.regions(Perm.ENGAGE_PUBLISH)
        .filter(pk=id_or_none(chosen) or 0)
        .select_related("parent")
        .first()
    )
    if request.method == "POST" and region is None:
        raise Http404  # a place the user may not publish in does not exist for them
    village = None
    if region is not None:
        village = region if region.level == Level.VILLAGE else region.parent
    items = svc.activity_items(village, timezone.localdate()) if village else []
    form = ActivityForm(request.POST or None, places=places, items=items)
    if request.method == "POST" and form.is_valid() and region is not None and village:
        cd = form.cleaned_data
        starts_at, ends_at = form.moments()
        try:
            activity = svc.activity_publish(
                actor=request.user,
                village=village,
                group=region if region.level == Level.GROUP else None,
                kind=cd["kind"],
                title=cd["title"],
                place=cd["place"],
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=cd["capacity"],
                item_code=cd["item_code"],
                description=cd["description"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, fields={"starts_at": "starts", "ends_at": "ends"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("活动已发布。"))
            return redirect("engagement:activity", activity.pk)
    return render(request, "engagement/activities/new.html", {"form": form})


@requires(Perm.ENGAGE_VIEW)
def activity_detail(request, pk: int):
    scope, now = request.scope, timezone.now()
    activity = sel.activity_or_404(scope, pk)
    organises = svc.may_organise(request.user, activity)
    members = sel.own_members(scope, activity) if scope.has(Perm.ENGAGE_TAKE_PART) else []
    own_signups = list(
        SignUp.objects.filter(
            activity=activity,
            household_id__in=scope.own_household_ids(),
            cancelled_at__isnull=True,
        ).select_related("person")
    )
    signed_ids = {s.person_id for s in own_signups}
    open_for_signup = activity.cancelled_at is None and now < activity.starts_at
    unsigned = [p for p in members if p.pk not in signed_ids]
    signup_count = activity.signups.filter(cancelled_at__isnull=True).count()
    query = request.GET.get("q", "")[:30] if organises and open_for_signup else ""
    found = sel.list_people(activity, query)[1] if query else []
    return render(
        request,
        "engagement/activities/detail.html",
        {
            "activity": activity,
            "organises": organises,
            "own_signups": own_signups,
            "own_checkins": list(
                activity.checkins.filter(household_id__in=scope.own_household_ids())
                .select_related("person")
                .order_by("id")
            ),
            "signup_form": SignUpForm(people=unsigned) if unsigned and open_for_signup else None,
            "open_for_signup": open_for_signup,
            "signup_count": signup_count,
            "full": activity.capacity is not None and signup_count >= activity.capacity,
            "signups": list(sel.signups(activity)) if organises else [],
            "query": query,
            "found": found,
            "cancel_form": ReasonForm()
            if organises and activity.cancelled_at is None and now < activity.ends_at
            else None,
            "window_open": checkin_codes.window_state(activity, now) == checkin_codes.Verdict.OK,
            "item": _item_name(activity),
        },
    )


def _item_name(activity) -> str:
    if not activity.item_code:
        return ""
    version = scheme_for_village(activity.village, timezone.localdate(activity.starts_at))
    item = version.scheme.find_item(activity.item_code) if version else None
    if item is None:
        return activity.item_code
    return f"{item.name}（+{item.points.normalize():f} 分）"


@require_POST
@requires(Perm.ENGAGE_VIEW)
def signup(request, pk: int):
    activity = sel.activity_or_404(request.scope, pk)
    person_pk = id_or_none(request.POST.get("person", ""))
    if person_pk is None:
        raise Http404
    if svc.may_organise(request.user, activity):
        people = Person.objects.filter(household__village_id=activity.village_id)
    else:
        people = Person.objects.filter(household_id__in=request.scope.own_household_ids())
    person = people.filter(pk=person_pk).first()
    if person is None:
        raise Http404
    try:
        svc.signup_add(actor=request.user, activity=activity, person=person)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("%(name)s 报名成功。") % {"name": person.name})
    return redirect("engagement:activity", activity.pk)


@require_POST
@requires(Perm.ENGAGE_VIEW)
def signup_withdraw(request, pk: int):
    scope = request.scope
    found = (
        SignUp.objects.filter(pk=pk, activity__in=sel.activities(scope))
        .select_related("activity")
        .first()
    )
    if found is None or not (
        found.household_id in scope.own_household_ids()
        or svc.may_organise(request.user, found.activity)
    ):
        raise Http404
    try:
        svc.signup_withdraw(actor=request.user, signup=found)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("engagement:activity", found.activity_id)


@require_POST
@requires(Perm.ENGAGE_PUBLISH)
def activity_cancel(request, pk: int):
    activity = _organiser_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写取消原因"))
        return redirect("engagement:activity", activity.pk)
    try:
        svc.activity_cancel(
            actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("活动已取消，已报名的农户会收到通知。"))
    return redirect("engagement:activity", activity.pk)


# --- the rotating code ------------------------------------------------------------------


def _code_context(request, activity) -> dict:
    now = timezone.now()
    state = checkin_codes.window_state(activity, now)
    context = {"activity": activity, "state": state, "now": now}
    if state == checkin_codes.Verdict.OK and activity.cancelled_at is None:
        code = checkin_codes.code_for(activity, now)
        url = request.build_absolute_uri(
            reverse("engagement:activity_checkin", args=[activity.pk, code])
        )
        context |= {
            "url": url,
            "svg": qr_svg(url, scale=6, title=_("签到二维码")),
            "seconds_left": checkin_codes.seconds_left(now),
        }
    else:
        context["message"] = (
            _("活动已取消") if activity.cancelled_at else checkin_codes.MESSAGES[state]
        )
    return context


@requires(Perm.ENGAGE_PUBLISH)
def activity_code(request, pk: int):
    """The organiser's phone: the QR code of this minute, replaced every minute (the
    `code/live/` fragment polled by HTMX; a full reload works without it)."""
    activity = _organiser_or_404(request, pk)
    context = _code_context(request, activity)
    context["checked_in"] = activity.checkins.count()
    return render(request, "engagement/activities/code.html", context)


@requires(Perm.ENGAGE_PUBLISH)
def activity_code_live(request, pk: int):
    activity = _organiser_or_404(request, pk)
    context = _code_context(request, activity)
    context["checked_in"] = activity.checkins.count()
    return render(request, "engagement/activities/_code.html", context)


@requires()
def activity_checkin(request, pk: int, code: str):
    """Where the scanned code leads: checks the signed-in villager in, once. A GET
    does it, so that one scan is all an elder needs; the code is good for two minutes
    only and a second scan records nothing."""
    # Not through the scope: a villager of another village scanning this code is told
    # so (the service refuses them) rather than shown a missing page.
    activity = Activity.objects.filter(pk=pk).select_related("village").first()
    if activity is None:
        raise Http404
    status, result, problem = 200, None, ""
    try:
        result = svc.checkin_by_code(actor=request.user, activity=activity, code=code)
    except ValidationError as exc:
        problem, status = "；".join(exc.messages), 400
    except PermissionDenied as exc:
        problem, status = str(exc), 403
    return render(
        request,
        "engagement/activities/checkin.html",
        {"activity": activity, "result": result, "problem": problem},
        status=status,
    )


# --- the organiser's list and the attendance --------------------------------------------


@requires(Perm.ENGAGE_PUBLISH)
def activity_checklist(request, pk: int):
    """Tick the people who came (those without a phone): the sign-ups first, others
    found by name or household number."""
    activity = _organiser_or_404(request, pk)
    query = request.GET.get("q", "")[:30]
    errors: list[str] = []
    if request.method == "POST":
        chosen_pks = {id_or_none(x) for x in request.POST.getlist("people")}
        if None in chosen_pks:
            raise Http404
        people = list(
            Person.objects.filter(
                pk__in=chosen_pks,
                household__village_id=activity.village_id,
                active=True,
            )
        )
        form = ChecklistForm(request.POST, people=people)
        if form.is_valid():
            try:
                results = svc.checkin_by_list(actor=request.user, activity=activity, people=people)
            except (ValidationError, PermissionDenied) as exc:
                errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            else:
                new = sum(r.created for r in results)
                messages.success(
                    request,
                    _("已签到 %(n)d 人（%(d)d 人此前已签到）")
                    % {"n": new, "d": len(results) - new},
                )
                return redirect(
                    f"{reverse('engagement:activity_checklist', args=[activity.pk])}"
                    + (f"?{urlencode({'q': query})}" if query else "")
                )
        else:
            errors = [_("所选人员不是本村在册村民，或没有勾选任何人")]
    signed, others = sel.list_people(activity, query)
    done = sel.checked_in_ids(activity)
    return render(
        request,
        "engagement/activities/checklist.html",
        {
            "activity": activity,
            "signed": signed,
            "others": others,
            "done": done,
            "query": query,
            "errors": errors,
            "window_open": checkin_codes.window_state(activity, timezone.now())
            == checkin_codes.Verdict.OK,
        },
    )


@requires(Perm.ENGAGE_PUBLISH)
def activity_attendance(request, pk: int):
    """Who came (with their points' state), who signed up and did not come, and the
    button that records the pending entries; the review link for another member."""
    activity = _organiser_or_404(request, pk)
    problems: list[str] = []
    if request.method == "POST":
        try:
            result = svc.attendance_record(actor=request.user, activity=activity)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("已记录 %(n)d 条待审核积分，请另一名评信团成员在审核页批量通过。")
                % {"n": len(result.entries)},
            )
            problems = result.problems
            if not problems:
                return redirect("engagement:activity_attendance", activity.pk)
    checkins = list(sel.checkins(activity))
    day = timezone.localdate(activity.starts_at).isoformat()
    review_url = f"{reverse('points:review')}?" + urlencode(
        {"recorder": request.user.pk, "date_from": day, "date_to": day}
    )
    return render(
        request,
        "engagement/activities/attendance.html",
        {
            "activity": activity,
            "checkins": checkins,
            "waiting": sum(1 for c in checkins if c.entry_id is None),
            "no_shows": list(sel.no_shows(activity)) if activity.ends_at < timezone.now() else [],
            "ended": activity.ends_at < timezone.now(),
            "problems": problems,
            "review_url": review_url,
            "item": _item_name(activity),
        },
    )
