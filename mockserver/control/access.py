"""Who may use the control API: the mock's own origin, tools that are not browsers, no one else.

The mock runs on developers' machines while they browse the web, which is where local dev
servers get attacked: a page on any site can send a "simple" cross-site request (a form, a
`text/plain` fetch) without a preflight, and DNS rebinding lets a page on a name that now points
at 127.0.0.1 read the answers. So every `/__mock` request passes, in order:

1. the Host check: on loopback, only a loopback `Host` (`localhost`, `127.0.0.1`, `[::1]`, any
   port) or one given with `--allowed-host` (what DNS rebinding cannot forge);
2. the Origin check: a request that carries an `Origin` must come from the mock's own origin
   or one given with `--control-origin` (curl, the pytest plugin and CI send none);
3. the token (`--control-token`), required off loopback;
4. the media type: a write with a body must say `application/json`, which no cross-site form
   or simple fetch can send.

The read-only `/__mock/health` skips all four, so container and CI readiness probes work on
any address and with any `Host`. Contract routes are not affected: their CORS stays open.

CORS on `/__mock` is for the origins named with `--control-origin` only (a frontend's dev
server): their preflights are answered (after the Host check, before the token, which a
preflight never carries), and every reply to them, refusals included, carries CORS headers so
the page can read it. The mock's own origin needs none; any other origin gets the 403 as before.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Scope

from mockserver.http import problems
from mockserver.base.defaults import CONTROL_PREFIX, CONTROL_TOKEN_HEADER, CONTROL_TOKEN_MIN_LENGTH, CORS_MAX_AGE_S
from mockserver.base.httpfacts import is_json, is_loopback
from mockserver.http.reply import Reply
from mockserver.state.sessions import SESSION_HEADER

log = logging.getLogger("mockserver")

HEALTH = CONTROL_PREFIX + "/health"
# The dashboard page holds no state (it asks the API, with the token the user types), so a
# browser may load it without the token header it cannot send on navigation.
DASHBOARD = frozenset((CONTROL_PREFIX, CONTROL_PREFIX + "/"))
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a `--control-origin` page may send: the control API's methods, and the headers its calls
# take (JSON bodies, the session, the token; Authorization for a page that sends it everywhere).
PREFLIGHT_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
PREFLIGHT_HEADERS = ("content-type", "authorization", SESSION_HEADER.decode("latin-1"), CONTROL_TOKEN_HEADER)


def host_name(host_header: str) -> str:
    """The name in a `Host` header, without its port: `[::1]:4010` -> `::1`."""
    parsed = urlsplit("//" + host_header)
    try:
        return (parsed.hostname or "").lower()
    except ValueError:  # a malformed port or bracket
        return host_header.lower()


def origin_of(value: str) -> str | None:
    """An origin as `scheme://host[:port]`, lower-case, or None when it is not one."""
    parsed = urlsplit(value.strip())
    try:
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path not in ("", "/"):
        return None
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    return f"{parsed.scheme}://{host.lower()}" + (f":{port}" if port is not None else "")


def unsafe_control_plane(control: bool, host: str, token: str | None) -> tuple[str, str] | None:
    """The flag and the reason a server with these flags must not start, or None.

    `--control-token "$MOCK_TOKEN"` with the variable unset gives an empty token, which used to
    mean "no token" and opened the control API to whoever could reach the port; a short one can
    be guessed. Off loopback the control API rewrites what every client is answered, so it
    needs a token there (or `--no-control`)."""
    if token is not None and len(token.strip()) < CONTROL_TOKEN_MIN_LENGTH:
        given = "is empty" if not token.strip() else f"has {len(token.strip())} characters"
        return "--control-token", (f"the token {given}; give one of at least {CONTROL_TOKEN_MIN_LENGTH} "
                                   "characters (an unset variable gives an empty one)")
    if control and token is None and not is_loopback(host):
        return f"--host {host}", (f"not loopback, so the control API needs --control-token TOKEN (at least "
                                  f"{CONTROL_TOKEN_MIN_LENGTH} characters); or pass --no-control")
    return None


@dataclass(frozen=True)
class ControlAccess:
    loopback: bool  # the server listens on a loopback address only
    token: str | None = None
    allowed_hosts: frozenset[str] = frozenset()  # host names, lower-case, no port
    origins: frozenset[str] = frozenset()  # origins, as `origin_of` writes them

    def cors_origin(self, scope: Scope) -> str | None:
        """The request's `Origin`, as sent, when CORS lets it read the reply: one named with
        `--control-origin`, on a Host the mock answers (DNS rebinding gets no CORS either)."""
        if not self.origins:
            return None
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or origin_of(origin) not in self.origins:
            return None
        host = headers.get("host", "")
        return origin if not (self.loopback and host and not self._host_allowed(host)) else None

    @staticmethod
    def is_preflight(scope: Scope) -> bool:
        return scope["method"] == "OPTIONS" and any(
            name == b"access-control-request-method" for name, _value in scope["headers"])

    def preflight(self, scope: Scope) -> Reply:
        """The answer to a CORS preflight: the Host and Origin checks (the token and the media
        type are checked on the call itself, which carries them), then what the page may send."""
        headers = Headers(scope=scope)
        refusal = self._host_and_origin(scope, headers)
        if refusal is not None:
            return refusal
        origin = self.cors_origin(scope)
        if origin is None:  # the mock's own origin: a browser never asks it
            return Reply(204, headers=(("vary", "Origin"),))
        asked = [name.strip().lower() for name in headers.get("access-control-request-headers", "").split(",")]
        allowed = ", ".join(dict.fromkeys([*PREFLIGHT_HEADERS, *(name for name in asked if name)]))
        return Reply(204, headers=(
            ("access-control-allow-origin", origin),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", PREFLIGHT_METHODS),
            ("access-control-allow-headers", allowed),
            ("access-control-max-age", str(CORS_MAX_AGE_S)),
            ("vary", "Origin"),
        ))

    def check(self, scope: Scope) -> Reply | None:
        """None when this `/__mock` request may go on, else the refusal."""
        if scope["path"] == HEALTH and scope["method"] in ("GET", "HEAD"):
            return None
        headers = Headers(scope=scope)
        refusal = self._host_and_origin(scope, headers)
        if refusal is not None:
            return refusal
        if scope["path"] in DASHBOARD and scope["method"] in ("GET", "HEAD"):
            return None
        if self.token is None and not self.loopback:
            return problems.control_forbidden(
                "off loopback the control API needs --control-token; only /__mock/health answers without it")
        if self.token is not None:
            given = headers.get(CONTROL_TOKEN_HEADER)
            if given is None or not hmac.compare_digest(given.encode("latin-1"), self.token.encode("utf-8")):
                return problems.control_token(CONTROL_TOKEN_HEADER, sent=given is not None)
        if scope["method"] in WRITES and self._has_body(headers) and not is_json(headers.get("content-type")):
            return problems.control_media_type(headers.get("content-type"))
        return None

    def _host_and_origin(self, scope: Scope, headers: Headers) -> Reply | None:
        """Checks 1 and 2: the refusal, or None."""
        host = headers.get("host", "")
        if self.loopback and host and not self._host_allowed(host):
            log.warning("refused %s %s for Host %r: the mock listens on loopback; pass --allowed-host %s to allow it",
                        scope["method"], scope["path"], host, host_name(host) or host)
            return problems.control_forbidden(
                f"the control API answers only a loopback Host, not {host!r} (see --allowed-host)")
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin, host):
            return problems.control_forbidden(
                f"the control API answers only its own origin, not {origin!r} (see --control-origin)")
        return None

    def _host_allowed(self, host: str) -> bool:
        name = host_name(host)
        return is_loopback(name) or name in self.allowed_hosts

    def _origin_allowed(self, origin: str, host: str) -> bool:
        normalized = origin_of(origin)
        if normalized is None:  # `null` (sandboxed frames, file://) and anything malformed
            return False
        own = {origin_of(f"{scheme}://{host}") for scheme in ("http", "https")} if host else set()
        return normalized in own or normalized in self.origins

    @staticmethod
    def _has_body(headers: Headers) -> bool:
        length = headers.get("content-length", "")
        return (length.strip() not in ("", "0")) or "transfer-encoding" in headers or "content-type" in headers
