"""Swagger 2.0 -> OpenAPI 3.0.3 (mockserver/normalize/upconvert.py).

The rule-by-rule tests are in tests/unit/normalize/test_upconvert.py; here what needs a process
or is slow: against the reference converter (npm `swagger2openapi`, run with the
machine's Node) on two public 2.0 documents, the `normalize` command, Swagger's 2.0 Petstore served as published, and every GET of
Kubernetes' 2.0 document in-process (slow: whole public documents).
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.normalize.upconvert import upconvert
from tests import reference_conversion
from tests.documents import SWAGGER20 as FIXTURE, SWAGGER20_SOURCE as SOURCE, converted, doc, fixture  # noqa: F401 (fixtures)
from tests.mockserver_process import REPO, RunningServer, run_cli, start_server

SPECS = REPO / "tests" / "data" / "specs"
PETSTORE = SPECS / "petstore-2.0.json"
KUBERNETES = SPECS / "kubernetes-1.13-swagger-2.0.json.gz"


def test_the_normalize_command_writes_the_converted_document(tmp_path: Path) -> None:
    written = tmp_path / "petstore.yaml"
    result = run_cli("normalize", str(PETSTORE), "-o", str(written))
    assert result.returncode == 0, result.stderr
    text = written.read_text(encoding="utf-8")
    assert "\nopenapi: 3.0.3\n" in text and "swagger:" not in text and "#/definitions/" not in text


# -- against the reference converter -----------------------------------------------------------

def _public(path: Path) -> dict[str, Any]:
    if path.suffix == ".gz":  # as kubernetes-client ships it
        return json.loads(gzip.decompress(path.read_bytes()))
    return json.loads(path.read_text(encoding="utf-8"))


def _reference(source: dict[str, Any], folder: Path) -> dict[str, Any]:
    try:
        return reference_conversion.convert(copy.deepcopy(source), folder)
    except reference_conversion.Unavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("spec", [PETSTORE, KUBERNETES], ids=["petstore", "kubernetes-1.13"])
def test_public_documents_convert_as_swagger2openapi_converts_them(spec: Path, tmp_path: Path) -> None:
    source = _public(spec)
    reference = _reference(source, tmp_path)
    warnings: list[str] = []
    ours = upconvert(copy.deepcopy(source), spec.name, warnings)
    assert warnings == []
    assert reference_conversion.differences(source, ours, reference) == []
    assert len(ours["paths"]) == len(reference["paths"])


def test_the_written_document_differs_from_swagger2openapi_only_where_we_chose_to(
        fixture: dict[str, Any], doc: dict[str, Any], tmp_path: Path) -> None:
    reference = _reference(fixture, tmp_path)
    assert reference_conversion.differences(fixture, doc, reference) == [
        # tsv: both warn; the reference sends the values as repeated fields, we as one comma-separated one
        "/operations/GET /things/parameters/query cells/explode: ours false, the reference true",
        "/operations/GET /things/parameters/query cells/x-collectionFormat: only the reference: \"tsv\"",
        # an example's media type gets the response's schema too, so the example is checked against it
        "/operations/GET /things/responses/200/content/text/csv/schema: ours {\"type\": \"array\", \"items\": "
        "{\"$ref\": \"#/components/schemas/Thing\"}}, the reference null",
    ]


# -- served as published -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def petstore() -> Any:
    running = start_server("--spec", str(PETSTORE))
    yield running
    running.stop()


def test_the_2_0_petstore_starts_as_published_and_answers_its_reads(petstore: RunningServer) -> None:
    assert "/v2" in petstore.banner  # basePath: the mount
    key = {"api_key": "special-key"}
    oauth = {"Authorization": "Bearer token"}
    with httpx.Client(base_url=petstore.url + "/v2", timeout=30) as http:
        pet = http.get("/pet/7", headers=key)
        assert pet.status_code == 200 and pet.json()["id"] == 7
        xml = http.get("/pet/7", headers={**key, "Accept": "application/xml"})
        assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
        assert "<id>7</id>" in xml.text
        found = http.get("/pet/findByStatus", params=[("status", "available"), ("status", "sold")], headers=oauth)
        assert found.status_code == 200 and isinstance(found.json(), list)
        assert http.get("/pet/findByStatus", headers=oauth).status_code == 400  # status is required
        assert http.get("/store/order/5").json()["id"] == 5
        assert http.get("/user/alice").json()["username"] == "alice"
        assert http.get("/store/inventory", headers=key).status_code == 200
        assert http.get("/pet/7").status_code == 401  # api_key is its security
        uploaded = http.post("/pet/7/uploadImage", headers=oauth, data={"additionalMetadata": "front"},
                             files={"file": ("rex.png", b"\x89PNG\r\n", "image/png")})
        assert uploaded.status_code == 200 and set(uploaded.json()) <= {"code", "type", "message"}


def test_every_get_of_kubernetes_2_0_answers_without_a_server_error(tmp_path: Path) -> None:
    from tests.probe import probe

    spec = tmp_path / "kubernetes.json"
    spec.write_text(json.dumps(_public(KUBERNETES)), encoding="utf-8")  # as published, only unzipped
    result = probe(spec)
    assert len(result.outcomes) == 503  # one per GET operation
    assert [(o.status, o.template) for o in result.failures()] == []
    assert result.statuses()[200] >= 500
