"""我的设置, the 长辈模式 switch and the favicon: every signed-in user has their own
settings; the switch and the favicon are public (a visitor's choice goes in a cookie)."""

from tests.access_cases import ALL_USERS, Case
from tests.access_cases.effects import audited, succeeded


def _elder_mode_on(w, username):
    succeeded(w, username)
    user = w.users[username]
    user.refresh_from_db()
    assert user.elder_mode
    audited(w, username, "user.set_elder_mode", object_id=str(user.pk))
    assert w.response["Location"] == "/rules/"


CASES = [
    Case("accounts:settings", lambda w: "/accounts/settings/", set(ALL_USERS)),
    Case(
        "accounts:elder_mode",
        lambda w: "/accounts/elder-mode/",
        set(ALL_USERS),
        method="post",
        data=lambda w: {"elder_mode": "on", "next": "/rules/"},
        public=True,
        effect=_elder_mode_on,
    ),
    Case("favicon", lambda w: "/favicon.ico", set(ALL_USERS), public=True, ok_statuses=(301,)),
]
