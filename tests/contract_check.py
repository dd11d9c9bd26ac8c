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
