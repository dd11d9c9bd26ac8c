"""jsonschema's private validator internals, for leanschema's kept-subschema `descend`.

leanschema.py rewrites `Validator.descend` (jsonschema 4.26) so that a subschema's validator is
built once and kept. That needs what `descend` itself uses and jsonschema does not publish: the
validator's `_resolver` (to build a subschema's), its `_validators` (the schema's keywords with
their check functions, in jsonschema's order), `ValidationError._set` (to fill an error in
with where it arose) and the type checker's `_type_checkers` map. So the rewritten `descend`
lives here (`kept_descend`), beside the check that jsonschema's own still matches it.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

from jsonschema import exceptions

from mockserver.adapters import broken

TESTED = "jsonschema 4.26.0 (brought by openapi-schema-validator==0.8.1 in pyproject.toml)"


def kept_descend(kept: dict[tuple[int, int], tuple[Any, Any, Any]]) -> Callable[..., Iterator[Any]]:
    """jsonschema's `Validator.descend` (4.26), with each subschema's validator built once, as
    `descend` builds it, and kept in `kept` under (id(parent validator), id(subschema)) with
    both, so the ids stay theirs. Only for schemas without `$ref` (leanschema's), where the
    validator for a subschema is the same every time. Its keywords, checks and errors are
    jsonschema's; it is written here because it walks the private `_resolver`, `_validators`
    and `ValidationError._set`, and every request's response validation runs it."""

    def descend(self: Any, instance: Any, schema: Any, path: Any = None, schema_path: Any = None,
                resolver: Any = None) -> Iterator[exceptions.ValidationError]:
        if schema is True:
            return
        if schema is False:
            yield exceptions.ValidationError(f"False schema does not allow {instance!r}", validator=None,
                                             validator_value=None, instance=instance, schema=schema)
            return
        found = kept.get((id(self), id(schema))) if resolver is None else None
        if found is not None:
            evolved = found[2]
        else:
            if resolver is None:
                resolver = self._resolver.in_subresource(self.RESOLVER_SPECIFICATION.create_resource(schema))
            evolved = self.evolve(schema=schema, _resolver=resolver)
            kept[(id(self), id(schema))] = (self, schema, evolved)
        for validator, k, v in evolved._validators:  # the schema's keywords, as jsonschema lists them
            for error in validator(evolved, v, instance, schema) or ():
                error._set(validator=k, validator_value=v, instance=instance, schema=schema,
                           type_checker=evolved.TYPE_CHECKER)
                if k not in {"if", "$ref"}:
                    error.schema_path.appendleft(k)
                if path is not None:
                    error.path.appendleft(path)
                if schema_path is not None:
                    error.schema_path.appendleft(schema_path)
                yield error

    return descend


def type_checks(type_checker: Any) -> dict[str, Callable[..., bool]]:
    """The type checker's checks by type name, as a plain dict."""
    return dict(type_checker._type_checkers.items())


def check() -> None:
    """Raise `AdapterBroken` when jsonschema's validators lack what leanschema's `descend` uses."""
    import referencing
    import referencing.jsonschema
    from jsonschema import Draft4Validator
    from jsonschema.validators import extend

    def fail(what: str) -> Exception:
        return broken("jsonschema", TESTED, what, "jsonschema")

    source = inspect.getsource(Draft4Validator.descend)
    for used in ("self._resolver.in_subresource", "_resolver=resolver", "error._set("):
        if used not in source:
            raise fail(f"Validator.descend no longer uses {used!r} (kept_descend copies it)")
    validator_class = extend(Draft4Validator)
    validator_class.RESOLVER_SPECIFICATION = referencing.jsonschema.specification_with(
        dialect_id=validator_class.ID_OF(validator_class.META_SCHEMA) or "urn:unknown-dialect",
        default=referencing.Specification.OPAQUE)
    validator_class.descend = kept_descend({})
    if not isinstance(getattr(validator_class({}), "_validators", None), list):
        raise fail("Validator._validators (the schema's keywords with their checks) is gone")
    schema = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 1}}}
    instance = {"a": 0}
    ours = [(e.message, list(e.path), list(e.schema_path), e.validator, e.validator_value)
            for e in validator_class(schema).iter_errors(instance)]
    theirs = [(e.message, list(e.path), list(e.schema_path), e.validator, e.validator_value)
              for e in Draft4Validator(schema).iter_errors(instance)]
    if ours != theirs or not ours:
        raise fail(f"the kept descend reports {ours!r} where jsonschema reports {theirs!r}")
    types = type_checks(Draft4Validator.TYPE_CHECKER)
    if not types.get("integer") or not types["integer"](Draft4Validator.TYPE_CHECKER, 3):
        raise fail("TypeChecker._type_checkers no longer maps a type name to its check")
