"""The formats that path, query and header values are checked with, one checker for every place.

Request validation (server/request_validation.py) and the id check of the path guard
(contract/operations.py) must agree on what a well-formed id is, so both take this one.
"""

from __future__ import annotations

import re

from connexion.validators.parameter import draft4_format_checker
from jsonschema import FormatChecker

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")

# connexion's draft-4 format checker, plus the OpenAPI formats path ids use most (`uuid`, `date`, `int32`, `int64`):
# a request for /events/1 where `eventId` is `format: uuid` is the client's mistake, a 400.
FORMATS = FormatChecker(formats=())
FORMATS.checkers = dict(draft4_format_checker.checkers)
FORMATS.checks("uuid")(lambda value: not isinstance(value, str) or bool(_UUID.fullmatch(value)))
FORMATS.checks("date")(lambda value: not isinstance(value, str) or bool(_DATE.fullmatch(value)))
# integer formats bound the value: 2**70 is no `format: int64` id, however many digits it has
FORMATS.checks("int32")(lambda value: not isinstance(value, int) or -2**31 <= value < 2**31)
FORMATS.checks("int64")(lambda value: not isinstance(value, int) or -2**63 <= value < 2**63)
