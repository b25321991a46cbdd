"""The product reads "today" as the project's local date (Asia/Shanghai), never the
machine's: `date.today()`, `datetime.now()` / `datetime.today()` without a time zone
`datetime.utcnow()` and `timezone.now().date()` (the UTC date) are refused anywhere in src/, and nothing reads the clock
when a module is imported."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "sanxin"

NAIVE = {("date", "today"), ("datetime", "today"), ("datetime", "utcnow"), ("datetime", "now")}
CLOCK = {
    ("date", "today"), ("datetime", "today"), ("datetime", "utcnow"), ("datetime", "now"),
    ("timezone", "now"), ("timezone", "localdate"), ("timezone", "localtime"), ("time", "time"),
}  # fmt: skip


def _call_name(node: ast.Call) -> tuple[str, str] | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        base = func.value
        if isinstance(base, ast.Name):
            return (base.id, func.attr)
        if isinstance(base, ast.Attribute):  # datetime.datetime.now, datetime.date.today
            return (base.attr, func.attr)
    return None


def _naive_clock_reads(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _call_name(node)) in NAIVE:
            if name == ("datetime", "now") and (node.args or node.keywords):
                continue  # datetime.now(tz): aware
            found.append((node.lineno, ".".join(name)))
        # timezone.now().date() is the UTC date: localdate() is the Shanghai one.
        func = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "date"
            and isinstance(func.value, ast.Call)
            and _call_name(func.value) == ("timezone", "now")
        ):
            found.append((node.lineno, "timezone.now().date"))
    return found


def _import_time_clock_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """Clock reads in statements that run at import: module level and class bodies,
    outside functions and lambdas (default arguments count: they run at import)."""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in (*node.args.defaults, *node.args.kw_defaults):
                if default is not None:
                    visit(default)
            for decorator in node.decorator_list:
                visit(decorator)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call) and (name := _call_name(node)) in CLOCK:
            found.append((node.lineno, ".".join(name)))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_naive_clock_reads_in_src():
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line} {name}()"
        for path, tree in _sources()
        for line, name in _naive_clock_reads(tree)
    ]
    assert not offenders, "use django.utils.timezone.localdate() / now():\n" + "\n".join(offenders)


def test_nothing_reads_the_clock_at_import():
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line} {name}()"
        for path, tree in _sources()
        for line, name in _import_time_clock_reads(tree)
    ]
    assert not offenders, "read the clock when the work runs:\n" + "\n".join(offenders)


def test_the_checks_catch_what_they_refuse():
    tree = ast.parse(
        "import datetime\nfrom datetime import date\n"
        "X = date.today()\n"
        "def f(when=datetime.datetime.now()):\n    return datetime.datetime.now(tz=None), date.today()\n"
        "def g():\n    return timezone.now().date()\n"
    )
    assert sorted(n for _, n in _naive_clock_reads(tree)) == [
        "date.today", "date.today", "datetime.now", "timezone.now().date",
    ]  # fmt: skip
    assert [n for _, n in _import_time_clock_reads(tree)] == ["date.today", "datetime.now"]


def test_an_id_number_born_today_in_shanghai_is_accepted_before_utc_midnight(monkeypatch):
    """At 2026-11-09 16:30 UTC it is already 10 November in Shanghai: a child born
    that day can be registered; the machine's UTC date would call the birth future."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from sanxin.lib import idcard

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 9, 16, 30, tzinfo=UTC))
    first17 = "13080320261110001"
    parsed = idcard.parse(first17 + idcard.check_char(first17))
    assert parsed.birth_date.isoformat() == "2026-11-10"
