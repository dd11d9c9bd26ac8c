"""Per-request response preferences, parsed once at the edge into an immutable value.

Spelled as Prism spells them, so tools and habits carry over: the `Prefer` header
(`code=404, example=name, dynamic=true`, and the mock's own `fault=reset`, faults.py) and
the `__code`, `__example`, `__dynamic`, `__fault` query
fallback for clients that cannot set headers. Preferences the mock does not know are
ignored, as RFC 7240 asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from mockserver.http import problems
from mockserver.http.faults import FAULTS
from mockserver.http.reply import Reply
from mockserver.http.request import MockRequest

if TYPE_CHECKING:
    from mockserver.state.session_state import Scenario

QUERY_PREFIX = "__"
READS = ("prefer",)  # request headers this stage reads (the replay key includes them)
KNOWN = ("code", "example", "dynamic", "fault")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class PreferenceError(ValueError):
    """A preference the client asked for but spelled wrong."""


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    fault: str | None = None  # faults.py

    @property
    def empty(self) -> bool:
        # most requests carry no preference and get NO_PREFERENCES itself: no field-by-field compare
        return self is NO_PREFERENCES or self == NO_PREFERENCES


NO_PREFERENCES = Preferences()


def _split_prefer(header: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in header.split(","):
        # each preference may carry ';'-parameters (RFC 7240); we read the first token only
        token = item.split(";", 1)[0].strip()
        if not token:
            continue
        name, _, value = token.partition("=")
        values.setdefault(name.strip().lower(), value.strip().strip('"'))
    return values


def parse_preferences(prefer: str | None, query: Mapping[str, str]) -> Preferences:
    """Merge the Prefer header and the query fallback (the header wins)."""
    raw = {key[len(QUERY_PREFIX):]: value for key, value in query.items() if key.startswith(QUERY_PREFIX)}
    raw = {k: v for k, v in raw.items() if k in KNOWN}
    raw.update({k: v for k, v in _split_prefer(prefer or "").items() if k in KNOWN})
    if not raw:
        return NO_PREFERENCES
    code = None
    if "code" in raw:
        if not (raw["code"].isascii() and raw["code"].isdigit() and len(raw["code"]) == 3):
            raise PreferenceError(f"code must be a three-digit HTTP status, got {raw['code'][:40]!r}")
        code = int(raw["code"])
    dynamic = False
    if "dynamic" in raw:
        value = raw["dynamic"].lower()
        if value not in _TRUE | _FALSE:
            raise PreferenceError(f"dynamic must be true or false, got {raw['dynamic'][:40]!r}")
        dynamic = value in _TRUE
    example = raw.get("example") or None
    fault = raw.get("fault") or None
    if fault is not None and fault not in FAULTS:
        raise PreferenceError(f"fault must be one of {', '.join(FAULTS)}, got {fault[:40]!r}")
    return Preferences(code=code, example=example, dynamic=dynamic, fault=fault)


def choose(request: MockRequest, scenario: "Scenario | None") -> Preferences | Reply:
    """The preferences for this request, or the problem that says how they are misspelled.

    A scenario set through the control API wins over the request's own wishes, unless it only
    sets a delay.
    """
    if scenario is not None and (scenario.status is not None or scenario.fault is not None):
        return Preferences(code=scenario.status, example=scenario.example, fault=scenario.fault)
    prefer = request.headers.get("prefer")
    if prefer is None and not request.query_string:
        return NO_PREFERENCES
    try:
        return parse_preferences(prefer, request.query)
    except PreferenceError as exc:
        return problems.invalid_preference(str(exc))
