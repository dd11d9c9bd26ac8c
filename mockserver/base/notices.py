"""Start-up warnings as a user reads them: a few of one kind one by one, many of one kind as one line.

GitHub's document printed 243 warning lines on every start, 242 of them one kind (an example
that breaks its own schema). A kind seen more than `SHOWN` times is one line that counts them
and names the first; `serve --verbose` prints every one. A kind is what the warning says,
without where: the normalizer's `FILE: #/pointer: what` warnings by their `what`, examples by
their one message.
"""

from __future__ import annotations

import logging
import re
from typing import Iterable

log = logging.getLogger("mockserver")

SHOWN = 3  # warnings of one kind printed one by one; more are one line
_DETAIL = 200  # characters of the first one's detail in a summary

_EXAMPLE = re.compile(r"(?P<source>.+?): (?P<where>[A-Z]+ \S+ \S+: example .+?) breaks its own schema "
                      r"\((?P<detail>.*)\); generated values are served instead")
_AT_POINTER = re.compile(r"(?P<source>.+?): (?P<where>#\S*): (?P<what>.+)")


def warn(warnings: Iterable[str], verbose: bool = False) -> None:
    """Log the warnings, each kind summarised when it is many (unless `verbose`)."""
    for line in summarised(warnings, verbose):
        log.warning("warning: %s", line)


def summarised(warnings: Iterable[str], verbose: bool = False) -> list[str]:
    warnings = list(warnings)
    if verbose:
        return warnings
    kinds: dict[tuple[str, str], list[tuple[str, re.Match[str] | None]]] = {}
    for warning in warnings:
        match = _EXAMPLE.fullmatch(warning) or _AT_POINTER.fullmatch(warning)
        kind = (match.group("source"), match.re.pattern if match.re is _EXAMPLE else match.group("what")) if match \
            else (warning, "")
        kinds.setdefault(kind, []).append((warning, match))
    lines = []
    for members in kinds.values():
        if len(members) <= SHOWN:
            lines.extend(warning for warning, _match in members)
            continue
        first = members[0][1]
        assert first is not None  # only matched warnings share a kind
        if first.re is _EXAMPLE:
            what = "examples break their own schemas (generated values are served instead)"
            where = f"{first.group('where')} ({_short(first.group('detail'))})"
        else:
            what, where = f"places: {first.group('what')}", first.group("where")
        lines.append(f"{first.group('source')}: {len(members)} {what}; first: {where}; --verbose for all")
    return lines


def _short(text: str) -> str:
    return text if len(text) <= _DETAIL else text[:_DETAIL] + "..."
