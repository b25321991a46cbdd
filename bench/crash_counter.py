"""Crash consistency (G6): clerks redeeming at the counter and a committee member
approving entries while a supervisor SIGKILLs the whole server at random, again and
again; afterwards every acknowledged write must be there exactly once and the ledgers
must reconcile.

The world is bench/bench_counter.py's (one village shop, households with a grade in
force and points in their wallets, one shop-clerk login per client), plus a recorder
and a reviewer of the village committee and `--entries` pending point entries
(env.tidy, +2 base points: each approval credits the household's wallet). The server
is gunicorn with the product's production settings (bench/counter_settings.py: on
SQLite WAL, `synchronous=FULL`, IMMEDIATE transactions), started in its own process
group as bench_counter starts it.

While it runs:

- each clerk thread POSTs the counter's confirm form, as the clerk's phone does, with
  a fresh idempotency key; a redirect to a receipt is an acknowledgement, written to
  the clerk's acknowledgement log (`acks-<n>.jsonl`: key, receipt id) before the next
  request; a refusal (the form again, 200) acknowledges nothing. A request that gets
  no answer (the server died under it) is sent again with the same key until one
  comes, as a clerk taps again: the key must return the first redemption if it was
  committed, and redeem once if it was not;
- the reviewer thread approves the pending entries one by one through the entry page's
  decide form (a redirect is the acknowledgement; an approval whose answer was lost is
  sent again);
- the supervisor waits a random time (`--min-run`..`--max-run` seconds once the
  server answers), SIGKILLs gunicorn's process group (master and workers: no
  shutdown, transactions cut anywhere), and starts it again; on PostgreSQL every
  `--pg-crash-every`-th kill SIGKILLs the database server's processes first (then
  the app), and PostgreSQL restarts through crash recovery.

Afterwards, the server stopped: every acknowledged redemption is stored once under its
key with the receipt the clerk was shown; every acknowledged approval is an approved
review with its wallet credit; no redemption is stored that no clerk was told of; the
reconciliation (`sanxin reconcile`'s checks, oversight/reconcile.py) passes, which on
SQLite includes `PRAGMA integrity_check`.

PostgreSQL is a throwaway server (initdb in a temporary directory) with durability
on — fsync, synchronous_commit, full_page_writes — unlike the other benchmarks'.

    python -m bench.crash_counter --database sqlite --kills 200
    python -m bench.crash_counter --database postgresql --kills 200
    python -m bench.crash_counter --kills 3 --database sqlite --json   # the suite's short run

A SIGKILL of processes leaves the operating system's page cache alone: what it tests is
that no acknowledged transaction depends on a process surviving, and that a
transaction cut anywhere leaves nothing half-applied. A power cut — where WAL with
`synchronous=NORMAL` may lose the last commits and `FULL` does not — needs a machine
whose power (or a VM) is cut; that is not simulated here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import bench_counter as bc
from bench.pgcopy import SERVER_SETTINGS, free_port, pg_bin

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
REVIEWER = "crash-reviewer"
RECORDER = "crash-recorder"


# --- the databases -------------------------------------------------------------------


@dataclass
class Postgres:
    """A throwaway PostgreSQL server that the supervisor can SIGKILL and start again."""

    binaries: str
    tmp: str
    port: int
    as_postgres: list[str]

    @property
    def data(self) -> str:
        return f"{self.tmp}/data"

    @property
    def url(self) -> str:
        return f"postgres://sanxin@127.0.0.1:{self.port}/sanxin"

    def start(self) -> None:
        options = " ".join(f"-c {k}={v}" for k, v in {**SERVER_SETTINGS, **DURABLE}.items())
        subprocess.run(
            [*self.as_postgres, f"{self.binaries}/pg_ctl", "-D", self.data, "-l",
             f"{self.tmp}/log", "-w", "-t", "120", "-o", f"-p {self.port} -k {self.tmp} {options}",
             "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def crash(self) -> int:
        """SIGKILL the postmaster and every process it started; how many were killed."""
        pid = int(Path(f"{self.data}/postmaster.pid").read_text().split()[0])
        pids = [pid, *_children(pid)]
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        for p in pids:  # reap them: adopted by this process (`_adopt_orphans`)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(p, 0)
        # Where they could not be adopted (no prctl), they stay zombies of an init that
        # does not reap them (a container), and PostgreSQL would take the zombie
        # postmaster for a live one: its lock file goes, since none of them runs.
        if _exists(pid):
            Path(f"{self.data}/postmaster.pid").unlink(missing_ok=True)
        return len(pids)

    def stop(self) -> None:
        subprocess.run(
            [*self.as_postgres, f"{self.binaries}/pg_ctl", "-D", self.data, "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def show(self, setting: str) -> str:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(f"SHOW {setting}").fetchone()[0]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _adopt_orphans() -> None:
    """Become the child subreaper (Linux): PostgreSQL's processes, orphaned when pg_ctl
    exits, are adopted by this process, which can then reap them after a crash."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextlib.contextmanager
