"""Benchmark: compute a whole district's rating cycles (`cycles_compute_district`).

Generates a district of N households (default 50,000) in a scratch SQLite database,
set-based with bulk_create: 200-250 households per village, 3 people each (about one
household in ten with a party member), `--entries` approved point entries per
household and a 双基 credit assessment for each. Identity-number columns hold dummy
values: the benchmark never decrypts them. Then, in a fresh process (so that its peak
memory is the computation's own), it runs the computation and reports households,
queries, seconds and peak RSS.

    python -m bench.compute_cycles --households 50000
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
    os.environ.setdefault("SANXIN_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("SANXIN_DATA_KEY", "bench-only-data-key-not-for-production")
    import django

    django.setup()


def generate(households: int, entries_per_household: int, seed: int = 2026) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from sanxin.accounts.models import User
    from sanxin.credit.models import CreditAssessment
    from sanxin.households.models import Household, Person
    from sanxin.ledger.models import Entry, Review
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
                person = people[i * 3]
                for _k in range(entries_per_household):
                    code = rng.choice(ITEMS)
                    item = scheme.find_item(code)
                    rows.append(
                        Entry(
                            household=h,
                            district_id=h.district_id,
                            person=person if item.applies_to == "person" else None,
                            scheme_version=version,
                            item_code=code,
                            item_name=item.name,
                            component=item.component,
                            occurred_on=date(2026, 1, 1) + timedelta(days=rng.randrange(320)),
                            points=points[code],
                            tier="masses",
                            recorded_by=user,
                            recorded_at=now,
                        )
                    )
            rows = Entry.objects.bulk_create(rows)
            Review.objects.bulk_create(
                Review(
                    entry=e,
                    district_id=e.district_id,
                    approved=True,
                    reviewer=user,
                    reviewed_at=now,
                )
                for e in rows
            )
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


def measure() -> dict:
    from django.db import connection

    from sanxin.ratings.services.cycles import cycles_compute_district
    from sanxin.regions.choices import Level
    from sanxin.regions.models import Region

    district = Region.objects.get(level=Level.DISTRICT, code="139999000000")
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        report = cycles_compute_district(district=district, period=PERIOD, cut_off=CUT_OFF)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grades: dict[str, int] = {}
    for counter_ in report.grades.values():
        for g, n in counter_.items():
            grades[g] = grades.get(g, 0) + n
    result = {
        "households": report.households,
        "villages": len(report.cycles),
        "queries": count[0],
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "grades": grades,
    }
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=10, help="approved entries per household")
    parser.add_argument(
        "--measure", help=argparse.SUPPRESS
    )  # internal: measure an existing database
    args = parser.parse_args(argv)
    if args.measure:
        _setup(args.measure)
        print(json.dumps(measure(), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="sanxin-bench-") as tmp:
        db = str(Path(tmp) / "bench.sqlite3")
        _setup(db)
        started = time.perf_counter()
        generate(args.households, args.entries)
        print(
            f"generated {args.households} households ({args.entries} entries each) in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        out = subprocess.run(
            [sys.executable, "-m", "bench.compute_cycles", "--measure", db],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"compute-cycles: {result['households']} households, {result['villages']} villages, {result['queries']} queries, "
            f"{result['seconds']} s, peak RSS {result['peak_rss_mib']} MiB; grades {result['grades']}"
        )
        for step, t in result["finalise"].items():
            print(f"  then to {step} (every village): {t['queries']} queries, {t['seconds']} s")


if __name__ == "__main__":
    main()
