"""docs/architecture.md names files and functions so that a reader can follow them; this
keeps the names true. Every `path/to/file.py` it writes exists (under src/sanxin/ or
the repository root), every `module.name` whose module is a file of the product names
something that module defines (`scope.filter`: or a method of a class it defines; a
dotted code under a package, `ratings.run`, is a permission and is not checked), and a name written right after a file
(`ledger/services.py` `entry_plan`, or `(`review`, `entry_decide`)`) is defined in it;
a lone name with an underscore or a capital (`standing_refresh`, `GradeRecord`) is
named somewhere in the code."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "sanxin"
DOC = ROOT / "docs" / "architecture.md"

CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^(?:[\w.]+/)+[\w.]+\.py$|^[\w]+\.py$")
DOTTED = re.compile(
    r"^(?:sanxin\.)?([a-z_]+(?:[./][a-z_]+)*)\.([A-Za-z_]\w*)(?:\.(\w+))?(?:\(.*\))?$"
)
# `standing_refresh`, `GradeRecord`: a name with an underscore or a capital.
IDENTIFIER = re.compile(r"^_?[A-Za-z]\w*(?:\(\))?$")
CLASS_ATTR = re.compile(r"^([A-Z]\w+)\.(\w+)(?:\(.*\))?$")
# A file, then the names it defines: "`a/b.py` `name`" or "`a/b.py` (`x`, `y`)".
FILE_THEN_NAMES = re.compile(r"`((?:[\w]+/)+[\w]+\.py)`((?:[\s(,/]*`\w+`)+)")
APPS = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _file(path: str) -> Path | None:
    for base in (SRC, SRC.parent, ROOT):
        if (base / path).is_file():
            return base / path
    return None


@cache
def _module_file(module: str) -> Path | None:
    """The file of `ratings/facts`, `ledger.signals`, `sanxin.audit.services`, or of a
    basename that only one module of the product has (`scope`, `standing`)."""
    parts = re.split(r"[./]", module.removeprefix("sanxin."))
    for candidate in (SRC.joinpath(*parts).with_suffix(".py"), SRC.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    if len(parts) == 1:
        found = [p for p in SRC.rglob(f"{parts[0]}.py") if "migrations" not in p.parts]
        if len(found) == 1:
            return found[0]
    return None


@cache
def _defined(path: Path) -> dict[str, set[str]]:
    """Top-level names of the module (functions, classes, assignments, imports), each
    with the names its class body defines."""
    names: dict[str, set[str]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {
                t.id if isinstance(t, ast.Name) else getattr(t, "name", "")
                for n in node.body
                for t in (n.targets if isinstance(n, ast.Assign) else [n])
                if isinstance(t, ast.Name | ast.FunctionDef | ast.AnnAssign | ast.ClassDef)
            } | {
                n.target.id
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: set() for t in targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update({(a.asname or a.name).split(".")[0]: set() for a in node.names})
    return names


@cache
def _known_words() -> frozenset[str]:
    """Every module name and every name the product's code (and the top-level tests:
    `LAYERS`) binds or uses (functions, classes, variables, arguments, attributes, imports) and every
    string it writes (a table's name)."""
    words = {"None", "True", "False"}
    tests = [p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name]
    for path in [*SRC.rglob("*.py"), *tests]:
        words.add(path.stem)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                words.add(node.name)
            elif isinstance(node, ast.Name):
                words.add(node.id)
            elif isinstance(node, ast.Attribute):
                words.add(node.attr)
            elif isinstance(node, ast.arg):
                words.add(node.arg)
            elif isinstance(node, ast.alias):
                words.add((node.asname or node.name).split(".")[-1])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                words.add(node.value)
    return frozenset(words)


@cache
def _classes() -> dict[str, list[set[str]]]:
    found: dict[str, list[set[str]]] = {}
    for path in SRC.rglob("*.py"):
        for name, members in _defined(path).items():
            if name[:1].isupper() and members:
                found.setdefault(name, []).append(members)
    return found


def _problems() -> list[str]:
    text, problems = _doc(), []
    for code in CODE.findall(text):
        if PATH.match(code):
            if _file(code) is None:
                problems.append(f"`{code}`: no such file")
            continue
        if m := DOTTED.match(code):
            module, name, member = m.groups()
            path = _module_file(module)
            if path is None:
                if module.split("/")[0].split(".")[0] in APPS | {"lib"}:
                    problems.append(f"`{code}`: no module {module}")
                continue
            if path.name == "__init__.py" and not _module_file(f"{module}.{name}"):
                continue  # `ratings.run`: a permission's code, not a module
            names = _defined(path)
            if name in names:
                if member and names[name] and member not in names[name]:
                    problems.append(f"`{code}`: {name} in {path.name} has no {member}")
            elif path.name != "__init__.py" and not any(name in ms for ms in names.values()):
                # `scope.filter`: a method of the module's class, on its instance
                problems.append(f"`{code}`: {path.relative_to(ROOT)} defines no {name}")
        elif IDENTIFIER.match(code) and ("_" in code or not code.islower()):
            if code.removesuffix("()") not in _known_words():
                problems.append(f"`{code}`: named nowhere in the code")
        elif m := CLASS_ATTR.match(code):
            cls, attr = m.groups()
            if cls in _classes() and not any(attr in ms for ms in _classes()[cls]):
                problems.append(f"`{code}`: class {cls} has no {attr}")
    for path, names in FILE_THEN_NAMES.findall(text):
        file = _file(path)
        if file is None:
            continue
        for name in re.findall(r"`(\w+)`", names):
            if name not in _defined(file):
                problems.append(f"`{path}` `{name}`: not defined there")
    return problems


def test_architecture_names_only_what_exists():
    assert _problems() == []


def test_the_check_sees_a_wrong_name(monkeypatch):
    wrong = (
        "`ledger/services.py` `entry_plot`, `ratings/facts.household_fax`, `ledger/gone.py`,"
        " `standing_refreshed`, `Scope.filter_all`"
    )
    monkeypatch.setattr(f"{__name__}._doc", lambda: wrong)
    found = "\n".join(_problems())
    for name in ("entry_plot", "household_fax", "gone.py", "standing_refreshed", "filter_all"):
        assert name in found


@pytest.mark.parametrize("name", ["lib/pdf.py", "tests/test_layers.py", "web/demo/people.py"])
def test_paths_resolve_under_src_or_root(name):
    assert _file(name) is not None
