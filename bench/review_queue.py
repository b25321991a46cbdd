"""Benchmark: the review queue (`/points/review/`) against the years of entries behind
it. The queue lists a village's pending entries; its cost should follow them (and the
page size), not the village's whole history of reviewed entries.

Generates one village of `--households` households (default 250, four villager groups,
one person each) on SQLite or on a throwaway PostgreSQL, with `--entries` approved
entries a household a year (default 30) and `--pending` pending ones (default 100,
recorded this year by three recorders). It measures with one year of history, then
adds the older years up to `--years` (default 5) — the pending entries stay the
same — and measures again. Each time, for each page (the first page, page 2, the
first page filtered by one recorder) it reports, median of `--repeat` requests through Django's test client
as a committee member of the village: the wall time, the statements and the time
spent in them; and as the baseline, in the same run, the page's own statement of the
pending list (the one with the page's ORDER BY and LIMIT) executed bare on a cursor.
Then the ratios: 5 years ÷ 1 year for the page and for the bare statement, and page ÷
bare statement. `--plans` prints the plan of every statement that reads the entries
(`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL).

    python -m bench.review_queue                    # SQLite, scratch file
    python -m bench.review_queue --postgres --plans # throwaway PostgreSQL (bench/pgcopy.py)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = 4
THIS_YEAR = 2026
ITEMS = ["env.tidy", "public.donation", "neighbour.help", "affairs.meeting_on_time"]
PAGES = {
    "first page": "/points/review/",
    "page 2": "/points/review/?page=2",
    "one recorder": "/points/review/?recorder=",
}


def setup_django(url: str) -> None:
    os.environ.update(
        SANXIN_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="sanxin.settings",
        SANXIN_DEBUG="0",
        SANXIN_LOG_LEVEL="WARNING",
        SANXIN_STATIC_MANIFEST="0",
    )
    os.environ.setdefault("SANXIN_SECRET_KEY", "bench-only-secret-key-" + "abcdefghij" * 4)
    os.environ.setdefault("SANXIN_DATA_KEY", "bench-only-data-key-" + "abcdefghij" * 4)
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


class Village:
    """The generated village: its households, the users, the scheme version."""

    def __init__(self, households: int, pending: int, seed: int = 2026):
        from django.core.management import call_command
        from django.utils import timezone

        from sanxin.accounts.choices import Role
        from sanxin.accounts.models import RoleAssignment, User
        from sanxin.households.models import Household, Person
        from sanxin.regions.choices import Level
        from sanxin.regions.services import region_create
        from sanxin.rules.services import scheme_install_default

        self.rng = random.Random(seed)
        call_command("migrate", verbosity=0)
        district = region_create(level=Level.DISTRICT, name="基准区", code="139999000000")
        town = region_create(level=Level.TOWN, name="基准镇", parent=district, kind="镇")
        self.village = region_create(level=Level.VILLAGE, name="基准村", parent=town, kind="村")
        groups = [
            region_create(level=Level.GROUP, name=f"第{g + 1}组", parent=self.village)
            for g in range(GROUPS)
        ]
        self.version = scheme_install_default(district=district)
        self.items = {code: self.version.scheme.item(code) for code in ITEMS}
        self.recorders = [
            User.objects.create(username=f"recorder{n}", display_name=f"记录员{n}")
            for n in range(3)
        ]
        self.reviewer = User.objects.create(username="reviewer", display_name="审核人")
        self.member = User.objects.create(username="member", display_name="评信团成员")
        for user in [*self.recorders, self.reviewer, self.member]:
            RoleAssignment.objects.create(
                user=user, role=Role.COMMITTEE_MEMBER, region=self.village
            )
        self.households = Household.objects.bulk_create(
            Household(
                village=self.village,
                villager_group=groups[i % GROUPS],
                district_id=district.pk,
                number=f"{i + 1:04d}",
                head_name=f"户主{i + 1}",
                member_count=1,
            )
            for i in range(households)
        )
        self.people = Person.objects.bulk_create(
            Person(
                household=h,
                name=f"人{i}",
                id_number_encrypted="bench",
                id_number_hash=f"bench-{i}",
                id_last_digits_index=f"bench-{i}",
                id_number_masked="130803**********00",
                sex="M",
                relation="户主",
                is_head=True,
            )
            for i, h in enumerate(self.households)
        )
        now = timezone.now()
        self.entries(
            [
                (self.rng.randrange(households), date(THIS_YEAR, 11, 1) + timedelta(days=n % 20))
                for n in range(pending)
            ],
            recorded_at=lambda day, n: now - timedelta(minutes=pending - n),
        )

    def entries(self, rows: list[tuple[int, date]], recorded_at) -> None:
        """Insert entries of (household index, day), the recorders in turn."""
        from sanxin.ledger.models import Entry

        batch = []
        for n, (i, day) in enumerate(rows):
            code = ITEMS[n % len(ITEMS)]
            item = self.items[code]
            h = self.households[i]
            batch.append(
                Entry(
                    household=h,
                    district_id=h.district_id,
                    person=self.people[i] if item.applies_to == "person" else None,
                    scheme_version=self.version,
                    item_code=code,
                    item_name=item.name,
                    component=item.component,
                    occurred_on=day,
                    points=Decimal(item.points),
                    tier="masses",
                    recorded_by=self.recorders[n % len(self.recorders)],
                    recorded_at=recorded_at(day, n),
                )
            )
        Entry.objects.bulk_create(batch, batch_size=2000)

    def add_year(self, year: int, per_household: int) -> None:
        """`per_household` entries for every household in `year`, all approved."""
        from django.db import connection, transaction
        from django.utils import timezone

        tz = timezone.get_default_timezone()
        rows = [
            (i, date(year, 1, 1) + timedelta(days=self.rng.randrange(360)))
            for i in range(len(self.households))
            for _k in range(per_household)
        ]
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_entry")
                (last,) = cursor.fetchone()
            self.entries(
                rows,
                recorded_at=lambda day, n: datetime(day.year, day.month, day.day, 9, tzinfo=tz),
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO ledger_review (entry_id, district_id, approved, reason, "
                    "reviewer_id, reviewed_at) SELECT id, district_id, %s, '', %s, recorded_at "
                    "FROM ledger_entry WHERE id > %s",
                    [True, self.reviewer.pk, last],
                )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Statements:
    """The statements (SQL and parameters) a block of code sends, and their times."""

    def __init__(self):
        self.seen: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seen.append((sql, tuple(params or ()), time.perf_counter() - started))


def reads_entries(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT") and "ledger_" in sql


def list_statement(seen: list[tuple[str, tuple, float]]) -> tuple[str, tuple]:
    """The page's statement of the pending list: ordered by the recording time, limited."""
    for sql, params, _t in seen:
        if 'ORDER BY "ledger_entry"."recorded_at"' in sql and "LIMIT" in sql:
            return sql, params
    raise RuntimeError("the page sent no statement of the pending list")


