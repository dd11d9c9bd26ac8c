"""connexion's parameter validation, with problem details that name the parameter, and cheaper.

connexion reports an invalid value as the bare jsonschema message ("'1999' is not one of
[...]"), which does not say which header or query parameter was wrong. It also deep-copies
the parameter and builds a new Draft4Validator for every parameter of every request; the
parameter definitions live as long as the app, so one validator per schema is kept (the same
validator class and format checker connexion uses, so the verdicts are the same), and a plain
`type: string` schema needs none for a string value.
"""

from __future__ import annotations

import threading
from typing import Any

from connexion.utils import is_null, is_nullable
from connexion.validators.parameter import ParameterValidator, draft4_format_checker
from jsonschema import Draft4Validator, ValidationError

from mockserver.leanschema import ANNOTATIONS  # keywords that check nothing, in any dialect here

MAX_KEPT = 4096  # parameter schemas are few; reloads add more, so keep it bounded anyway
_kept: dict[int, tuple[Any, Draft4Validator, bool]] = {}
_lock = threading.Lock()


def _validator_for(schema: Any) -> tuple[Draft4Validator, bool]:
    """The schema's validator, and whether the schema is `type: string` and nothing else.

    Path, header and cookie values are strings, and most of their schemas say just that, so
    for those the common case skips jsonschema with the verdict it would give: valid.
    """
    entry = _kept.get(id(schema))
    if entry is None or entry[0] is not schema:  # holding the schema keeps its id from being reused
        plain = isinstance(schema, dict) and schema.get("type") == "string" and not schema.keys() - ANNOTATIONS - {"type"}
        entry = (schema, Draft4Validator(schema, format_checker=draft4_format_checker), plain)
        with _lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[id(schema)] = entry
    return entry[1], entry[2]


def always_valid(parameters: list[dict[str, Any]]) -> bool:
    """Whether no request that reached the operation's route can fail these parameters.

    So when every parameter is a plain string that is either in the path (a matched route always
    has it) or optional, which is how most vendor GETs look.
    """
    for param in parameters:
        _validator, any_string = _validator_for(param.get("schema", param))
        if not any_string or (param.get("in") != "path" and param.get("required")):
            return False
    return True


class NamingParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            validator, any_string = _validator_for(param.get("schema", param))
            if any_string and isinstance(value, str):
                return None
            try:
                validator.validate(value)
            except ValidationError as exception:
                reason = str(exception).strip().splitlines()[0]
                return f"Invalid {parameter_type} parameter '{param.get('name', param_name)}': {reason}"
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None
