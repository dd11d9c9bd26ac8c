"""Build time: vendor documents -> one valid, deterministic OpenAPI 3.0.3 document per vendor.

Pipeline (one module per step): load (docs page / YAML / JSON) -> bundle (external `$ref`s
made local) -> forms (resolved endpoint, OpenAPI, or Swagger 2.0 converted up by
upconvert) -> downconvert (3.1 -> 3.0.3) -> merge (pages of one vendor) -> auth
(`Authorization` header parameters -> security) -> tidy (no-op empties, info) -> lenient
(small violations repaired, one warning each) ->
operation_ids -> overlay -> validate (openapi-spec-validator + connexion) -> dump.

Every user mistake raises `UserError(source, problem)`; nothing is written unless the
result is valid.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from mockserver.base.user_errors import UserError
from mockserver.normalize.auth import lift_authorization_headers
from mockserver.normalize.bundle import bundle
from mockserver.normalize.downconvert import downconvert
from mockserver.normalize.dump import render, write_text_atomically
from mockserver.normalize.forms import to_openapi
from mockserver.normalize.lenient import repair
from mockserver.normalize.load import display_path, load_document
from mockserver.normalize.merge import merge_documents
from mockserver.normalize.operation_ids import assign_operation_ids
from mockserver.normalize.overlay import apply_overlay
from mockserver.normalize.tidy import drop_noop_empties, ensure_info
from mockserver.normalize.validate import validate_document

__all__ = ["normalize_documents", "run_normalize"]


def normalize_documents(inputs: Sequence[Path], overlays: Sequence[Path] = ()) -> tuple[dict[str, Any], list[str]]:
    """Normalize and merge `inputs`, apply `overlays` in order, validate; returns the
    document and the warnings (things 3.0 cannot express, ignored keys ...)."""
    if not inputs:
        raise UserError("normalize", "no input documents given")
    warnings: list[str] = []
    documents = []
    for path in inputs:
        loaded = load_document(Path(path))
        loaded = replace(loaded, data=bundle(loaded.data, Path(path), warnings))
        documents.append((loaded.source, downconvert(to_openapi(loaded, warnings), loaded.source, warnings)))
    doc = merge_documents(documents, warnings)
    doc["openapi"] = "3.0.3"
    lift_authorization_headers(doc)
    drop_noop_empties(doc)
    pages = all(Path(p).suffix.lower() in (".md", ".markdown", ".mdx") for p in inputs)
    ensure_info(doc, [Path(p) for p in inputs], None if pages else warnings)
    repair(doc, " + ".join(display_path(Path(p)) for p in inputs), warnings)
    assign_operation_ids(doc)  # before overlays, so their targets can name operations
    for overlay in overlays:
        apply_overlay(doc, Path(overlay))
    assign_operation_ids(doc)  # for operations an overlay added
    validate_document(doc, " + ".join(display_path(Path(p)) for p in inputs))
    return doc, warnings


def run_normalize(inputs: list[Path], output: Path, overlays: list[Path]) -> list[str]:
    """The `mockserver normalize` command: normalize, then write `output` atomically."""
    doc, warnings = normalize_documents(inputs, overlays)
    write_text_atomically(output, render(doc, inputs, overlays))
    return warnings
