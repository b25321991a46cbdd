"""Benchmark: pages under load — 100 simulated users against `sanxin serve` on PostgreSQL.

Generates the prefecture's data (bench/prefecture.py: a throwaway PostgreSQL, N
households × 30 approved entries, last year's grades in force), computes this year's
cycle of one village per simulated committee member and puts it on notice, then starts
`sanxin serve` (gunicorn with the product's defaults: 2 × CPUs + 1 workers × 4
threads; the benchmark's settings `bench.pages_settings` add one bare template page
and let the cookies pass over plain HTTP) and runs locust headless, on loopback, for
`--seconds` after every user has logged in:

* committee members (评信团成员), one per village, each in their own village: the
  household list (户 list with the grade in force, first page), a random household's
  points page, the review queue (their village's pending entries), the cycle's public
  notice (公示), and the bare page;
* one district admin a district: the household list of the whole district, and the
  bare page.

Each user waits 1–2 s between requests. It reports p50 and p95 per page and the
ratio of each page's p95 to the bare page's (goals, issue 16: p95 under 500 ms and
within 1.5 × the bare page).

    python -m bench.pages_load --households 100000 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.pgcopy import free_port, postgres
from bench.prefecture import CUT_OFF, PERIOD, ROOT, generate, setup_django

USERS = 100
REPEAT = 5  # requests of each page through the test client, the median reported
PASSWORD = "bench-password-2026"
GOAL_P95_MS = 500
GOAL_RATIO = 1.5
PAGES = ["household list", "household points", "review queue", "notice", "bare page"]
ADMIN_PAGES = ["household list (district admin)"]


def prepare(districts: list[dict], users: int, log=print) -> dict:
    """Accounts and on-notice cycles for the simulated users: one committee member per
    village (villages spread over the districts), one district admin per district."""
    from django.db import connection
    from django.utils import timezone

    from sanxin.accounts.choices import Role
    from sanxin.accounts.models import RoleAssignment, User
    from sanxin.ledger import pending
    from sanxin.ratings.choices import CycleState
    from sanxin.ratings.models import Cycle, ReviewMeeting
    from sanxin.ratings.services.cycles import cycle_advance, cycles_compute_district
    from sanxin.regions.models import Region

    # The load ran with the triggers off (bench/pgcopy.py): the pending entries' table
    # of the review queue (ledger/pending.py) is filled from the reviews.
    with connection.cursor() as cursor:
        pending.rebuild(cursor)
    bench = User.objects.get(username="bench")
    admins = len(districts)
    members = users - admins
    all_villages = [(d["id"], v) for d in districts for v in d["villages"]]
    # spread over the districts; a small run shares villages between members
    chosen = [all_villages[i * len(all_villages) // members] for i in range(members)]
    started = time.perf_counter()
    # This period's cycles of the chosen villages, computed (unless the prefecture
    # benchmark did it already) and put on notice.
    by_district: dict[int, set[int]] = {}
    for district_id, (village_id, _first, _size) in chosen:
        by_district.setdefault(district_id, set()).add(village_id)
    done = set(
        Cycle.objects.filter(
            period=PERIOD, state__in=[CycleState.COMPUTED, CycleState.NOTICE]
        ).values_list("village_id", flat=True)
    )
    for district_id, village_ids in by_district.items():
        todo = list(Region.objects.filter(pk__in=village_ids - done))
        if todo:
            cycles_compute_district(
                district=Region.objects.get(pk=district_id),
                period=PERIOD,
                cut_off=CUT_OFF,
                villages=todo,
            )
    chosen_ids = {v for ids in by_district.values() for v in ids}
    cycles = {}
    for cycle in Cycle.objects.filter(village_id__in=chosen_ids, period=PERIOD):
        if cycle.state != CycleState.NOTICE:
            cycle_advance(actor=None, cycle=cycle, to_state=CycleState.REVIEW)
            ReviewMeeting.objects.create(
                cycle=cycle,
                held_on=CUT_OFF + timedelta(days=3),
                members_present=[],
                committee_size=0,
                decision="bench",
                recorded_by=bench,
                recorded_at=timezone.now(),
            )
            cycle_advance(actor=None, cycle=cycle, to_state=CycleState.NOTICE)
        cycles[cycle.village_id] = cycle
    accounts = []
    for n, (_district_id, (village_id, first, size)) in enumerate(chosen):
        village, cycle = Region.objects.get(pk=village_id), cycles[village_id]
        user = User.objects.create(
            username=f"member{n:03d}", password=bench.password, display_name=f"评信团成员{n}"
        )
        RoleAssignment.objects.create(user=user, role=Role.COMMITTEE_MEMBER, region=village)
        accounts.append(
            {"username": user.username, "cycle": cycle.pk, "households": [first, first + size - 1]}
        )
    admin_accounts = []
    for n, d in enumerate(districts):
        user = User.objects.create(
            username=f"admin{n:02d}", password=bench.password, display_name=f"区管理员{n}"
        )
        RoleAssignment.objects.create(
            user=user, role=Role.DISTRICT_ADMIN, region=Region.objects.get(pk=d["id"])
        )
        admin_accounts.append({"username": user.username})
    log(f"  {len(accounts)} villages computed and on notice, accounts made in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return {"members": accounts, "admins": admin_accounts}


def explain_pages(accounts: dict, slow_ms: float = 5, log=print) -> dict:
    """Each page REPEAT times through Django's test client (one committee member's, one district
    admin's), its statements timed, and `EXPLAIN ANALYZE` of those over `slow_ms`:
    where a page's time goes at this size."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from sanxin.accounts.models import User

    me = accounts["members"][0]
    lo, hi = me["households"]
    paths = {
        "household list": (me["username"], "/households/"),
        "household points": (me["username"], f"/points/households/{(lo + hi) // 2}/"),
        "review queue": (me["username"], "/points/review/"),
        "notice": (me["username"], f"/ratings/{me['cycle']}/notice/"),
        "household list (district admin)": (accounts["admins"][0]["username"], "/households/"),
        "bare page": (me["username"], "/bench/bare-page/"),
    }
    out: dict = {}
    # As the benchmark's server runs: no collected static files, no second factor.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=["testserver"],
        SANXIN_REQUIRE_2FA=False,
        STORAGES=storages,
        ROOT_URLCONF="bench.pages_urls",
    ):
        for name, (username, path) in paths.items():
            client = Client()
            client.force_login(User.objects.get(username=username))
            client.get(path)  # warm: the first request of a process loads templates
            walls, cpus = [], []
            for _ in range(REPEAT):
                started, cpu0 = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(path).status_code
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu0) * 1000)
            total, cpu = statistics.median(walls), statistics.median(cpus)
            timed = sorted(
                ((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries),
                reverse=True,
            )
            sql_ms = sum(t for t, _sql in timed)
            slow, explained_ms = [], 0.0
            for ms, sql in timed:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cur.fetchall()]
                # The database's own time: under load `ms` is mostly waiting for a core.
                executed = float(plan[-1].split(":")[1].split()[0]) if plan else 0.0
                explained_ms += executed
                if executed >= slow_ms:
                    slow.append(
                        {
                            "ms": round(ms, 1),
                            "executed_ms": executed,
                            "sql": sql[:2000],
                            "plan": plan,
                        }
                    )
            out[name] = {
                "status": status,
                "ms": round(total, 1),
                "cpu_ms": round(cpu, 1),
                "queries": len(timed),
                "sql_ms": round(sql_ms, 1),
                "executed_ms": round(explained_ms, 1),
                "slow": slow,
            }
            log(f"  {name}: {status}, {total:.0f} ms (CPU {cpu:.0f} ms), {len(timed)} statements "
                f"({sql_ms:.0f} ms waiting for SQL, {explained_ms:.1f} ms executing; "
                f"{len(slow)} over {slow_ms:.0f} ms)")  # fmt: skip
            for q in slow:
                log(f"    {q['executed_ms']} ms: {q['sql'][:300]}")
                for line in q["plan"][:12]:
                    log(f"      {line}")
    return out


