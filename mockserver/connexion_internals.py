"""The one private part of connexion the mock leans on, in one place (DESIGN.md: one adapter
module per library, with a test that fails loudly on an upgrade: tests/test_connexion_internals.py).

`Specification._validate_spec`: connexion checks every document it is handed against the
OpenAPI schema on every `add_api`, with no public switch. What it is handed is derived from
the document alone (connexion_document.for_connexion), so once a document has passed, a later start of the
same document (same bytes, same code: documents.recall) skips the check. On GitHub's document
that is about 3 s of every start. A document that fails it is refused as before.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from connexion.spec import Specification


@contextmanager
def spec_check_skipped(skip: bool) -> Iterator[None]:
    """connexion's whole-document check off while `add_api` runs inside, when `skip`."""
    if not skip:
        yield
        return
    original = Specification.__dict__["_validate_spec"]

    def passed_before(cls: type, spec: Any) -> None:
        return None

    Specification._validate_spec = classmethod(passed_before)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        Specification._validate_spec = original  # type: ignore[method-assign]
