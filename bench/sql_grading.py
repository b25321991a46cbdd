"""Benchmark for a team decision (issue 16): how close to the bare statement could
grading get if the database computed the scores and grades itself?

Not the product's path. The product grades in Python (`rules.engine`, from the
aggregates of `ratings.aggregates`) and keeps every rating's reasons and result; that
costs about 16× the bare aggregate-and-insert (docs/benchmarks.md). This prototype
builds one `INSERT … SELECT` from the benchmark's one scheme version — the per-item,
per-year, per-person sums, the annual caps (`LEAST`), the validity windows, reversals,
the credit assessment in effect (its total) with the credit items' points, the
vanguard score of each party member, the tiers, their formulas and grade lines — and
writes only a total and a grade per household.
It leaves out veto items and veto events (the benchmark data has none) and writes
no reasons: a product built this way would render the reasons when a rating is shown
(docs/scaling.md, "What reaching 2× needs").

Each run measures, per district and alternately, the bare statement (the floor of
`bench.prefecture`, naming the district) and the prototype, twice, and compares
the prototype's totals and grades with the ratings the product computed on the same
data (household by household), so the figure is only quoted for a statement that
grades as the engine does.

    python -m bench.compute_cycles --households 50000 --keep /tmp/b.sqlite3
    python -m bench.sql_grading --sqlite /tmp/b.sqlite3
    python -m bench.prefecture --households 100000 --keep        # prints its URL
    python -m bench.sql_grading --reuse postgres://sanxin@127.0.0.1:PORT/sanxin
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal

CUT_OFF = date(2026, 11, 20)
FLOOR_TABLE = "bench_sql_floor"
GRADE_TABLE = "bench_sql_grades"


def _literal(value: Decimal | None) -> str:
    return "NULL" if value is None else str(value)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grading_sql(scheme, vendor: str) -> str:  # type: ignore[no-untyped-def]
    """One statement grading every household of a district (params: cut-off date as
    `%(cut)s`, district id as `%(d)s`), built from `scheme` for `vendor`."""
    from sanxin.ledger.tiers import CADRE_POSTS

    pg = vendor == "postgresql"
    items = ",\n ".join(
        f"({_text(i.code)}, {_text(i.component)}, {_literal(i.points)}, {_literal(i.annual_cap)})"
        for i in scheme.items
    )
    cast_cap = "::numeric" if pg else ""
    year = "EXTRACT(YEAR FROM c.occurred_on)" if pg else "substr(c.occurred_on, 1, 4)"
    credit_until = (
        "a.assessed_on + " + str(scheme.credit_valid_days - 1) + " >= %(cut)s::date"
        if pg
        else f"date(a.assessed_on, '+{scheme.credit_valid_days - 1} days') >= %(cut)s"
    )
    least, greatest = ("LEAST", "GREATEST") if pg else ("min", "max")
    # Vanguard points are kept per member, so their entries are grouped by person too
    # (every vanguard item of the shipped scheme applies to a person).
    per_person = ", ".join(
        _text(i.code) for i in scheme.items if i.applies_to == "person" or i.component == "vanguard"
    )
    by_days: dict[int, list[str]] = {}
    for i in scheme.items:
        if i.validity_days is not None:
            by_days.setdefault(i.validity_days, []).append(_text(i.code))
    expired = []
    for days, codes in sorted(by_days.items()):
        before = f"%(cut)s::date - {days - 1}" if pg else f"date(%(cut)s, '-{days - 1} days')"
        expired.append(
            f"WHEN c.item_code IN ({', '.join(codes)}) AND c.occurred_on < {before} THEN 0"
        )
    live = f"CASE {' '.join(expired)} ELSE 1 END" if expired else "1"
    posts = ", ".join(_text(p) for p in sorted(CADRE_POSTS))
    comp = {c.code: c for c in scheme.components}
    base, credit, van = comp["base"], comp["credit"], comp["vanguard"]

    def scale(raw: str, rule) -> str:  # type: ignore[no-untyped-def]
        return f"round({least}({greatest}({raw}, 0), {rule.full_marks}) * 100.0 / {rule.full_marks}, 2)"

    def formula(f: dict[str, Decimal]) -> str:
        parts = [f"{w} * coalesce({c}, 0)" for c, w in f.items() if w]
        return f"round({' + '.join(parts) or '0'}, 2)"

    tier_rank = {"masses": 0, "party_member": 1, "party_cadre": 2}
    totals = []
    for tier in scheme.tiers:
        formulas = [formula(f) for f in tier.formulas]
        best = formulas[0] if len(formulas) == 1 else f"{least}({', '.join(formulas)})"
        totals.append(f"WHEN {tier_rank[tier.code]} THEN {best}")
    grades = []
    for tier in scheme.tiers:
        lines = sorted(tier.thresholds.items(), key=lambda kv: -kv[1])
        cases = " ".join(f"WHEN total >= {v} THEN {_text(g)}" for g, v in lines)
        grades.append(f"WHEN t = {tier_rank[tier.code]} THEN CASE {cases} ELSE 'unrated' END")

    return f"""
