from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from sanxin.accounts.models import User


def user_for_identifier(identifier: str) -> User | None:
    """The account a typed login identifier names: its username or its mobile number."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return User.objects.filter(Q(username=identifier) | Q(phone=identifier)).order_by("id").first()


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """What django-axes counts failures against (AXES_USERNAME_CALLABLE): the account,
    whichever identifier was typed, so five failures on the username and five on the
    phone number are ten failures of one account. An identifier naming no account is
    counted as typed (it is locked out too, and tells nothing about which exist)."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    if typed is None:
        return None
    user = user_for_identifier(typed)
    return user.username if user is not None else typed.strip()


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the 11-digit mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_for_identifier(username)
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
