"""Writes to users and role assignments, for district and town admins (Perm.MANAGE_USERS)
and superusers. Each service checks the actor's permission and region, validates with
`full_clean`, and writes an audit row in the same transaction.

The rules:
- an admin reaches the users of their region: those created there (`User.region`) or
  holding a role there; they change a user (password, active) only when every current
  role of the user lies in their region, and never a superuser or themselves;
- a role is bound to a region of its level (`ROLE_LEVELS`), a villager to a household,
  always inside the actor's region;
- a town admin grants only roles below the town (village, group, household); a
  district admin grants every role but district admin; only superusers create
  district admins. Nobody grants a role to themselves;
- a role is ended, never deleted; only current roles grant anything.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.audit.models import AuditEvent
from sanxin.audit.services import audit
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

logger = logging.getLogger(__name__)

# The roles each admin role may grant (within its region).
GRANTABLE: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: frozenset(set(Role) - {Role.DISTRICT_ADMIN}),
    Role.TOWN_ADMIN: frozenset(
        {
            Role.COMMITTEE_HEAD,
            Role.COMMITTEE_DEPUTY,
            Role.COMMITTEE_MEMBER,
            Role.SUBTEAM_MEMBER,
            Role.SHOP_CLERK,
            Role.VILLAGER,
        }
    ),
}

GENERATED_PASSWORD_BYTES = 9  # 12 URL-safe characters


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


# --- who reaches what ------------------------------------------------------------------


def _admin_paths(scope: Scope) -> list[str]:
    return [g.region_path for g in scope.grants_for(Perm.MANAGE_USERS) if g.region_path]


def _is_superuser(actor: User | None) -> bool:
    return bool(actor is not None and actor.is_active and actor.is_superuser)


def _path_in(path: str | None, paths: list[str]) -> bool:
    return path is not None and path != "" and any(path.startswith(p) for p in paths)


def _check_manager(actor: User | None) -> Scope:
    scope = scope_for(actor)
    if not _is_superuser(actor) and not scope.has(Perm.MANAGE_USERS):
        raise PermissionDenied("无权管理用户")
    return scope


def users_in_reach(actor: User | None) -> QuerySet:
    """The users an admin lists: created in their region, or holding (or having held) a
    role there, or linked to a person registered there. Superusers are never listed."""
    users = User.objects.filter(is_superuser=False)
    if _is_superuser(actor):
        return users
    paths = _admin_paths(scope_for(actor))
    if not paths:
        return users.none()
    held_here = Q()
    belongs_here = Q()
    for p in paths:
        held_here |= Q(region__path__startswith=p) | Q(
            household__villager_group__path__startswith=p
        )
        belongs_here |= Q(region__path__startswith=p) | Q(
            person__household__villager_group__path__startswith=p
        )
    held = RoleAssignment.objects.filter(held_here, user=OuterRef("pk"))
    return users.filter(belongs_here | Exists(held))


def _assignment_path(a: RoleAssignment) -> str:
    if a.household is not None:
        return a.household.villager_group.path
    return a.region.path if a.region is not None else ""


def _check_reaches_user(actor: User | None, user: User) -> None:
    if not users_in_reach(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("该用户不在您的管辖范围内")


def _check_may_change_user(actor: User, user: User) -> None:
    """Passwords and the active flag: only when the user belongs wholly to the actor's
    region (a town admin cannot lock out a district officer who lives in the town)."""
    _check_reaches_user(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("不能在这里修改自己的账号")
    if _is_superuser(actor):
        return
    paths = _admin_paths(scope_for(actor))
    current = list(
        user.assignments.filter(ended_at__isnull=True).select_related(
            "region", "household__villager_group"
        )
    )
    outside = [a for a in current if not _path_in(_assignment_path(a), paths)]
    if outside or (user.region is not None and not _path_in(user.region.path, paths)):
        raise PermissionDenied("该用户还在您的辖区以外担任角色，只能由上级管理员修改")
    grantable = set(grantable_roles(actor))
    above = sorted({str(Role(a.role).label) for a in current if a.role not in grantable})
    if above:
        raise PermissionDenied(f"该用户担任{'、'.join(above)}，只能由上级管理员修改")


def _check_region_in_reach(actor: User | None, region: Region) -> None:
    if _is_superuser(actor):
        return
    if not _path_in(region.path, _admin_paths(scope_for(actor))):
        raise PermissionDenied(f"{region.name}不在您的管辖范围内")


def grantable_roles(actor: User | None) -> list[str]:
    """The roles `actor` may grant, in the order of `Role`."""
    if _is_superuser(actor):
        return list(Role)
    allowed: set[str] = set()
    for g in scope_for(actor).grants_for(Perm.MANAGE_USERS):
        allowed |= GRANTABLE.get(g.role, frozenset())
    return [r for r in Role if r in allowed]


# --- services --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedUser:
    user: User
    generated_password: str | None  # shown once, never stored in clear


def user_created_by_submission(*, actor: User | None, idempotency_key: str) -> User | None:
    """The user an earlier submission of the same creation form made (a double submit
    answers with it; its generated password is not kept, so it cannot be shown again)."""
    if not idempotency_key:
        return None
    event = AuditEvent.objects.filter(
        action="user.create", actor=actor, after__submission=idempotency_key
    ).first()
    return User.objects.filter(pk=event.object_id).first() if event else None


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    region: Region,
    phone: str = "",
    password: str | None = None,
    person=None,
    idempotency_key: str = "",
) -> CreatedUser:
    """A new login belonging to `region` (inside the actor's). Without a password one is
    generated and returned once. The form's idempotency key is kept in the audit row
    (`user_created_by_submission`)."""
    _check_manager(actor)
    _check_region_in_reach(actor, region)
    if region.level == Level.GROUP:
        raise ValidationError({"region": "所属辖区请选择区、镇或村"})
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用"})
    if person is not None and not person.household.villager_group.path.startswith(region.path):
        raise ValidationError({"person": f"{person.name} 不是{region.name}登记的人员"})
    generated = None
    if not password:
        password = generated = generate_password()
    user = User(
        username=username,
        display_name=display_name.strip(),
        phone=phone.strip() or None,
        region=region,
        person=person,
    )
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    audit(
        actor=actor,
        action="user.create",
        obj=user,
        region_path=region.path,
        after={
            "username": user.username,
            "display_name": user.display_name,
            "phone": bool(user.phone),
            "region": region.name,
            "person": person.pk if person else None,
            "password": "generated" if generated else "set",
            "submission": idempotency_key,
        },
    )
    logger.info(
        "user created: user %s in region %s by user %s (password %s)",
        user.pk, region.pk, getattr(actor, "pk", None), "generated" if generated else "set",
    )  # fmt: skip
    return CreatedUser(user=user, generated_password=generated)


@transaction.atomic
def role_assign(
    *,
    actor: User,
    user: User,
    role: str,
    region: Region | None = None,
    household=None,
    department: str = "",
) -> RoleAssignment:
    """Give `user` a role over a region of the role's level (a villager: a household),
    inside the actor's region, if the actor may grant that role."""
    _check_manager(actor)
    _check_reaches_user(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("不能给自己分配角色")
    if not user.is_active:
        raise ValidationError("该账号已停用，请先启用")
    if role not in Role.values:
        raise ValidationError({"role": "没有这个角色"})
    if role not in grantable_roles(actor):
        raise PermissionDenied(f"您不能分配“{Role(role).label}”角色")
    if role == Role.VILLAGER:
        region = None
        if household is None:
            raise ValidationError({"household": "村民角色必须选择一户"})
        _check_region_in_reach(actor, household.villager_group)
    else:
        household = None
        if region is None:
            raise ValidationError({"region": "请选择辖区"})
        _check_region_in_reach(actor, region)
    if role != Role.DEPARTMENT_VIEWER:
        department = ""
    assignment = RoleAssignment(
        user=user,
        role=role,
        region=region,
        household=household,
        department=department,
        created_by=actor,
    )
    assignment.full_clean(exclude=["user", "created_by"])
    if RoleAssignment.objects.filter(
        user=user, role=role, region=region, household=household, ended_at__isnull=True
    ).exists():
        raise ValidationError(f"{user} 已经担任该角色")
    assignment.save()
    place = household.villager_group if household else region
    where = place.path if place is not None else ""
    audit(
        actor=actor,
        action="role.assign",
        obj=assignment,
        region_path=where,
        after={
            "user": user.username,
            "role": role,
            "region": region.name if region else None,
            "household": household.pk if household else None,
            **({"department": department} if department else {}),
        },
    )
    logger.info(
        "role assigned: %s to user %s over %s %s by user %s",
        role, user.pk, "household" if household else "region",
        household.pk if household else assignment.region_id, actor.pk,
    )  # fmt: skip
    return assignment


@transaction.atomic
def role_end(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """End a current role assignment; the row stays as history."""
    _check_manager(actor)
    # Locked (its own row only: the joins are nullable) so two ends cannot both pass.
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("region", "household__villager_group", "user")
        .get(pk=assignment.pk)
    )
    _check_reaches_user(actor, assignment.user)
    where = _assignment_path(assignment)
    if not _is_superuser(actor):
        if not _path_in(where, _admin_paths(scope_for(actor))):
            raise PermissionDenied("该角色不在您的管辖范围内")
        if assignment.role not in grantable_roles(actor):
            raise PermissionDenied(f"您不能结束“{Role(assignment.role).label}”角色")
    if assignment.user_id == actor.pk:
        raise ValidationError("不能结束自己的角色")
    if assignment.ended_at is not None:
        raise ValidationError("该角色已经结束")
    now = timezone.now()
    RoleAssignment.objects.filter(pk=assignment.pk).update(ended_at=now, ended_by=actor)
    assignment.ended_at, assignment.ended_by = now, actor
    audit(
        actor=actor,
        action="role.end",
        obj=assignment,
        region_path=where,
        at=now,
        before={"role": assignment.role, "user": assignment.user.username},
        after={"ended_at": now.isoformat()},
    )
    logger.info(
        "role ended: assignment %s (%s of user %s) by user %s",
        assignment.pk, assignment.role, assignment.user_id, actor.pk,
    )  # fmt: skip
    return assignment


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (the login stops working at once) or reactivate a user."""
    _check_manager(actor)
    _check_may_change_user(actor, user)
    if user.is_active == active:
        raise ValidationError("该账号已经启用" if active else "该账号已经停用")
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    audit(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        obj=user,
        region_path=user.region.path if user.region is not None else "",
        before={"is_active": not active},
        after={"is_active": active},
    )
    logger.info(
        "user %s: user %s by user %s", "activated" if active else "deactivated", user.pk, actor.pk
    )
    return user


@transaction.atomic
def user_password_reset(*, actor: User, user: User, password: str | None = None) -> str | None:
    """Set a new password (or generate one, returned once). The user's other sessions
    end, since Django ties sessions to the password hash."""
    _check_manager(actor)
    _check_may_change_user(actor, user)
    generated = None
    if not password:
        password = generated = generate_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(
        actor=actor,
        action="user.password_reset",
        obj=user,
        region_path=user.region.path if user.region is not None else "",
        after={"password": "generated" if generated else "set"},
    )
    logger.info(
        "password reset: user %s by user %s (%s)",
        user.pk, actor.pk, "generated" if generated else "set",
    )  # fmt: skip
    return generated


def user_set_elder_mode(*, actor: User, elder_mode: bool) -> User:
    """The user's own choice of 长辈模式 (larger text and buttons), kept on the account."""
    if not actor.is_authenticated:
        raise PermissionDenied("请先登录")
    before = actor.elder_mode
    if before == elder_mode:
        return actor
    with transaction.atomic():
        actor.elder_mode = elder_mode
        actor.full_clean()
        actor.save(update_fields=["elder_mode"])
        audit(
            actor=actor,
            action="user.set_elder_mode",
            obj=actor,
            before={"elder_mode": before},
            after={"elder_mode": elder_mode},
        )
    logger.info("user %s set elder mode %s", actor.pk, "on" if elder_mode else "off")
    return actor
