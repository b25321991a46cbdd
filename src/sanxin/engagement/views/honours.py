"""Honour selections: the list, opening one, its page (nominations, the committee's
check, the steps, objections, honours), nominating, voting, the honour roll, the
representatives' list, certificates and their public verification."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.engagement import certificates, selectors
from sanxin.engagement.choices import NominationState, SelectionState, TieRule, VoterBody
from sanxin.engagement.forms import (
    AnswerForm,
    CheckForm,
    HonourTypeForm,
    NominationForm,
    ObjectionForm,
    ReasonForm,
    RepresentativeForm,
    SelectionForm,
    VoteForm,
)
from sanxin.engagement.models import (
    BallotCast,
    Honour,
    HonourObjection,
    HonourType,
    Nomination,
    NominationPhoto,
    Representative,
)
from sanxin.engagement.services import honours as svc
from sanxin.households.consent import ConsentPurpose, Publication
from sanxin.households.models import Household, Person
from sanxin.lib import photos as photo_files
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules.selectors import district_version_in_force


def _refused(request, exc: ValidationError) -> None:
    """A service's refusal as a message on the page it redirects to. (PermissionDenied
    is not caught: the user gets 403.)"""
    messages.error(request, "；".join(exc.messages))


# --- list and opening ------------------------------------------------------------------


@requires(Perm.ENGAGE_VIEW)
def selection_list(request):
    rows = list(selectors.selections(request.scope).order_by("-year", "-id")[:200])
    villages = list(selectors.villages(request.scope).order_by("path")[:50])
    return render(
        request,
        "engagement/honours/list.html",
        {
            "rows": rows,
            "villages": villages,
            "can_open": request.scope.has(Perm.ENGAGE_MANAGE),
            "can_types": request.scope.has(Perm.ENGAGE_HONOUR_TYPES),
        },
    )


def _type_choices(regions: list[Region]):
    """The district's honour types, the three defaults offered (as `new:<name>`)
    when the district has not created them yet."""
    district_ids = {Region.ids_in_path(r.path)[0] for r in regions}
    types = list(HonourType.objects.filter(district_id__in=district_ids, active=True))
    have = {(t.district_id, t.name) for t in types}
    offered = [(str(t.pk), t.name) for t in types]
    for district_id in sorted(district_ids):
        for name, *_rest in svc.DEFAULT_TYPES:
            if (district_id, name) not in have:
                offered.append((f"new:{district_id}:{name}", name))
    return offered


@requires(Perm.ENGAGE_MANAGE)
def selection_new(request):
    regions = list(
        request.scope.regions(Perm.ENGAGE_MANAGE)
        .filter(level__in=[Level.VILLAGE, Level.TOWN])
        .order_by("path")
    )
    if request.method == "POST" and request.POST.get("region") not in {str(r.pk) for r in regions}:
        raise Http404
    form = SelectionForm(
        request.POST or None, honour_type_choices=_type_choices(regions), regions=regions
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        region_pk = data.pop("region")
        region = next(r for r in regions if str(r.pk) == region_pk)
        chosen = data.pop("honour_type")
        if chosen.startswith("new:"):
            _new, district_id, name = chosen.split(":", 2)
            svc.honour_types_install_default(district=Region.objects.get(pk=int(district_id)))
            honour_type = HonourType.objects.get(district_id=int(district_id), name=name)
        else:
            honour_type = HonourType.objects.get(pk=int(chosen))
        try:
            selection = svc.selection_open(
                actor=request.user, honour_type=honour_type, region=region, **data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("评选已开启，提名开始。"))
            return redirect("engagement:selection", selection.pk)
    return render(request, "engagement/honours/new.html", {"form": form})


# --- one selection ----------------------------------------------------------------------


def _statement(selection) -> dict[str, str]:
    voters = (
        _("本村“两委”成员")
        if selection.voters == VoterBody.COMMITTEE
        else _("村民代表名单上的代表")
    )
    tie = (
        _("最后一个名额出现同票时，同票者均当选（可超出名额）。")
        if selection.tie_rule == TieRule.ALL_TIED
        else _("最后一个名额出现同票时，同票者均不当选，名额空缺。")
    )
    quorum = _(
        "投票人为%(voters)s，每人一票、无记名；投票人数达到应投票人数的 %(p)d%% 计票才有效。"
    ) % {"voters": voters, "p": selection.quorum_percent}
    return {"quorum": quorum, "tie": tie}


@requires(Perm.ENGAGE_VIEW)
def selection_detail(request, pk: int):
    selection = selectors.selection_or_404(request.scope, pk)
    scope = request.scope
    manages = selectors.manages(scope, selection)
    nominations = list(
        selectors.nominations_shown(scope, selection, request.user).prefetch_related("photos")
    )
    masked = not manages
    rows = [
        {
            "n": n,
            "name": selectors.nominee_name(
                n, masked=masked and n.household_id not in scope.own_household_ids()
            ),
            "check_form": CheckForm(prefix=f"c{n.pk}")
            if manages
            and selection.state == SelectionState.CHECKING
            and n.state == NominationState.SUBMITTED
            else None,
            "object_form": ObjectionForm(prefix=f"o{n.pk}")
            if selection.state == SelectionState.NOTICE and n.state == NominationState.ELECTED
            else None,
        }
        for n in nominations
    ]
    objections = (
        list(
            HonourObjection.objects.filter(nomination__selection=selection)
            .select_related("nomination__household", "nomination__person", "raised_by")
            .order_by("raised_at")
        )
        if manages
        else list(
            HonourObjection.objects.filter(nomination__selection=selection, raised_by=request.user)
            .select_related("nomination__household", "nomination__person")
            .order_by("raised_at")
        )
    )
    # Those who run it see every honour (to withdraw one); a household its own.
    honours_qs = selection.honours.select_related(
        "household", "person", "entry__review", "withdrawal"
    )
    if not manages:
        honours_qs = honours_qs.filter(household_id__in=scope.own_household_ids())
    honours = list(honours_qs.order_by("id"))
    can_nominate = selection.state == SelectionState.NOMINATING and (
        scope.has(Perm.ENGAGE_TAKE_PART) or scope.has(Perm.ENGAGE_PUBLISH) or manages
    )
    vote_problem = (
        svc.vote_problem(request.user, selection)
        if selection.state == SelectionState.VOTING
        else ""
    )
    voted = BallotCast.objects.filter(selection=selection, voter=request.user).exists()
    return render(
        request,
        "engagement/honours/detail.html",
        {
            "selection": selection,
            "manages": manages,
            "rows": rows,
            "objections": objections,
            "answer_form": AnswerForm(),
            "honours": honours,
            "rules": svc.rules_in_words(selection.honour_type),
            "statement": _statement(selection),
            "can_nominate": can_nominate,
            "can_vote": selection.state == SelectionState.VOTING and not vote_problem,
            "voted": voted,
            "cast": selection.casts.count() if manages else None,
            "needed": svc.quorum_needed(selection) if selection.eligible_voters else None,
            "reason_form": ReasonForm(),
            "states": SelectionState,
        },
    )


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def selection_step(request, pk: int):
    """The committee moves the selection on: close the nominations, open the vote,
    count, award, or end it without an award."""
    selection = selectors.selection_or_404(request.scope, pk)
    step = request.POST.get("step", "")
    actor = request.user
    try:
        if step == "close_nominations":
            svc.selection_close_nominations(actor=actor, selection=selection)
            messages.success(request, _("提名已截止，请逐一审查。"))
        elif step == "open_vote":
            svc.selection_open_vote(actor=actor, selection=selection)
            messages.success(request, _("投票已开始。"))
        elif step == "count":
            result = svc.selection_count(actor=actor, selection=selection)
            messages.success(
                request,
                _("计票完成：收回 %(n)d 票，当选 %(e)d 人（户）。")
                % {"n": result.ballots, "e": len(result.elected)},
            )
        elif step == "award":
            honours = svc.selection_award(actor=actor, selection=selection)
            messages.success(
                request,
                _("已授予 %(n)d 项荣誉，积分已记录，待另一名成员审核。") % {"n": len(honours)},
            )
        elif step == "close":
            svc.selection_close(
                actor=actor, selection=selection, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("评选已结束。"))
        else:
            raise Http404
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("engagement:selection", selection.pk)


# --- nominating and checking --------------------------------------------------------------


def _nominee(selection, form: NominationForm):
    """The household (of the selection's area) and person the form names."""
    number = form.cleaned_data["household_number"]
    household = (
        Household.objects.select_related("village", "villager_group")
        .filter(number=number, villager_group__path__startswith=selection.region.path)
        .order_by("id")
        .first()
    )
    if household is None:
        raise ValidationError({"household_number": [_("本次评选范围内没有这个户号")]})
    person = None
    name = form.cleaned_data.get("person_name") or ""
    if not selection.honour_type.for_household:
        person = Person.objects.filter(household=household, name=name, active=True).first()
        if person is None:
            raise ValidationError({"person_name": [_("该户没有这个姓名的在户成员")]})
    return household, person


@requires(Perm.ENGAGE_VIEW)
def nominate(request, pk: int):
    selection = selectors.selection_or_404(request.scope, pk)
    scope = request.scope
    if not (
        scope.has(Perm.ENGAGE_TAKE_PART)
        or scope.has(Perm.ENGAGE_PUBLISH)
        or selectors.manages(scope, selection)
    ):
        raise PermissionDenied
    own = Household.objects.filter(pk__in=scope.own_household_ids()).order_by("id").first()
    initial = {}
    if own is not None and selection.honour_type.self_nomination:
        initial["household_number"] = own.number
    form = NominationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            household, person = _nominee(selection, form)
            svc.nomination_submit(
                actor=request.user,
                selection=selection,
                household=household,
                person=person,
                reason=form.cleaned_data["reason"],
                photos=form.cleaned_data["photos"],
            )
        except ValidationError as exc:
            apply_service_errors(
                form, exc, fields={"household": "household_number", "person": "person_name"}
            )
        else:
            messages.success(request, _("推荐已提交，村“两委”将进行资格审查。"))
            return redirect("engagement:selection", selection.pk)
    return render(
        request,
        "engagement/honours/nominate.html",
        {
            "selection": selection,
            "form": form,
            "rules": svc.rules_in_words(selection.honour_type),
        },
    )


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def nomination_check(request, pk: int):
    nomination = _nomination_or_404(request, pk)
    form = CheckForm(request.POST, prefix=f"c{nomination.pk}")
    if not form.is_valid():
        messages.error(request, _("请选择审查结果"))
    else:
        try:
            svc.nomination_check(
                actor=request.user,
                nomination=nomination,
                eligible=form.cleaned_data["eligible"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("审查结果已记录。"))
        except ValidationError as exc:
            _refused(request, exc)
    return redirect("engagement:selection", nomination.selection_id)


def _nomination_or_404(request, pk) -> Nomination:
    try:
        found = Nomination.objects.select_related(
            "selection__region", "selection__honour_type", "household__villager_group"
        ).get(pk=int(pk))
    except (Nomination.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    selectors.selection_or_404(request.scope, found.selection_id)
    return found


@requires(Perm.ENGAGE_VIEW)
def nomination_photo(request, pk: int):
    photo = (
        NominationPhoto.objects.select_related(
            "nomination__selection__region", "nomination__household"
        )
        .filter(pk=pk)
        .first()
    )
    if photo is None:
        raise Http404
    nomination = photo.nomination
    selection = selectors.selection_or_404(request.scope, nomination.selection_id)
    scope = request.scope
    # Those who run the selection, the nominator and the household itself see the
    # photos; anyone else only with the household's consent to photos: the voters
    # during the vote and, once the honour is awarded, the village on its honour roll.
    visible = (
        selectors.manages(scope, selection)
        or nomination.nominated_by_id == request.user.pk
        or nomination.household_id in scope.own_household_ids()
    ) or (
        Publication([nomination.household_id]).photos(nomination.household_id)
        and (
            (
                selection.state == SelectionState.VOTING
                and nomination.state == NominationState.ELIGIBLE
                and request.user.pk in svc.voter_ids(selection)
            )
            or (
                Honour.objects.filter(nomination=nomination, withdrawal__isnull=True).exists()
                and selectors.villages(scope).filter(pk=nomination.household.village_id).exists()
            )
        )
    )
    if not visible:
        raise Http404
    return photo_files.response(photo.image, f"nomination-{nomination.pk}-{photo.pk}")


# --- the vote -----------------------------------------------------------------------------


@requires(Perm.ENGAGE_VOTE)
def vote(request, pk: int):
    selection = selectors.selection_or_404(request.scope, pk)
    if request.user.pk not in svc.voter_ids(selection):
        raise PermissionDenied
    problem = svc.vote_problem(request.user, selection)
    if problem:
        messages.error(request, problem)
        return redirect("engagement:selection", selection.pk)
    candidates = list(
        selection.nominations.filter(state=NominationState.ELIGIBLE)
        .select_related("household", "person")
        .prefetch_related("photos")
        .order_by("household__number", "id")
    )
    labelled = [(n, f"{n.household.number}号户 {selectors.nominee_name(n)}") for n in candidates]
    publication = Publication(
        {n.household_id for n in candidates}, own=request.scope.own_household_ids()
    )
    form = VoteForm(request.POST or None, nominations=labelled)
    if request.method == "POST" and form.is_valid():
        try:
            svc.ballot_cast(
                actor=request.user,
                selection=selection,
                choices=[int(c) for c in form.cleaned_data["choices"]],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, fields={})
        else:
            messages.success(request, _("投票成功。您的选择不与您的姓名关联，任何人都查不到。"))
            return redirect("engagement:selection", selection.pk)
    return render(
        request,
        "engagement/honours/vote.html",
        {
            "selection": selection,
            "form": form,
            "candidates": [
                {"n": n, "label": label, "photos": publication.photos(n.household_id)}
                for n, label in labelled
            ],
            "statement": _statement(selection),
        },
    )


# --- notice: objections -------------------------------------------------------------------


@require_POST
@requires(Perm.ENGAGE_VIEW)
def objection_raise(request, pk: int):
    nomination = _nomination_or_404(request, pk)
    form = ObjectionForm(request.POST, prefix=f"o{nomination.pk}")
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            svc.objection_raise(
                actor=request.user, nomination=nomination, text=form.cleaned_data["text"]
            )
            messages.success(request, _("异议已提交，村“两委”将核实并答复。"))
        except ValidationError as exc:
            _refused(request, exc)
    return redirect("engagement:selection", nomination.selection_id)


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def objection_answer(request, pk: int):
    objection = HonourObjection.objects.select_related("nomination").filter(pk=pk).first()
    if objection is None:
        raise Http404
    nomination = _nomination_or_404(request, objection.nomination_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写答复"))
    else:
        try:
            svc.objection_answer(actor=request.user, objection=objection, **form.cleaned_data)
            messages.success(request, _("已答复。"))
        except ValidationError as exc:
            _refused(request, exc)
    return redirect("engagement:selection", nomination.selection_id)


# --- honours --------------------------------------------------------------------------------


def _honour_or_404(request, pk, perm: Perm) -> Honour:
    honour = (
        request.scope.filter(Honour.objects, perm)
        .select_related(
            "honour_type",
            "household__village__parent",
            "household__villager_group",
            "person",
            "selection__region",
        )
        .filter(pk=pk)
        .first()
    )
    if honour is None:
        raise Http404
    return honour


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def honour_withdraw(request, pk: int):
    honour = _honour_or_404(request, pk, Perm.ENGAGE_MANAGE)
    try:
        svc.honour_withdraw(
            actor=request.user, honour=honour, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("荣誉已撤销，其积分相应撤回（冲正待另一名成员审核）。"))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("engagement:selection", honour.selection_id)


@requires(Perm.ENGAGE_VIEW)
def honour_certificate(request, pk: int):
    honour = _honour_or_404(request, pk, Perm.ENGAGE_VIEW)
    if hasattr(honour, "withdrawal"):
        raise Http404
    household = honour.household
    recipient = (
        honour.person.name if honour.person else _("%(head)s户") % {"head": household.head_name}
    )
    region = honour.selection.region
    doc = certificates.HonourDoc(
        serial=honour.serial,
        honour_name=honour.honour_type.name,
        year=honour.year,
        region_name=f"{region.parent.name if region.parent_id else ''} {region.name}".strip(),
        recipient=recipient,
        issuer=_("%(region)s村（居）民委员会") % {"region": region.name}
        if region.level == Level.VILLAGE
        else _("%(region)s人民政府") % {"region": region.name},
        awarded_on=honour.awarded_on,
        verify_url=request.build_absolute_uri(
            reverse("engagement:honour_verify", args=[certificates.token_for(honour)])
        ),
    )
    response = HttpResponse(certificates.honour_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="honour-{honour.serial}.pdf"'
    return response


def honour_verify(request, token: str):
    """Public: whether the certificate is genuine and the honour stands."""
    honour = certificates.honour_from_token(token)
    if honour is None:
        return render(request, "engagement/honours/verify.html", {"found": None}, status=404)
    return render(request, "engagement/honours/verify.html", {"found": certificates.verify(honour)})


@requires(Perm.ENGAGE_VIEW)
def honour_roll(request, village_pk: int):
    village = selectors.villages(request.scope).filter(pk=village_pk).first()
    if village is None:
        raise Http404
    roll = selectors.honour_roll(village)
    publication = Publication({h.household_id for h in roll}, own=request.scope.own_household_ids())
    shown = [h.nomination_id for h in roll if publication.photos(h.household_id)]
    photos: dict[int, list[NominationPhoto]] = {}
    for photo in NominationPhoto.objects.filter(nomination_id__in=shown).order_by("id"):
        photos.setdefault(photo.nomination_id, []).append(photo)
    rows = [
        {
            "honour": h,
            "name": selectors.nominee_name(
                h,
                masked=not publication.full_name(
                    h.household_id, ConsentPurpose.NAME_ON_HONOUR_ROLL
                ),
            ),
            "photos": photos.get(h.nomination_id, []),
        }
        for h in roll
    ]
    return render(request, "engagement/honours/roll.html", {"village": village, "rows": rows})


# --- representatives --------------------------------------------------------------------------


@requires(Perm.ENGAGE_MANAGE)
def representatives(request, village_pk: int):
    village = request.scope.villages(Perm.ENGAGE_MANAGE).filter(pk=village_pk).first()
    if village is None:
        raise Http404
    form = RepresentativeForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        person = (
            Person.objects.select_related("household__village")
            .filter(
                household__village=village,
                household__number=form.cleaned_data["household_number"],
                name=form.cleaned_data["person_name"],
                active=True,
            )
            .first()
        )
        if person is None:
            form.add_error("person_name", _("本村该户没有这个姓名的在户成员"))
        else:
            try:
                svc.representative_add(
                    actor=request.user, person=person, since=form.cleaned_data["since"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc, fields={"person": "person_name"})
            else:
                messages.success(request, _("已登记为村民代表。"))
                return redirect("engagement:representatives", village.pk)
    rows = list(
        Representative.objects.filter(village=village)
        .select_related("person__household")
        .order_by("until", "person__household__number", "id")
    )
    return render(
        request,
        "engagement/honours/representatives.html",
        {"village": village, "rows": rows, "form": form},
    )


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def representative_end(request, pk: int):
    rep = request.scope.filter(Representative.objects, Perm.ENGAGE_MANAGE).filter(pk=pk).first()
    if rep is None:
        raise Http404
    try:
        svc.representative_end(actor=request.user, representative=rep)
        messages.success(request, _("已从村民代表名单中移出。"))
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("engagement:representatives", rep.village_id)


# --- honour types (district) ---------------------------------------------------------------


@requires(Perm.ENGAGE_HONOUR_TYPES)
def honour_types(request):
    districts = list(
        request.scope.regions(Perm.ENGAGE_HONOUR_TYPES).filter(level=Level.DISTRICT).order_by("pk")
    )
    if not districts:
        raise Http404
    district = districts[0]
    version = district_version_in_force(district.pk, timezone.localdate())
    items = [i for i in version.scheme.items if i.points > 0] if version else []
    form = HonourTypeForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            svc.honour_type_add(actor=request.user, district=district, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("荣誉类型已添加。"))
            return redirect("engagement:honour_types")
    rows = [
        {"t": t, "rules": svc.rules_in_words(t)}
        for t in HonourType.objects.filter(district=district).order_by("id")
    ]
    return render(
        request,
        "engagement/honours/types.html",
        {"district": district, "rows": rows, "form": form, "has_scheme": version is not None},
    )
