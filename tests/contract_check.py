"""An independent check, from the test side, that a reply is what the contract declares."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.mockserver_process import REPO


@lru_cache(maxsize=None)
def _openapi(document_path: Path) -> tuple[OpenAPI, str]:
    document = yaml.load(document_path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # JSON is YAML
    return OpenAPI.from_dict(document), document["servers"][0]["url"]


def assert_valid(name: str, method: str, template_path: str, response: httpx.Response) -> None:
    """Validate status, content type and body with openapi-core against openapi/<name>.yaml."""
    assert_valid_in(REPO / "openapi" / f"{name}.yaml", method, template_path, response)


def assert_valid_in(document_path: Path, method: str, template_path: str, response: httpx.Response) -> None:
    """The same against any document file (tests/data/specs/...)."""
    openapi, server_url = _openapi(document_path)
    server = urlsplit(server_url)
    request = MockRequest(f"{server.scheme}://{server.netloc}", method, server.path.rstrip("/") + template_path)
    openapi.validate_response(
        request,
        MockResponse(response.content, status_code=response.status_code,
                     content_type=response.headers.get("content-type", "")),
    )


def body_violations(document: dict, method: str, template: str, status: int, content_type: str,
                    content: bytes) -> list[str]:
    """What is wrong with a reply's body against its declared schema, found by the schema
    validator openapi-core uses but through `$ref`s into the document as published, without
    openapi-core's path finder (a tenth of a second a request on GitHub's 1,000 paths)."""
    import json

    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    responses = document["paths"][template][method]["responses"]
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
    if key is None:
        return [f"status {status} is not declared"]
    response = responses[key]
    # where the response stands, as escaped JSON-pointer tokens: components/responses/... when shared
    at = [p.replace("~", "~0").replace("/", "~1") for p in ("paths", template, method, "responses", key)]
    while "$ref" in response:
        at = response["$ref"][2:].split("/")
        response = _pointer(document, response["$ref"])
    declared = response.get("content") or {}
    essence = content_type.split(";")[0].strip().lower()
    if not declared:
        return [] if not content else [f"a body where {status} declares none"]
    ranges = (essence, essence.split("/")[0] + "/*", "*/*")  # the declared type, else a range that covers it
    media = next((m for wanted in ranges for m in declared if m.split(";")[0].strip().lower() == wanted), None)
    if media is None:
        return [f"{essence!r} is not among {sorted(declared)}"]
    if "schema" not in declared[media]:
        return []
    is_json = essence == "application/json" or essence.endswith("+json")
    if not is_json:
        return []  # text, XML, binary: what the body is made of is not a JSON instance
    pointer = "urn:document#/" + "/".join([*at, "content", media.replace("~", "~0").replace("/", "~1"), "schema"])
    registry = Registry().with_resource("urn:document", Resource.from_contents(document, default_specification=DRAFT4))
    validator = OAS30Validator({"$ref": pointer}, registry=registry, format_checker=oas30_format_checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in validator.iter_errors(json.loads(content))]


def _pointer(document: dict, ref: str):
    from urllib.parse import unquote

    node = document
    for part in ref[2:].split("/"):
        node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
    return node
