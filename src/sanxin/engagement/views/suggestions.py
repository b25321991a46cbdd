"""Suggestions (建言献策): a village's list with each one's status, submitting one
(villagers), its page with the committee's reply, answering it (the committee) and
its photos (the author's household and the staff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.engagement import board as reads
from sanxin.engagement.board_forms import AnswerForm, SuggestionForm
from sanxin.engagement.choices import SuggestionState
from sanxin.engagement.models import SuggestionPhoto
from sanxin.engagement.services import suggestions as svc
from sanxin.households.consent import Publication
from sanxin.households.models import Household
from sanxin.lib import photos as photo_files
from sanxin.lib.forms import apply_service_errors

PAGE_SIZE = 30


@requires(Perm.ENGAGE_VIEW)
def suggestion_list(request, village_id: int):
    """The village's suggestions, newest first, with their status; `?state=` filters,
    `?mine=1` keeps the user's household's."""
    village = reads.village_or_404(request.scope, village_id)
    staff = reads.is_staff_of(request.scope, village)
    qs = reads.suggestions_of(village).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in SuggestionState.values:
        qs = qs.filter(state=state)
    mine = request.GET.get("mine") == "1"
    own = request.scope.own_household_ids()
    if mine:
        qs = qs.filter(household_id__in=own)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    publication = Publication({s.household_id for s in shown}, own=own)
    rows = [
        {
            "s": s,
            "author": reads.shown_author(request.scope, s, staff=staff, publication=publication),
        }
        for s in shown
    ]
    can_submit = (
        request.scope.has(Perm.ENGAGE_TAKE_PART)
        and Household.objects.filter(pk__in=own, village=village).exists()
    )
    return render(
        request,
        "engagement/village/suggestions.html",
        {
            "village": village,
            "rows": rows,
            "page": page,
            "state": state,
            "mine": mine,
            "states": SuggestionState.choices,
            "can_submit": can_submit,
        },
    )


@requires(Perm.ENGAGE_TAKE_PART)
def suggestion_new(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id)
    household = (
        Household.objects.select_related("village", "villager_group")
        .filter(pk__in=request.scope.own_household_ids(), village=village)
        .order_by("pk")
        .first()
    )
    if household is None:
        raise Http404
    form = SuggestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestion = svc.suggestion_submit(
                actor=request.user,
                household=household,
                text=form.cleaned_data["text"],
                show_name=form.cleaned_data["show_name"],
                photos=form.cleaned_data["photos"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("建议已提交，村评信团答复后会通知您。"))
            return redirect("engagement:suggestion", suggestion.pk)
    return render(
        request, "engagement/village/suggestion_new.html", {"village": village, "form": form}
    )


def _detail_context(request, suggestion, staff: bool, form=None) -> dict:
    scope = request.scope
    problem = svc.answer_problem(request.user, suggestion)
    can_answer = not problem and suggestion.state in svc.OPEN_STATES
    return {
        "s": suggestion,
        "village": suggestion.village,
        "author": reads.shown_author(scope, suggestion, staff=staff),
        "photos": (
            list(suggestion.photos.all())
            if reads.sees_photos(scope, suggestion, staff=staff)
            else []
        ),
        "mine": suggestion.household_id in scope.own_household_ids(),
        "staff": staff,
        "can_answer": can_answer,
        "answer_problem": problem if staff and suggestion.state in svc.OPEN_STATES else "",
        "form": form or (AnswerForm() if can_answer else None),
    }


@requires(Perm.ENGAGE_VIEW)
def suggestion_detail(request, pk: int):
    suggestion, staff = reads.suggestion_or_404(request.scope, pk)
    return render(
        request,
        "engagement/village/suggestion.html",
        _detail_context(request, suggestion, staff),
    )


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def suggestion_answer(request, pk: int):
    suggestion, staff = reads.suggestion_or_404(request.scope, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            svc.suggestion_answer(
                actor=request.user,
                suggestion=suggestion,
                state=form.cleaned_data["state"],
                reply=form.cleaned_data["reply"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("engagement:suggestion", suggestion.pk)
        else:
            messages.success(request, _("已答复，村民会收到通知。"))
            return redirect("engagement:suggestion", suggestion.pk)
    return render(
        request,
        "engagement/village/suggestion.html",
        _detail_context(request, suggestion, staff, form),
        status=400,
    )


@requires(Perm.ENGAGE_VIEW)
def suggestion_photo(request, pk: int):
    photo = SuggestionPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    suggestion, staff = reads.suggestion_or_404(request.scope, photo.suggestion_id)
    if not reads.sees_photos(request.scope, suggestion, staff=staff):
        raise Http404
    return photo_files.response(photo.image, f"suggestion-{suggestion.pk}-{photo.pk}")