def measure(village: Village, repeat: int, plans: bool) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from sanxin.ledger.models import Entry

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    out: dict = {"entries": Entry.objects.count()}
    recorder = village.recorders[1].pk
    with override_settings(
        ALLOWED_HOSTS=["testserver"], SANXIN_REQUIRE_2FA=False, STORAGES=storages
    ):
        client = Client()
        client.force_login(village.member)
        for name, path in PAGES.items():
            if path.endswith("="):
                path = f"{path}{recorder}"
            client.get(path)  # warm: templates, the scheme's cache
            walls, sql_times, seen = [], [], Statements()
            for _ in range(repeat):
                seen = Statements()
                started = time.perf_counter()
                with connection.execute_wrapper(seen):
                    response = client.get(path)
                walls.append((time.perf_counter() - started) * 1000)
                sql_times.append(sum(t for _s, _p, t in seen.seen) * 1000)
                assert response.status_code == 200, response.status_code
            sql, params = list_statement(seen.seen)
            bare = []
            with connection.cursor() as cursor:
                for _ in range(repeat):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    bare.append((time.perf_counter() - started) * 1000)
            row = {
                "path": path,
                "ms": statistics.median(walls),
                "statements": len(seen.seen),
                "sql_ms": statistics.median(sql_times),
                "bare_ms": statistics.median(bare),
            }
            if plans:
                row["plans"] = explain(seen.seen)
            out[name] = row
    return out


