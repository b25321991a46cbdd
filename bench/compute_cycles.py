"""Benchmark: compute a whole district's rating cycles (`cycles_compute_district`)
against the physical floor, the bare aggregate-and-insert over the same entries.

Generates a district of N households (default 50,000) in a scratch SQLite database:
200-250 households per village, 3 people each (about one household in ten with a party
member), `--entries` (default 30) approved point entries per household — written by
executemany from a template entry, approved by one INSERT … SELECT — and a 双基 credit
assessment for each. Identity-number columns hold dummy values: the benchmark never
decrypts them. Then, in a fresh process (so that its peak memory is the computation's
own), it times the bare `INSERT … SELECT household_id, SUM(points) … GROUP BY
household_id` and the computation, and reports both, the ratio, queries and peak RSS
(VmHWM). `--before` re-runs the computation on the per-entry path in another process.

    python -m bench.compute_cycles --households 50000 --before
    python -m bench.compute_cycles --keep /tmp/b.sqlite3     # leave the database
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

CUT_OFF = date(2026, 11, 20)
PERIOD = "2026"
HOUSEHOLDS_PER_VILLAGE = 250
GROUPS_PER_VILLAGE = 4
VILLAGES_PER_TOWN = 20
ITEMS = [
    "env.tidy",
    "env.untidy",
    "public.donation",
    "neighbour.help",
    "affairs.meeting_on_time",
    "affairs.training",
    "env.dumping",
    "public.volunteer",
]


def _setup(db_path: str) -> None:
    os.environ["SANXIN_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanxin.settings"
    # As in production: with debug on, Django keeps the text of the last 9,000 queries.
    os.environ["SANXIN_DEBUG"] = "0"
    os.environ.setdefault(
        "SANXIN_SECRET_KEY", "bench-only-secret-key-not-for-production-" + "abcdefghij" * 2
    )
    os.environ.setdefault(
        "SANXIN_DATA_KEY", "bench-only-data-key-not-for-production-" + "abcdefghij" * 2
    )
    import django

    django.setup()


def generate(households: int, entries_per_household: int, seed: int = 2026) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from sanxin.accounts.models import User
    from sanxin.credit.models import CreditAssessment
    from sanxin.households.models import Household, Person
    from sanxin.ledger.models import Review
    from sanxin.regions.choices import Level
    from sanxin.regions.services import region_create
    from sanxin.rules.services import scheme_install_default

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    district = region_create(level=Level.DISTRICT, name="基准区", code="139999000000")
    version = scheme_install_default(district=district)
    scheme = version.scheme
    user = User.objects.create_user(
        username="bench", password="bench-password-2026", display_name="bench"
    )
    now = timezone.now()
    answers = {
        "household_size": "3plus",
        "workers": "2",
        "village_appraisal": "good",
        "total_assets": "ge_1",
        "net_assets": "ge_1",
        "net_income": "ge_1",
        "deposits": "ge_5k",
        "repayment": "normal",
    }
    from sanxin.rules.engine import credit_area_scores

    areas = credit_area_scores(scheme, answers)
    area_scores = {k: str(v) for k, v in areas.items()}
    credit_total = sum(areas.values(), Decimal(0))
    points = {code: scheme.find_item(code).points for code in ITEMS}
    items = {code: scheme.item(code) for code in ITEMS}
    insert_entries = entry_writer(version, user, now)
    n_villages = -(-households // HOUSEHOLDS_PER_VILLAGE)
    made, person_seq, town = 0, 0, None
    for v in range(n_villages):
        if v % VILLAGES_PER_TOWN == 0:
            town = region_create(
                level=Level.TOWN,
                name=f"第{v // VILLAGES_PER_TOWN + 1}镇",
                parent=district,
                kind="镇",
            )
        village = region_create(level=Level.VILLAGE, name=f"第{v + 1}村", parent=town, kind="村")
        groups = [
            region_create(level=Level.GROUP, name=f"第{g + 1}组", parent=village)
            for g in range(GROUPS_PER_VILLAGE)
        ]
        size = min(HOUSEHOLDS_PER_VILLAGE, households - made)
        with transaction.atomic():
            hh = Household.objects.bulk_create(
                Household(
                    village=village,
                    villager_group=groups[i % GROUPS_PER_VILLAGE],
                    district_id=village.ancestor_ids[0],
                    number=f"{i + 1:04d}",
                    head_name=f"户主{i + 1}",
                    member_count=3,
                )
                for i in range(size)
            )
            people = []
            for h in hh:
                party = rng.random() < 0.1
                for m in range(3):
                    person_seq += 1
                    people.append(
                        Person(
                            household=h,
                            name=f"人{person_seq}",
                            id_number_encrypted="bench",
                            id_number_hash=f"bench-{person_seq}",
                            id_last_digits_index=f"bench-{person_seq}",
                            id_number_masked="130803**********00",
                            sex="M",
                            relation="户主" if m == 0 else "子",
                            is_head=m == 0,
                            political_status="party_member" if party and m == 0 else "masses",
                        )
                    )
            people = Person.objects.bulk_create(people)
            rows = []
            for i, h in enumerate(hh):
                person = people[i * 3].pk
                for _k in range(entries_per_household):
                    code = rng.choice(ITEMS)
                    item = items[code]
                    rows.append(
                        (
                            h.pk,
                            h.district_id,
                            person if item.applies_to == "person" else None,
                            code,
                            item.name,
                            item.component,
                            (date(2026, 1, 1) + timedelta(days=rng.randrange(320))).isoformat(),
                            str(points[code]),
                        )
                    )
            insert_entries(rows)
            CreditAssessment.objects.bulk_create(
                CreditAssessment(
                    household=h,
                    district_id=h.district_id,
                    scheme_version=version,
                    period=PERIOD,
                    assessed_on=date(2026, 3, 1),
                    answers=answers,
                    area_scores=area_scores,
                    total=credit_total,
                    assessed_by=user,
                    created_at=now,
                )
                for h in hh
            )
        made += size
    # Every entry approved: one set-based INSERT ... SELECT.
    review = Review(entry_id=0, approved=True, reviewer=user, reviewed_at=now)
    cols, values = _prepared(review, skip={"entry", "district"})
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ledger_review (entry_id, district_id, {', '.join(cols)}) "
            f"SELECT id, district_id, {', '.join(['%s'] * len(cols))} FROM ledger_entry",
            values,
        )
        cursor.execute("ANALYZE")


def _prepared(obj, skip=()) -> tuple[list[str], list]:
    """The columns and prepared values of a model instance (all concrete fields but
    the auto key and `skip`): the template of the generated rows, so that a column
    added to the model is filled as the model fills it."""
    from django.db import connection

    meta = type(obj)._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field and f.name not in skip]
    return (
        [connection.ops.quote_name(f.column) for f in fields],
        [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields],
    )


VARYING = (
    "household",
    "district",
    "person",
    "item_code",
    "item_name",
    "component",
    "occurred_on",
    "points",
)


def entry_writer(version, user, now):
    """Insert entries given as tuples of VARYING, the other columns from a template
    entry, by the SQLite connection's executemany (the ORM row by row would take
    most of the generation)."""
    from django.db import connection

    from sanxin.ledger.models import Entry

    template = Entry(scheme_version=version, tier="masses", recorded_by=user, recorded_at=now)
    cols, values = _prepared(template, skip=VARYING)
    varying = [connection.ops.quote_name(Entry._meta.get_field(n).column) for n in VARYING]
    sql = (
        f"INSERT INTO ledger_entry ({', '.join(varying + cols)}) "
        f"VALUES ({', '.join(['?'] * (len(varying) + len(cols)))})"
    )
    fixed = tuple(values)

    def insert(rows: list[tuple]) -> None:
        connection.ensure_connection()
        connection.connection.executemany(sql, [row + fixed for row in rows])

    return insert


BARE = """
INSERT INTO bench_bare_sums (household_id, points)
SELECT e.household_id, SUM(e.points)
FROM ledger_entry e JOIN ledger_review r ON r.entry_id = e.id AND r.approved
WHERE e.occurred_on <= %s AND e.reversal_of_id IS NULL
  AND e.id NOT IN (
    SELECT x.reversal_of_id FROM ledger_entry x
    JOIN ledger_review rx ON rx.entry_id = x.id AND rx.approved
    WHERE x.reversal_of_id IS NOT NULL AND x.occurred_on <= %s)
