"""Benchmark: the spreadsheet imports at scale against only reading the same file.

Generates a roster .xlsx of N people (default 100,000: three to a household, four
villager groups) and an entry sheet .xlsx of N point entries for the households of
that roster (household-level items of the default scheme, no annual cap, dates of
the year), then, each in a fresh process (so that its peak RSS is its own):

* the floor: only reading each file with python-calamine (the fastest reader
  available), every cell to a Python value;
* the import: the roster, then the entries, each checked and applied through the
  same path as the background jobs (`households.import_jobs.start_check`, then
  `start_apply`, on the "immediate" backend: the upload stored encrypted, read
  within the limits, planned, applied in one transaction) into a scratch SQLite
  database (PostgreSQL when SANXIN_DATABASE_URL names a server: a fresh database is
  created there and dropped after).

Prints seconds, the ratio to the read and the peak RSS (VmHWM) of each.

    python -m bench.imports [--rows 100000]
    SANXIN_DATABASE_URL=postgres://user@host:port/postgres python -m bench.imports
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from bench.crafted_uploads import _peak_rss_mib

PEOPLE_PER_HOUSEHOLD = 3
GROUPS = ["第一村民小组", "第二村民小组", "第三村民小组", "第四村民小组"]
RELATIONS = ["户主", "配偶", "长子"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英明华丽娟军伟芳敏静强磊洋艳勇杰娜涛超霞平刚桂英"


def _id_number(seq: int) -> str:
    """A valid, distinct 18-character ID for person `seq` (birth date and sequence
    code vary with it)."""
    from sanxin.lib import idcard

    birth = date(1950, 1, 1) + timedelta(days=seq // 1000 * 3)
    first17 = f"130803{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + idcard.check_char(first17)


def _write(path: Path, header: list[str], rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def make_roster(path: Path, people: int, seed: int = 2026) -> None:
    rng = random.Random(seed)

    def rows():
        for i in range(people):
            household = i // PEOPLE_PER_HOUSEHOLD
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2))
            yield [
                f"{household + 1:06d}",
                GROUPS[household % len(GROUPS)],
                name,
                RELATIONS[i % PEOPLE_PER_HOUSEHOLD],
                _id_number(i),
                f"13{rng.randrange(10**9):09d}" if i % PEOPLE_PER_HOUSEHOLD == 0 else None,
                "群众",
                None,
                f"基准村幸福街 {household + 1} 号" if i % PEOPLE_PER_HOUSEHOLD == 0 else None,
            ]

    _write(path, ["户号", "村民小组", "姓名", "与户主关系", "身份证号", "联系电话",
                  "政治面貌", "职务", "住址"], rows())  # fmt: skip


def make_entries(
    path: Path, entries: int, households: int, items: list[str], seed: int = 7
) -> None:
    rng = random.Random(seed)
    first = date(2026, 1, 5)

    def rows():
        for i in range(entries):
            yield [
                f"{i % households + 1:06d}",
                None,
                items[i % len(items)],
                1,
                (first + timedelta(days=rng.randrange(300))).isoformat(),
                "村民小组长巡查记录",
            ]

    _write(path, ["户号", "姓名", "积分项", "数量", "发生日期", "事实依据"], rows())


# --- in the child processes ------------------------------------------------------------


def _setup(database_url: str) -> None:
    os.environ["SANXIN_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanxin.settings"
    os.environ["SANXIN_DEBUG"] = "0"  # with debug on, Django keeps every query's text
    os.environ["SANXIN_JOBS_BACKEND"] = "immediate"  # the job bodies run in this process
    import django

    django.setup()


def child_world(database_url: str) -> dict:
    """Migrate the scratch database; a district, town, village and its groups, the
    default scheme, a committee head; the items the entry sheet uses."""
    _setup(database_url)
    from django.core.management import call_command

    from sanxin.accounts.choices import Role
    from sanxin.regions.choices import Level
    from sanxin.regions.services import region_create
    from sanxin.rules.services import scheme_install_default
    from tests.factories import make_user

    call_command("migrate", verbosity=0)
    district = region_create(level=Level.DISTRICT, name="基准区", code="139999000000")
    town = region_create(level=Level.TOWN, name="基准镇", code="139999001000", parent=district)
    village = region_create(level=Level.VILLAGE, name="基准村", code="139999001001", parent=town)
    for n, name in enumerate(GROUPS, 1):
        region_create(level=Level.GROUP, name=name, parent=village, sort_order=n)
    version = scheme_install_default(district=district)
    version.effective_from = date(2025, 1, 1)
    version.save(update_fields=["effective_from"])
    make_user("bench_head", Role.COMMITTEE_HEAD, region=village)
    items = [
        i.code
        for i in version.scheme.items
        if i.applies_to == "household"
        and i.annual_cap is None
        and not i.evidence_required
        and "masses" in i.tiers
        and i.component != "vanguard"
        and not version.scheme.component(i.component).recorder_roles
    ]
    return {"village": village.pk, "items": items[:4]}


def child_read(path: str) -> dict:
    """Only reading the file: python-calamine, every cell to a Python value."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    return {
        "seconds": time.perf_counter() - started,
        "rows": len(rows),
        "peak_mib": _peak_rss_mib(),
    }


