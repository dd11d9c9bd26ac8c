"""Python's private regex parser, for generating strings that match a schema `pattern`.

`re._parser.parse` (Python 3.11+; `sre_parse` before, which now warns) turns a pattern into
the opcode tree generate/pattern.py walks, with the opcodes of `re._constants`. Neither is
public; both have changed between Python versions.
"""

from __future__ import annotations

import sys
from typing import Any

from mockserver.adapters import broken

try:
    import re._constants as constants  # type: ignore[import-not-found]
    import re._parser as _parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover  (Python 3.10 and before)
    import sre_constants as constants  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

TESTED = "Python 3.11-3.13 (requires-python >=3.11 in pyproject.toml)"
OPCODES = ("LITERAL", "NOT_LITERAL", "ANY", "IN", "NEGATE", "RANGE", "CATEGORY", "MAX_REPEAT", "MIN_REPEAT",
           "MAXREPEAT", "SUBPATTERN", "BRANCH", "GROUPREF", "CATEGORY_DIGIT", "CATEGORY_NOT_DIGIT",
           "CATEGORY_SPACE", "CATEGORY_NOT_SPACE", "CATEGORY_WORD", "CATEGORY_NOT_WORD")


def parse(pattern: str) -> Any:
    """The parsed pattern: a sequence of (opcode, argument) pairs, opcodes from `constants`."""
    return _parser.parse(pattern)


def check() -> None:
    """Raise `AdapterBroken` when the parser or its opcodes are not what pattern.py walks."""
    version = "Python %d.%d" % sys.version_info[:2]
    missing = [name for name in OPCODES if not hasattr(constants, name)]
    if missing:
        raise broken("re", TESTED, f"{version}: re._constants lacks {', '.join(missing)}", "regex")
    parsed = list(parse("a[0-9]{2}"))
    if parsed[0] != (constants.LITERAL, ord("a")) or parsed[1][0] is not constants.MAX_REPEAT:
        raise broken("re", TESTED, f"{version}: re._parser.parse gives another tree: {parsed!r}", "regex")
