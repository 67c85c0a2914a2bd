"""The house keeps its shape: no import cycle anywhere in ``src/``, the demo city uses only the
domain's public names, and no domain module is named for its size instead of its concept.

(The floors themselves — the domain imports no screen, the screens no SSH server, ... — are
import-linter contracts in ``pyproject.toml``, checked by ``lint-imports`` in ``make test``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "etrakit_tui"
VAGUE_WORDS = ("common", "read", "work", "public", "face", "misc", "util", "helper")


def import_cycles(package: str) -> list[list[str]]:
    """Every group of ``package``'s modules that import each other, directly or around a
    loop (Tarjan's strongly connected components of the import graph; imports only for type
    checkers do not count: they never run)."""
    graph = grimp.build_graph(package, cache_dir=None, exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative Tarjan: (module, iterator over what it imports)
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append(
                        (target, iter(sorted(graph.find_modules_directly_imported_by(target))))
                    )
                    advanced = True
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle_in_src() -> None:
    assert import_cycles("etrakit_tui") == []


def test_the_cycle_finder_reports_a_loop_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finder itself, on a package where a -> b -> c -> a loop, d imports a (outside the
    loop) and e imports d only for type checkers."""
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loopy import b\n")
    (package / "b.py").write_text("import loopy.c\n")
    (package / "c.py").write_text("from loopy.a import x\n")
    (package / "d.py").write_text("from loopy import a, e\n")
    (package / "e.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loopy import d\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("loopy") == [["loopy.a", "loopy.b", "loopy.c"]]


def _domain_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from etrakit_tui.domain... import name`` in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "etrakit_tui.domain"
        ):
            found += [(node.module or "", alias.name) for alias in node.names]
    return found


def test_the_demo_city_uses_only_the_domains_public_names() -> None:
    private = [
        f"{path.name}: {module}.{name}"
        for path in sorted((SRC / "democity").glob("*.py"))
        for module, name in _domain_imports(path)
        if name.startswith("_") or any(part.startswith("_") for part in module.split("."))
    ]
    assert private == []


def test_domain_modules_are_named_for_their_concept() -> None:
    vague = [
        str(path.relative_to(SRC))
        for path in (SRC / "domain").rglob("*.py")
        if "migrations" not in path.parts
        and any(word in path.stem.split("_") for word in VAGUE_WORDS)
    ]
    assert vague == []


README = SRC.parents[1] / "README.md"
DESCRIPTION_COLUMN = 23
"""In the layout block, a path starts before this column; a description's next line after."""


def readme_layout() -> set[str]:
    """The paths the README's *Layout* block lists under ``src/etrakit_tui/`` (indentation
    says the folder: two spaces a level), e.g. ``domain/permits/`` or ``logs.py``."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    listed: set[str] = set()
    folders: list[str] = []
    inside = False
    for line in block.splitlines():
        if line.startswith("src/etrakit_tui/"):
            inside = True
            continue
        if not line.startswith(" "):
            inside = False  # tests/, bench/ ...: not the package
            continue
        indent = len(line) - len(line.lstrip())
        if not inside or indent >= DESCRIPTION_COLUMN:
            continue
        level = indent // 2 - 1
        folders = folders[:level]
        for name in line.split()[0].rstrip(",").split(","):
            listed.add("".join(folders) + name)
        if line.split()[0].endswith("/"):
            folders.append(line.split()[0])
    return listed


def test_the_readme_layout_matches_the_tree() -> None:
    """Every package, top-level module and module of the domain's own floor is listed, and
    everything listed exists."""
    packages = {
        str(init.parent.relative_to(SRC)) + "/"
        for init in SRC.rglob("__init__.py")
        if init.parent != SRC and "migrations" not in init.parts
    }
    modules = {
        str(p.relative_to(SRC))
        for p in [*SRC.glob("*.py"), *(SRC / "domain").glob("*.py")]
        if not p.name.startswith("__")
    }
    listed = readme_layout()
    assert packages | modules <= listed
    missing = sorted(p for p in listed if not (SRC / p).exists())
    assert missing == []


def test_read_models_follow_one_convention() -> None:
    """A concept's read models live in its ``views`` module: frozen, slotted dataclasses (or
    the enums they use), and nothing else — no query, no ORM row."""
    import enum
    import importlib
    import inspect

    found = []
    for path in sorted((SRC / "domain").rglob("views.py")):
        module = importlib.import_module(
            "etrakit_tui." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        )
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue  # imported, not defined here
            if inspect.isfunction(value):
                found.append(f"{module.__name__}.{name}: a function")
            elif inspect.isclass(value) and not issubclass(value, enum.Enum):
                params = getattr(value, "__dataclass_params__", None)
                if params is None or not params.frozen or "__slots__" not in vars(value):
                    found.append(f"{module.__name__}.{name}: not a frozen, slotted dataclass")
    assert found == []
    assert len(list((SRC / "domain").rglob("views.py"))) >= 4
