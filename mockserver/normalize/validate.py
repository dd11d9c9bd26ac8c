"""Proving the output loads where it will be used, before anything is written.

Two checks: openapi-spec-validator as OpenAPI 3.0 (the contract is well-formed), and
connexion 3.3 `add_api` (the serving layer accepts it: it rejects things the validator
lets through). A failure is a user error: the inputs or overlays must change.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.base import pointer


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def check_spec(doc: dict[str, Any], source: str) -> None:
    """openapi-spec-validator, OpenAPI 3.0 rules; reports the first problem and where."""
    from referencing.exceptions import Unresolvable

    from mockserver.adapters.openapi_spec_validator import v30_validator

    prefix = "normalized document is not valid OpenAPI 3.0"
    try:
        error = next(iter(v30_validator(copy.deepcopy(doc)).iter_errors()), None)
    except Unresolvable as exc:  # raised, not reported, by the validator
        raise UserError(source, f"{prefix}: unresolvable $ref '#{getattr(exc, 'ref', '')}'") from None
    if error is None:
        return
    error = _deepest(_with_causes(doc, error))
    location = list(getattr(error, "absolute_path", ()) or ())
    where = f" at {pointer.join(pointer.ROOT, *location)}" if location else ""
    message = str(error.message).split("\n\n", 1)[0]  # not the validator's "Failed validating..." dump
    raise UserError(source, f"{prefix}{where}: {_one_line(message)[:400]}")


def _with_causes(doc: dict[str, Any], error: Any) -> Any:
    """openapi-spec-validator's error for a `oneOf` comes without the errors of its options; the
    same check by jsonschema against the same OpenAPI 3.0 schema keeps them, so the message can
    name the value at fault (`'strnig' is not one of [...]` at its `type`), not a whole response."""
    if getattr(error, "context", None):
        return error
    from jsonschema.validators import validator_for
    from openapi_spec_validator.schemas import schema_v30

    found = next(iter(validator_for(schema_v30)(schema_v30).iter_errors(doc)), None)
    same = found is not None and [str(p) for p in found.absolute_path] == [str(p) for p in error.absolute_path]
    return found if same else error


def _deepest(error: Any) -> Any:
    """Of "not valid under any of the given schemas", the cause deepest in the document."""
    while getattr(error, "context", None):
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _unused_handler(**_kwargs: Any) -> tuple[str, int]:
    return "", 200


def check_connexion(doc: dict[str, Any], source: str) -> None:
    """Load what `serve` hands connexion of the document (connexion_document.py: its templates
    made routable, no vendor extensions, no schema property named `$ref`) into a connexion
    FlaskApp with every operationId bound to a stub."""
    with warnings.catch_warnings():  # connexion's import warns about starlette/httpx: not ours to fix
        warnings.simplefilter("ignore")
        import connexion
        from connexion.resolver import Resolver

        from mockserver.adapters.connexion import spec_check_skipped
        from mockserver.adapters.connexion_document import for_connexion

    app = connexion.FlaskApp(__name__)
    try:
        with spec_check_skipped(False):  # connexion's check, its compiled stand-in asked first
            app.add_api(copy.deepcopy(for_connexion(doc)), resolver=Resolver(lambda _operation_id: _unused_handler))
    except Exception as exc:  # connexion raises many types; all mean "does not load"
        raise UserError(source, f"normalized document does not load in connexion: {type(exc).__name__}: {_one_line(exc)[:400]}") from None


def validate_document(doc: dict[str, Any], source: str) -> None:
    """Both checks, cheapest first."""
    check_spec(doc, source)
    check_connexion(doc, source)
