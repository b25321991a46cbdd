"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import os
import shutil

import pytest


def _chromium() -> tuple[str | None, str]:
    """The browser to drive, or None and why there is none. SANXIN_CHROMIUM, when set,
    is the only candidate: a path that is not an executable file counts as missing."""
    configured = os.environ.get("SANXIN_CHROMIUM")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured, ""
        return None, f"SANXIN_CHROMIUM={configured} is not an executable file"
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found, ""
    return None, "Chromium is not installed (apt-get install chromium); .ci/run installs it"


CHROMIUM, MISSING = _chromium()


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Without a browser the browser tests are skipped locally, with the reason; under
    CI (CI=true, as .ci/run runs) the run fails instead, so a green CI always means
    the browser tests ran."""
    if CHROMIUM:
        return
    e2e = [item for item in items if "e2e" in item.keywords]
    if not e2e:
        return
    if _under_ci():
        raise pytest.UsageError(
            f"{len(e2e)} browser tests cannot run under CI: {MISSING}. "
            "Install Chromium or point SANXIN_CHROMIUM at it; CI does not skip them."
        )
    skip = pytest.mark.skip(reason=MISSING)
    for item in e2e:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A cheap phone: small screen, Chinese locale.
    return {**browser_context_args, "viewport": {"width": 390, "height": 780}, "locale": "zh-CN"}


@pytest.fixture(autouse=True)
def _flushable_append_only_tables(transactional_db):
    """Browser tests commit for real, and Django empties every table after each
    one; the append-only triggers would refuse that. Keep them on during the test
    (put back if a previous teardown dropped them), drop them just for the flush."""

    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()
