"""Path templates and `$ref`s as the largest public documents write them, each in a small
document of its own (tests/data/anydoc/): they start, and every route answers with its values
(what connexion is handed for them: tests/unit/contract/test_path_templates.py).

- templates.yaml: a parameter named `path` (GitHub's contents, Kubernetes' proxies; connexion's
  `sort_routes` refused it), values that span segments (`x-multi-segment`, `heads/main`),
  segments that mix literals and parameters, names with a hyphen or a dot, a percent-encoded path;
- refs.yaml: `$ref`s inside vendor extensions (one at a response connexion is not handed) and a
  schema property named `$ref` (Kubernetes' `JSONSchemaProps`);
- emoji.json: JSON as `json.dump` writes it, an emoji as an escaped surrogate pair.
"""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.mockserver_process import REPO, RunningServer, start_server

ANYDOC = REPO / "tests" / "data" / "anydoc"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_server(*[arg for name in ("templates.yaml", "refs.yaml", "emoji.json")
                             for arg in ("--spec", str(ANYDOC / name))])
    yield running
    running.stop()


def get(server: RunningServer, path: str) -> httpx.Response:
    response = httpx.get(server.url + path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


def test_they_start_without_a_warning_or_a_traceback(server: RunningServer) -> None:
    assert "Traceback" not in server.log()
    assert "GET    /templates/repos/{owner}/contents/{path}  -> getContent" in server.banner


@pytest.mark.parametrize("path, field, value", [
    ("/templates/repos/octo/contents/docs/guide/README.md", "path", "docs/guide/README.md"),  # x-multi-segment
    ("/templates/repos/octo/contents/README.md", "path", "README.md"),
    ("/templates/git/ref/heads/main", "ref", "heads/main"),  # x-multi-segment on the schema
    ("/templates/git/ref/v1", "ref", "v1"),
    ("/templates/things/printer:restart", "action", "restart"),
    ("/templates/files/report.csv", "ext", "csv"),
    ("/templates/compare/main...feature/x", None, None),  # `/` is not part of a single-segment value
    ("/templates/compare/main...dev", "head", "dev"),
    ("/templates/teams/core-team", "team-slug", "core-team"),
    ("/templates/labels/bug", "label.name", "bug"),
])
def test_each_template_routes_and_answers_with_its_value(server: RunningServer, path: str, field: str | None,
                                                         value: str | None) -> None:
    response = httpx.get(server.url + path)
    if field is None:
        assert response.status_code == 404, response.text
        return
    assert response.status_code == 200, (path, response.text[:300])
    assert response.json()[field] == value


def test_the_longer_template_wins_over_a_value_that_spans_segments(server: RunningServer) -> None:
    assert get(server, "/templates/git/ref/heads/main/status").json() == {"state": "success"}


def test_a_trailing_path_parameter_spans_segments(server: RunningServer) -> None:
    """Kubernetes' proxies: `/nodes/{name}/proxy/{path}` with no marker, the rest of the path."""
    assert get(server, "/templates/nodes/n1/proxy/metrics/cadvisor").headers["content-type"].startswith("text/plain")


def test_a_percent_encoded_template_routes_its_decoded_path(server: RunningServer) -> None:
    assert isinstance(get(server, "/templates/caf%C3%A9/menu%20items").json()["items"], list)
    # the document served keeps the template as written
    assert "/caf%C3%A9/menu%20items" in get(server, "/templates/openapi.json").json()["paths"]


def test_refs_in_extensions_and_a_property_named_ref(server: RunningServer) -> None:
    assert get(server, "/refs/schemas/crd").json()["name"] == "crd"
    body = {"name": "crd", "$ref": "#/definitions/x", "properties": {"a": {"name": "a", "$ref": "y"}}}
    stored = httpx.put(server.url + "/refs/schemas/crd", json=body)
    assert stored.status_code == 200, stored.text
    refused = httpx.put(server.url + "/refs/schemas/crd", json={"$ref": "x"})  # `name` is required
    assert refused.status_code == 400, refused.text


def test_an_escaped_surrogate_pair_is_served_as_its_character(server: RunningServer) -> None:
    assert get(server, "/emoji/smileys/1").json() == {"id": "1", "face": "\U0001F600"}
    assert get(server, "/emoji/openapi.json").json()["info"]["title"] == "emoji \U0001F600"
