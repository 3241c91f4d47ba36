"""The packages' one-way arrows, read from the source: who may import whom.

The shared package (`antrean`) is what a device Pi installs without the
server, so it imports no program; the device programs import the shared
package only; the server imports no device; only the launcher imports them
all. Inside the server, the queue rules (`server.engine`) know nothing of
storage, and storage (`server.store`) knows only the engine's plain types.
Imports between modules form no circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("antrean", "launcher", "server", "kiosk", "display", "counter")
MAY_IMPORT = {
    "antrean": {"antrean"},
    "kiosk": {"antrean", "kiosk"},
    "display": {"antrean", "display"},
    "counter": {"antrean", "counter"},
    "server": {"antrean", "server"},
    "launcher": set(PACKAGES),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _in_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(path): path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    return {
        name: {imported for imported in _imports(path) if imported in modules} - {name}
        for name, path in modules.items()
    }


GRAPH = _graph()
# What the store may import from the rest of the server: the plain types it
# maps to tables, and the survey's fixed list of elements (pure data).
STORE_MAY_IMPORT_FROM_ENGINE = {"server.engine.model", "server.engine.schedule", "server.skm"}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_what_it_may(package: str) -> None:
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imports in GRAPH.items()
        if module.split(".")[0] == package
        for imported in imports
        if imported.split(".")[0] not in MAY_IMPORT[package]
    )
    assert not wrong, "\n".join(wrong)


def test_the_engine_imports_nothing_of_the_server_but_itself() -> None:
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imports in GRAPH.items()
        if _within(module, "server.engine")
        for imported in imports
        if _within(imported, "server") and not _within(imported, "server.engine")
    )
    assert not wrong, "\n".join(wrong)


def test_the_store_imports_only_the_engines_plain_types() -> None:
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imports in GRAPH.items()
        if _within(module, "server.store")
        for imported in imports
        if _within(imported, "server")
        and not _within(imported, "server.store")
        and not any(_within(imported, allowed) for allowed in STORE_MAY_IMPORT_FROM_ENGINE)
    )
    assert not wrong, "\n".join(wrong)


# The one connection outside the store: PostgreSQL's LISTEN, which waits for
# notices on the event loop and runs no statement of the schema.
TALKS_TO_THE_DATABASE = {"server.realtime.postgres"}
DATABASE_LIBRARIES = ("sqlalchemy", "sqlmodel", "sqlite3", "psycopg")


def test_only_the_store_talks_to_the_database() -> None:
    wrong = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = _module_name(path)
            if _within(module, "server.store") or module in TALKS_TO_THE_DATABASE:
                continue
            for imported in sorted(_imports(path)):
                if imported.split(".")[0] in DATABASE_LIBRARIES:
                    wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles() -> None:
    # Only imports made when a module loads count: one inside a function runs later.
    top_level = _top_level_graph()
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(top_level.get(module, ())):
            if state.get(imported) == 1:
                circles.append(" → ".join([*stack[stack.index(imported):], imported]))
            elif imported not in state:
                visit(imported)
        stack.pop()
        state[module] = 2

    for module in sorted(top_level):
        if module not in state:
            visit(module)
    assert not circles, "\n".join(circles)


def _top_level_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in GRAPH:
        path = ROOT / Path(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[module] = {name for name in names if name in GRAPH} - {module}
    return graph
