"""Documents several test modules read, each loaded one way: the committed contracts, and the
Swagger 2.0 fixture as the up-converter sees it (both trees use them: unit and process)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from mockserver.normalize.load import load_document
from mockserver.normalize.upconvert import upconvert
from tests.mockserver_process import REPO

SWAGGER20 = REPO / "tests" / "data" / "normalize" / "swagger20.yaml"
SWAGGER20_SOURCE = "swagger20.yaml"


def contract(vendor: str) -> dict[str, Any]:
    """A committed contract, `openapi/<vendor>.yaml`, as YAML reads it."""
    return yaml.safe_load((REPO / "openapi" / f"{vendor}.yaml").read_text(encoding="utf-8"))


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.fixture(scope="module")
def lago() -> dict[str, Any]:
    return contract("lago")


@pytest.fixture(scope="module")
def sequence() -> dict[str, Any]:
    return contract("sequence")


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    """The Swagger 2.0 fixture, one of each construct the up-conversion rewrites."""
    return load_document(SWAGGER20).data


@pytest.fixture(scope="module")
def converted(fixture: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    return upconvert(copy.deepcopy(fixture), SWAGGER20_SOURCE, warnings), warnings


@pytest.fixture(scope="module")
def doc(converted: tuple[dict[str, Any], list[str]]) -> dict[str, Any]:
    return converted[0]
