"""Contributions (捐资捐物、义务投工): a village's projects with their totals, creating
a project, one project's list of contributions, recording a contribution (the
committee) and its evidence photos (the household and the staff)."""

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
from sanxin.engagement.board_forms import ContributionForm, ProjectForm
from sanxin.engagement.models import ContributionPhoto, Project
from sanxin.engagement.services import contributions as svc
from sanxin.households.consent import Publication
from sanxin.households.models import Household, Person
from sanxin.lib import photos as photo_files
from sanxin.lib.forms import apply_service_errors

PAGE_SIZE = 50


def _manages(request, village) -> bool:
    return request.scope.covers_region(village, Perm.ENGAGE_MANAGE)


def _records(request, village) -> bool:
    """Contributions are recorded with their points: by the village's committee,
    who manage engagement and record points there."""
    return _manages(request, village) and request.scope.covers_region(village, Perm.RECORD_POINTS)


@requires(Perm.ENGAGE_VIEW)
def project_list(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id)
    manages = _manages(request, village)
    return render(
        request,
        "engagement/village/projects.html",
        {
            "village": village,
            "totals": reads.project_totals(village),
            "manages": manages,
            "records": _records(request, village),
            "form": ProjectForm() if manages else None,
        },
    )


@require_POST
@requires(Perm.ENGAGE_MANAGE)
def project_new(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id, Perm.ENGAGE_MANAGE)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = svc.project_create(actor=request.user, village=village, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("项目已创建。"))
            return redirect("engagement:project", project.pk)
    return render(
        request,
        "engagement/village/projects.html",
        {
            "village": village,
            "totals": reads.project_totals(village),
            "manages": True,
            "records": _records(request, village),
            "form": form,
        },
        status=400,
    )


@requires(Perm.ENGAGE_VIEW)
def project_detail(request, pk: int):
    project = Project.objects.select_related("village").filter(pk=pk).first()
    if project is None:
        raise Http404
    village = reads.village_or_404(request.scope, project.village_id)
    staff = reads.is_staff_of(request.scope, village)
    own = request.scope.own_household_ids()
    page = Paginator(reads.contributions_of(project), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    publication = Publication({c.household_id for c in shown}, own=own)
    rows = [
        {"c": c, "name": reads.contributor_name(c, staff=staff, own=own, publication=publication)}
        for c in shown
    ]
    total = next((t for t in reads.project_totals(village) if t.project == project), None)
    return render(
        request,
        "engagement/village/project.html",
        {
            "village": village,
            "project": project,
            "total": total,
            "rows": rows,
            "page": page,
            "staff": staff,
            "own": own,
            "records": _records(request, village),
        },
    )


def _contribution_args(form: ContributionForm, village) -> dict:
    """The service's arguments from the form; the household and person looked up in
    the village (a number not found is the form's error)."""
    data = form.cleaned_data
    household = (
        Household.objects.select_related("village", "villager_group")
        .filter(village=village, number=data["household_number"])
        .first()
    )
    if household is None:
        raise ValidationError({"household_number": [_("本村没有这个户号")]})
    person = None
    if data["person_name"]:
        person = Person.objects.filter(
            household=household, name=data["person_name"], active=True
        ).first()
        if person is None:
            raise ValidationError({"person_name": [_("该户没有这名在册成员")]})
    project = None
    if data["project"]:
        project = Project.objects.filter(village=village, pk=int(data["project"])).first()
    return {
        "household": household,
        "person": person,
        "project": project,
        "cause": data["cause"] or "",
        "kind": data["kind"],
        "amount": data["amount"],
        "goods": data["goods"] or "",
        "goods_quantity": data["goods_quantity"],
        "goods_unit": data["goods_unit"] or "",
        "labour_days": data["labour_days"],
        "contributed_on": data["contributed_on"],
        "evidence_text": data["evidence_text"] or "",
        "photos": data["photos"],
    }


@requires(Perm.ENGAGE_MANAGE)
def contribution_new(request, village_id: int):
    village = reads.village_or_404(request.scope, village_id, Perm.ENGAGE_MANAGE)
    if not _records(request, village):
        raise PermissionDenied
    projects = list(Project.objects.filter(village=village, closed_on__isnull=True).order_by("-id"))
    initial = {"project": request.GET.get("project", "")}
    form = ContributionForm(
        request.POST or None, request.FILES or None, projects=projects, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            contribution = svc.contribution_record(
                actor=request.user, **_contribution_args(form, village)
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, fields={"household": "household_number"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已记录。积分：%(note)s") % {"note": contribution.points_note},  # type: ignore[attr-defined]
            )
            if contribution.project_id:
                return redirect("engagement:project", contribution.project_id)
            return redirect("engagement:projects", village.pk)
    return render(
        request,
        "engagement/village/contribution_new.html",
        {"village": village, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(Perm.ENGAGE_VIEW)
def contribution_photo(request, pk: int):
    photo = ContributionPhoto.objects.select_related("contribution").filter(pk=pk).first()
    if photo is None:
        raise Http404
    contribution = photo.contribution
    village = reads.village_or_404(request.scope, contribution.village_id)
    staff = reads.is_staff_of(request.scope, village)
    if not (staff or contribution.household_id in request.scope.own_household_ids()):
        raise Http404
    return photo_files.response(photo.image, f"contribution-{contribution.pk}-{photo.pk}")
