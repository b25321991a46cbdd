"""用户管理: district and town admins create users and assign or end roles within
their region; every rule is checked by the services and every change is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanxin.accounts import services
from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.models import AuditEvent
from sanxin.households.models import Person
from tests.access_cases import users as user_cases
from tests.factories import PASSWORD

STRONG = "Qiang-mima-2026"


def _create(world, actor="district_admin", region=None, **kw):
    data = {"username": "new_user", "display_name": "新用户", "region": region or world.village_a1}
    data.update(kw)
    return services.user_create(actor=world.users[actor], **data)


def _fresh(world):
    """The role-less user, created in village A1 (so its admins reach it), loaded
    afresh (a scope is cached on the user object)."""
    User.objects.filter(pk=world.users["no_role"].pk).update(region=world.village_a1)
    return User.objects.get(pk=world.users["no_role"].pk)


# --- creating users ----------------------------------------------------------------------


def test_a_district_admin_creates_a_user_with_a_generated_password(world, client):
    created = _create(world, phone="13900000009")
    assert created.generated_password and len(created.generated_password) >= 12
    user = created.user
    assert user.region == world.village_a1 and user.check_password(created.generated_password)
    event = AuditEvent.objects.get(action="user.create")
    assert event.actor == world.users["district_admin"] and event.object_id == str(user.pk)
    assert created.generated_password not in str(event.after)
    response = client.post(
        "/accounts/login/", {"username": "13900000009", "password": created.generated_password}
    )
    assert response.status_code == 302


def test_a_chosen_password_is_validated(world):
    with pytest.raises(ValidationError) as exc:
        _create(world, password="123")
    assert "password" in exc.value.message_dict
    created = _create(world, password=STRONG)
    assert created.generated_password is None and created.user.check_password(STRONG)


def test_usernames_and_phones_are_unique(world):
    _create(world, phone="13900000009")
    with pytest.raises(ValidationError, match="已被使用"):
        _create(world, username="NEW_USER")
    with pytest.raises(ValidationError):
        _create(world, username="another", phone="13900000009")


def test_a_town_admin_creates_users_only_in_the_town(world):
    assert _create(world, actor="town_admin", region=world.village_a2).user.region_id
    with pytest.raises(PermissionDenied):
        _create(world, actor="town_admin", username="x2", region=world.village_b1)
    with pytest.raises(PermissionDenied):
        _create(world, actor="town_admin", username="x3", region=world.district)


def test_only_admins_manage_users(world):
    for username in ("committee_head", "credit_officer", "department_viewer", "villager"):
        with pytest.raises(PermissionDenied):
            _create(world, actor=username, username=f"by_{username}")
    assert scope_for(world.users["town_admin"]).has(Perm.MANAGE_USERS)
    assert not scope_for(world.users["committee_head"]).has(Perm.MANAGE_USERS)


def test_the_linked_person_must_be_registered_in_the_region(world):
    inside = Person.objects.filter(household=world.household).first()
    outside = Person.objects.filter(household=world.household_a2).first()
    assert _create(world, person=inside).user.person == inside
    with pytest.raises(ValidationError, match="不是大贵口村登记的人员"):
        _create(world, username="u2", person=outside)


# --- assigning roles -------------------------------------------------------------------------


def test_each_role_is_bound_to_a_region_of_its_level(world):
    actor, user = world.users["district_admin"], _fresh(world)
    cases = [
        (Role.COMMITTEE_HEAD, world.town_a),
        (Role.SUBTEAM_MEMBER, world.village_a1),
        (Role.TOWN_ADMIN, world.village_a1),
        (Role.DEPARTMENT_VIEWER, world.town_a),
        (Role.SHOP_CLERK, world.group_a1_1),
        (Role.CREDIT_OFFICER, world.village_a1),
    ]
    for role, region in cases:
        with pytest.raises(ValidationError) as exc:
            services.role_assign(actor=actor, user=user, role=role, region=region)
        assert "只能绑定到" in str(exc.value), role
    fine = [
        (Role.COMMITTEE_HEAD, world.village_a1),
        (Role.SUBTEAM_MEMBER, world.group_a1_1),
        (Role.TOWN_ADMIN, world.town_a),
        (Role.DEPARTMENT_VIEWER, world.district),
        (Role.CREDIT_OFFICER, world.town_a),
        (Role.CREDIT_OFFICER, world.district),
    ]
    for role, region in fine:
        department = Department.ORGANISATION if role == Role.DEPARTMENT_VIEWER else ""
        services.role_assign(
            actor=actor, user=user, role=role, region=region, department=department
        )
    assert RoleAssignment.objects.filter(user=user).count() == len(fine)
    assert AuditEvent.objects.filter(action="role.assign").count() == len(fine)


def test_the_model_refuses_a_wrong_level_too(world):
    assignment = RoleAssignment(
        user=world.users["no_role"], role=Role.COMMITTEE_HEAD, region=world.town_a
    )
    with pytest.raises(ValidationError, match="只能绑定到村/社区一级"):
        assignment.full_clean()


def test_a_villager_is_bound_to_a_household_of_the_region(world):
    actor, user = world.users["town_admin"], _fresh(world)
    with pytest.raises(ValidationError):
        services.role_assign(actor=actor, user=user, role=Role.VILLAGER)
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=actor, user=user, role=Role.VILLAGER, household=world.household_b1
        )
    a = services.role_assign(actor=actor, user=user, role=Role.VILLAGER, household=world.household)
    assert a.household == world.household and a.region is None


def test_a_town_admin_grants_only_roles_below_the_town(world):
    actor, user = world.users["town_admin"], _fresh(world)
    for role, region in [
        (Role.TOWN_ADMIN, world.town_a),
        (Role.DISTRICT_ADMIN, world.district),
        (Role.DEPARTMENT_VIEWER, world.district),
        (Role.CREDIT_OFFICER, world.town_a),
    ]:
        with pytest.raises(PermissionDenied):
            services.role_assign(actor=actor, user=user, role=role, region=region)
    services.role_assign(actor=actor, user=user, role=Role.COMMITTEE_HEAD, region=world.village_a1)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围"):
        services.role_assign(
            actor=actor, user=user, role=Role.COMMITTEE_MEMBER, region=world.village_b1
        )


def test_only_superusers_create_district_admins(world):
    user = _fresh(world)
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=world.users["district_admin"],
            user=user,
            role=Role.DISTRICT_ADMIN,
            region=world.district,
        )
    services.role_assign(
        actor=world.users["district_admin"], user=user, role=Role.TOWN_ADMIN, region=world.town_a
    )
    root = User.objects.create_superuser("root", password=PASSWORD)
    services.role_assign(actor=root, user=user, role=Role.DISTRICT_ADMIN, region=world.district)
    assert scope_for(_fresh(world)).has_role(Role.DISTRICT_ADMIN)


def test_nobody_grants_themselves_a_role(world):
    actor = world.users["district_admin"]
    with pytest.raises(ValidationError, match="不能给自己"):
        services.role_assign(actor=actor, user=actor, role=Role.TOWN_ADMIN, region=world.town_a)


def test_admins_of_another_region_do_not_reach_the_user(world):
    user = _create(world).user
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=world.users["other_town_admin"],
            user=user,
            role=Role.COMMITTEE_HEAD,
            region=world.village_b1,
        )
    assert not services.users_in_reach(world.users["other_district_admin"]).filter(pk=user.pk)


def test_a_current_role_is_not_assigned_twice(world):
    actor, user = world.users["town_admin"], _fresh(world)
    services.role_assign(actor=actor, user=user, role=Role.SHOP_CLERK, region=world.village_a1)
    with pytest.raises(ValidationError, match="已经担任"):
        services.role_assign(actor=actor, user=user, role=Role.SHOP_CLERK, region=world.village_a1)


# --- ending roles ----------------------------------------------------------------------------


def test_an_ended_role_stays_as_history_and_grants_nothing(world):
    actor, user = world.users["town_admin"], _fresh(world)
    a = services.role_assign(
        actor=actor, user=user, role=Role.COMMITTEE_MEMBER, region=world.village_a1
    )
    assert scope_for(_fresh(world)).has(Perm.REVIEW_POINTS)
    services.role_end(actor=actor, assignment=a)
    a.refresh_from_db()
    assert a.ended_at is not None and a.ended_by == actor
    assert not scope_for(_fresh(world)).has(Perm.REVIEW_POINTS)
    assert AuditEvent.objects.filter(action="role.end", object_id=str(a.pk)).exists()
    with pytest.raises(ValidationError, match="已经结束"):
        services.role_end(actor=actor, assignment=a)
    again = services.role_assign(
        actor=actor, user=user, role=Role.COMMITTEE_MEMBER, region=world.village_a1
    )
    assert again.pk != a.pk and RoleAssignment.objects.filter(user=user).count() == 2


def test_a_town_admin_cannot_end_roles_above_or_outside_the_town(world):
    actor = world.users["town_admin"]
    credit = RoleAssignment.objects.get(user=world.users["credit_officer"])
    with pytest.raises(PermissionDenied):
        services.role_end(actor=actor, assignment=credit)
    outside = RoleAssignment.objects.get(user=world.users["neighbour_committee_head"])
    services.role_end(actor=actor, assignment=outside)  # village A2 is in town A
    with pytest.raises(PermissionDenied):
        services.role_end(
            actor=actor,
            assignment=RoleAssignment.objects.get(user=world.users["other_town_admin"]),
        )
    with pytest.raises(PermissionDenied):
        services.role_end(
            actor=actor, assignment=RoleAssignment.objects.get(user=world.users["town_admin"])
        )


# --- deactivating and passwords -------------------------------------------------------------


def test_an_admin_deactivates_and_reactivates_a_user_of_the_region(world, client):
    actor, member = world.users["town_admin"], world.users["committee_member"]
    services.user_set_active(actor=actor, user=member, active=False)
    member.refresh_from_db()
    assert not member.is_active
    response = client.post(
        "/accounts/login/", {"username": "committee_member", "password": PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    with pytest.raises(ValidationError, match="已经停用"):
        services.user_set_active(actor=actor, user=member, active=False)
    with pytest.raises(ValidationError, match="已停用"):
        services.role_assign(
            actor=actor, user=member, role=Role.SHOP_CLERK, region=world.village_a1
        )
    services.user_set_active(actor=actor, user=member, active=True)
    assert AuditEvent.objects.filter(action__in=["user.deactivate", "user.activate"]).count() == 2


def test_users_with_roles_above_or_beyond_the_admin_are_left_to_higher_admins(world):
    actor = world.users["town_admin"]
    for username in ("credit_officer", "district_admin", "other_town_admin", "committee_head"):
        user = world.users[username]
        if username == "committee_head":
            # Also a committee member of a village in another town.
            RoleAssignment.objects.create(
                user=user, role=Role.COMMITTEE_MEMBER, region=world.village_b1
            )
        with pytest.raises(PermissionDenied):
            services.user_set_active(actor=actor, user=user, active=False)
        with pytest.raises(PermissionDenied):
            services.user_password_reset(actor=actor, user=user)
    with pytest.raises(ValidationError, match="自己"):
        services.user_password_reset(actor=actor, user=actor)


def test_a_password_reset_generates_one_once(world):
    actor, member = world.users["town_admin"], world.users["subteam_member"]
    password = services.user_password_reset(actor=actor, user=member)
    member.refresh_from_db()
    assert member.check_password(password) and not member.check_password(PASSWORD)
    assert services.user_password_reset(actor=actor, user=member, password=STRONG) is None
    with pytest.raises(ValidationError):
        services.user_password_reset(actor=actor, user=member, password="short")
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 2


# --- the pages ---------------------------------------------------------------------------------


def test_the_user_list_shows_who_holds_what(world, login):
    client = login(world.users["town_admin"])
    html = client.get("/accounts/users/").content.decode()
    assert "committee_head" in html and "评信团团长 · 大贵口村" in html
    assert "other_town_admin" not in html and "other_district_admin" not in html
    assert "district_admin" not in html.replace("other_district_admin", "")
    home = client.get("/").content.decode()
    assert "/accounts/users/" in home


def test_creating_a_user_in_the_browser_shows_the_password_once(world, login):
    client = login(world.users["town_admin"])
    page = client.get("/accounts/users/new/").content.decode()
    assert "大贵口村" in page and "外乡村" not in page
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "wang_xiaoer",
            "display_name": "王小二",
            "phone": "13911112222",
            "region": world.village_a1.pk,
            "password": "",
            "person_village": world.village_a1.pk,
            "person_household": "001",
            "person_name": "王大山",
        },
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    user = User.objects.get(username="wang_xiaoer")
    password = response.context["password"]
    assert password in response.content.decode() and user.check_password(password)
    assert user.person.name == "王大山"
    detail = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert password not in detail


def test_assigning_and_ending_a_role_in_the_browser(world, login):
    client = login(world.users["town_admin"])
    user = world.users["no_role"]
    user.region = world.village_a1
    user.save(update_fields=["region"])
    bad = client.post(
        f"/accounts/users/{user.pk}/roles/",
        {"role": "committee_head", "region": world.town_a.pk},
    )
    assert bad.status_code == 200 and "只能绑定到" in bad.content.decode()
    ok = client.post(
        f"/accounts/users/{user.pk}/roles/",
        {"role": "subteam_member", "region": world.group_a1_1.pk},
    )
    assert ok.status_code == 302
    a = RoleAssignment.objects.get(user=user)
    client.post(f"/accounts/roles/{a.pk}/end/")
    a.refresh_from_db()
    assert a.ended_at is not None
    assert "已结束的角色" in client.get(f"/accounts/users/{user.pk}/").content.decode()


@pytest.mark.parametrize(
    "case",
    [c for c in user_cases.CASES if c.effect],
    ids=lambda c: c.url_name,
)
@pytest.mark.parametrize("username", ["district_admin", "town_admin"])
def test_the_access_cases_allowed_posts_have_their_effect(case, username, world, login):
    if case.setup:
        case.setup(world)
    client = login(world.users[username])
    response = client.post(case.url(world), case.data(world) if case.data else {})
    assert response.status_code in case.ok_statuses
    case.effect(world, username)


def test_a_superuser_creates_a_district_admin_on_the_pages(world, client):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root, backend="sanxin.accounts.backends.UsernameOrPhoneBackend")
    assert client.get("/accounts/users/").status_code == 200
    user = _fresh(world)
    response = client.post(
        f"/accounts/users/{user.pk}/roles/", {"role": "district_admin", "region": world.district.pk}
    )
    assert response.status_code == 302
    assert scope_for(User.objects.get(pk=user.pk)).has_role(Role.DISTRICT_ADMIN)
    assert client.get("/accounts/users/?q=root").context["page"].paginator.count == 0


def test_the_user_list_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    from tests.factories import make_user

    client = login(world.users["district_admin"])
    client.get("/accounts/users/")
    for i in range(20):
        make_user(f"extra_{i}", Role.SHOP_CLERK, region=world.village_a1)
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/users/")
    assert response.status_code == 200 and "extra_19" in response.content.decode()


def test_the_creation_form_submitted_twice_creates_one_user(world, login):
    client = login(world.users["town_admin"])
    assert 'name="idempotency_key"' in client.get("/accounts/users/new/").content.decode()
    data = {
        "username": "twice",
        "display_name": "两次",
        "region": world.village_a1.pk,
        "password": "",
        "idempotency_key": "form-key",
    }
    assert client.post("/accounts/users/new/", data).status_code == 200
    second = client.post("/accounts/users/new/", data, follow=True)
    assert User.objects.filter(username="twice").count() == 1
    assert "已经提交过" in second.content.decode() and "重设密码" in second.content.decode()


def _users_fingerprint():
    return (
        sorted(User.objects.values_list("pk", "username", "is_active", "password", "region_id")),
        sorted(RoleAssignment.objects.values_list("pk", "role", "region_id", "ended_at")),
        AuditEvent.objects.filter(action__startswith=("user.")).count()
        + AuditEvent.objects.filter(action__startswith="role.").count(),
    )


@pytest.mark.parametrize(
    "case", [c for c in user_cases.CASES if c.method == "post"], ids=lambda c: c.url_name
)
def test_refused_posts_change_no_user_or_role(case, world, login):
    """(The access matrix's fingerprint does not cover users and roles.)"""
    from tests.access_cases import ALL_USERS

    if case.setup:
        case.setup(world)
    for username in sorted(set(ALL_USERS) - case.allowed):
        client = login(world.users[username])
        before = _users_fingerprint()
        response = client.post(case.url(world), case.data(world) if case.data else {})
        assert response.status_code in (403, 404), username
        assert _users_fingerprint() == before, username
