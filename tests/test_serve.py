"""`sanxin serve`: gunicorn with production settings, started for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from sanxin.web.management.commands import serve
from tests.test_settings import STRONG_DATA_KEY, STRONG_SECRET


def test_defaults_scale_with_the_machine(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SANXIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)
    options = serve.server_options({})
    assert options["bind"] == ["127.0.0.1:8000"]
    assert options["workers"] == 5 and options["threads"] == 4
    assert options["worker_class"] == "gthread"
    assert (options["timeout"], options["graceful_timeout"]) == (120, 30)
    assert (options["max_requests"], options["max_requests_jitter"]) == (1000, 100)
    assert options["accesslog"] == "-"
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 64)
    assert serve.server_options({})["workers"] == 12


def test_the_environment_and_then_the_flags_override(monkeypatch):
    monkeypatch.setenv("SANXIN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("SANXIN_WORKERS", "3")
    monkeypatch.setenv("SANXIN_THREADS", "1")
    options = serve.server_options({"workers": 7, "bind": None, "timeout": 45})
    assert options["bind"] == ["0.0.0.0:9000"]
    assert options["workers"] == 7 and options["timeout"] == 45
    assert options["threads"] == 1 and options["worker_class"] == "sync"


def test_the_access_log_never_carries_the_query_string():
    """A search (?q=王大山) must not put a name into the log: the path only (%(U)s)."""
    assert "%(U)s" in serve.ACCESS_LOG_FORMAT
    for query_bearing in ("%(r)s", "%(q)s", "%(f)s"):
        assert query_bearing not in serve.ACCESS_LOG_FORMAT


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return {
        **base,
        "SANXIN_DEBUG": "0",
        "SANXIN_VAR_DIR": str(tmp_path),
        "SANXIN_SECRET_KEY": STRONG_SECRET,
        "SANXIN_DATA_KEY": STRONG_DATA_KEY,
        "SANXIN_ALLOWED_HOSTS": "sanxin.example.org,127.0.0.1",
        "SANXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }


def _sanxin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanxin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_serve_refuses_to_start_without_collected_static_files(tmp_path):
    result = _sanxin("serve", env=_env(tmp_path))
    assert result.returncode != 0
    assert "sanxin collectstatic" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers={"Host": "sanxin.example.org", **headers})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_serve_answers_in_production_mode(tmp_path):
    """SANXIN_DEBUG=0 behind a proxy: gunicorn answers, the pages carry the security
    headers, static files have hashed names and far-future caching, /healthz speaks
    (here 503: this database was never migrated), plain HTTP is sent to https."""
    env = _env(tmp_path, SANXIN_BEHIND_PROXY="1", SANXIN_HSTS_INCLUDE_SUBDOMAINS="1")
    collected = _sanxin("collectstatic", "--noinput", "-v", "0", env=env)
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sanxin", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "sanxin serve did not answer in 90 s"
                time.sleep(0.5)
        assert status == 503
        assert b'"database": "ok"' in body and b'"migrations": "failing"' in body

        status, headers, _ = _get(f"{base}/accounts/login/")
        assert status == 301 and headers["Location"].startswith("https://sanxin.example.org/")

        status, headers, body = _get(
            f"{base}/accounts/login/?next=/households/%3Fq%3Dwangdashan", **https
        )
        assert status == 200
        csp = dict(
            part.strip().partition(" ")[::2]
            for part in headers["Content-Security-Policy"].split(";")
        )
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
        assert csp["img-src"] == "'self' data: blob:" and csp["default-src"] == "'self'"
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Secure" in headers["Set-Cookie"]
        page = body.decode()
        css = page.split('rel="stylesheet" href="')[1].split('"')[0]
        assert css.startswith("/static/sanxin/sanxin.") and css != "/static/sanxin/sanxin.css"

        status, headers, _ = _get(f"{base}{css}", **https)
        assert status == 200
        assert "immutable" in headers["Cache-Control"]
        assert "max-age=315360000" in headers["Cache-Control"]
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    # One access-log line per request on stdout, path without the query string.
    assert '"GET /accounts/login/ HTTP/1.1" 200' in out
    assert "wangdashan" not in out
