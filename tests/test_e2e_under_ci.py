"""The browser tests never pass silently under CI: without Chromium, `CI=true` fails the
run (pytest's usage error, before any test runs), while a developer without it sees
them skipped with the reason. Runs pytest on tests/e2e in a subprocess, with
SANXIN_CHROMIUM pointing at a path that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "/nonexistent/sanxin-test/chromium"


def _pytest_e2e(*args: str, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["SANXIN_CHROMIUM"] = NOWHERE
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_under_ci_a_missing_browser_fails_the_run():
    result = _pytest_e2e("--collect-only", ci="true")
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert f"SANXIN_CHROMIUM={NOWHERE} is not an executable file" in result.stderr
    assert "cannot run under CI" in result.stderr


def test_without_ci_a_missing_browser_skips_with_the_reason():
    result = _pytest_e2e("-rs", ci=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" not in result.stdout and "skipped" in result.stdout
    assert f"SANXIN_CHROMIUM={NOWHERE} is not an executable file" in result.stdout