def child_import(database_url: str, kind_name: str, path: str, village_id: int) -> dict:
    """Check, then apply, as the jobs do (the immediate backend runs them here)."""
    _setup(database_url)
    from django.db import connection

    from sanxin.accounts.models import User
    from sanxin.households import import_jobs
    from sanxin.households.models import PendingImport
    from sanxin.jobs.choices import JobStatus
    from sanxin.regions.models import Region

    kind = import_jobs.IMPORTS[kind_name]
    actor = User.objects.get(username="bench_head")
    village = Region.objects.get(pk=village_id)
    content = Path(path).read_bytes()
    started = time.perf_counter()
    check = import_jobs.start_check(
        kind, actor=actor, village=village, filename=Path(path).name, content=content
    )
    check.refresh_from_db()
    checked = time.perf_counter()
    outcome = check.result.get("outcome", {})
    if check.status != JobStatus.SUCCEEDED or not outcome.get("ok"):
        errors = check.errors or [e["message"] for e in outcome.get("errors", [])[:5]]
        raise SystemExit(f"the check failed: {errors}")
    pending = PendingImport.objects.get(pk=check.params["pending"])
    apply = import_jobs.start_apply(kind, actor=actor, pending=pending)
    apply.refresh_from_db()
    done = time.perf_counter()
    if apply.status != JobStatus.SUCCEEDED:
        raise SystemExit(f"the apply failed: {apply.errors[:5]}")
    return {
        "seconds": done - started,
        "check": checked - started,
        "apply": done - checked,
        "lines": apply.result.get("lines", []),
        "vendor": connection.vendor,
        "peak_mib": _peak_rss_mib(),
    }


# --- the parent ----------------------------------------------------------------------


def _child(*args: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--child", *args],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise SystemExit(
            f"bench.imports child {args[0]} failed:\n{run.stderr[-3000:]}{run.stdout[-2000:]}"
        )
    return json.loads(run.stdout.strip().splitlines()[-1])


def _pg_database(given: str) -> tuple[str, str]:
    """A fresh database on the server `given` names: (its URL, its name)."""
    from bench.bench_counter import _pg_admin

    name = f"sanxin_bench_imports_{uuid.uuid4().hex[:8]}"
    _pg_admin(given, f'CREATE DATABASE "{name}"')
    return given.rsplit("/", 1)[0] + "/" + name, name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, *rest = args.child
        if step == "world":
            print(json.dumps(child_world(rest[0])))
        elif step == "read":
            print(json.dumps(child_read(rest[0])))
        else:
            print(json.dumps(child_import(rest[0], rest[1], rest[2], int(rest[3]))))
        return

    # Keys for the scratch data only, shared by the children (inherited).
    os.environ.setdefault("SANXIN_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("SANXIN_DATA_KEY", secrets.token_urlsafe(48))
    given = os.environ.get("SANXIN_DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as scratch:
        pg_name = ""
        if given.startswith("postgres"):
            database_url, pg_name = _pg_database(given)
        else:
            database_url = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        try:
            _run(args.rows, Path(scratch), database_url)
        finally:
            if pg_name:
                from bench.bench_counter import _pg_admin

                _pg_admin(given, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _run(rows: int, scratch: Path, database_url: str) -> None:
    world = _child("world", database_url)
    roster, entries = scratch / "roster.xlsx", scratch / "entries.xlsx"
    started = time.perf_counter()
    make_roster(roster, rows)
    households = (rows + PEOPLE_PER_HOUSEHOLD - 1) // PEOPLE_PER_HOUSEHOLD
    make_entries(entries, rows, households, world["items"])
    print(f"generated {rows:,} roster rows and {rows:,} entry rows in "
          f"{time.perf_counter() - started:.0f} s ({roster.stat().st_size / 2**20:.1f} MiB, "
          f"{entries.stat().st_size / 2**20:.1f} MiB)", flush=True)  # fmt: skip
    print("| file | rows | read (calamine) | import (check + apply) | check | apply "
          "| ratio | peak RSS read | peak RSS import |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, kind, path in (
        ("roster", "households.roster", roster),
        ("entries", "ledger.entries", entries),
    ):
        read = _child("read", str(path))
        imported = _child("import", database_url, kind, str(path), str(world["village"]))
        print(
            f"| {label} ({imported['vendor']}) | {rows:,} | {read['seconds']:.2f} s "
            f"| {imported['seconds']:.2f} s | {imported['check']:.2f} s "
            f"| {imported['apply']:.2f} s | {imported['seconds'] / read['seconds']:.1f}× "
            f"| {read['peak_mib']:.0f} MiB | {imported['peak_mib']:.0f} MiB |",
            flush=True,
        )
        print(f"  {' '.join(imported['lines'])}", flush=True)


if __name__ == "__main__":
    main()
