"""用户管理: district and town admins list the users of their region with the roles
each holds, create users, assign and end roles, deactivate users and reset passwords.
Every write goes through accounts.services, which checks permission, region and the
role's level and writes the audit row."""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts import services
from sanxin.accounts.choices import Role
from sanxin.accounts.decorators import requires
from sanxin.accounts.forms import (
    PasswordResetForm,
    RoleAssignForm,
    UserCreateForm,
    region_names,
)
from sanxin.accounts.models import RoleAssignment, User
from sanxin.accounts.scope import Perm
from sanxin.lib.forms import apply_service_errors, id_or_none
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

PAGE_SIZE = 30


def manages_users(view):
    """District and town admins (Perm.MANAGE_USERS), and superusers, who create the
    district admins (403 for everyone else)."""

    @requires()
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or request.scope.has(Perm.MANAGE_USERS)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.required_perm = Perm.MANAGE_USERS
    return wrapper


def _regions(request):
    """The regions the admin manages (every level), and their names for labels."""
    if request.user.is_superuser:
        regions = Region.objects.all()
    else:
        regions = request.scope.regions(Perm.MANAGE_USERS)
    regions = regions.order_by("path")
    return regions, region_names(_ancestors(regions))


def _ancestors(regions):
    """The regions and every region above them (their paths list the ids)."""
    ids = {i for r in regions.only("path") for i in r.ancestor_ids}
    return Region.objects.filter(pk__in=ids)


def _current_roles():
    return Prefetch(
        "assignments",
        queryset=RoleAssignment.objects.filter(ended_at__isnull=True)
        .select_related("region", "household__village")
        .order_by("id"),
        to_attr="current_roles",
    )


def _get_user(request, pk) -> User:
    user = services.users_in_reach(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def _where(assignment: RoleAssignment) -> str:
    if assignment.household_id is not None:
        h = assignment.household
        return _("%(v)s %(n)s号户") % {"v": h.village.name, "n": h.number}
    if assignment.department:
        return f"{assignment.region.name} · {assignment.get_department_display()}"
    return assignment.region.name


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@manages_users
def users_list(request):
    query = request.GET.get("q", "").strip()
    users = services.users_in_reach(request.user).select_related("region")
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(display_name__icontains=query) | Q(phone=query)
        )
    users = users.prefetch_related(_current_roles()).order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/users.html",
        {"page": page, "q": query, "filters": urlencode({"q": query} if query else {})},
    )


def _posted_regions_in_reach(request, regions, *fields: str) -> None:
    """A posted region outside the admin's does not exist for them (404), as for
    every object outside a user's scope."""
    for name in fields:
        raw = request.POST.get(name, "")
        pk = id_or_none(raw)
        if raw and (pk is None or not regions.filter(pk=pk).exists()):
            raise Http404


@manages_users
def user_new(request):
    regions, names = _regions(request)
    if request.method == "POST":
        _posted_regions_in_reach(request, regions, "region", "person_village")
    form = UserCreateForm(
        request.POST or None,
        regions=regions.exclude(level=Level.GROUP),
        villages=regions.filter(level=Level.VILLAGE),
        names=names,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        earlier = services.user_created_by_submission(
            actor=request.user, idempotency_key=cd["idempotency_key"]
        )
        if earlier is not None:
            messages.info(
                request,
                _("这份表单已经提交过，用户 %(u)s 已创建；如未记下初始密码，请在下方重设密码。")
                % {"u": earlier.username},
            )
            return redirect("accounts:user_detail", earlier.pk)
        try:
            created = services.user_create(
                actor=request.user,
                username=cd["username"],
                display_name=cd["display_name"],
                phone=cd["phone"],
                region=cd["region"],
                password=cd["password"] or None,
                person=cd["person"],
                idempotency_key=cd["idempotency_key"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已创建用户 %(u)s") % {"u": created.user.username})
            if created.generated_password:
                return _no_store(
                    render(
                        request,
                        "accounts/password_shown.html",
                        {"managed": created.user, "password": created.generated_password},
                    )
                )
            return redirect("accounts:user_detail", created.user.pk)
    return render(request, "accounts/user_new.html", {"form": form})


def _assign_form(request, data=None):
    regions, names = _regions(request)
    return RoleAssignForm(
        data,
        roles=services.grantable_roles(request.user),
        regions=regions,
        villages=regions.filter(level=Level.VILLAGE),
        names=names,
    )


@manages_users
def user_detail(request, pk: int, *, assign_form=None, password_form=None, status=200):
    managed = _get_user(request, pk)
    assignments = list(
        managed.assignments.select_related(
            "region", "household__village", "created_by", "ended_by"
        ).order_by("ended_at", "-created_at", "-id")
    )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "managed": managed,
            "current": [a for a in assignments if a.ended_at is None],
            "ended": [a for a in assignments if a.ended_at is not None],
            "assign_form": assign_form or _assign_form(request),
            "password_form": password_form or PasswordResetForm(),
            "levels": {r: Role(r).label for r in Role},
        },
        status=status,
    )


@require_POST
@manages_users
def role_assign(request, pk: int):
    managed = _get_user(request, pk)
    _posted_regions_in_reach(request, _regions(request)[0], "region", "household_village")
    form = _assign_form(request, request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        try:
            assignment = services.role_assign(
                actor=request.user,
                user=managed,
                role=cd["role"],
                region=cd["region"],
                household=cd["household"],
                department=cd["department"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已为 %(u)s 分配角色：%(r)s（%(w)s）")
                % {"u": managed, "r": assignment.get_role_display(), "w": _where(assignment)},
            )
            return redirect("accounts:user_detail", managed.pk)
    return user_detail(request, managed.pk, assign_form=form)


@require_POST
@manages_users
def role_end(request, pk: int):
    assignment = (
        RoleAssignment.objects.filter(pk=pk, user__in=services.users_in_reach(request.user))
        .select_related("user")
        .first()
    )
    if assignment is None:
        raise Http404
    try:
        services.role_end(actor=request.user, assignment=assignment)
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("已结束 %(u)s 的角色：%(r)s（%(w)s）")
            % {"u": assignment.user, "r": assignment.get_role_display(), "w": _where(assignment)},
        )
    return redirect("accounts:user_detail", assignment.user_id)


@require_POST
@manages_users
def user_active(request, pk: int):
    managed = _get_user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=managed, active=active)
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("已启用该账号") if active else _("已停用该账号"))
    return redirect("accounts:user_detail", managed.pk)


@require_POST
@manages_users
def user_password(request, pk: int):
    managed = _get_user(request, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            generated = services.user_password_reset(
                actor=request.user, user=managed, password=form.cleaned_data["password"] or None
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if generated:
                return _no_store(
                    render(
                        request,
                        "accounts/password_shown.html",
                        {"managed": managed, "password": generated},
                    )
                )
            messages.success(request, _("已重设密码"))
            return redirect("accounts:user_detail", managed.pk)
    return user_detail(request, managed.pk, password_form=form)
