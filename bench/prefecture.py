"""Benchmark: a prefecture's rating cycles on PostgreSQL, against the bare statement.

Starts a throwaway PostgreSQL (initdb in a temporary directory on a free port, as
.ci/run does; or creates a database on the server SANXIN_DATABASE_URL names), migrates,
and generates with `COPY` N households (default 1,000,000) in districts of about
110,000 households: 20 towns a district, 15–25 villages a town, 150–400 households a
village, villager groups of about 40 households; 1–5 people a household (one head in
ten a party member), 30 approved point entries a household (and one pending entry in
ten households, for the review queue), a 双基 credit assessment each, last year's cycle
final with every household's grade in force. The column lists come from the models'
concrete fields (bench/pgcopy.py).

Then it measures, in `--processes` processes over the same chunks of villages (each
district's villages cut into that many runs of consecutive villages):

* the floor: `INSERT INTO bench_floor SELECT household_id, SUM(points) FROM entries
  JOIN reviews … WHERE approved AND occurred_on <= cut-off GROUP BY household_id`,
  one statement per chunk (household id range), PostgreSQL's parallel workers off
  (`max_parallel_workers_per_gather = 0`: the processes are the parallelism), run
  before and after the computation (the yardstick is their mean);
* the computation: `ratings.services.cycles.cycles_compute_district` for the chunk's
  villages (opens the period's cycles, grades every household, writes the ratings).

It prints the seconds of each, their ratio, the peak RSS (VmHWM, the largest of the
processes), the data's generation time and the database's size, then drops everything.

    python -m bench.prefecture --households 100000
    python -m bench.prefecture --households 200000 --processes 2 --pages   # + bench/pages_load
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.pgcopy import CopyTable, copy_in, postgres, vm_hwm_mib

ROOT = Path(__file__).resolve().parent.parent
PERIOD, PREVIOUS = "2026", "2025"
CUT_OFF = date(2026, 11, 20)
PREVIOUS_FINAL = date(2025, 12, 20)
ENTRIES = 30
TOWNS_PER_DISTRICT = 20
VILLAGES_PER_TOWN = (15, 25)
HOUSEHOLDS_PER_VILLAGE = (150, 400)
HOUSEHOLDS_PER_GROUP = 40
PENDING_EVERY = 10  # one pending entry in every tenth household
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
CREDIT_ANSWERS = {
    "household_size": "3plus",
    "workers": "2",
    "village_appraisal": "good",
    "total_assets": "ge_1",
    "net_assets": "ge_1",
    "net_income": "ge_1",
    "deposits": "ge_5k",
    "repayment": "normal",
}
# The tables the generator fills in bulk: their secondary indexes are dropped for the
# load and built afterwards (constraints' indexes stay).
BULK_MODELS = [
    "households.Household",
    "households.Person",
    "ledger.Entry",
    "ledger.Review",
    "credit.CreditAssessment",
    "ratings.GradeRecord",
]


def setup_django(url: str, settings: str = "sanxin.settings") -> None:
    os.environ.update(
        SANXIN_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=settings,
        SANXIN_DEBUG="0",  # as in production: no query log
        SANXIN_LOG_LEVEL="WARNING",
        SANXIN_STATIC_MANIFEST="0",  # nothing collected: the pages use the finders
    )
    # Inherited by the measuring processes and the server: the same keys everywhere.
    os.environ.setdefault("SANXIN_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("SANXIN_DATA_KEY", secrets.token_urlsafe(48))
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


# --- the plan: districts, towns, villages, villager groups --------------------------


@dataclass
class Village:
    id: int
    name: str
    size: int
    groups: list[int]
    first_household: int = 0  # the id of its first household


@dataclass
class District:
    id: int
    code: str
    towns: list[tuple[int, str, list[Village]]] = field(default_factory=list)

    @property
    def villages(self) -> list[Village]:
        return [v for _id, _name, vs in self.towns for v in vs]


def plan(households: int, rng: random.Random, first_region: int) -> list[District]:
    """Districts of 20 towns until `households` households are placed (the last village
    takes what is left)."""
    next_id = first_region
    districts: list[District] = []
    left = households

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id - 1

    while left > 0:
        district = District(id=new_id(), code=f"1399{len(districts) + 1:02d}000000")
        districts.append(district)
        for t in range(TOWNS_PER_DISTRICT):
            if left <= 0:
                break
            town_id, villages = new_id(), []
            for v in range(rng.randint(*VILLAGES_PER_TOWN)):
                if left <= 0:
                    break
                size = min(left, rng.randint(*HOUSEHOLDS_PER_VILLAGE))
                left -= size
                village_id = new_id()
                groups = [new_id() for _ in range(max(1, round(size / HOUSEHOLDS_PER_GROUP)))]
                villages.append(Village(village_id, f"第{v + 1}村", size, groups))
            district.towns.append((town_id, f"第{t + 1}镇", villages))
    return districts


# --- generation ----------------------------------------------------------------------


def _max_id(cursor, model) -> int:
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')
    return cursor.fetchone()[0]


def _reset_sequence(cursor, model) -> None:
    table = model._meta.db_table
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM \"{table}\"), 1))",
        [table],
    )


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the tables' indexes that back no constraint."""
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    return cursor.fetchall()


