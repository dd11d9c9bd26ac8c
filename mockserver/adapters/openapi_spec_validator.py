"""openapi-spec-validator's OpenAPI 3.0 validator, without its quadratic walk and with its
per-schema meta-check compiled.

- Its schema keyword validator remembers the schemas it has checked and visited in two lists
  (`visited_schema_ids`, `meta_checked_schema_ids`) and asks each new schema `in` them: every
  schema walks all those before it. Here the same two registries answer `in` from a set: the
  same schemas checked in the same order, so the same verdicts and errors.
- Each schema the walk meets first (`SchemaValidator._validate_schema_meta`) is checked by
  `OAS30Validator.check_schema`: pure-Python jsonschema against JSON Schema draft 4's
  meta-schema, with the OAS 3.0 format checker (only `regex` applies). That was the largest
  part of a cold start of a large document. Here the same meta-schema is compiled once by
  jsonschema-rs, with the same `regex` check; a schema it passes is passed, and any other (a
  failure, a value jsonschema-rs cannot read) is checked by the library as before, so a broken
  document gets the library's own error. Everything else the library checks is unchanged.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any, Callable

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


@lru_cache(maxsize=1)
def meta_schema_passes() -> Callable[[Any], bool]:
    """True where `OAS30Validator.check_schema` finds nothing (compiled once); False where it
    may find something, or where jsonschema-rs cannot tell (a value JSON has no type for)."""
    import jsonschema_rs
    from openapi_schema_validator import OAS30Validator

    checker = OAS30Validator.FORMAT_CHECKER

    def regex(value: str) -> bool:
        return checker.conforms(value, "regex")

    # Rust's regex engine: `\d` and `\w` mean what Python's `re` makes them mean (Unicode)
    compiled = jsonschema_rs.Draft4Validator(OAS30Validator.META_SCHEMA, formats={"regex": regex},
                                             validate_formats=True, pattern_options=jsonschema_rs.RegexOptions())

    def passes(schema_value: Any) -> bool:
        try:
            return bool(compiled.is_valid(schema_value))
        except Exception:  # a value jsonschema-rs does not convert (a YAML date, a set...): not known
            return False

    return passes


def v30_validator(document: Any) -> Any:
    """`OpenAPIV30SpecValidator(document)`, its schema checks deduplicated in constant time and
    their meta-check compiled (the library's own wherever the compiled one does not pass)."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    from mockserver.adapters.pathable import plain_nodes_checked_first

    plain_nodes_checked_first()  # the walk reads the document through pathable
    validator = OpenAPIV30SpecValidator(document)
    schemas = validator.keyword_validators_registry["schema"]
    for name in REGISTRIES:
        setattr(schemas, name, Seen(getattr(schemas, name)))
    slow, passes = schemas._validate_schema_meta, meta_schema_passes()

    def validate_schema_meta(schema: Any, schema_value: Any) -> Any:
        return None if passes(schema_value) else slow(schema, schema_value)

    schemas._validate_schema_meta = validate_schema_meta
    return validator


def check() -> None:
    """Raise `AdapterBroken` when the schema keyword validator no longer keeps its registries
    as lists that it asks `in` and appends to, or no longer meta-checks a schema through
    `_validate_schema_meta` with `OAS30Validator.check_schema` (draft 4's meta-schema and the
    OAS 3.0 format checker), which the compiled check stands in for."""
    from jsonschema.validators import Draft4Validator, validator_for
    from openapi_schema_validator import OAS30Validator
    from openapi_schema_validator import validators as schema_validators
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
    if "self._validate_schema_meta(schema, schema_value)" not in source:
        raise fail("SchemaValidator.__call__ no longer meta-checks through _validate_schema_meta(schema, schema_value)")
    if schemas._get_schema_checker(None, {}) != OAS30Validator.check_schema:
        raise fail("the OAS 3.0 schema meta-check is no longer OAS30Validator.check_schema")
    checking = inspect.getsource(schema_validators.check_openapi_schema)
    if "cls.FORMAT_CHECKER" not in checking or "validator_for(cls.META_SCHEMA" not in checking:
        raise fail("check_openapi_schema no longer checks cls.META_SCHEMA with cls.FORMAT_CHECKER")
    if validator_for(OAS30Validator.META_SCHEMA, default=OAS30Validator) is not Draft4Validator:
        raise fail("OAS30Validator.META_SCHEMA is no longer JSON Schema draft 4's")
    if list(OAS30Validator.FORMAT_CHECKER.checkers) and "regex" not in OAS30Validator.FORMAT_CHECKER.checkers:
        raise fail("the OAS 3.0 format checker no longer checks `regex`")