GROUP BY e.household_id
"""


def measure_bare() -> dict:
    """The physical floor: the bare aggregate-and-insert over the same approved,
    unreversed entries up to the cut-off, into a scratch table."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_sums")
        cursor.execute("CREATE TABLE bench_bare_sums (household_id integer, points decimal)")
        started = time.perf_counter()
        cursor.execute(BARE, [CUT_OFF, CUT_OFF])
        seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*), SUM(points) FROM bench_bare_sums")
        rows, points = cursor.fetchone()
        cursor.execute("DROP TABLE bench_bare_sums")
    return {"seconds": round(seconds, 2), "rows": rows}


def per_entry_path() -> None:
    """Swap the compute back to the per-entry engine (this session's "before"): every
    approved entry read into Python (`facts_for_households`), `engine.grade_household`,
    `bulk_create`. For the comparison only."""
    from sanxin.ratings.facts import facts_for_households
    from sanxin.ratings.models import Rating
    from sanxin.ratings.services import cycles
    from sanxin.rules import engine

    cycles.aggregates_for_households = lambda ids, as_of, scheme, **_: facts_for_households(
        ids, as_of
    )
    cycles.grade_from_aggregates = engine.grade_household
    cycles.bulk_insert = lambda model, rows: Rating.objects.bulk_create(rows, batch_size=2000)