def _entry_rows(
    heads, first_entry: int, version: int, items: dict, rng: random.Random, pending: set[int]
):
    """Each household's ENTRIES approved entries (and, one household in PENDING_EVERY,
    one more left pending, its id added to `pending`), items and days drawn at random."""
    eid = first_entry
    start = date(2026, 1, 1)
    days = (CUT_OFF - start).days
    codes = list(items)
    for n, (hid, head) in enumerate(heads):
        extra = 1 if n % PENDING_EVERY == 0 else 0
        for k in range(ENTRIES + extra):
            item = items[codes[rng.randrange(len(codes))]]
            if k == ENTRIES:
                pending.add(eid)
            yield (
                eid, hid, head if item.applies_to == "person" else "\\N", item.code, item.name,
                item.component, start + timedelta(days=rng.randrange(days)), item.points, version,
            )  # fmt: skip
            eid += 1


def generate(url: str, households: int, seed: int = 2026, log=print) -> dict:
    """Fill the empty database at `url`; a report of what was made and how long it took."""
    import psycopg
    from django.apps import apps
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from sanxin.accounts.models import User
    from sanxin.ratings.choices import CycleState, GradeSource
    from sanxin.regions.choices import Level
    from sanxin.regions.models import Region
    from sanxin.rules.engine import credit_area_scores
    from sanxin.rules.services import scheme_install_default

    timings: dict[str, float] = {}
    started = t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        now_ = time.perf_counter()
        timings[name] = round(now_ - t0, 1)
        t0 = now_
        log(f"  {name}: {timings[name]} s")

    call_command("migrate", verbosity=0)
    lap("migrate")
    rng = random.Random(seed)
    now = timezone.now()
    m = {label: apps.get_model(label) for label in BULK_MODELS}
    Household, Person, Entry, Review = (m[k] for k in BULK_MODELS[:4])
    Credit, GradeRecord = m["credit.CreditAssessment"], m["ratings.GradeRecord"]
    Cycle = apps.get_model("ratings.Cycle")
    user = User.objects.create_user(
        username="bench", password="bench-password-2026", display_name="基准录入员"
    )
    # One hash for every benchmark login (hashing 100 passwords would take longer than this).
    User.objects.filter(pk=user.pk).update(password=make_password("bench-password-2026"))

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cur.fetchone()[0]
        districts = plan(households, rng, _max_id(cur, Region) + 1)
        # Regions: one COPY (ids chosen here: the path holds them).
        regions = CopyTable(
            Region,
            varying=["id", "level", "parent_id", "name", "kind", "code", "path"],
            constants={"sort_order": 0},
            now=now,
        )

        def region_rows():
            for d_index, d in enumerate(districts):
                dpath = f"/{d.id}/"
                yield (d.id, Level.DISTRICT, "\\N", f"基准区{d_index + 1}", "区", d.code, dpath)
                for town_id, town_name, villages in d.towns:
                    tpath = f"{dpath}{town_id}/"
                    yield (town_id, Level.TOWN, d.id, town_name, "镇", "", tpath)
                    for v in villages:
                        vpath = f"{tpath}{v.id}/"
                        yield (v.id, Level.VILLAGE, town_id, v.name, "村", "", vpath)
                        for g_index, g in enumerate(v.groups):
                            yield (
                                g,
                                Level.GROUP,
                                v.id,
                                f"第{g_index + 1}组",
                                "",
                                "",
                                f"{vpath}{g}/",
                            )

        n_regions = copy_in(cur, regions, regions.lines(region_rows(), None))
        _reset_sequence(cur, Region)
        conn.commit()
        lap("regions")

    versions = {
        d.id: scheme_install_default(district=Region.objects.get(pk=d.id)) for d in districts
    }
    scheme = next(iter(versions.values())).scheme
    items = {code: scheme.find_item(code) for code in ITEMS}
    areas = credit_area_scores(scheme, CREDIT_ANSWERS)
    area_scores = {k: str(v) for k, v in areas.items()}
    credit_total = sum(areas.values(), Decimal(0))

    counts: Counter = Counter(regions=n_regions)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        if superuser:
            # Rows consistent by construction: no per-row foreign-key trigger during the
            # load (the constraints stay and hold for everything written afterwards).
            cur.execute("SET session_replication_role = replica")
        tables = [mm._meta.db_table for mm in m.values()]
        indexes = _secondary_indexes(cur, tables)
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        conn.commit()
        ids = {label: _max_id(cur, mm) + 1 for label, mm in m.items()}
        cycle_id = _max_id(cur, Cycle) + 1

        t_household = CopyTable(
            Household,
            varying=[
                "id",
                "village_id",
                "villager_group_id",
                "number",
                "head_name",
                "member_count",
            ],
            now=now,
        )
        t_person = CopyTable(
            Person,
            varying=[
                "id", "household_id", "name", "id_number_hash", "id_last_digits_index",
                "relation", "is_head", "political_status", "sex",
            ],
            constants={"id_number_encrypted": "bench", "id_number_masked": "130803**********00"},
            now=now,
        )  # fmt: skip
        t_entry = CopyTable(
            Entry,
            varying=[
                "id", "household_id", "person_id", "item_code", "item_name", "component",
                "occurred_on", "points", "scheme_version_id",
            ],
            constants={"tier": "masses", "recorded_by_id": user.pk, "recorded_at": now},
            now=now,
        )  # fmt: skip
        t_review = CopyTable(
            Review,
            varying=["id", "entry_id"],
            constants={"approved": True, "reviewer_id": user.pk, "reviewed_at": now},
            now=now,
        )
        t_credit = CopyTable(
            Credit,
            varying=["id", "household_id", "scheme_version_id"],
            constants={
                "period": PERIOD,
                "assessed_on": date(2026, 3, 1),
                "answers": CREDIT_ANSWERS,
                "area_scores": area_scores,
                "total": credit_total,
                "assessed_by_id": user.pk,
                "created_at": now,
            },
            now=now,
        )
        final_at = datetime.combine(PREVIOUS_FINAL, datetime.min.time(), tzinfo=now.tzinfo)
        t_cycle = CopyTable(
            Cycle,
            varying=["id", "village_id"],
            constants={
                "period": PREVIOUS,
                "cut_off": date(2025, 11, 20),
                "state": CycleState.FINAL,
                "current_run": 1,
                "computed_at": final_at - timedelta(days=20),
                "review_at": final_at - timedelta(days=19),
                "notice_at": final_at - timedelta(days=17),
                "finalised_at": final_at,
                "notice_starts_on": PREVIOUS_FINAL - timedelta(days=17),
                "notice_ends_on": PREVIOUS_FINAL - timedelta(days=10),
            },
            now=now,
        )
        t_grade = CopyTable(
            GradeRecord,
            varying=["id", "household_id", "grade", "cycle_id"],
            constants={
                "source": GradeSource.CYCLE,
                "effective_from": PREVIOUS_FINAL,
                "valid_until": PREVIOUS_FINAL.replace(year=2026) - timedelta(days=1),
                "recorded_by_id": user.pk,
                "recorded_at": final_at,
            },
            now=now,
        )
        for d in districts:
            version = versions[d.id]
            hh_rows, person_rows, credit_rows, cycle_rows, grade_rows = [], [], [], [], []
            heads: list[tuple[int, int]] = []  # (household id, head person id)
            for v in d.villages:
                v.first_household = ids["households.Household"]
                cycle_rows.append((cycle_id, v.id))
                for i in range(v.size):
                    hid = ids["households.Household"]
                    ids["households.Household"] += 1
                    members = rng.choice((1, 2, 3, 3, 3, 4, 4, 5))
                    hh_rows.append(
                        (hid, v.id, v.groups[i * len(v.groups) // v.size], f"{i + 1:04d}",
                         f"户主{hid}", members)
                    )  # fmt: skip
                    party = rng.random() < 0.1
                    head = ids["households.Person"]
                    for k in range(members):
                        pid = ids["households.Person"]
                        ids["households.Person"] += 1
                        person_rows.append(
                            (pid, hid, f"户主{hid}" if k == 0 else f"成员{pid}", f"bench-{pid}",
                             f"bench-{pid}", "户主" if k == 0 else "家庭成员", k == 0,
                             "party_member" if party and k == 0 else "masses", "MF"[k % 2])
                        )  # fmt: skip
                    heads.append((hid, head))
                    credit_rows.append((ids["credit.CreditAssessment"], hid, version.pk))
                    ids["credit.CreditAssessment"] += 1
                    grade = rng.choice(("5A", "4A", "4A", "4A", "3A"))
                    grade_rows.append((ids["ratings.GradeRecord"], hid, grade, cycle_id))
                    ids["ratings.GradeRecord"] += 1
                cycle_id += 1
            counts["households"] += copy_in(cur, t_household, t_household.lines(hh_rows, d.id))
            counts["people"] += copy_in(cur, t_person, t_person.lines(person_rows, d.id))
            counts["credit assessments"] += copy_in(
                cur, t_credit, t_credit.lines(credit_rows, d.id)
            )
            counts["cycles"] += copy_in(cur, t_cycle, t_cycle.lines(cycle_rows, d.id))
            counts["grade records"] += copy_in(cur, t_grade, t_grade.lines(grade_rows, d.id))
            del hh_rows, person_rows, credit_rows, cycle_rows, grade_rows
            conn.commit()

            first_entry = ids["ledger.Entry"]
            pending: set[int] = set()

            rows = _entry_rows(heads, first_entry, version.pk, items, rng, pending)
            n_entries = copy_in(cur, t_entry, t_entry.lines(rows, d.id))
            counts["entries"] += n_entries
            ids["ledger.Entry"] += n_entries
            review_rows = (
                (e, e) for e in range(first_entry, first_entry + n_entries) if e not in pending
            )
            counts["reviews"] += copy_in(cur, t_review, t_review.lines(review_rows, d.id))
            conn.commit()
            log(f"  district {d.code}: {len(heads)} households, {n_entries} entries")
        lap("rows (COPY)")

        for _name, definition in indexes:
            cur.execute(definition)
        conn.commit()
        lap(f"indexes ({len(indexes)} rebuilt)")
        for mm in [*m.values(), Cycle]:
            _reset_sequence(cur, mm)
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
        lap("analyze")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "timings": timings,
        "rows": dict(counts),
        "districts": [
            {"id": d.id, "villages": [(v.id, v.first_household, v.size) for v in d.villages]}
            for d in districts
        ],
        "database_bytes": size,
        "foreign_key_triggers_off": superuser,
    }


