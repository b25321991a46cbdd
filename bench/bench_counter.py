"""Benchmark: 32 clerks redeeming at the counter at once, against a real WSGI server.

Builds a scratch database — a SQLite file in a temporary directory, or, when
`SANXIN_DATABASE_URL` names a PostgreSQL server, a fresh database created on that
server and dropped afterwards — holding one village shop with products in stock
(one of them scarce, one limited per household), households with a grade in force
and points in their wallets (some nearly empty, some below the shop's grade gate),
and one shop-clerk login per client. Then it starts gunicorn on a free port (the
product's WSGI application, with the benchmark's URLconf `bench.counter_urls`, which
adds a bare JSON view) and runs, with 32 client threads each logged in as a clerk:

1. the bare view (a logged-in POST answered with a little JSON: the same server,
   middleware and session, no work of its own) for `--seconds`;
2. redemptions POSTed to the counter for `--seconds`, every fourth request re-sending
   the previous one with the same idempotency key (a double tap);
3. the bare view again (the yardstick is the mean of 1 and 3).

It reports redemption requests per second against bare requests per second (the
target: at least 60 %), then checks from the database: no negative balance or stock,
every wallet's balance equal to the sum of its rows, every product's stock equal to
the sum of its movements, the per-household limit kept, and no double redemption
(one redemption per idempotency key; each re-sent request answered with the
receipt of the first).

    python -m bench.bench_counter                      # SQLite
    SANXIN_DATABASE_URL=postgres://user@host:port/db python -m bench.bench_counter
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 32
PASSWORD = "bench-clerk-password-2026"
RICH, POOR = Decimal("5000"), Decimal("12")  # wallet balances
SCARCE_STOCK = 60
LIMITED_PER_MONTH = 2
RESEND_EVERY = 4  # the 2nd, 6th, 10th… request of each client re-sends the one before

PRODUCTS = [  # name, unit, points price
    ("毛巾", "条", 10),
    ("拖鞋", "双", 15),
    ("洗衣液", "瓶", 20),
    ("食用油", "桶", 40),
    ("大米", "袋", 50),
    ("牙膏", "支", 8),
    ("香皂", "块", 5),
    ("洗洁精", "瓶", 10),
    ("卫生纸", "提", 18),
    ("面条", "把", 6),
    ("白糖", "袋", 9),
    ("酱油", "瓶", 7),
    ("醋", "瓶", 6),
    ("保温杯", "个", 35),
]
SCARCE = ("电饭煲", "台", 60)  # stock SCARCE_STOCK: runs out during the run
LIMITED = ("暖水瓶", "个", 12)  # LIMITED_PER_MONTH per household per month


# --- the scratch database -------------------------------------------------------------


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def scratch_database(tmp: str) -> tuple[str, str, Callable[[], None]]:
    """(database URL, label, cleanup) of an empty database for this run."""
    given = os.environ.get("SANXIN_DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(given)
        name = f"sanxin_bench_counter_{os.getpid()}"
        _pg_admin(given, f'CREATE DATABASE "{name}"')
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

        def drop() -> None:
            _pg_admin(given, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return url, "PostgreSQL", drop
    return f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", lambda: None


def server_env(url: str) -> dict[str, str]:
    """The environment of this process and of the server: production settings (debug
    off) on the scratch database, the benchmark's URLconf, persistent connections."""
    env = dict(os.environ)
    env.update(
        SANXIN_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.counter_settings",
        SANXIN_DEBUG="0",
        SANXIN_ALLOWED_HOSTS="127.0.0.1",
        SANXIN_DB_CONN_MAX_AGE=os.environ.get("SANXIN_DB_CONN_MAX_AGE", "60"),
        SANXIN_LOG_LEVEL="WARNING",
        # Static files through the finders: a fresh clone has collected none, and with
        # the manifest on the login page fails on its first {% static %}.
        SANXIN_STATIC_MANIFEST="0",
        PYTHONPATH=os.pathsep.join(
            [str(ROOT), str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    )
    env.setdefault("SANXIN_SECRET_KEY", secrets.token_urlsafe(48))
    env.setdefault("SANXIN_DATA_KEY", secrets.token_urlsafe(48))
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


# --- the data -------------------------------------------------------------------------


@dataclass
class World:
    shop_id: int
    products: list[int]  # ordinary products
    scarce: int
    limited: int
    households: list[tuple[int, int]]  # (household id, head person id)
    clerks: list[str]


def build(households: int, clients: int) -> World:
    """One district, town and village with four villager groups; one shop serving the
    village; a policy (3A and above) in force; `households` households with a head,
    a grade in force (one in twenty 2A, below the gate) and a wallet credited with a
    grade allowance (one in ten nearly empty); products received into stock from a
    funding source; one shop-clerk login per client. Rows that the product writes
    through its services one at a time are written here in bulk, with the same
    values: every wallet's balance equals its rows, every stock its movements."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from sanxin.accounts.choices import Role
    from sanxin.accounts.models import RoleAssignment, User
    from sanxin.households.models import Household, Person
    from sanxin.ratings.choices import CycleState, GradeSource
    from sanxin.ratings.models import Cycle, GradeRecord
    from sanxin.regions.choices import Level
    from sanxin.regions.services import region_create
    from sanxin.rewards import models as rw
    from sanxin.rewards.choices import FundingKind, LimitPeriod, StockKind, WalletKind

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    now = timezone.now()
    today = timezone.localdate()
    district = region_create(level=Level.DISTRICT, name="基准区", code="139998000000")
    town = region_create(level=Level.TOWN, name="基准镇", parent=district, kind="镇")
    village = region_create(level=Level.VILLAGE, name="基准村", parent=town, kind="村")
    groups = [
        region_create(level=Level.GROUP, name=f"第{g + 1}组", parent=village) for g in range(4)
    ]
    with transaction.atomic():
        admin = User.objects.create_user(
            username="bench-admin", password=PASSWORD, display_name="bench"
        )
        clerks = []
        for i in range(clients):
            user = User.objects.create_user(
                username=f"clerk{i:02d}", password=PASSWORD, display_name=f"收银员{i}"
            )
            RoleAssignment.objects.create(user=user, role=Role.SHOP_CLERK, region=village)
            clerks.append(user.username)
        policy = rw.RedemptionPolicy.objects.create(
            district=district,
            effective_from=today - timedelta(days=400),
            min_grade="3A",
            published_by=admin,
            published_at=now,
        )
        cycle = Cycle.objects.create(
            village=village,
            period=str(today.year - 1),
            cut_off=today - timedelta(days=60),
            state=CycleState.FINAL,
            finalised_at=now - timedelta(days=30),
            created_by=admin,
        )
        hh = Household.objects.bulk_create(
            Household(
                village=village,
                villager_group=groups[i % 4],
                district_id=village.ancestor_ids[0],
                number=f"{i + 1:04d}",
                head_name=f"户主{i + 1}",
                member_count=1,
            )
            for i in range(households)
        )
        heads = Person.objects.bulk_create(
            Person(
                household=h,
                name=h.head_name,
                id_number_encrypted="bench",
                id_number_hash=f"bench-{h.pk}",
                id_last_digits_index=f"bench-{h.pk}",
                id_number_masked="130803**********00",
                sex="M",
                relation="户主",
                is_head=True,
                political_status="masses",
            )
            for h in hh
        )
        GradeRecord.objects.bulk_create(
            GradeRecord(
                household=h,
                district_id=h.district_id,
                grade="2A" if i % 20 == 19 else rng.choice(["3A", "4A", "5A"]),
                source=GradeSource.CYCLE,
                cycle=cycle,
                effective_from=today - timedelta(days=30),
                valid_until=today + timedelta(days=335),
                recorded_by=admin,
                recorded_at=now,
            )
            for i, h in enumerate(hh)
        )
        balances = [POOR if i % 10 == 9 else RICH for i in range(households)]
        wallets = rw.Wallet.objects.bulk_create(
            rw.Wallet(household=h, balance=b) for h, b in zip(hh, balances, strict=True)
        )
        rw.WalletEntry.objects.bulk_create(
            rw.WalletEntry(
                wallet=w,
                household_id=w.household_id,
                district_id=village.ancestor_ids[0],
                kind=WalletKind.ALLOWANCE,
                points=w.balance,
                cycle=cycle,
                policy=policy,
                earned_on=today - timedelta(days=30),
                expires_on=today.replace(month=12, day=31) + timedelta(days=366),
                occurred_at=now,
                note="bench",
            )
            for w in wallets
        )
        shop = rw.Shop.objects.create(name="基准村积分超市", code="BENCH", region=village)
        shop.villages.add(village)
        fund = rw.FundingSource.objects.create(
            region=village, shop=shop, kind=FundingKind.DISTRICT_FUND, name="区级资金"
        )
        rows = [(*p, 100_000, None) for p in PRODUCTS]
        rows += [(*SCARCE, SCARCE_STOCK, None), (*LIMITED, 100_000, LIMITED_PER_MONTH)]
        products = []
        for order, (name, unit, price, stock, limit) in enumerate(rows):
            product = rw.Product.objects.create(
                shop=shop,
                name=name,
                unit=unit,
                price_points=Decimal(price),
                limit_quantity=limit,
                limit_period=LimitPeriod.MONTH if limit else "",
                stock_quantity=stock,
                unit_cost=Decimal("3.50"),
                sort_order=order,
            )
            rw.StockMovement.objects.create(
                product=product,
                kind=StockKind.RECEIPT,
                quantity=stock,
                unit_cost=Decimal("3.50"),
                amount=Decimal("3.50") * stock,
                supplier="基准供应商",
                funding_source=fund,
                occurred_on=today,
                recorded_by=admin,
                created_at=now,
            )
            products.append(product.pk)
    return World(
        shop_id=shop.pk,
        products=products[: len(PRODUCTS)],
        scarce=products[len(PRODUCTS)],
        limited=products[len(PRODUCTS) + 1],
        households=[(h.pk, p.pk) for h, p in zip(hh, heads, strict=True)],
        clerks=clerks,
    )


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, threads: int):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sanxin.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
    ]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(server) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the clients ----------------------------------------------------------------------


class Client:
    """One clerk's browser: a keep-alive connection, the session and CSRF cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: open a new one
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, content

    def login(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, headers, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not log in ({status})")


@dataclass
class Tally:
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    answers: dict[str, int] = field(default_factory=dict)  # idempotency key -> redemption id
    resends: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, all its threads; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server) -> dict[str, float] | None:
    """CPU seconds used so far by the server (gunicorn's master and workers), by this
    process (the 32 clients) and by the whole machine (busy, from /proc/stat: the
    database server and anything else running too), with the wall clock; None where
    there is no /proc."""
    if not Path("/proc/stat").exists():
        return None
    workers = [server.pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == server.pid:
                workers.append(int(entry.name))
    times = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = (sum(times) - times[3] - times[4]) / os.sysconf("SC_CLK_TCK")
    mine = os.times()
    return {
        "wall": time.perf_counter(),
        "server": sum(_proc_cpu(pid) for pid in workers),
        "clients": mine.user + mine.system,
        "machine": busy,
    }


def cpu_per_request(before, after, requests: int) -> dict[str, float] | None:
    """CPU milliseconds per request of a phase (server, clients, whole machine) and
    how busy the machine's cores were (1.0: all of them all the time)."""
    if before is None or after is None or not requests:
        return None
    wall = after["wall"] - before["wall"]
    return {
        "server_ms": round((after["server"] - before["server"]) * 1000 / requests, 2),
        "clients_ms": round((after["clients"] - before["clients"]) * 1000 / requests, 2),
        "machine_ms": round((after["machine"] - before["machine"]) * 1000 / requests, 2),
        "machine_busy": round((after["machine"] - before["machine"]) / (wall * os.cpu_count()), 2),
    }


def run_phase(clients, seconds: float, work) -> tuple[float, list[Tally]]:
    """Every client calls `work(index, client, tally)` in a loop for `seconds`, all
    starting together; the elapsed time runs until the last request in flight ends."""
    tallies = [Tally() for _ in clients]
    barrier = threading.Barrier(len(clients) + 1)
    stop_at = [0.0]

    def loop(index: int) -> None:
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            started = time.perf_counter()
            work(index, clients[index], tallies[index])
            tallies[index].latencies.append(time.perf_counter() - started)
            tallies[index].requests += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    barrier.wait()
    for t in threads:
        t.join()
    return time.perf_counter() - started, tallies


def bare_work(index: int, client: Client, tally: Tally) -> None:
    status, _, _ = client.request("POST", "/bench/bare/", {"n": str(tally.requests)})
    tally.outcomes["ok" if status == 200 else f"status {status}"] += 1


class Redeemers:
    """The clients at the counter: what each redeems next (or re-sends), and the tally
    of the answers."""

    def __init__(self, world: World, driver):
        self.world = world
        self.driver = driver
        self.rngs = [random.Random(1000 + i) for i in range(len(world.clerks))]
        self.last: list[tuple[str, dict] | None] = [None] * len(world.clerks)

    def next_request(self, index: int, tally: Tally) -> tuple[str, dict, bool]:
        rng = self.rngs[index]
        if self.last[index] is not None and tally.requests % RESEND_EVERY == 1:
            key, payload = self.last[index]
            return key, payload, True
        household, head = rng.choice(self.world.households)
        roll = rng.random()
        if roll < 0.1:
            product, quantity = self.world.scarce, 1
        elif roll < 0.2:
            product, quantity = self.world.limited, 1
        else:
            product, quantity = rng.choice(self.world.products), rng.choice([1, 1, 2])
        key = f"bench-{index:02d}-{tally.requests:06d}"
        payload = {"household": household, "person": head, "product": product, "qty": quantity}
        self.last[index] = (key, payload)
        return key, payload, False

    def work(self, index: int, client: Client, tally: Tally) -> None:
        key, payload, resend = self.next_request(index, tally)
        outcome, receipt = self.driver.redeem(client, self.world, key, payload)
        tally.outcomes[("re-sent " if resend else "") + outcome] += 1
        if outcome == "error":
            tally.errors.append(receipt or "")
            return
        if resend:
            tally.resends.append((key, tally.answers.get(key), receipt))
        elif receipt:
            tally.answers[key] = receipt


class ServiceDriver:
    """Redemptions through the benchmark's own minimal view (`bench/redeem/`), which
    calls `rewards.services.redemptions.redemption_create` and answers in JSON."""

    name = "service"

    def redeem(self, client: Client, world: World, key: str, payload: dict):
        fields = {"idempotency_key": key, **payload}
        status, _, content = client.request("POST", "/bench/redeem/", fields)
        if status == 200:
            return "redeemed", json.loads(content)["pk"]
        if status == 409:
            return "refused", None
        return "error", f"{status}: {content[:200]!r}"


class CounterDriver:
    """Redemptions through the counter's own page, as the clerk's phone sends them:
    the household's counter form confirmed (`step=confirm`, a quantity per product,
    who collected, the idempotency key). A redemption answers with a redirect to its
    receipt (not followed); a refusal re-renders the form with the reason (200)."""

    name = "counter"

    def __init__(self, counter_path: str, receipt_path: str):
        self.counter_path = counter_path  # with "{household}" for the household id
        self.receipt = re.compile(re.escape(receipt_path).replace(r"\{pk\}", r"(\d+)") + "$")

    def redeem(self, client: Client, world: World, key: str, payload: dict):
        fields = {
            "step": "confirm",
            "collected_by": payload["person"],
            "idempotency_key": key,
            f"qty_{payload['product']}": payload["qty"],
        }
        path = self.counter_path.format(household=payload["household"])
        status, headers, content = client.request("POST", path, fields)
        if status == 302:
            found = self.receipt.search(headers.get("Location", ""))
            if found:
                return "redeemed", int(found.group(1))
        if status == 200:
            return "refused", None
        return "error", f"{status} {headers.get('Location', '')}: {content[:200]!r}"


def pick_driver(via: str):
    """The counter's own form when its pages exist (or `via` says so), else the
    service through the benchmark's view."""
    from django.urls import NoReverseMatch, reverse

    if via in ("auto", "counter"):
        try:
            counter_path = reverse("rewards:counter_household", args=[999999999])
            receipt_path = reverse("rewards:receipt", args=[888888888])
        except NoReverseMatch:
            if via == "counter":
                raise
        else:
            return CounterDriver(
                counter_path.replace("999999999", "{household}"),
                receipt_path.replace("888888888", "{pk}"),
            )
    return ServiceDriver()


# --- the invariants -------------------------------------------------------------------


def invariants(tallies: list[Tally]) -> dict[str, int]:
    """Violations found in the database after the run (each must be 0), then counts.
    Sums are compared in Python, as `Decimal`s (SQLite keeps decimals as floats)."""
    from django.db import connections
    from django.db.models import Sum

    from sanxin.rewards import models as rw

    connections.close_all()
    row_sums = dict(
        rw.WalletEntry.objects.order_by()
        .values("wallet")
        .annotate(s=Sum("points"))
        .values_list("wallet", "s")
    )
    balances = dict(rw.Wallet.objects.values_list("pk", "balance"))
    moved = dict(
        rw.StockMovement.objects.order_by()
        .values("product")
        .annotate(s=Sum("quantity"))
        .values_list("product", "s")
    )
    stock = dict(rw.Product.objects.values_list("pk", "stock_quantity"))
    over_limit = 0
    for product, limit in rw.Product.objects.filter(limit_quantity__isnull=False).values_list(
        "pk", "limit_quantity"
    ):
        # every redemption of the run falls in this month (the limit's period)
        over_limit += (
            rw.RedemptionLine.objects.filter(product=product, redemption__void__isnull=True)
            .order_by()
            .values("redemption__household")
            .annotate(q=Sum("quantity"))
            .filter(q__gt=limit)
            .count()
        )
    answered = {key: pk for t in tallies for key, pk in t.answers.items()}
    # the service stores "<clerk id>:<key the page sent>"
    stored = {
        key.split(":", 1)[1]: pk
        for key, pk in rw.Redemption.objects.filter(idempotency_key__contains=":bench-")
        .values_list("idempotency_key", "pk")
        .iterator()
    }
    resends = [(first, again) for t in tallies for _key, first, again in t.resends]
    # a re-send that made another redemption than the first: a double redemption
    resent_redeemed_again = sum(
        1 for first, again in resends if again is not None and again != first
    )
    # a re-send of a redemption answered with a refusal (no second redemption, but the
    # clerk is not shown the first receipt)
    resent_refused = sum(1 for first, again in resends if first is not None and again is None)
    lines = rw.RedemptionLine.objects.aggregate(q=Sum("quantity"), p=Sum("points"))
    issued = -(rw.StockMovement.objects.filter(kind="issue").aggregate(q=Sum("quantity"))["q"] or 0)
    debited = -(
        rw.WalletEntry.objects.filter(kind="redemption").aggregate(p=Sum("points"))["p"] or 0
    )
    return {
        "negative_balances": sum(1 for b in balances.values() if b < 0),
        "negative_stock": sum(1 for q in stock.values() if q < 0),
        "wallets_not_equal_to_rows": sum(
            1 for pk, b in balances.items() if b != row_sums.get(pk, Decimal(0))
        ),
        "stock_not_equal_to_movements": sum(1 for pk, q in stock.items() if q != moved.get(pk, 0)),
        "households_over_limit": over_limit,
        "issues_not_equal_to_lines": int(issued != (lines["q"] or 0)),
        "debits_not_equal_to_lines": int(debited != (lines["p"] or 0)),
        # a re-sent request that redeemed again, or a client told of a redemption the
        # database holds under another key
        "double_redemptions": resent_redeemed_again
        + sum(1 for key, pk in answered.items() if stored.get(key) != pk),
        "resends_refused_after_a_redemption": resent_refused,
        "stored_but_not_answered": len(set(stored) - set(answered)),
        "redemptions_stored": len(stored),
        "resends": len(resends),
        "resends_of_a_redemption": sum(1 for first, _again in resends if first is not None),
        "scarce_stock_left": min(stock.values()),
        "points_redeemed": int(debited),
    }


def queries_per_request(world: World, driver) -> dict[str, int]:
    """The SQL statements of one bare request and of one redemption, through Django's
    test client in this process (after the run, on the same database): where the
    difference in throughput comes from."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from sanxin.accounts.models import User

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=world.clerks[0]))
    household, head = world.households[0]  # rich, and at or above the gate
    payload = {"household": household, "person": head, "product": world.products[0], "qty": 1}
    with CaptureQueriesContext(connection) as bare:
        client.post("/bench/bare/", {"n": "0"})
    if isinstance(driver, CounterDriver):
        path = driver.counter_path.format(household=household)
        fields = {
            "step": "confirm",
            "collected_by": head,
            "idempotency_key": "probe-1",
            f"qty_{payload['product']}": 1,
        }
    else:
        path, fields = "/bench/redeem/", {"idempotency_key": "probe-1", **payload}
    with CaptureQueriesContext(connection) as redeem:
        response = client.post(path, fields)
    redeemed = 302 if isinstance(driver, CounterDriver) else 200
    assert response.status_code == redeemed, f"the probe was not redeemed: {response.status_code}"
    return {"bare": len(bare.captured_queries), "redemption": len(redeem.captured_queries)}


# --- the run --------------------------------------------------------------------------


def summarise(label: str, seconds: float, tallies: list[Tally]) -> dict:
    latencies = sorted(x for t in tallies for x in t.latencies)
    count = sum(t.requests for t in tallies)
    outcomes = Counter()
    for t in tallies:
        outcomes.update(t.outcomes)
    return {
        "phase": label,
        "requests": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else None,
        "outcomes": dict(outcomes),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--via",
        choices=["auto", "counter", "service"],
        default="auto",
        help="POST to the counter's page (default when it exists) or to a view calling the service",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sanxin-bench-") as tmp:
        url, label, cleanup = scratch_database(tmp)
        server = None
        try:
            env = server_env(url)
            setup_django(env)
            started = time.perf_counter()
            world = build(args.households, args.clients)
            from django.db import connections

            connections.close_all()
            print(
                f"{label}: built {args.households} households, {len(world.products) + 2} products,"
                f" {args.clients} clerks in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            port = free_port()
            server = start_server(env, port, args.workers, args.threads)
            clients = [Client(port) for _ in world.clerks]
            for client, username in zip(clients, world.clerks, strict=True):
                client.login(username)
            run_phase(clients, 2.0, bare_work)  # warm every worker up

            def measured(label: str, work) -> tuple[dict, list[Tally]]:
                before = cpu_snapshot(server)
                seconds, tallies = run_phase(clients, args.seconds, work)
                summary = summarise(label, seconds, tallies)
                summary["cpu"] = cpu_per_request(before, cpu_snapshot(server), summary["requests"])
                return summary, tallies

            bare1, _ = measured("bare 1", bare_work)
            driver = pick_driver(args.via)
            counter = Redeemers(world, driver)
            redeem, counter_tallies = measured("counter", counter.work)
            bare2, _ = measured("bare 2", bare_work)
            stop_server(server)
            server = None
            checks = invariants(counter_tallies)
            errors = [e for t in counter_tallies for e in t.errors][:5]
            queries = queries_per_request(world, driver)
        finally:
            if server is not None:
                stop_server(server)
            from django.db import connections

            connections.close_all()
            cleanup()
    bare = (bare1["per_second"] + bare2["per_second"]) / 2
    ratio = redeem["per_second"] / bare if bare else 0.0
    result = {
        "database": label,
        "via": driver.name,
        "clients": args.clients,
        "workers": args.workers,
        "threads": args.threads,
        "phases": [bare1, redeem, bare2],
        "bare_per_second": round(bare, 1),
        "redemption_requests_per_second": redeem["per_second"],
        "ratio": round(ratio, 3),
        "invariants": checks,
        "queries": queries,
        "errors": errors,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        report(result)


def report(result: dict) -> None:
    print(
        f"counter on {result['database']} (via the {result['via']}): {result['clients']} clients, gunicorn "
        f"{result['workers']} workers × {result['threads']} threads"
    )
    for p in result["phases"]:
        print(
            f"  {p['phase']:8} {p['requests']:6} requests in {p['seconds']:5.1f} s = "
            f"{p['per_second']:7.1f}/s  p50 {p['p50_ms']} ms  p95 {p['p95_ms']} ms  {p['outcomes']}"
        )
        if p.get("cpu"):
            c = p["cpu"]
            print(
                f"           CPU per request: server {c['server_ms']} ms, clients "
                f"{c['clients_ms']} ms, machine {c['machine_ms']} ms; cores busy "
                f"{c['machine_busy']:.0%}"
            )
    print(
        f"  redemption requests/s {result['redemption_requests_per_second']} vs bare "
        f"{result['bare_per_second']}/s: {result['ratio']:.0%} (target ≥ 60%)"
    )
    q = result["queries"]
    print(
        f"  SQL statements per request (one more, in-process): bare {q['bare']}, "
        f"redemption {q['redemption']}"
    )
    print(f"  invariants: {result['invariants']}")
    if result["errors"]:
        print(f"  first errors: {result['errors']}")


if __name__ == "__main__":
    main()
