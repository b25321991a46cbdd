"""Editing the registry by hand: a household's details, a new household, a new
member, a member's details, and moving a member to another household."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import services
from sanxin.households.forms import (
    HouseholdForm,
    MoveForm,
    NewHouseholdForm,
    NewPersonForm,
    PersonForm,
)
from sanxin.lib.forms import apply_service_errors, id_or_none


@requires(Perm.CHANGE_REGISTRY)
def household_edit(request, pk: int):
    household = request.scope.get_household(pk, Perm.CHANGE_REGISTRY)
    initial = {
        "villager_group": household.villager_group,
        "address": household.address,
        "phone": household.phone,
        "status": household.status,
    }
    form = HouseholdForm(request.POST or None, initial=initial, village=household.village)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.household_change(
                actor=request.user, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。") if changed else _("没有改动。"))
            return redirect("households:detail", household.pk)
    return render(
        request,
        "households/edit.html",
        {"form": form, "household": household, "title": _("修改农户信息")},
    )


@requires(Perm.CHANGE_REGISTRY)
def household_new(request):
    villages = (
        request.scope.villages(Perm.CHANGE_REGISTRY).select_related("parent").order_by("path")
    )
    village_id = request.POST.get("village") or request.GET.get("village") or ""
    village = None
    if village_id:
        # A village named explicitly must be in the user's scope: outsiders get 404.
        village = villages.filter(pk=id_or_none(village_id) or 0).first()
        if village is None:
            raise Http404
    elif villages.count() == 1:
        village = villages.first()
    form = NewHouseholdForm(request.POST or None, village=village) if village else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        head = services.PersonData(
            name=data["head_name"],
            id_number=data["head_id_number"],
            relation="户主",
            phone=data["phone"],
        )
        try:
            household = services.household_register(
                actor=request.user,
                village=village,
                villager_group=data["villager_group"],
                number=data["number"].strip(),
                head=head,
                address=data["address"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记新户。"))
            return redirect("households:detail", household.pk)
    return render(
        request, "households/new.html", {"form": form, "villages": villages, "village": village}
    )


@requires(Perm.CHANGE_REGISTRY)
def person_new(request, pk: int):
    household = request.scope.get_household(pk, Perm.CHANGE_REGISTRY)
    form = NewPersonForm(request.POST or None, initial={"political_status": "masses"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.PersonData(
            name=d["name"],
            id_number=d["id_number"],
            relation=d["relation"].strip(),
            phone=d["phone"],
            political_status=d["political_status"],
            cadre_post=d["cadre_post"],
        )
        try:
            services.person_add(actor=request.user, household=household, data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已添加家庭成员。"))
            return redirect("households:detail", household.pk)
    return render(
        request,
        "households/edit.html",
        {"form": form, "household": household, "title": _("添加家庭成员")},
    )


@requires(Perm.CHANGE_REGISTRY)
def person_edit(request, pk: int):
    person = request.scope.get_person(pk, Perm.CHANGE_REGISTRY)
    household = person.household
    initial = {
        "name": person.name,
        "relation": person.relation,
        "phone": person.phone,
        "political_status": person.political_status,
        "cadre_post": person.cadre_post,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            changed = services.person_change(
                actor=request.user,
                person=person,
                name=d["name"],
                relation=d["relation"].strip(),
                phone=d["phone"],
                political_status=d["political_status"],
                cadre_post=d["cadre_post"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。") if changed else _("没有改动。"))
            return redirect("households:detail", household.pk)
    return render(
        request,
        "households/edit.html",
        {"form": form, "household": household, "person": person, "title": _("修改成员信息")},
    )


@requires(Perm.CHANGE_REGISTRY)
def person_move(request, pk: int):
    person = request.scope.get_person(pk, Perm.CHANGE_REGISTRY)
    household = person.household
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = (
            request.scope.households(Perm.CHANGE_REGISTRY)
            .filter(village=household.village, number=d["to_number"].strip())
            .first()
        )
        if target is None:
            form.add_error("to_number", _("本村没有这个户号"))
        else:
            try:
                services.person_move(
                    actor=request.user,
                    person=person,
                    to_household=target,
                    moved_on=d["moved_on"],
                    relation=d["relation"].strip(),
                    reason=d["reason"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已迁入 %(number)s 号户。") % {"number": target.number})
                return redirect("households:detail", target.pk)
    return render(
        request,
        "households/edit.html",
        {"form": form, "household": household, "person": person, "title": _("迁移到本村其他户")},
    )
