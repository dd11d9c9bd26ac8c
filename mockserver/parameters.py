"""connexion's parameter validation, with problem details that name the parameter, and cheaper.

connexion reports an invalid value as the bare jsonschema message ("'1999' is not one of
[...]"), which does not say which header or query parameter was wrong. It also deep-copies
the parameter and builds a new Draft4Validator for every parameter of every request; the
parameter definitions live as long as the app, so one validator per schema is kept (the same
validator class and format checker connexion uses, so the verdicts are the same).
"""

from __future__ import annotations

import threading
from typing import Any

from connexion.utils import is_null, is_nullable
from connexion.validators.parameter import ParameterValidator, draft4_format_checker
from jsonschema import Draft4Validator, ValidationError

MAX_KEPT = 4096  # parameter schemas are few; reloads add more, so keep it bounded anyway
_kept: dict[int, tuple[Any, Draft4Validator]] = {}
_lock = threading.Lock()


def _validator_for(schema: Any) -> Draft4Validator:
    entry = _kept.get(id(schema))
    if entry is None or entry[0] is not schema:  # holding the schema keeps its id from being reused
        entry = (schema, Draft4Validator(schema, format_checker=draft4_format_checker))
        with _lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[id(schema)] = entry
    return entry[1]


class NamingParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            try:
                _validator_for(param.get("schema", param)).validate(value)
            except ValidationError as exception:
                reason = str(exception).strip().splitlines()[0]
                return f"Invalid {parameter_type} parameter '{param.get('name', param_name)}': {reason}"
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None
