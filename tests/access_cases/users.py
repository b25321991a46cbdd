"""Access cases for 用户管理 (district and town admins manage the users of their
region). The world's users of village A1 are in reach of the home district's admin
and of town A's admin; the other district's and town B's admins get 404."""

from __future__ import annotations

from tests.access_cases import Case

ADMINS = {"district_admin", "town_admin", "other_district_admin", "other_town_admin"}
# Who reaches the users of village A1.
HOME_ADMINS = {"district_admin", "town_admin"}
NEW_PASSWORD = "Xin-mima-2026-ok"


def _member(w):
    return w.users["committee_member"]


def _member_assignment(w):
    return _member(w).assignments.get()


def _roleless_in_village(w) -> None:
    from sanxin.accounts.models import User

    User.objects.filter(pk=w.users["no_role"].pk).update(region=w.village_a1)


def _created(w, username):
    from sanxin.accounts.models import User

    user = User.objects.get(username="matrix_new")
    assert user.region_id == w.village_a1.pk and user.display_name == "矩阵用户"


def _assigned(w, username):
    assert (
        w.users["no_role"]
        .assignments.filter(role="committee_member", region=w.village_a1, ended_at__isnull=True)
        .exists()
    )


def _ended(w, username):
    assignment = _member_assignment(w)
    assert assignment.ended_at is not None and assignment.ended_by.username == username


def _deactivated(w, username):
    member = _member(w)
    member.refresh_from_db()
    assert not member.is_active


def _password_set(w, username):
    member = _member(w)
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


CASES = [
    Case("accounts:users", lambda w: "/accounts/users/", ADMINS),
    Case("accounts:user_new", lambda w: "/accounts/users/new/", ADMINS),
    Case(
        "accounts:user_new",
        lambda w: "/accounts/users/new/",
        HOME_ADMINS,
        method="post",
        data=lambda w: {
            "username": "matrix_new",
            "display_name": "矩阵用户",
            "phone": "",
            "region": w.village_a1.pk,
            "password": "",
        },
        effect=_created,
    ),
    Case("accounts:user_detail", lambda w: f"/accounts/users/{_member(w).pk}/", HOME_ADMINS),
    Case(
        "accounts:role_assign",
        lambda w: f"/accounts/users/{w.users['no_role'].pk}/roles/",
        HOME_ADMINS,
        method="post",
        setup=_roleless_in_village,
        data=lambda w: {"role": "committee_member", "region": w.village_a1.pk},
        effect=_assigned,
    ),
    Case(
        "accounts:role_end",
        lambda w: f"/accounts/roles/{_member_assignment(w).pk}/end/",
        HOME_ADMINS,
        method="post",
        effect=_ended,
    ),
    Case(
        "accounts:user_active",
        lambda w: f"/accounts/users/{_member(w).pk}/active/",
        HOME_ADMINS,
        method="post",
        data=lambda w: {"active": "0"},
        effect=_deactivated,
    ),
    Case(
        "accounts:user_password",
        lambda w: f"/accounts/users/{_member(w).pk}/password/",
        HOME_ADMINS,
        method="post",
        data=lambda w: {"password": NEW_PASSWORD},
        effect=_password_set,
    ),
]