def vm_hwm_mib() -> int:
    """Peak resident memory of this process (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(path: str = "aggregate", finalise: bool = False) -> dict:
    from django.db import connection

    from sanxin.ratings.services.cycles import cycles_compute_district
    from sanxin.regions.choices import Level
    from sanxin.regions.models import Region

    result: dict = {"path": path}
    if path == "aggregate":
        result["bare"] = measure_bare()
    else:
        per_entry_path()
    district = Region.objects.get(level=Level.DISTRICT, code="139999000000")
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        report = cycles_compute_district(district=district, period=PERIOD, cut_off=CUT_OFF)
    seconds = time.perf_counter() - started
    grades: dict[str, int] = {}
    for counter_ in report.grades.values():
        for g, n in counter_.items():
            grades[g] = grades.get(g, 0) + n
    result.update(
        {
            "households": report.households,
            "villages": len(report.cycles),
            "queries": count[0],
            "seconds": round(seconds, 2),
            "peak_rss_mib": vm_hwm_mib(),
            "grades": dict(sorted(grades.items())),
        }
    )
    if finalise:
        result["finalise"] = measure_finalise(report.cycles)
    return result


def measure_finalise(cycles) -> dict:
    """Take every computed cycle through review, notice (which notifies every
    household) and final (which puts every household's grade in force), through
    `cycle_advance`, counting the queries of the notice and final steps."""
    from django.db import connection

    from sanxin.accounts.models import User
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Cycle, ReviewMeeting
    from sanxin.ratings.services.cycles import NOTICE_DAYS, cycle_advance

    user = User.objects.get(username="bench")
    notice_day = CUT_OFF + timedelta(days=3)
    final_day = notice_day + timedelta(days=NOTICE_DAYS)
    for cycle in cycles:
        cycle_advance(actor=None, cycle=cycle, to_state=CycleState.REVIEW)
        ReviewMeeting.objects.create(
            cycle=cycle,
            held_on=notice_day,
            members_present=[],
            committee_size=0,
            decision="bench",
            recorded_by=user,
            recorded_at=timezone_now(),
        )
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    timings = {}
    for state, day in ((CycleState.NOTICE, notice_day), (CycleState.FINAL, final_day)):
        count[0] = 0
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            for cycle in Cycle.objects.filter(pk__in=[c.pk for c in cycles]).select_related(
                "village"
            ):
                cycle_advance(actor=None, cycle=cycle, to_state=state, today=day)
        timings[state.value] = {
            "queries": count[0],
            "seconds": round(time.perf_counter() - started, 1),
        }
    return timings


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def _run(db: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.compute_cycles", "--measure", db, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=30, help="approved entries per household")
    parser.add_argument(
        "--before", action="store_true", help="also time the per-entry path (a re-run)"
    )
    parser.add_argument(
        "--finalise", action="store_true", help="then take every cycle to notice and final"
    )
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="generate into PATH and leave it (e.g. for bench.sql_grading)",
    )
    # internal: measure an existing database in a fresh process
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="aggregate", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _setup(args.measure)
        print(json.dumps(measure(args.path, args.finalise), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="sanxin-bench-") as tmp:
        db = args.keep or str(Path(tmp) / "bench.sqlite3")
        if args.keep and Path(db).exists():
            sys.exit(f"{db} exists: --keep writes a new database")
        _setup(db)
        started = time.perf_counter()
        generate(args.households, args.entries)
        print(
            f"generated {args.households} households × {args.entries} approved entries "
            f"in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        result = _run(db, *(["--finalise"] if args.finalise else []))
        bare = result["bare"]
        print(
            f"bare INSERT … SELECT household_id, SUM(points) … GROUP BY household_id: "
            f"{bare['rows']} rows in {bare['seconds']} s"
        )
        print(
            f"compute-cycles: {result['households']} households, {result['villages']} villages, "
            f"{result['queries']} queries, {result['seconds']} s "
            f"({result['seconds'] / bare['seconds']:.1f}× the bare statement), "
            f"peak RSS {result['peak_rss_mib']} MiB; grades {result['grades']}"
        )
        for step, t in result.get("finalise", {}).items():
            print(f"  then to {step} (every village): {t['queries']} queries, {t['seconds']} s")
        if args.before:
            before = _run(db, "--path", "per-entry")
            print(
                f"before (per-entry path, a re-run on the same data): {before['queries']} "
                f"queries, {before['seconds']} s "
                f"({before['seconds'] / bare['seconds']:.1f}× the bare statement), "
                f"peak RSS {before['peak_rss_mib']} MiB; grades {before['grades']}"
            )


if __name__ == "__main__":
    main()
