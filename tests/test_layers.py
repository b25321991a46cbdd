"""Dependencies run one way: no module of sanxin imports from a higher layer.

The layer order is written in docs/architecture.md ("Layers"); LAYERS below is the
same list. Every module under src/sanxin is parsed with `ast` and every import is
checked: top-level and function-local, `import x` and `from x import y` (including
`from sanxin import demo`). Migrations are left out: they name other apps' models as
strings in their dependencies, which is the schema's history, not code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sanxin

# Lowest first. A module may import from its own layer and from the layers below.
LAYERS: list[set[str]] = [
    {"lib"},
    {"regions"},
    {"audit"},
    {"accounts"},
    # background jobs: the job record, the worker heartbeat (kinds registered from above)
    {"jobs"},
    {"households"},
    {"notifications"},
    {"rules"},
    {"ledger"},
    {"credit"},
    {"ratings"},
    # what follows from a grade: the points supermarket and candidates; credit lines and loans
    {"rewards", "lending", "engagement", "privacy"},
    {"oversight"},
    # the public API v1: tokens, the ninja API and its routers over every app below
    {"api"},
    # the site: home pages, the household page, the demo, the URLconf, settings
    {"web", "demo", "urls", "settings", "wsgi", "__main__"},
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}

SRC = Path(sanxin.__file__).parent


def _unit(dotted: str) -> str | None:
    """The layer unit of a dotted module name inside sanxin (its app or top-level
    module), or None for modules outside sanxin and the package itself."""
    parts = dotted.split(".")
    if parts[0] != "sanxin" or len(parts) < 2:
        return None
    return parts[1]


def _imported(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every module imported anywhere in `tree`. For
    `from a import b` both `a` and `a.b` are given (b may be a module)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def upward_imports(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """The lines of `source` (the module `module`) that import from a higher layer,
    as 'module:line imports name (layer a above layer b)'."""
    unit = _unit(module)
    if unit is None or unit not in RANK:
        return [f"{module}: not in any layer (add its app to LAYERS)"]
    package = module if is_package else module.rpartition(".")[0]
    offending: list[str] = []
    seen: set[tuple[int, str]] = set()
    for line, name in _imported(ast.parse(source), package):
        target = _unit(name)
        if target is None or target == unit or target not in RANK:
            continue
        if RANK[target] > RANK[unit] and (line, target) not in seen:
            seen.add((line, target))
            offending.append(f"{module}:{line} imports {name} ({target} is above {unit})")
    return offending


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC.parent)
        if "migrations" in relative.parts:
            continue
        parts = list(relative.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield ".".join(parts), path, is_package


def test_no_module_imports_from_a_higher_layer():
    offending: list[str] = []
    for module, path, is_package in _modules():
        if module == "sanxin":
            continue
        offending += upward_imports(module, path.read_text(), is_package=is_package)
    assert not offending, "imports running up the layers:\n" + "\n".join(offending)


def test_every_app_is_in_a_layer():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps <= set(RANK), f"apps missing from LAYERS: {sorted(apps - set(RANK))}"


@pytest.mark.parametrize(
    "source, expected",
    [
        # top-level `from a.b import c`
        ("from sanxin.ratings.standing import grade_in_force\n", "ledger.views:1"),
        # `import a.b`
        ("import os\nimport sanxin.ratings.models\n", "ledger.views:2"),
        # function-local, as the veto cycle hid itself
        ("def f():\n    from sanxin.ratings import standing\n", "ledger.views:2"),
        # `from sanxin import web`
        ("x = 1\n\n\nfrom sanxin import web\n", "ledger.views:4"),
        # relative import climbing out of the app
        ("from ..ratings import standing\n", "ledger.views:1"),
    ],
)
def test_a_wrong_import_is_caught(source, expected):
    offending = upward_imports("sanxin.ledger.views", source)
    assert len(offending) == 1
    assert offending[0].startswith(f"sanxin.{expected} imports ")


@pytest.mark.parametrize(
    "source",
    [
        "from sanxin.households.models import Household\n",  # a lower layer
        "from sanxin.ledger import selectors\n",  # its own app
        "from . import selectors\nfrom .models import Entry\n",  # relative, same app
        "import django.db\nfrom django.db import models\n",  # outside sanxin
    ],
)
def test_a_downward_import_passes(source):
    assert upward_imports("sanxin.ledger.views", source) == []


def test_an_unknown_app_is_reported():
    assert upward_imports("sanxin.nowhere.views", "import os\n") == [
        "sanxin.nowhere.views: not in any layer (add its app to LAYERS)"
    ]