def server_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SANXIN_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.pages_settings",
        SANXIN_DEBUG="0",
        SANXIN_ALLOWED_HOSTS="127.0.0.1",
        SANXIN_DB_CONN_MAX_AGE=os.environ.get("SANXIN_DB_CONN_MAX_AGE", "60"),
        SANXIN_LOG_LEVEL="WARNING",
        # Static files are served through the finders (no collectstatic for a benchmark;
        # the load test fetches no static file).
        SANXIN_STATIC_MANIFEST="0",
        # The simulated committee members and admins log in with a password only.
        SANXIN_REQUIRE_2FA="0",
        PYTHONPATH=os.pathsep.join(
            [str(ROOT), str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    return env


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    import http.client

    server = subprocess.Popen(
        [sys.executable, "-m", "sanxin", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sanxin serve exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("sanxin serve did not answer within 90 s")


def stop_server(server: subprocess.Popen) -> None:
    import signal

    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_on(
    url: str, districts: list[dict], seconds: int = 60, users: int = USERS, log=print
) -> dict:
    """Prepare the accounts on the generated data at `url`, serve, load, report."""
    accounts = prepare(districts, users, log=log)
    try:
        explained = explain_pages(accounts, log=log)
    except Exception as exc:  # the load test matters more than its explanation
        log(f"  explain failed: {exc!r}")
        explained = {"error": repr(exc)}
    port = free_port()
    server = start_server(server_env(url), port)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"port": port, "users": users, "seconds": seconds, **accounts}, f)
        log(f"  load: {users} users for {seconds} s against sanxin serve on port {port}")
        out = subprocess.run(
            [sys.executable, "-m", "bench.pages_load", "--locust", f.name],
            capture_output=True, text=True, cwd=ROOT, env=server_env(url), timeout=seconds + 600,
        )  # fmt: skip
        os.unlink(f.name)
        if out.returncode:
            raise RuntimeError(f"locust failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        stop_server(server)
    result["explain"] = explained
    bare = result["pages"]["bare page"]["p95_ms"] or 1
    for page in result["pages"].values():
        page["ratio_to_bare"] = round(page["p95_ms"] / bare, 2) if page["p95_ms"] else None
    return result


def format_report(result: dict) -> str:
    lines = [
        f"pages under load: {result['users']} users, {result['seconds']} s "
        f"(load average {result['load_before']:.1f} → {result['load_after']:.1f})",
        f"  {'page':34} {'requests':>8} {'fails':>5} {'p50 ms':>7} {'p95 ms':>7} {'÷ bare p95':>10}",
    ]
    for name, p in result["pages"].items():
        ok = p["p95_ms"] < GOAL_P95_MS and (p["ratio_to_bare"] or 0) <= GOAL_RATIO
        lines.append(
            f"  {name:34} {p['requests']:>8} {p['failures']:>5} {p['p50_ms']:>7} {p['p95_ms']:>7} "
            f"{p['ratio_to_bare']:>10}{'' if ok or name == 'bare page' else '  (goal missed)'}"
        )
    return "\n".join(lines)


# --- the locust process --------------------------------------------------------------


def run_locust(config_path: str) -> None:
    """Runs in its own process (locust patches the standard library with gevent)."""
    import gevent
    from locust import HttpUser, between, events, task
    from locust.env import Environment

    config = json.loads(Path(config_path).read_text())
    members = iter(config["members"])
    admins = iter(config["admins"])
    logged_in = [0]
    rng = random.Random(2026)

    def login(user: HttpUser, username: str) -> None:
        user.client.get("/accounts/login/", name="login")
        token = user.client.cookies.get("csrftoken", "")
        r = user.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
        )
        if "sessionid" not in user.client.cookies or r.status_code != 200:
            raise RuntimeError(f"{username} could not log in ({r.status_code})")
        logged_in[0] += 1

    def get(user: HttpUser, path: str, name: str) -> None:
        with user.client.get(path, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    class CommitteeMember(HttpUser):
        weight = 1
        wait_time = between(1, 2)

        def on_start(self):
            self.me = next(members)
            login(self, self.me["username"])

        @task
        def household_list(self):
            get(self, "/households/", "household list")

        @task
        def household_points(self):
            lo, hi = self.me["households"]
            get(self, f"/points/households/{rng.randint(lo, hi)}/", "household points")

        @task
        def review_queue(self):
            get(self, "/points/review/", "review queue")

        @task
        def notice(self):
            get(self, f"/ratings/{self.me['cycle']}/notice/", "notice")

        @task
        def bare(self):
            get(self, "/bench/bare-page/", "bare page")

    class DistrictAdmin(HttpUser):
        fixed_count = len(config["admins"])
        wait_time = between(1, 2)

        def on_start(self):
            login(self, next(admins)["username"])

        @task
        def household_list(self):
            get(self, "/households/", "household list (district admin)")

        @task
        def bare(self):
            get(self, "/bench/bare-page/", "bare page")

    env = Environment(
        user_classes=[CommitteeMember, DistrictAdmin],
        host=f"http://127.0.0.1:{config['port']}",
        events=events,
    )
    runner = env.create_local_runner()
    users = config["users"]
    runner.start(users, spawn_rate=10)
    deadline = time.monotonic() + 300
    while logged_in[0] < users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    if logged_in[0] < users:
        raise RuntimeError(f"only {logged_in[0]} of {users} users logged in")
    gevent.sleep(5)  # every user past its first requests
    env.stats.reset_all()
    load_before = os.getloadavg()[0]
    gevent.sleep(config["seconds"])
    load_after = os.getloadavg()[0]
    pages = {}
    for name in [*PAGES, *ADMIN_PAGES]:
        s = env.stats.get(name, "GET")
        pages[name] = {
            "requests": s.num_requests,
            "failures": s.num_failures,
            "p50_ms": round(s.get_response_time_percentile(0.5) or 0),
            "p95_ms": round(s.get_response_time_percentile(0.95) or 0),
            "max_ms": round(s.max_response_time or 0),
        }
    runner.quit()
    print(
        json.dumps(
            {
                "users": users,
                "seconds": config["seconds"],
                "load_before": load_before,
                "load_after": load_after,
                "requests_per_s": round(env.stats.total.num_requests / config["seconds"], 1),
                "pages": pages,
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--locust", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.locust:
        run_locust(args.locust)
        return

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with postgres() as (url, server):
        log(f"PostgreSQL: {server}")
        setup_django(url)
        gen = generate(url, args.households, log=log)
        log(f"generated {gen['rows']['households']:,} households in {gen['seconds']} s")
        result = run_on(url, gen["districts"], seconds=args.seconds, users=args.users, log=log)
        result["households"] = gen["rows"]["households"]
        print(
            json.dumps(result, ensure_ascii=False, indent=1) if args.json else format_report(result)
        )


if __name__ == "__main__":
    main()