def durable_postgres() -> Iterator[Postgres]:
    _adopt_orphans()
    binaries = pg_bin()
    tmp = tempfile.mkdtemp(prefix="sanxin-crash-pg-")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as postgres
        shutil.chown(tmp, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    server = Postgres(binaries, tmp, free_port(), as_postgres)
    subprocess.run(
        [*as_postgres, f"{binaries}/initdb", "-D", server.data, "-A", "trust", "-U", "sanxin",
         "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    server.start()
    try:
        subprocess.run(
            [f"{binaries}/createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "sanxin",
             "sanxin"],
            check=True,
        )  # fmt: skip
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# --- the world -----------------------------------------------------------------------


@dataclass
class World:
    counter: bc.World
    clerk_ids: dict[str, int]  # username -> user id (the stored key is "<id>:<key>")
    entries: list[int]  # pending entries for the reviewer, in order


def build(households: int, clients: int, entries: int) -> World:
    """bench_counter's world, plus a recorder and a reviewer (committee members of the
    village) and `entries` pending entries spread over the households."""
    from django.db import transaction
    from django.utils import timezone

    from sanxin.accounts.choices import Role
    from sanxin.accounts.models import RoleAssignment, User
    from sanxin.households.models import Household
    from sanxin.ledger.models import Entry
    from sanxin.ledger.services import EntryRequest, entry_record
    from sanxin.regions.models import Region
    from sanxin.rules.services import scheme_install_default

    counter = bc.build(households, clients)
    village = Household.objects.get(pk=counter.households[0][0]).village
    scheme_install_default(district=Region.objects.get(pk=village.ancestor_ids[0]))
    with transaction.atomic():
        users = {}
        for username in (RECORDER, REVIEWER):
            users[username] = User.objects.create_user(
                username=username, password=bc.PASSWORD, display_name=username
            )
            RoleAssignment.objects.create(
                user=users[username], role=Role.COMMITTEE_MEMBER, region=village
            )
        today = timezone.localdate()
        first = entry_record(
            actor=users[RECORDER],
            request=EntryRequest(
                household=Household.objects.get(pk=counter.households[0][0]),
                item_code="env.tidy",
                occurred_on=today,
                evidence_text="入户检查",
            ),
            today=today,
        )
        template = {
            f.attname: getattr(first, f.attname)
            for f in Entry._meta.concrete_fields
            if not f.primary_key and f.attname not in ("household_id", "district_id")
        }
        template["idempotency_key"] = None
        district = Household.objects.get(pk=counter.households[0][0]).district_id
        rows = Entry.objects.bulk_create(
            Entry(
                **template,
                household_id=counter.households[i % len(counter.households)][0],
                district_id=district,
            )
            for i in range(entries - 1)
        )
    clerk_ids = dict(User.objects.filter(username__in=counter.clerks).values_list("username", "pk"))
    return World(counter, clerk_ids, [first.pk, *(r.pk for r in rows)])


# --- the clients ---------------------------------------------------------------------


@dataclass
class Log:
    """One client's acknowledgement log: a JSON line per acknowledged write, flushed
    before the next request is sent."""

    path: Path
    acks: list[dict] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.stream = self.path.open("w", encoding="utf-8")

    def ack(self, record: dict) -> None:
        self.acks.append(record)
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


class Stopped(Exception):
    pass


class Session:
    """A logged-in client that outlives the server: a request that gets no answer
    (connection refused, reset, closed, timed out) waits for the server and is sent
    again, the same request; a session lost meanwhile is logged in again."""

    def __init__(self, port: int, username: str, stop: threading.Event, log: Log):
        self.port, self.username, self.stop, self.log = port, username, stop, log
        self.client = bc.Client(port)
        self.client.conn.timeout = 30

    def _fresh(self) -> None:
        self.client.conn.close()
        self.client.conn = bc.http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def send(self, method: str, path: str, fields: dict | None = None, *, drain: bool = False):
        """The answer (status, headers, body). `drain`: keep trying after `stop` (a
        write whose answer was lost is settled before the run ends). `failed_at`: when
        the first attempt was found unanswered (None: answered at once)."""
        self.failed_at: float | None = None
        while True:
            if self.stop.is_set() and not drain:
                raise Stopped
            try:
                status, headers, body = self.client.request(method, path, fields)
            except (OSError, bc.http.client.HTTPException):
                self.log.outcomes["no answer"] += 1
                self.failed_at = self.failed_at or time.time()
                self._fresh()
                time.sleep(0.05)
                continue
            if status >= 500:  # the database went away under the request (PostgreSQL)
                self.log.outcomes[f"status {status}"] += 1
                self.failed_at = self.failed_at or time.time()
                time.sleep(0.05)
                continue
            location = headers.get("Location", "")
            if status == 302 and "/accounts/login/" in location:
                self.login()
                continue
            if status == 403:  # the CSRF cookie of a session that is gone
                self.log.outcomes["403 (logged in again)"] += 1
                self.login()
                continue
            return status, headers, body

    def login(self) -> None:
        while True:
            self.client.cookies.clear()
            try:
                self.client.login(self.username)
                return
            except (OSError, bc.http.client.HTTPException, RuntimeError):
                self._fresh()
                time.sleep(0.1)


def clerk_loop(index: int, world: World, session: Session, driver, seed: int) -> None:
    rng = random.Random(seed * 1000 + index)
    counter = world.counter
    n = 0
    while not session.stop.is_set():
        household, head = rng.choice(counter.households)
        roll = rng.random()
        if roll < 0.1:
            product, quantity = counter.scarce, 1
        elif roll < 0.2:
            product, quantity = counter.limited, 1
        else:
            product, quantity = rng.choice(counter.products), rng.choice([1, 1, 2])
        key = f"crash-{index:02d}-{n:07d}"
        n += 1
        fields = {
            "step": "confirm",
            "collected_by": head,
            "idempotency_key": key,
            f"qty_{product}": quantity,
        }
        path = driver.counter_path.format(household=household)
        try:
            # Once sent, a redemption is settled even when the run is stopping.
            if session.stop.is_set():
                return
            status, headers, body = session.send("POST", path, fields, drain=True)
        except Stopped:
            return
        found = driver.receipt.search(headers.get("Location", "")) if status == 302 else None
        if found:
            session.log.outcomes["redeemed"] += 1
            session.log.ack(
                {"kind": "redemption", "key": key, "receipt": int(found.group(1)),
                 "household": household, "product": product, "quantity": quantity,
                 "failed_at": session.failed_at}
            )  # fmt: skip
        elif status == 200:
            session.log.outcomes["refused"] += 1
        else:
            session.log.outcomes[f"unexpected {status}"] += 1


def reviewer_loop(world: World, session: Session, entry_path: str) -> None:
    for entry in world.entries:
        if session.stop.is_set():
            return
        status, _, _ = session.send(
            "POST", entry_path.format(pk=entry), {"action": "approve", "reason": ""}, drain=True
        )
        if status == 302:
            session.log.outcomes["approved"] += 1
            session.log.ack({"kind": "approval", "entry": entry, "failed_at": session.failed_at})
        else:
            session.log.outcomes[f"unexpected {status}"] += 1


# --- the run -------------------------------------------------------------------------


def start_server(env: dict[str, str], port: int, workers: int, threads: int):
    return bc.start_server(env, port, workers, threads)


def kill_server(server) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def run(args, label: str, url: str, pg: Postgres | None, logs_dir: Path) -> dict:
    env = bc.server_env(url)
    env["SANXIN_STATIC_MANIFEST"] = "0"  # nothing collected: the pages use the finders
    env["SANXIN_STATIC_ROOT"] = str(logs_dir.parent / "static")  # (an empty one, no warning)
    (logs_dir.parent / "static").mkdir(exist_ok=True)
    bc.setup_django(env)
    from django.conf import settings
    from django.db import connections
    from django.urls import reverse

    started = time.perf_counter()
    world = build(args.households, args.clients, args.entries)
    built = time.perf_counter() - started
    connections.close_all()
    driver = bc.pick_driver("counter")
    entry_path = reverse("points:entry_decide", args=[777777777]).replace("777777777", "{pk}")

    port = bc.free_port()
    server = start_server(env, port, args.workers, args.threads)
    stop = threading.Event()
    logs = [Log(logs_dir / f"acks-{i:02d}.jsonl") for i in range(args.clients + 1)]
    sessions = [Session(port, u, stop, logs[i]) for i, u in enumerate(world.counter.clerks)]
    reviewer = Session(port, REVIEWER, stop, logs[-1])
    for s in [*sessions, reviewer]:
        s.login()
    threads = [
        threading.Thread(target=clerk_loop, args=(i, world, s, driver, args.seed), daemon=True)
        for i, s in enumerate(sessions)
    ]
    if args.entries:
        threads.append(
            threading.Thread(target=reviewer_loop, args=(world, reviewer, entry_path), daemon=True)
        )
    for t in threads:
        t.start()

    rng = random.Random(args.seed)
    kills = pg_crashes = 0
    restart_seconds: list[float] = []
    run_started = time.perf_counter()
    try:
        while kills < args.kills:
            time.sleep(rng.uniform(args.min_run, args.max_run))
            if pg is not None and args.pg_crash_every and (kills + 1) % args.pg_crash_every == 0:
                pg.crash()
                pg_crashes += 1
                kill_server(server)
                pg.start()  # crash recovery
            else:
                kill_server(server)
            kills += 1
            t0 = time.perf_counter()
            server = start_server(env, port, args.workers, args.threads)
            restart_seconds.append(time.perf_counter() - t0)
            if kills % 20 == 0:
                done = sum(lg.outcomes["redeemed"] for lg in logs)
                print(f"  {label}: {kills} kills, {done} redemptions acknowledged", file=sys.stderr)
        # Let the last requests settle on a live server, then stop.
        time.sleep(args.min_run)
        stop.set()
        for t in threads:
            t.join(timeout=120)
    finally:
        stop.set()
        bc.stop_server(server)
        for lg in logs:
            lg.close()
    seconds = time.perf_counter() - run_started
    outcomes: Counter = Counter()
    for lg in logs:
        outcomes.update(lg.outcomes)
    result = {
        "database": label,
        "kills": kills,
        "postgres_crashes": pg_crashes,
        "seconds": round(seconds, 1),
        "build_seconds": round(built, 1),
        "restart_seconds_median": round(sorted(restart_seconds)[len(restart_seconds) // 2], 2)
        if restart_seconds
        else None,
        "clients": args.clients,
        "workers": args.workers,
        "threads": args.threads,
        "outcomes": dict(outcomes),
        "threads_still_running": sum(1 for t in threads if t.is_alive()),
    }
    result["durability"] = durability(settings, pg)
    result["checks"] = verify(world, logs)
    return result


def durability(settings, pg: Postgres | None) -> dict:
    """What the product's settings ask of the database, as the database reports it."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
            cursor.execute("PRAGMA journal_mode")
            return {
                "journal_mode": cursor.fetchone()[0],
                "synchronous": synchronous,
                "init_command": settings.DATABASES["default"]["OPTIONS"]["init_command"],
            }
        values = {}
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
        return values


def verify(world: World, logs: list[Log]) -> dict:
    """Compare the acknowledgement logs with the database, then reconcile."""
    from django.db import connections

    from sanxin.ledger.models import Review
    from sanxin.oversight.reconcile import reconcile
    from sanxin.rewards.models import Redemption, WalletEntry

    connections.close_all()
    acks = [json.loads(line) for lg in logs for line in lg.path.read_text().splitlines()]
    redeemed = [a for a in acks if a["kind"] == "redemption"]
    approved = [a["entry"] for a in acks if a["kind"] == "approval"]
    stored: dict[str, list[int]] = {}
    for key, pk in Redemption.objects.filter(idempotency_key__contains=":crash-").values_list(
        "idempotency_key", "pk"
    ):
        stored.setdefault(key.split(":", 1)[1], []).append(pk)
    missing = [a["key"] for a in redeemed if a["key"] not in stored]
    other_receipt = [
        a["key"] for a in redeemed if a["key"] in stored and stored[a["key"]] != [a["receipt"]]
    ]
    twice = [k for k, pks in stored.items() if len(pks) > 1]
    told = {a["key"] for a in redeemed}
    untold = sorted(set(stored) - told)
    reviews = dict(Review.objects.filter(entry_id__in=approved).values_list("entry_id", "approved"))
    credited = set(
        WalletEntry.objects.filter(kind="entry_credit", entry_id__in=approved).values_list(
            "entry_id", flat=True
        )
    )
    # A write sent again after its first attempt went unanswered: stored with a time
    # before the failure, it was committed by the server that was killed (its answer
    # lost); after it, by the restarted server when it was sent again.
    created = dict(
        Redemption.objects.filter(
            pk__in=[a["receipt"] for a in redeemed if a.get("failed_at")]
        ).values_list("pk", "created_at")
    )
    cut = [a for a in redeemed if a.get("failed_at")]
    cut_committed = sum(1 for a in cut if created[a["receipt"]].timestamp() < a["failed_at"])
    reviewed = dict(
        Review.objects.filter(
            entry_id__in=[a["entry"] for a in acks if a["kind"] == "approval" and a["failed_at"]]
        ).values_list("entry_id", "reviewed_at")
    )
    cut_approvals = [a for a in acks if a["kind"] == "approval" and a["failed_at"]]
    cut_approved = sum(
        1 for a in cut_approvals if reviewed[a["entry"]].timestamp() < a["failed_at"]
    )
    results = reconcile()
    return {
        "redemptions_sent_again": len(cut),
        "of_which_committed_before_the_kill": cut_committed,
        "approvals_sent_again": len(cut_approvals),
        "of_which_approved_before_the_kill": cut_approved,
        "redemptions_acknowledged": len(redeemed),
        "acknowledged_missing": len(missing),
        "acknowledged_with_another_receipt": len(other_receipt),
        "stored_twice": len(twice),
        "stored_but_never_acknowledged": len(untold),
        "approvals_acknowledged": len(approved),
        "approvals_missing": sum(1 for e in approved if not reviews.get(e)),
        "approvals_without_credit": sum(1 for e in approved if e not in credited),
        "reconcile_failed": {
            r.name: [r.count, list(r.first or r.notes)] for r in results if not r.ok
        },
        "reconcile_checks": len(results),
        "first_missing": missing[:5],
        "first_untold": untold[:5],
    }


def passed(result: dict) -> bool:
    c = result["checks"]
    return not (
        c["acknowledged_missing"]
        or c["acknowledged_with_another_receipt"]
        or c["stored_twice"]
        or c["stored_but_never_acknowledged"]
        or c["approvals_missing"]
        or c["approvals_without_credit"]
        or c["reconcile_failed"]
        or result["threads_still_running"]
    )


def report(result: dict) -> None:
    c = result["checks"]
    print(
        f"crash test on {result['database']}: {result['kills']} SIGKILLs of the server"
        + (f" ({result['postgres_crashes']} with PostgreSQL killed too)" if result["postgres_crashes"] else "")
        + f" in {result['seconds']} s; {result['clients']} clerks + 1 reviewer, gunicorn "
        f"{result['workers']}×{result['threads']}; restart median {result['restart_seconds_median']} s"
    )  # fmt: skip
    print(f"  durability: {result['durability']}")
    print(f"  answers: {result['outcomes']}")
    print(
        f"  acknowledged: {c['redemptions_acknowledged']} redemptions, "
        f"{c['approvals_acknowledged']} approvals"
    )
    print(
        f"  sent again after no answer: {c['redemptions_sent_again']} redemptions "
        f"({c['of_which_committed_before_the_kill']} had been committed by the killed server), "
        f"{c['approvals_sent_again']} approvals ({c['of_which_approved_before_the_kill']})"
    )
    print(
        f"  missing {c['acknowledged_missing']}, another receipt "
        f"{c['acknowledged_with_another_receipt']}, stored twice {c['stored_twice']}, stored "
        f"but never acknowledged {c['stored_but_never_acknowledged']}; approvals missing "
        f"{c['approvals_missing']}, without their credit {c['approvals_without_credit']}"
    )
    failed = c["reconcile_failed"]
    print(
        f"  reconcile: {c['reconcile_checks'] - len(failed)}/{c['reconcile_checks']} checks pass"
        + (f"; failed: {failed}" if failed else "")
    )
    print(f"  {'PASS' if passed(result) else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8, help="clerk threads")
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--entries", type=int, default=3000, help="pending entries to approve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--min-run", type=float, default=0.2, help="seconds, server up to kill")
    parser.add_argument("--max-run", type=float, default=1.5)
    parser.add_argument(
        "--pg-crash-every", type=int, default=10, help="on PostgreSQL, kill it too every Nth time"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--logs", type=Path, help="keep the acknowledgement logs here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if len(databases) > 1:
        # Django is set up once per process: each database runs in its own.
        codes = [
            subprocess.run(
                [sys.executable, "-m", "bench.crash_counter", *_without_database(argv), "--database", db]
            ).returncode
            for db in databases
        ]  # fmt: skip
        return max(codes)
    with tempfile.TemporaryDirectory(prefix="sanxin-crash-") as tmp:
        logs_dir = args.logs or Path(tmp) / "acks"
        logs_dir.mkdir(parents=True, exist_ok=True)
        if databases[0] == "sqlite":
            result = run(args, "SQLite", f"sqlite:///{Path(tmp) / 'crash.sqlite3'}", None, logs_dir)
        else:
            with durable_postgres() as pg:
                result = run(args, "PostgreSQL", pg.url, pg, logs_dir)
                from django.db import connections

                connections.close_all()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        report(result)
    return 0 if passed(result) else 1


def _without_database(argv: list[str] | None) -> list[str]:
    given = list(sys.argv[1:] if argv is None else argv)
    out, skip = [], False
    for a in given:
        if skip:
            skip = False
            continue
        if a == "--database":
            skip = True
            continue
        if a.startswith("--database="):
            continue
        out.append(a)
    return out


if __name__ == "__main__":
    sys.exit(main())