# --- measuring ------------------------------------------------------------------------


def districts_in(url: str) -> list[dict]:
    """The districts of a database generated earlier, as `generate` reports them: each
    district's villages in id order with their first household id and size."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT h.district_id, h.village_id, MIN(h.id), COUNT(*) FROM households_household h "
            "GROUP BY h.district_id, h.village_id ORDER BY h.district_id, MIN(h.id)"
        ).fetchall()
    districts: dict[int, list] = {}
    for district_id, village_id, first, size in rows:
        districts.setdefault(district_id, []).append((village_id, first, size))
    return [{"id": d, "villages": vs} for d, vs in districts.items()]


def chunks(districts: list[dict], processes: int) -> list[list[dict]]:
    """For each process, its chunks: every district's villages cut into `processes`
    runs of consecutive villages (so each chunk is a range of household ids)."""
    out: list[list[dict]] = [[] for _ in range(processes)]
    for d in districts:
        villages = d["villages"]
        total = sum(size for _v, _first, size in villages)
        cut, acc, part = [[] for _ in range(processes)], 0, 0
        for v in villages:
            if acc >= (part + 1) * total / processes and part < processes - 1:
                part += 1
            cut[part].append(v)
            acc += v[2]
        for p, vs in enumerate(cut):
            if vs:
                out[p].append(
                    {
                        "district": d["id"],
                        "villages": [v for v, _f, _s in vs],
                        "households": [vs[0][1], vs[-1][1] + vs[-1][2] - 1],
                    }
                )
    return out


FLOOR_TABLE = "bench_floor"


def floor_sql() -> str:
    from sanxin.ledger.models import Entry, Review

    return (
        f"INSERT INTO {FLOOR_TABLE} (household_id, points) "
        f'SELECT e.household_id, SUM(e.points) FROM "{Entry._meta.db_table}" e '
        f'JOIN "{Review._meta.db_table}" r ON r.entry_id = e.id '
        "WHERE r.approved AND e.occurred_on <= %s AND e.household_id BETWEEN %s AND %s "
        # The district, as the computation names it: without it each chunk's join read
        # every review of the prefecture (a hash join), and the floor grew with the
        # number of districts times their rows (383 s at a million households).
        "AND e.district_id = %s AND r.district_id = %s "
        "GROUP BY e.household_id"
    )


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) a local PostgreSQL backend has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def worker(kind: str, url: str) -> None:
    """One measuring process: read its chunks, set up, say ready, wait for go, run,
    print seconds and peak RSS as JSON."""
    work = json.loads(sys.stdin.readline())
    setup_django(url)
    import psycopg

    result: dict = {}
    if kind == "floor":
        sql = floor_sql()
        conn = psycopg.connect(url)
        conn.execute("SET max_parallel_workers_per_gather = 0")
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.commit()
        print("ready", flush=True)
        sys.stdin.readline()
        started, cpu0, db0 = time.perf_counter(), own_cpu_seconds(), backend_cpu_seconds(backend)
        rows = 0
        for chunk in work:
            lo, hi = chunk["households"]
            district = chunk["district"]
            rows += conn.execute(sql, [CUT_OFF, lo, hi, district, district]).rowcount
            conn.commit()
        result["rows"] = rows
    else:
        from django.db import connection

        from sanxin.ratings.services.cycles import cycles_compute_district
        from sanxin.regions.models import Region

        with connection.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = 0")
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        targets = [
            (
                Region.objects.get(pk=c["district"]),
                list(Region.objects.filter(pk__in=c["villages"])),
            )
            for c in work
        ]
        print("ready", flush=True)
        sys.stdin.readline()
        started, cpu0, db0 = time.perf_counter(), own_cpu_seconds(), backend_cpu_seconds(backend)
        grades: Counter = Counter()
        households = 0
        for district, villages in targets:
            report = cycles_compute_district(
                district=district, period=PERIOD, cut_off=CUT_OFF, villages=villages
            )
            households += report.households
            for counter in report.grades.values():
                grades.update(counter)
        result["rows"] = households
        result["grades"] = dict(grades)
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = own_cpu_seconds() - cpu0
    db1 = backend_cpu_seconds(backend)
    result["db_cpu_seconds"] = db1 - db0 if db0 is not None and db1 is not None else None
    result["peak_rss_mib"] = vm_hwm_mib()
    print(json.dumps(result), flush=True)


def run_phase(kind: str, url: str, work: list[list[dict]]) -> dict:
    """Start one process per list of chunks, let them all go at once, wait for all."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.prefecture", "--worker", kind, "--url", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        for _ in work
    ]
    for p, chunk_list in zip(procs, work, strict=True):
        p.stdin.write(json.dumps(chunk_list) + "\n")
        p.stdin.flush()
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{kind} worker failed to start")
    started = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out = p.stdout.readline()
        p.wait()
        if p.returncode or not out:
            raise RuntimeError(f"{kind} worker exited with {p.returncode}")
        results.append(json.loads(out))
    seconds = time.perf_counter() - started
    grades: Counter = Counter()
    for r in results:
        grades.update(r.get("grades", {}))
    return {
        "seconds": round(seconds, 2),
        "rows": sum(r["rows"] for r in results),
        "peak_rss_mib": round(max(r["peak_rss_mib"] or 0 for r in results)),
        "per_process_seconds": [round(r["seconds"], 2) for r in results],
        # CPU of the measuring processes and of their database backends: steadier than
        # seconds on a shared machine
        "cpu_seconds": round(sum(r.get("cpu_seconds") or 0 for r in results), 2),
        "db_cpu_seconds": round(sum(r.get("db_cpu_seconds") or 0 for r in results), 2),
        "grades": dict(grades),
    }


