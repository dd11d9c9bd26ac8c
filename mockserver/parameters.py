"""connexion's parameter validation, with problem details that name the parameter.

connexion reports an invalid value as the bare jsonschema message ("'1999' is not one of
[...]"), which does not say which header or query parameter was wrong.
"""

from __future__ import annotations

from connexion.validators.parameter import ParameterValidator


class NamingParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if not error or error.startswith("Missing"):
            return error
        reason = error.strip().splitlines()[0]
        return f"Invalid {parameter_type} parameter '{param.get('name', param_name)}': {reason}"
