"""Operators see the product's work in the log: imports, computations and admin
actions log at INFO under `sanxin.<app>.<module>`, with counts and durations and
never a name, an identity number or a phone number; settings send the `sanxin`
loggers to stderr with a timestamp."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import date

from sanxin.accounts import services as accounts
from sanxin.accounts.choices import Role
from sanxin.households import importing
from sanxin.ratings.services import cycles as ratings
from tests.households.test_roster_import import clean_rows, xlsx

FULL_ID = re.compile(r"\d{17}[\dXx]")
PHONE = re.compile(r"1\d{10}")


def _lines(caplog, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def _private(rows: list[list]) -> set[str]:
    """The names, ID numbers and phones of a roster's rows."""
    return {str(cell).replace(" ", "") for row in rows for cell in (row[2], row[4], row[5]) if cell}


def test_the_roster_import_logs_its_counts_without_personal_data(world, caplog):
    caplog.set_level(logging.INFO, logger="sanxin")
    rows = clean_rows()
    result = importing.import_roster(
        xlsx(rows), "roster.xlsx", world.village_a1, actor=None, dry_run=False
    )
    assert result.ok
    (line,) = _lines(caplog, "sanxin.households.importing")
    assert line.startswith(f"roster import into village {world.village_a1.pk}:"), line
    assert "'households_created': 2" in line and "'people_created': 4" in line, line
    assert re.search(r"in \d+\.\d\d s$", line), line
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert not FULL_ID.search(everything) and not PHONE.search(everything.replace(" ", ""))
    for private in _private(rows):
        assert private not in everything.replace(" ", ""), private


def test_a_cycle_computation_logs_its_counts(world, scheme, credit_for, caplog):
    credit_for(world.household)
    credit_for(world.household_a1_2)
    head = world.users["committee_head"]
    cycle = ratings.cycle_open(
        actor=head,
        village=world.village_a1,
        period="2025",
        cut_off=date(2025, 10, 20),
        today=date(2025, 10, 21),
    )
    caplog.set_level(logging.INFO, logger="sanxin")
    report = ratings.cycle_compute(actor=head, cycle=cycle)
    (line,) = _lines(caplog, "sanxin.ratings.services.cycles")
    assert f"cycle computation: 1 cycles (ids {cycle.pk}), {report.households} households" in line
    assert report.households >= 2 and re.search(r"in \d+\.\d\d s$", line), line
    names = {p.name for h in (world.household, world.household_a1_2) for p in h.members.all()}
    assert names and not any(name in line for name in names)


def test_admin_actions_log_ids_not_names(world, caplog):
    caplog.set_level(logging.INFO, logger="sanxin")
    admin = world.users["district_admin"]
    created = accounts.user_create(
        actor=admin, username="wangxiaoming", display_name="王小明", region=world.village_a1
    )
    accounts.role_assign(
        actor=admin, user=created.user, role=Role.COMMITTEE_MEMBER, region=world.village_a1
    )
    lines = _lines(caplog, "sanxin.accounts.services")
    assert lines[0].startswith(f"user created: user {created.user.pk} in region ")
    assert lines[1].startswith(f"role assigned: committee_member to user {created.user.pk}")
    assert not any("王小明" in line or "wangxiaoming" in line for line in lines)


def test_settings_send_the_sanxin_loggers_to_stderr_at_info(tmp_path):
    code = (
        "import django; django.setup(); import logging;"
        "logging.getLogger('sanxin.x.y').info('seen %d', 3);"
        "logging.getLogger('sanxin.x.y').debug('not seen');"
        "logging.getLogger('other').info('not seen either')"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("SANXIN_")}
    env = {**base, "DJANGO_SETTINGS_MODULE": "sanxin.settings", "SANXIN_VAR_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    (line,) = out.stderr.splitlines()
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO sanxin\.x\.y seen 3$", line), line
    quiet = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SANXIN_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert quiet.stderr == ""