def measure(url: str, districts: list[dict], processes: int, log=print) -> dict:
    import psycopg

    work = chunks(districts, processes)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")  # left by an interrupted run
        conn.execute(
            f"CREATE TABLE {FLOOR_TABLE} (household_id bigint NOT NULL, points numeric(12, 2) NOT NULL)"
        )
    floors = []

    def floor() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {FLOOR_TABLE}")
            conn.execute("CHECKPOINT")
        floors.append(run_phase("floor", url, work))
        log(f"  floor: {floors[-1]['seconds']} s, {floors[-1]['rows']} rows")

    floor()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    compute = run_phase("compute", url, work)
    log(f"  compute: {compute['seconds']} s, {compute['rows']} households")
    floor()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {FLOOR_TABLE}")
    floor_seconds = sum(f["seconds"] for f in floors) / len(floors)
    floor_cpu = sum(f["cpu_seconds"] + f["db_cpu_seconds"] for f in floors) / len(floors)
    compute_cpu = compute["cpu_seconds"] + compute["db_cpu_seconds"]
    return {
        "processes": processes,
        "floor_seconds": [f["seconds"] for f in floors],
        "floor_peak_rss_mib": max(f["peak_rss_mib"] for f in floors),
        "compute_seconds": compute["seconds"],
        "compute_per_process_seconds": compute["per_process_seconds"],
        "households_computed": compute["rows"],
        "peak_rss_mib": compute["peak_rss_mib"],
        "ratio": round(compute["seconds"] / floor_seconds, 2),
        "floor_cpu": [(f["cpu_seconds"], f["db_cpu_seconds"]) for f in floors],
        "compute_cpu": (compute["cpu_seconds"], compute["db_cpu_seconds"]),
        "cpu_ratio": round(compute_cpu / floor_cpu, 2) if floor_cpu else None,
        "grades": compute["grades"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2, help="measuring processes (2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    parser.add_argument(
        "--pages", action="store_true", help="then run bench/pages_load on the same data"
    )
    parser.add_argument("--pages-seconds", type=int, default=60)
    parser.add_argument(
        "--reuse",
        metavar="URL",
        help="measure again on a database an earlier run generated (kept with --keep)",
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="with --reuse: only the load test"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the server and its data (prints its URL)"
    )
    parser.add_argument("--worker", choices=["floor", "compute"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.url)
        return

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.reuse:
        setup_django(args.reuse)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the tree may have moved on since the data
        load = os.getloadavg()[0]
        districts = districts_in(args.reuse)
        result = {"load_average_at_start": load}
        if not args.pages_only:
            result["measure"] = measure(args.reuse, districts, args.processes, log=log)
        result["load_average_at_end"] = os.getloadavg()[0]
        if args.pages or args.pages_only:
            from bench import pages_load

            result["pages"] = pages_load.run_on(
                args.reuse, districts, seconds=args.pages_seconds, log=log
            )
            print(pages_load.format_report(result["pages"]), file=sys.stderr)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    with postgres(keep=args.keep) as (url, server):
        log(f"PostgreSQL: {server}")
        if args.keep:
            log(f"kept for --reuse: {url}")
        setup_django(url)
        load = os.getloadavg()[0]
        gen = generate(url, args.households, args.seed, log=log)
        rate = gen["rows"]["entries"] / max(gen["seconds"], 0.001)
        log(
            f"generated {gen['rows']['households']:,} households, {gen['rows']['entries']:,} entries "
            f"in {gen['seconds']} s ({rate:,.0f} entries/s); database {gen['database_bytes'] / 2**30:.2f} GiB"
        )
        result = {"server": server, "load_average_at_start": load, "generation": gen}
        result["measure"] = measure(url, gen["districts"], args.processes, log=log)
        result["load_average_at_end"] = os.getloadavg()[0]
        if args.pages:
            from bench import pages_load

            result["pages"] = pages_load.run_on(
                url, gen["districts"], seconds=args.pages_seconds, log=log
            )
        gen.pop("districts")
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=1))
        else:
            mm = result["measure"]
            print(
                f"prefecture on PostgreSQL: {gen['rows']['households']:,} households × {ENTRIES} entries "
                f"({gen['rows']['entries']:,} entries), {mm['processes']} process(es)\n"
                f"  data: generated in {gen['seconds']} s {gen['timings']}, "
                f"database {gen['database_bytes'] / 2**30:.2f} GiB\n"
                f"  bare INSERT … SELECT household_id, SUM(points) … GROUP BY: "
                f"{' / '.join(str(s) for s in mm['floor_seconds'])} s (before / after)\n"
                f"  cycles_compute_district: {mm['compute_seconds']} s "
                f"(per process {mm['compute_per_process_seconds']}), {mm['households_computed']:,} households\n"
                f"  CPU (Python + its PostgreSQL backend): floor {mm['floor_cpu']}, "
                f"compute {mm['compute_cpu']}, ratio {mm['cpu_ratio']}×\n"
                f"  ratio {mm['ratio']}×, peak RSS {mm['peak_rss_mib']} MiB (largest process); "
                f"grades {mm['grades']}\n"
                f"  load average {load:.1f} → {result['load_average_at_end']:.1f}"
            )
            if "pages" in result:
                from bench import pages_load

                print(pages_load.format_report(result["pages"]))


if __name__ == "__main__":
    main()