def explain(seen: list[tuple[str, tuple, float]]) -> list[dict]:
    from django.db import connection

    found = []
    for sql, params, _t in seen:
        if not reads_entries(sql):
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [r[0] for r in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = [r[-1] for r in cursor.fetchall()]
        found.append({"sql": sql, "plan": plan})
    return found


def run(args) -> dict:
    from django.db import connection

    village = Village(args.households, args.pending)
    result: dict = {
        "database": connection.vendor,
        "households": args.households,
        "entries_a_year": args.entries,
        "pending": args.pending,
    }
    started = time.perf_counter()
    village.add_year(THIS_YEAR, args.entries)
    result["generated_s"] = time.perf_counter() - started
    result["1 year"] = measure(village, args.repeat, args.plans)
    started = time.perf_counter()
    for back in range(1, args.years):
        village.add_year(THIS_YEAR - back, args.entries)
    result["generated_s"] += time.perf_counter() - started
    result[f"{args.years} years"] = measure(village, args.repeat, args.plans)
    return result


def report(result: dict, years: int) -> str:
    one, many = result["1 year"], result[f"{years} years"]
    lines = [
        f"review queue on {result['database']}: {result['households']} households, "
        f"{result['entries_a_year']} approved entries a household a year, "
        f"{result['pending']} pending (data in {result['generated_s']:.1f} s)",
        f"  entries in the village: {one['entries']:,} (1 year), {many['entries']:,} "
        f"({years} years)",
    ]
    for name in PAGES:
        a, b = one[name], many[name]
        lines += [
            f"  {name} ({a['path']}):",
            f"    page:  {a['ms']:7.1f} ms → {b['ms']:7.1f} ms ({b['ms'] / a['ms']:.2f}×); "
            f"{a['statements']} → {b['statements']} statements, "
            f"{a['sql_ms']:.1f} → {b['sql_ms']:.1f} ms in them "
            f"({b['sql_ms'] / a['sql_ms']:.2f}×)",
            f"    bare:  {a['bare_ms']:7.2f} ms → {b['bare_ms']:7.2f} ms "
            f"({b['bare_ms'] / a['bare_ms']:.2f}×)",
            f"    page ÷ bare statement: {a['ms'] / a['bare_ms']:.0f} (1 year), "
            f"{b['ms'] / b['bare_ms']:.0f} ({years} years)",
        ]
        for label, side in (("1 year", a), (f"{years} years", b)):
            for p in side.get("plans", []):
                lines.append(f"    plan ({label}): {p['sql'][:160]}…")
                lines += [f"      {line}" for line in p["plan"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=250)
    parser.add_argument("--entries", type=int, default=30, help="approved, a household a year")
    parser.add_argument("--pending", type=int, default=100)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.postgres:
        from bench.pgcopy import postgres

        with postgres("sanxin-review-pg-") as (url, _what):
            setup_django(url)
            result = run(args)
            from django.db import connections

            connections.close_all()
    else:
        with tempfile.TemporaryDirectory(prefix="sanxin-review-") as tmp:
            setup_django(f"sqlite:///{tmp}/bench.sqlite3")
            result = run(args)
    print(json.dumps(result, indent=1, default=str) if args.json else report(result, args.years))


if __name__ == "__main__":
    main()
