"""长辈模式: kept on the account through the service, switched from any page's header
and from 我的设置, a cookie for visitors; the page carries the `elder` class."""

import pytest

from sanxin.accounts import services
from sanxin.accounts.context_processors import ELDER_COOKIE
from sanxin.audit.models import AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _html_tag(response) -> str:
    content = response.content.decode()
    return content[content.index("<html") : content.index(">", content.index("<html"))]


def test_the_service_keeps_the_choice_and_audits_a_change():
    user = make_user("cunmin_elder")
    services.user_set_elder_mode(actor=user, elder_mode=True)
    user.refresh_from_db()
    assert user.elder_mode
    event = AuditEvent.objects.get(action="user.set_elder_mode")
    assert (event.before, event.after) == ({"elder_mode": False}, {"elder_mode": True})
    services.user_set_elder_mode(actor=user, elder_mode=True)  # no change, no second row
    assert AuditEvent.objects.filter(action="user.set_elder_mode").count() == 1


def test_switching_from_the_header_marks_every_page_until_switched_off(client):
    user = make_user("cunmin_elder")
    client.force_login(user)
    assert "elder" not in _html_tag(client.get("/"))
    assert "长辈模式" in client.get("/").content.decode()
    response = client.post("/accounts/elder-mode/", {"elder_mode": "on", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert 'class="elder"' in _html_tag(client.get("/"))
    assert 'class="elder"' in _html_tag(client.get("/accounts/settings/"))
    # It survives signing out and in again: it is on the account, not the session.
    client.logout()
    client.force_login(user)
    page = client.get("/accounts/settings/")
    assert 'class="elder"' in _html_tag(page) and "关闭长辈模式" in page.content.decode()
    client.post("/accounts/elder-mode/", {"elder_mode": "off", "next": "/accounts/settings/"})
    assert "elder" not in _html_tag(client.get("/"))


def test_an_outside_next_is_ignored(client):
    client.force_login(make_user("cunmin_elder"))
    response = client.post(
        "/accounts/elder-mode/", {"elder_mode": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_visitor_keeps_the_choice_in_a_cookie(client):
    response = client.post("/accounts/elder-mode/", {"elder_mode": "on", "next": "/rules/"})
    assert response.cookies[ELDER_COOKIE].value == "1"
    assert 'class="elder"' in _html_tag(client.get("/accounts/login/"))
    client.post("/accounts/elder-mode/", {"elder_mode": "off"})
    assert "elder" not in _html_tag(client.get("/accounts/login/"))
    assert not AuditEvent.objects.filter(action="user.set_elder_mode").exists()


def test_the_settings_page_needs_a_login(client):
    response = client.get("/accounts/settings/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