WITH items(code, component, ipoints, cap) AS (VALUES
 {items}),
approved AS (
 SELECT e.id, e.household_id, e.item_code, e.person_id, e.occurred_on, e.points,
        e.reversal_of_id
 FROM ledger_entry e JOIN ledger_review r ON r.entry_id = e.id
 WHERE r.approved AND e.occurred_on <= %(cut)s AND e.district_id = %(d)s
   AND r.district_id = %(d)s),
counted AS (
 SELECT * FROM approved c WHERE c.reversal_of_id IS NULL
   AND c.id NOT IN (SELECT x.reversal_of_id FROM ledger_entry x
                    JOIN ledger_review rx ON rx.entry_id = x.id
                    WHERE rx.approved AND x.reversal_of_id IS NOT NULL
                      AND x.occurred_on <= %(cut)s AND x.district_id = %(d)s)),
party AS (
 SELECT p.id, p.household_id,
        CASE WHEN p.cadre_post IN ({posts}) THEN 2 ELSE 1 END t
 FROM households_person p JOIN households_household h ON h.id = p.household_id
 WHERE h.district_id = %(d)s AND p.active
   AND p.political_status IN ('party_member', 'probationary')),
g0 AS (
 SELECT c.household_id hh, c.item_code code,
   CASE WHEN c.item_code IN ({per_person}) THEN c.person_id END who,
   {year} yr,
   CASE WHEN c.points > 0 THEN 1 WHEN c.points < 0 THEN -1 ELSE 0 END sg,
   {live} live,
   SUM(c.points) s
 FROM counted c
 GROUP BY 1, 2, 3, 4, 5, 6),
g AS (
 SELECT g0.hh, i.component, i.ipoints, i.cap{cast_cap} cap, g0.who, g0.sg, g0.live, g0.s,
   CASE WHEN i.component = 'vanguard' THEN g0.who END member
 FROM g0 JOIN items i ON i.code = g0.code),
capped AS (
 SELECT hh, component, member, SUM(CASE WHEN live = 0 THEN 0
   WHEN cap IS NOT NULL AND sg * ipoints > 0 THEN sg * {least}(abs(s), cap)
   ELSE s END) pts
 FROM g GROUP BY hh, component, member),
per_household AS (
 SELECT hh, SUM(CASE WHEN component = 'base' THEN pts ELSE 0 END) base,
   SUM(CASE WHEN component = 'credit' THEN pts ELSE 0 END) credit
 FROM capped GROUP BY hh),
in_effect AS (
 SELECT a.household_id, a.assessed_on, a.total,
   ROW_NUMBER() OVER (PARTITION BY a.household_id ORDER BY a.assessed_on DESC, a.id DESC) n
 FROM ledger_creditassessment a
 WHERE a.district_id = %(d)s AND a.assessed_on <= %(cut)s
   AND NOT EXISTS (SELECT 1 FROM ledger_creditassessment s WHERE s.supersedes_id = a.id)),
credit AS (
 SELECT a.household_id hh, a.total FROM in_effect a WHERE a.n = 1 AND {credit_until}),
vanguard AS (
 SELECT p.household_id hh, MAX(p.t) t,
   round(AVG({scale(f"{van.start} + coalesce(k.pts, 0)", van)}), 2) score
 FROM party p LEFT JOIN capped k ON k.member = p.id AND k.component = 'vanguard'
 GROUP BY p.household_id),
scores AS (
 SELECT h.id hh, coalesce(v.t, 0) t,
   {scale(f"{base.start} + coalesce(b.base, 0)", base)} base,
   {scale("cr.total + coalesce(b.credit, 0)", credit)} credit,
   v.score vanguard
 FROM households_household h
 LEFT JOIN per_household b ON b.hh = h.id
 LEFT JOIN credit cr ON cr.hh = h.id
 LEFT JOIN vanguard v ON v.hh = h.id
 WHERE h.district_id = %(d)s),
totals AS (
 SELECT hh, t, CASE WHEN credit IS NULL THEN NULL ELSE CASE t {" ".join(totals)} END END total
 FROM scores)
