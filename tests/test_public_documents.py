"""GitHub's (13 MB, 1,223 operations) and Kubernetes' (845 operations) documents, as published
(tests/data/specs/, with their licence lines): they start as a user starts them, with no
traceback and their warnings summarised, and answer one GET per operation (tests/probe.py,
in-process) with no 5xx. Every 2xx is contract-valid by construction: the mock validates each
reply before it leaves, and an invalid one would be a 500.

What still answers 500 on GitHub's document has causes being fixed elsewhere (issue 21): the
generator leaves out required properties and makes a nullable `anyOf` null, and a path
parameter whose schema has no `type` (`oneOf: [integer, string]`) is a `KeyError: 'type'` in
connexion's URI parser. The sweep asserts that nothing else does, and an xfail (not strict)
says when those are gone.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest

from tests.mockserver_process import REPO, start_server
from tests.probe import Outcome, Probe, probe

SPECS = REPO / "tests" / "data" / "specs"
GENERATOR = "failed validation"  # the 500 of a reply the generator made wrong (a contract violation)
TYPELESS_PARAMETER = "KeyError while answering"  # connexion's URI parser reading a schema's `type`


@pytest.mark.parametrize("name, operations", [("github", 1223), ("kubernetes", 845)])
def test_starts_as_published_with_summarised_warnings(name: str, operations: int) -> None:
    running = start_server("--spec", str(SPECS / f"{name}.json"), "--quiet", timeout=300)
    try:
        routes = [line for line in running.banner.splitlines() if "  -> " in line]
        assert len(routes) == operations
        log = running.log()
        assert "Traceback" not in log, log[-3000:]
        warnings = [line for line in log.splitlines() if line.startswith("warning:")]
        assert len(warnings) <= 3, warnings  # GitHub's 242 broken examples are one line
        assert all(len(line) < 1000 for line in warnings), warnings
    finally:
        running.stop()


@lru_cache(maxsize=None)
def swept(name: str) -> Probe:
    return probe(SPECS / f"{name}.json")


def detail(outcome: Outcome) -> str:
    try:
        return str(json.loads(outcome.body).get("detail", ""))
    except (ValueError, AttributeError):
        return outcome.body[:200].decode("utf-8", "replace")


def typeless_path_parameter(document: dict[str, Any], template: str) -> bool:
    item = document["paths"][template]
    for param in [*(item.get("parameters") or []), *(item["get"].get("parameters") or [])]:
        if "$ref" in param:
            param = document["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        schema = param.get("schema") or {}
        if param.get("in") == "path" and "type" not in schema and "$ref" not in schema:
            return True
    return False


@pytest.mark.parametrize("name", ["github", "kubernetes"])
def test_every_get_answers_without_a_5xx_of_an_unknown_cause(name: str) -> None:
    result = swept(name)
    assert len(result.outcomes) > 400
    unexplained = [
        (o.status, o.template, detail(o)[:200]) for o in result.failures()
        if not (o.status == 500 and (GENERATOR in detail(o) or (
            TYPELESS_PARAMETER in detail(o) and typeless_path_parameter(result.document, o.template))))]
    assert not unexplained, unexplained[:20]
    # every route of the document answers (a template connexion could not route would be a 404 problem)
    unrouted = [o.template for o in result.outcomes if o.status == 404 and b"no operation serves" in o.body]
    assert not unrouted, unrouted[:20]


def test_kubernetes_answers_every_get_without_a_5xx() -> None:
    assert not swept("kubernetes").failures()


@pytest.mark.xfail(strict=False, reason="issue 21, fixed in parallel: the generator's required properties and "
                                        "nullable anyOf, and connexion's KeyError on a path parameter without `type`")
def test_github_answers_every_get_without_a_5xx() -> None:
    failures = swept("github").failures()
    assert not failures, [(o.template, detail(o)[:120]) for o in failures[:20]]
