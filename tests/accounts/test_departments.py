"""A department viewer is bound to its department: the role form asks for it (a clear
error without it), the service stores and audits it, the user list and the user page
show it, and the scope's grants carry it (`Scope.departments`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanxin.accounts import services
from sanxin.accounts.choices import Department, Role
from sanxin.accounts.forms import RoleAssignForm, region_names
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.scope import scope_for
from sanxin.audit.models import AuditEvent
from sanxin.regions.models import Region
from tests.factories import make_user


def _fresh(world) -> User:
    User.objects.filter(pk=world.users["no_role"].pk).update(region=world.district)
    return User.objects.get(pk=world.users["no_role"].pk)


def _form(world, data):
    regions = Region.objects.filter(path__startswith=world.district.path)
    return RoleAssignForm(
        data,
        roles=services.grantable_roles(world.users["district_admin"]),
        regions=regions,
        villages=regions.filter(level="village"),
        names=region_names(regions),
    )


def test_the_form_asks_a_department_viewer_for_the_department(world):
    form = _form(world, {"role": Role.DEPARTMENT_VIEWER, "region": world.district.pk})
    assert not form.is_valid()
    assert form.errors["department"] == ["职能部门角色请选择所属部门（如区委组织部）"]
    form = _form(
        world,
        {
            "role": Role.DEPARTMENT_VIEWER,
            "region": world.district.pk,
            "department": Department.POLITICAL_LEGAL,
        },
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["department"] == Department.POLITICAL_LEGAL


def test_the_form_drops_a_department_for_other_roles(world):
    form = _form(
        world,
        {
            "role": Role.TOWN_ADMIN,
            "region": world.town_a.pk,
            "department": Department.APPROVAL,
        },
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["department"] == ""


def test_the_form_refuses_an_unknown_department(world):
    form = _form(
        world,
        {"role": Role.DEPARTMENT_VIEWER, "region": world.district.pk, "department": "army"},
    )
    assert not form.is_valid() and "department" in form.errors


def test_the_service_stores_and_audits_the_department(world):
    user = _fresh(world)
    with pytest.raises(ValidationError) as exc:
        services.role_assign(
            actor=world.users["district_admin"],
            user=user,
            role=Role.DEPARTMENT_VIEWER,
            region=world.district,
        )
    assert "职能部门账号必须选择所属部门" in str(exc.value)
    a = services.role_assign(
        actor=world.users["district_admin"],
        user=user,
        role=Role.DEPARTMENT_VIEWER,
        region=world.district,
        department=Department.CIVIL_AFFAIRS,
    )
    assert a.department == Department.CIVIL_AFFAIRS
    event = AuditEvent.objects.get(action="role.assign", object_id=str(a.pk))
    assert event.after["department"] == Department.CIVIL_AFFAIRS
    # Another role never keeps a department.
    b = services.role_assign(
        actor=world.users["district_admin"],
        user=user,
        role=Role.CREDIT_OFFICER,
        region=world.district,
        department=Department.CREDIT_UNION,
    )
    assert b.department == ""


def test_the_scope_carries_the_departments_of_current_grants(world):
    viewer = make_user(
        "two_departments", Role.DEPARTMENT_VIEWER, region=world.district, department="approval"
    )
    assert scope_for(viewer).departments == frozenset({Department.APPROVAL})
    grant = scope_for(viewer).grants[0]
    assert grant.department == Department.APPROVAL and grant.department_label == "区行政审批局"
    assert scope_for(world.users["district_admin"]).departments == frozenset()
    RoleAssignment.objects.filter(user=viewer).update(ended_at=timezone.now())
    assert scope_for(User.objects.get(pk=viewer.pk)).departments == frozenset()


def test_the_pages_assign_and_show_the_department(world, login):
    user = _fresh(world)
    client = login(world.users["district_admin"])
    url = f"/accounts/users/{user.pk}/roles/"
    refused = client.post(url, {"role": Role.DEPARTMENT_VIEWER, "region": world.district.pk})
    assert refused.status_code == 200
    assert "职能部门角色请选择所属部门" in refused.content.decode()
    assert not RoleAssignment.objects.filter(user=user).exists()
    done = client.post(
        url,
        {
            "role": Role.DEPARTMENT_VIEWER,
            "region": world.district.pk,
            "department": Department.POLITICAL_LEGAL,
        },
    )
    assert done.status_code == 302
    assert RoleAssignment.objects.get(user=user).department == Department.POLITICAL_LEGAL
    page = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "职能部门（区委政法委）" in page
    assert 'data-for-role="department_viewer"' in page
    assert "role-department.js" in page
    listing = client.get(f"/accounts/users/?q={user.username}").content.decode()
    assert "职能部门（区委政法委）" in listing
