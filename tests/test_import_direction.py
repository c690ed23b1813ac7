"""The layering, kept rather than written down: every import in the four packages, read with `ast`, checked
against the direction handlers → bot → comms → storage, with bot/domain at the very bottom, and for cycles.

Every import counts, including those inside functions: an import put off until a call still ties the modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "comms", "storage")
# The one module of bot/ that may import handlers/: it wires the platform adapters to the use cases.
COMPOSITION_ROOT = "bot.app"
DOMAIN = "bot.domain"
# The platforms' libraries: the adapters receive with them, comms sends with them, nothing else uses them.
PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")
# The one exception: storage keeps Slack installations behind slack_sdk's own installation-store interface.
STORAGE_IMPLEMENTS = ("slack_sdk.oauth",)
# Receiving requests is the adapters' job alone; comms only sends.
INBOUND_FRAMEWORKS = ("slack_bolt",)
# Building SQL is storage's job; the session type may travel through comms and bot as a parameter, and a desk
# may tell a database outage (sqlalchemy.exc) from a refusal.
SQL_ALLOWED_OUTSIDE_STORAGE = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")


@dataclass(frozen=True)
class Import:
    source: str  # our module that imports
    target: str  # what it imports: our module, or a third-party module's dotted name
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _our_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _our_modules()


def _ours(name: str) -> str | None:
    """The module of ours that `name` (a module or a name inside one) lives in, or None for third-party code."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, _ours(alias.name) or alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from pkg import sub` imports the submodule; `from mod import name` imports the module.
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in MODULES else (_ours(base) or base)
                yield Import(module, target, node.lineno)


ALL_IMPORTS = [found for module, path in MODULES.items() for found in _imports(module, path)]
OUR_IMPORTS = [found for found in ALL_IMPORTS if found.target in MODULES and found.target != found.source]


def _layer(module: str) -> int:
    if module == DOMAIN or module.startswith(DOMAIN + "."):
        return 0
    return {"storage": 1, "comms": 2, "bot": 3, "handlers": 4}[module.split(".")[0]]


def _within(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _described(imports: list[Import]) -> list[str]:
    return [f"{MODULES[found.source].relative_to(ROOT)}:{found.line} imports {found.target}" for found in imports]


def test_the_walk_sees_the_whole_tree() -> None:
    # A check that read nothing would pass; these edges exist by design.
    edges = {(found.source, found.target) for found in OUR_IMPORTS}
    assert len(MODULES) > 100
    assert ("bot.app", "handlers.slack") in edges
    assert ("handlers.slack.context", "bot.desks") in edges
    assert any(found.target.startswith("slack_bolt") for found in ALL_IMPORTS)


def test_imports_point_down_only() -> None:
    upward = [
        found
        for found in OUR_IMPORTS
        if _layer(found.target) > _layer(found.source)
        and not (found.source == COMPOSITION_ROOT and found.target.startswith("handlers"))
    ]
    assert _described(upward) == []


def test_the_vocabulary_depends_on_nothing_of_ours() -> None:
    outside = [found for found in OUR_IMPORTS if _within(found.source, DOMAIN) and not _within(found.target, DOMAIN)]
    assert _described(outside) == []


def test_services_never_reach_comms_or_the_use_cases() -> None:
    wrong = [
        found
        for found in OUR_IMPORTS
        if _within(found.source, "bot.services")
        and _within(found.target, "comms", "bot.desks", "bot.deps", "bot.app", "bot.runtime")
    ]
    assert _described(wrong) == []


def test_use_cases_never_reach_their_callers() -> None:
    # Inside bot/: the CLI, the shell, the command table, the runtime and the composition root call the desks.
    callers = ("bot.cli", "bot.shell", "bot.commands", "bot.runtime", "bot.app")
    wrong = [
        found
        for found in OUR_IMPORTS
        if _within(found.source, "bot.desks", "bot.services", "bot.deps") and _within(found.target, *callers)
    ]
    assert _described(wrong) == []


def test_only_storage_builds_sql() -> None:
    wrong = [
        found
        for found in ALL_IMPORTS
        if found.target.startswith("sqlalchemy")
        and not _within(found.source, "storage")
        and not found.target.startswith(SQL_ALLOWED_OUTSIDE_STORAGE)
    ]
    assert _described(wrong) == []


def test_handlers_never_touch_the_database() -> None:
    wrong = [
        found
        for found in ALL_IMPORTS
        if _within(found.source, "handlers")
        and (_within(found.target, "storage") or found.target.startswith("sqlalchemy"))
    ]
    assert _described(wrong) == []


def test_use_cases_and_rules_know_no_platform_library() -> None:
    wrong = [
        found
        for found in ALL_IMPORTS
        if _within(found.source, "bot.services", "bot.desks", DOMAIN, "storage")
        and found.target.split(".")[0] in PLATFORM_LIBRARIES
        and not (_within(found.source, "storage") and found.target.startswith(STORAGE_IMPLEMENTS))
    ]
    assert _described(wrong) == []


def test_comms_only_sends() -> None:
    wrong = [
        found
        for found in ALL_IMPORTS
        if _within(found.source, "comms") and found.target.split(".")[0] in INBOUND_FRAMEWORKS
    ]
    assert _described(wrong) == []


def test_no_cycles() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in OUR_IMPORTS:
        graph[found.source].add(found.target)
    cycles = _strongly_connected(graph)
    assert [sorted(cycle) for cycle in cycles] == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively: the groups of two or more modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _strongly_connected(graph) == [{"a", "b", "c"}]
