"""The generator and the validator agree on every schema of every public document in
tests/data/specs/: each component schema and each JSON response schema, generated for a few
record keys by the mock's own generator and checked by openapi-core's OAS 3.0 read validator
(the one the validate stage uses), in-process, one test per document.

Each document is loaded the way `serve` loads it (`documents.load_for_serving`: normalized
where it must be), without starting a server: GitHub's and Kubernetes' documents are
generated and checked here even while their start-up is another matter.

In tests/process though it starts no process: slow: whole public documents (Kubernetes',
GitHub's and Stripe's take 10-30 s each on two cores), too slow for the unit tree's inner loop.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Iterator

import pytest
from jsonschema_path import SchemaPath
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.schemas import oas30_read_schema_validators_factory

from mockserver.contract.documents import load_for_serving
from mockserver.generate import RecordGenerator
from mockserver.base.httpfacts import HTTP_METHODS, is_json
from mockserver.base.pointer import resolve
from mockserver.contract.validation import _violations

SPECS = Path(__file__).parents[1] / "data" / "specs"
DOCUMENTS = sorted(p.name for p in SPECS.iterdir() if p.suffix in (".json", ".yaml", ".gz"))
KEYS = 2  # records per schema: different branches, optional fields and nulls, in about a minute in all


def schemas(document: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path in the document, schema) of every component schema and JSON response schema."""
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        yield ("components", "schemas", name), schema
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                for media_type, content in ((resolve(document, response) or {}).get("content") or {}).items():
                    if is_json(media_type) and isinstance(content, dict) and "schema" in content:
                        yield ("paths", path, method, "responses", status, "content", media_type, "schema"), \
                            content["schema"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_generated_record_passes_openapi_cores_validator(name: str, tmp_path: Path) -> None:
    source = SPECS / name
    if source.suffix == ".gz":  # Kubernetes 1.13's Swagger 2.0 document, gzipped as shipped
        source = tmp_path / source.stem
        source.write_bytes(gzip.decompress((SPECS / name).read_bytes()))
    document, _ = load_for_serving(source)
    spec = SchemaPath.from_dict(document)
    generator = RecordGenerator(document)
    failures = []
    checked = 0
    for where, schema in schemas(document):
        validator = oas30_read_schema_validators_factory.create(spec, spec.joinpath(*where))
        for key in range(KEYS):
            value = generator.generate(schema, key=("check", *where, str(key)))
            checked += 1
            try:
                validator.validate(value)
            except OpenAPIError as exc:
                failures.append(f"{'/'.join(where)} (key {key}): {'; '.join(_violations(exc))[:300]}")
                break
    assert checked > 0
    assert not failures, f"{len(failures)} of {checked} records invalid:\n" + "\n".join(failures[:10])