INSERT INTO {GRADE_TABLE} (household_id, total, grade)
SELECT hh, total, CASE WHEN total IS NULL THEN 'unrated' {" ".join(grades)} END FROM totals
"""


def floor_sql() -> str:
    """The bare aggregate-and-insert over the same approved entries, named by district
    as in `bench.prefecture.floor_sql`."""
    return (
        f"INSERT INTO {FLOOR_TABLE} (household_id, points) "
        "SELECT e.household_id, SUM(e.points) FROM ledger_entry e "
        "JOIN ledger_review r ON r.entry_id = e.id "
        "WHERE r.approved AND e.occurred_on <= %(cut)s "
        "AND e.district_id = %(d)s AND r.district_id = %(d)s "
        "GROUP BY e.household_id"
    )


def measure(rounds: int = 2, work_mem: str = "256MB") -> dict:
    from django.db import connection, transaction

    from sanxin.ratings.models import Rating
    from sanxin.rules.models import SchemeVersion

    vendor = connection.vendor
    versions = list(SchemeVersion.objects.all())
    if len(versions) != 1:
        sys.exit(f"expected one scheme version (the benchmark's), found {len(versions)}")
    grading = grading_sql(versions[0].scheme, vendor)
    floor = floor_sql()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # For both statements: no JIT (docs/deploy.md) and room to hash the
            # groups in memory (the default 4 MB spills the prototype's to disk).
            cursor.execute("SET jit = off")
            cursor.execute(f"SET work_mem = '{work_mem}'")
        cursor.execute("SELECT DISTINCT district_id FROM households_household ORDER BY district_id")
        districts = [row[0] for row in cursor.fetchall()]
    if vendor == "postgresql":
        from bench.prefecture import backend_cpu_seconds

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

        def cpu() -> float:
            # The statement runs in its backend; this process only waits.
            return backend_cpu_seconds(backend) or 0.0

    else:
        cpu = time.process_time  # SQLite runs in this process
    rounds_out = []
    for _ in range(rounds):
        took = {"floor": 0.0, "sql": 0.0, "floor_cpu": 0.0, "sql_cpu": 0.0}
        with transaction.atomic(), connection.cursor() as cursor:
            for table, cols in (
                (FLOOR_TABLE, "household_id bigint, points numeric(12, 2)"),
                (GRADE_TABLE, "household_id bigint, total numeric(8, 2), grade varchar(10)"),
            ):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} ({cols})")
            for d in districts:
                params = {"cut": CUT_OFF, "d": d}
                for name, sql in (("floor", floor), ("sql", grading)):
                    started, cpu_started = time.perf_counter(), cpu()
                    cursor.execute(sql, params)
                    took[name] += time.perf_counter() - started
                    took[name + "_cpu"] += cpu() - cpu_started
        rounds_out.append({k: round(v, 2) for k, v in took.items()})

    # Household by household against the product's ratings (the latest run of each
    # household's cycle), then the scratch tables go.
    latest: dict[int, tuple[Decimal | None, str]] = {}
    for household_id, total, grade in Rating.objects.order_by("household_id", "-run").values_list(
        "household_id", "total", "grade"
    ):
        latest.setdefault(household_id, (total, grade))
    mismatched = compared = 0
    examples = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT household_id, total, grade FROM {GRADE_TABLE}")
        for household_id, total, grade in cursor.fetchall():
            if household_id not in latest:
                continue
            compared += 1
            want_total, want_grade = latest[household_id]
            got = None if total is None else Decimal(str(total)).quantize(Decimal("0.01"))
            if (got, grade) != (want_total, want_grade):
                mismatched += 1
                if len(examples) < 5:
                    examples.append((household_id, str(got), grade, str(want_total), want_grade))
        cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
        cursor.execute(f"DROP TABLE {GRADE_TABLE}")
    return {
        "database": vendor,
        "work_mem": work_mem if vendor == "postgresql" else None,
        "districts": len(districts),
        "rounds": rounds_out,
        "compared": compared,
        "mismatched": mismatched,
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", help="a database kept by bench.compute_cycles --keep")
    where.add_argument("--reuse", metavar="URL", help="a database kept by bench.prefecture --keep")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work-mem", default="256MB", help="PostgreSQL work_mem for both")
    args = parser.parse_args(argv)
    if args.sqlite:
        from bench.compute_cycles import _setup

        _setup(args.sqlite)
    else:
        from bench.prefecture import setup_django

        setup_django(args.reuse)
    result = measure(args.rounds, args.work_mem)
    for i, r in enumerate(result["rounds"], 1):
        print(
            f"round {i} ({result['database']}, {result['districts']} district(s)): "
            f"bare {r['floor']} s, SQL grading {r['sql']} s, {r['sql'] / r['floor']:.2f}× "
            f"(CPU {r['floor_cpu']} s, {r['sql_cpu']} s, {r['sql_cpu'] / r['floor_cpu']:.2f}×)"
        )
    print(
        f"against the product's ratings: {result['compared']} households compared, "
        f"{result['mismatched']} with another total or grade {result['examples'] or ''}"
    )


if __name__ == "__main__":
    os.environ.setdefault("SANXIN_DEBUG", "0")
    main()
