"""jsonschema's private validator internals, for leanschema's kept-subschema `descend`.

leanschema.py rewrites `Validator.descend` (jsonschema 4.26) so that a subschema's validator is
built once and kept. That needs what `descend` itself uses and jsonschema does not publish: the
validator's `_resolver` (to build a subschema's), its `_validators` (the schema's keywords with
their check functions, in jsonschema's order), `ValidationError._set` (to fill an error in
with where it arose) and the type checker's `_type_checkers` map.
"""

from __future__ import annotations

import inspect
from operator import attrgetter
from typing import Any, Callable, Iterable

from mockserver.adapters import broken

TESTED = "jsonschema 4.26.0 (brought by openapi-schema-validator==0.8.1 in pyproject.toml)"


def subschema_validator(validator: Any, schema: Any, resolver: Any = None) -> Any:
    """The validator for `schema` under `validator`, as `descend` builds it (the validator's class
    carries `RESOLVER_SPECIFICATION`, as leanschema.LeanValidator does)."""
    if resolver is None:
        resolver = validator._resolver.in_subresource(validator.RESOLVER_SPECIFICATION.create_resource(schema))
    return validator.evolve(schema=schema, _resolver=resolver)


# (check function, keyword, value) for each keyword of a validator's schema, in jsonschema's
# order; an attrgetter, not a function, since leanschema's `descend` asks it for every subschema
# of every instance.
keyword_checks: Callable[[Any], Iterable[tuple[Callable[..., Any], str, Any]]] = attrgetter("_validators")


def fill_error(error: Any, validator: Any, keyword: str, value: Any, instance: Any, schema: Any) -> None:
    """Fill in an error from a keyword's check with where it arose, as `descend` does."""
    error._set(validator=keyword, validator_value=value, instance=instance, schema=schema,
               type_checker=validator.TYPE_CHECKER)


def type_checks(type_checker: Any) -> dict[str, Callable[..., bool]]:
    """The type checker's checks by type name, as a plain dict."""
    return dict(type_checker._type_checkers.items())


def check() -> None:
    """Raise `AdapterBroken` when jsonschema's validators lack what leanschema's `descend` uses."""
    import referencing
    import referencing.jsonschema
    from jsonschema import Draft4Validator, exceptions
    from jsonschema.validators import extend

    def fail(what: str) -> Exception:
        return broken("jsonschema", TESTED, what, "jsonschema")


    source = inspect.getsource(Draft4Validator.descend)
    for used in ("self._resolver.in_subresource", "_resolver=resolver", "error._set("):
        if used not in source:
            raise fail(f"Validator.descend no longer uses {used!r} (leanschema._descend copies it)")
    validator_class = extend(Draft4Validator)
    validator_class.RESOLVER_SPECIFICATION = referencing.jsonschema.specification_with(
        dialect_id=validator_class.ID_OF(validator_class.META_SCHEMA) or "urn:unknown-dialect",
        default=referencing.Specification.OPAQUE)
    parent = validator_class({"type": "object", "properties": {"a": {"type": "integer", "minimum": 1}}})
    child = subschema_validator(parent, {"type": "integer", "minimum": 1})
    checks = list(keyword_checks(child))
    if [keyword for _check, keyword, _value in checks] != ["type", "minimum"]:
        raise fail(f"Validator._validators lists {checks!r}, not (check, keyword, value) per keyword")
    errors = list(checks[1][0](child, 1, 0, child.schema))
    error = errors[0] if errors else exceptions.ValidationError("")
    fill_error(error, child, "minimum", 1, 0, child.schema)
    if (error.validator, error.validator_value, error.instance) != ("minimum", 1, 0):
        raise fail("ValidationError._set no longer fills validator, validator_value and instance")
    types = type_checks(Draft4Validator.TYPE_CHECKER)
    if not types.get("integer") or not types["integer"](Draft4Validator.TYPE_CHECKER, 3):
        raise fail("TypeChecker._type_checkers no longer maps a type name to its check")
