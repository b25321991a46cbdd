from django.http import HttpRequest

from sanxin.accounts.scope import scope_for

# An anonymous visitor's 长辈模式 (public pages: the rules, the login page).
ELDER_COOKIE = "sanxin_elder"


def scope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": scope_for(user)}


def elder_mode_of(request: HttpRequest) -> bool:
    """长辈模式 for this request: the account's choice, or the cookie when signed out."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(getattr(user, "elder_mode", False))
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def elder(request):
    return {"elder_mode": elder_mode_of(request)}
