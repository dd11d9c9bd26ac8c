"""Enforcing the documents' security schemes, the way the vendors do.

By default any well-formed, non-empty credential is accepted (a mock should not need the
real key); `--api-key` and `--basic-auth` narrow that down so a wrong key reproduces the
vendor's 401. Scheme words are case-insensitive (RFC 9110).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Mapping

from mockserver.http import problems
from mockserver.contract.operations import Operation
from mockserver.http.reply import Reply
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem
from mockserver.http.request import MockRequest
from mockserver.base.config import Credentials


def parse_basic_auth(value: str) -> tuple[str, str]:
    """`USER:PASS` from the command line."""
    user, sep, password = value.partition(":")
    if not sep or not user:
        raise ValueError("expected USER:PASS")
    return user, password


def _scheme_token(authorization: str | None, scheme: str) -> str | None:
    if not authorization:
        return None
    word, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if word.lower() != scheme or not token:
        return None
    return token


def _basic(authorization: str | None) -> tuple[str, str] | None:
    token = _scheme_token(authorization, "basic")
    if token is None:
        return None
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep and user else None


_PLANS: dict[int, tuple[Mapping[str, Any], tuple]] = {}  # id(scheme) -> (scheme, its plan)
_PLANS_KEPT = 4096  # far more schemes than a document declares; cleared when full


def _plan(scheme: Mapping[str, Any]) -> tuple:
    """What `_satisfies` asks of a request for `scheme`, read from the scheme once rather than on
    every request: kept by identity (the scheme is held, so its id is not reused)."""
    memo = _PLANS.get(id(scheme))
    if memo is not None and memo[0] is scheme:
        return memo[1]
    kind, word = scheme.get("type"), str(scheme.get("scheme", "")).lower()
    if kind == "http" and word == "basic":
        plan: tuple = ("basic",)
    elif kind in ("oauth2", "openIdConnect") or (kind == "http" and word == "bearer"):
        plan = ("bearer",)
    elif kind == "http":
        plan = ("http", word)
    elif kind == "apiKey":
        name = str(scheme.get("name", ""))
        plan = ("apiKey", scheme.get("in"), name, name.lower())
    else:
        plan = ("none",)
    if len(_PLANS) >= _PLANS_KEPT:
        _PLANS.clear()
    _PLANS[id(scheme)] = (scheme, plan)
    return plan


def _satisfies(scheme: Mapping[str, Any], request: MockRequest, credentials: Credentials) -> bool:
    plan = _plan(scheme)
    how = plan[0]
    if how == "bearer":
        token = _scheme_token(request.headers.get("authorization"), "bearer")
        return token is not None and (not credentials.api_keys or token in credentials.api_keys)
    if how == "basic":
        pair = _basic(request.headers.get("authorization"))
        return pair is not None and (not credentials.basic or pair in credentials.basic)
    if how == "http":
        return _scheme_token(request.headers.get("authorization"), plan[1]) is not None
    if how == "apiKey":
        _how, where, name, lower = plan
        if where == "header":
            key = request.headers.get(lower)
        elif where == "query":
            key = request.query.get(name)  # parsed only now, for the few APIs that need it
        elif where == "cookie":
            key = request.cookies.get(name)
        else:
            key = None
        return bool(key) and (not credentials.api_keys or key in credentials.api_keys)
    return False


def is_authorized(op: Operation, request: MockRequest, credentials: Credentials) -> bool:
    """True when any one security requirement of the operation is met in full."""
    for requirement in op.security:  # plain loops: any(all(...)) builds two generators per request
        for _name, scheme in requirement:
            if not _satisfies(scheme, request, credentials):
                break
        else:
            return True
    return not op.security


def challenge(scheme: Mapping[str, Any]) -> str | None:
    """The `WWW-Authenticate` challenge for a scheme that was not met (RFC 9110 11.6.1)."""
    kind, word = scheme.get("type"), str(scheme.get("scheme", "")).lower()
    if kind == "http" and word == "basic":
        return 'Basic realm="mockserver"'
    if kind in ("oauth2", "openIdConnect") or (kind == "http" and word == "bearer"):
        return "Bearer"
    if kind == "http" and word:
        return word.capitalize()
    return None  # an API key has no registered challenge


def check(op: Operation, request: MockRequest, credentials: Credentials, build: ReplyBuilder) -> Reply | None:
    """None when the request may go on; else the operation's declared 401, byte for byte, or
    (none declared) a 401 problem whose challenge names the scheme that was not met."""
    if is_authorized(op, request, credentials):
        return None
    return declared_or_problem(build, op, 401, lambda: _unauthorized(op))


def _unauthorized(op: Operation) -> Reply:
    first = next((scheme for requirement in op.security for _name, scheme in requirement), {})
    return problems.unauthorized(f"{op.operation_id} requires credentials", challenge(first))


def reads(op: Operation) -> set[str]:
    """Request headers this stage reads for `op` (the replay key includes them)."""
    names = set()
    for requirement in op.security:
        for _name, scheme in requirement:
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                names.add(str(scheme.get("name", "")).lower())
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "cookie":
                names.add("cookie")
            elif scheme.get("type") != "apiKey":
                names.add("authorization")
    return names
