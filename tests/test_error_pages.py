"""Error pages are Chinese on every setting, never Django's English technical pages
(the demo runs with DEBUG on). The lockout page: tests/accounts/test_login.py."""

import pytest
from django.test import Client, override_settings

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_url_gets_the_chinese_404(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content and "URLconf" not in content and "Page not found" not in content


@override_settings(DEBUG=True)
def test_an_object_out_of_reach_gets_the_chinese_404_with_debug_on(world, login):
    """A neighbouring village's household: Http404 raised by the view."""
    client = login(world.users["neighbour_committee_head"])
    response = client.get(f"/households/{world.household.pk}/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content and "URLconf" not in content
    assert "三信平台" in content  # inside the site's layout, with its header


@override_settings(DEBUG=True)
def test_a_missing_slash_is_still_added_with_debug_on(client):
    response = client.get("/accounts/login")
    assert response.status_code == 301 and response["Location"] == "/accounts/login/"


@override_settings(DEBUG=True, SANXIN_TECHNICAL_ERROR_PAGES=True)
def test_the_technical_404_comes_back_on_request(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" not in response.content.decode()


@pytest.mark.parametrize("debug", [True, False])
def test_a_forbidden_page_is_chinese(client, debug):
    client.force_login(make_user("no_role_user"))
    with override_settings(DEBUG=debug):
        response = client.get("/accounts/users/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_csrf_failure_is_explained_in_chinese():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("cunmin_csrf"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "页面已过期" in content and "CSRF verification failed" not in content


def test_the_500_page_renders_without_a_request():
    from sanxin.web.errors import server_error

    response = server_error(None)
    assert response.status_code == 500 and "系统出错了" in response.content.decode()


def test_the_favicon_is_linked_and_answered(client):
    assert 'rel="icon"' in client.get("/accounts/login/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("sanxin/favicon.svg")


@override_settings(DEBUG=True)
def test_an_uncaught_error_with_debug_on_is_the_chinese_500_and_is_logged(rf, caplog):
    from sanxin.web.errors import ChineseErrorPagesMiddleware

    middleware = ChineseErrorPagesMiddleware(lambda request: None)
    request = rf.get("/")
    response = middleware.process_exception(request, RuntimeError("boom"))
    assert response.status_code == 500 and "系统出错了" in response.content.decode()
    assert "boom" in caplog.text
