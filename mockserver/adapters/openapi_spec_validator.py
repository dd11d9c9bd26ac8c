"""openapi-spec-validator's OpenAPI 3.0 validator, without its quadratic walk.

Its schema keyword validator remembers the schemas it has checked and visited in two lists
(`visited_schema_ids`, `meta_checked_schema_ids`) and asks each new schema `in` them: every
schema walks all those before it. On GitHub's document (7,409 schemas) that was about half of
a cold start. Here the same two registries answer `in` from a set: the same schemas checked
in the same order, so the same verdicts and errors.
"""

from __future__ import annotations

import inspect
from typing import Any

from mockserver.adapters import broken

TESTED = "openapi-spec-validator 0.8.5 (pinned in pyproject.toml)"
REGISTRIES = ("visited_schema_ids", "meta_checked_schema_ids")


class Seen(list):
    """A list whose `in` is a set's: what is appended is also remembered in a set."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.ids = set(self)

    def append(self, item: Any) -> None:
        self.ids.add(item)
        super().append(item)

    def __contains__(self, item: object) -> bool:
        return item in self.ids


def v30_validator(document: Any) -> Any:
    """`OpenAPIV30SpecValidator(document)`, its schema checks deduplicated in constant time."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    validator = OpenAPIV30SpecValidator(document)
    schemas = validator.keyword_validators_registry["schema"]
    for name in REGISTRIES:
        setattr(schemas, name, Seen(getattr(schemas, name)))
    return validator


def check() -> None:
    """Raise `AdapterBroken` when the schema keyword validator no longer keeps its registries
    as lists that it asks `in` and appends to."""
    from openapi_spec_validator import OpenAPIV30SpecValidator
    from openapi_spec_validator.validation import keywords

    def fail(what: str) -> Exception:
        return broken("openapi-spec-validator", TESTED, what, "openapi_spec_validator")

    schemas = OpenAPIV30SpecValidator({}).keyword_validators_registry["schema"]
    source = inspect.getsource(keywords.SchemaValidator.__call__)
    for name in REGISTRIES:
        if not isinstance(getattr(schemas, name, None), list):
            raise fail(f"SchemaValidator.{name} is no longer a list")
        if f"in self.{name}" not in source or f"self.{name}.append(" not in source:
            raise fail(f"SchemaValidator.__call__ no longer asks `in self.{name}` and appends to it")
