"""/healthz for monitoring and /metrics for Prometheus (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import namedtuple
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import RequestFactory, override_settings

from sanxin.web import health
from sanxin.web.views import ops

pytestmark = pytest.mark.django_db

Usage = namedtuple("Usage", "total used free")
GIB = 1024**3


@pytest.fixture(autouse=True)
def _worker_running():
    """A worker wrote its heartbeat just now (tests/jobs checks the worker check)."""
    from django.utils import timezone

    from sanxin.jobs.heartbeat import beat

    beat("test-worker", started_at=timezone.now())


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.migrations_applied.forget()
    yield
    health.migrations_applied.forget()


def test_healthz_answers_without_login_with_every_check_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "disk": "ok", "worker": "ok"},
    }


def test_healthz_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_an_unreachable_database_fails_with_503_and_no_detail(client):
    def broken() -> bool:
        raise OperationalError("connection refused to db.internal:5432 as sanxin")

    with mock.patch.object(health, "CHECKS", [("database", broken), *health.CHECKS[1:]]):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {
            "database": "failing",
            "migrations": "failing",
            "disk": "ok",
            "worker": "failing",
        },
    }
    assert b"refused" not in response.content and b"5432" not in response.content


def test_unapplied_migrations_fail(client):
    with mock.patch.object(
        health.MigrationExecutor, "migration_plan", return_value=[("ledger", False)]
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "failing",
        "disk": "ok",
        "worker": "ok",
    }


def test_the_migration_plan_is_built_once_per_process(client, django_assert_max_num_queries):
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=[]) as plan:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    assert plan.call_count == 1
    with django_assert_max_num_queries(2):  # SELECT 1 and the worker's heartbeat
        assert client.get("/healthz").status_code == 200


def test_a_failing_migration_check_is_looked_at_again_after_a_minute(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    with mock.patch.object(
        health.MigrationExecutor, "migration_plan", return_value=[("ledger", False)]
    ):
        assert health.migrations_applied() is False
    clock[0] += 30
    assert health.migrations_applied() is False  # still the cached answer
    clock[0] += 31
    assert health.migrations_applied() is True  # looked again: the test database is migrated


@pytest.mark.parametrize(
    ("usage", "ok"),
    [
        (Usage(100 * GIB, 50 * GIB, 50 * GIB), True),
        (Usage(100 * GIB, 96 * GIB, 4 * GIB), False),  # 4 % free
        (Usage(10 * GIB, 9.5 * GIB, GIB // 2), False),  # 5 % free but under 1 GiB
        (Usage(4 * GIB, 2 * GIB, 2 * GIB), True),
    ],
    ids=["plenty", "under-5-percent", "under-1-gib", "small-disk-half-free"],
)
def test_disk_space_under_the_data_directory(client, settings, usage, ok):
    with mock.patch.object(health.shutil, "disk_usage", return_value=usage) as disk_usage:
        response = client.get("/healthz")
    disk_usage.assert_called_once_with(settings.VAR_DIR)
    assert response.json()["checks"]["disk"] == ("ok" if ok else "failing")
    assert response.status_code == (200 if ok else 503)


def test_the_disk_bounds_are_settings(client, settings):
    settings.SANXIN_HEALTH_MIN_FREE_MB = 10**9  # a petabyte
    assert client.get("/healthz").json()["checks"]["disk"] == "failing"


def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


# --- /metrics ----------------------------------------------------------------------


def _request(remote="127.0.0.1", **headers):
    return RequestFactory().get("/metrics", REMOTE_ADDR=remote, **headers)


@override_settings(SANXIN_METRICS_TOKEN=None)
def test_metrics_without_a_token_serve_the_machine_itself_only():
    assert ops.metrics_allowed(_request("127.0.0.1"))
    assert ops.metrics_allowed(_request("::1"))
    assert not ops.metrics_allowed(_request("10.0.0.7"))
    assert not ops.metrics_allowed(_request("203.0.113.9"))
    # nginx on the same machine connects from 127.0.0.1 but says whom it forwards
    assert not ops.metrics_allowed(_request("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert not ops.metrics_allowed(_request("127.0.0.1", HTTP_X_REAL_IP="203.0.113.9"))


@override_settings(SANXIN_METRICS_TOKEN="s3cret-metrics-token")
def test_metrics_with_a_token_need_the_token_from_anywhere():
    assert ops.metrics_allowed(
        _request("10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    )
    assert not ops.metrics_allowed(_request("127.0.0.1"))
    assert not ops.metrics_allowed(_request("10.0.0.7", HTTP_AUTHORIZATION="Bearer wrong"))
    assert ops.metrics(_request("10.0.0.7")).status_code == 403


def test_metrics_are_off_by_default(client, settings):
    assert settings.SANXIN_METRICS is False
    assert not any("prometheus" in m for m in settings.MIDDLEWARE)
    assert "django_prometheus" not in settings.INSTALLED_APPS
    assert client.get("/metrics").status_code == 404


METRICS_SCRIPT = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
c.get("/healthz")
local = c.get("/metrics")
remote = c.get("/metrics", REMOTE_ADDR="192.0.2.1")
print(json.dumps({
    "middleware": [m for m in settings.MIDDLEWARE if "prometheus" in m],
    "local": local.status_code, "remote": remote.status_code,
    "body": local.content.decode(),
}))
"""


def _metrics_subprocess(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    result = subprocess.run(
        [sys.executable, "-c", METRICS_SCRIPT],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "sanxin.settings",
            "SANXIN_VAR_DIR": str(tmp_path),
            "SANXIN_METRICS": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_metrics_on_count_requests_for_the_machine_itself(tmp_path):
    out = _metrics_subprocess(tmp_path)
    assert out["middleware"] == [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]
    assert out["local"] == 200 and out["remote"] == 403
    assert "django_http_requests_total_by_view_transport_method_total" in out["body"]
    assert 'view="healthz"' in out["body"]
