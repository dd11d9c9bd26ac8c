"""The layering rule (docs/packages.md), checked as the tests run: a package imports only the
packages below it, no module imports itself through others, and few modules sit at the top.

`TYPE_CHECKING` imports and imports inside functions count: a cycle that only type checkers
follow still means two modules that cannot be read, or moved, one without the other.
"""

from __future__ import annotations

import logging
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[2]


def test_the_layers_contract_in_pyproject_holds(capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    # lint_imports configures logging as a command does (dictConfig disables every logger that
    # exists): the loggers of the tests that run after this one are put back as they were.
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled, level = [logger.disabled for logger in loggers], logging.root.level
    try:
        exit_code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    finally:
        for logger, was in zip(loggers, disabled):
            logger.disabled = was
        logging.root.setLevel(level)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "1 kept, 0 broken" in report


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
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
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("mockserver", exclude_type_checking_imports=False, cache_dir=None)
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    cycles = _cycles(edges)
    assert cycles == [], "import cycles (TYPE_CHECKING included): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_at_most_eight_modules_sit_directly_in_the_package() -> None:
    top = sorted(path.name for path in (REPO / "mockserver").glob("*.py"))
    assert len(top) <= 8, top
