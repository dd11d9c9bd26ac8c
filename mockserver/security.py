"""Enforcing the documents' security schemes, the way the vendors do.

By default any well-formed, non-empty credential is accepted (a mock should not need the
real key); `--api-key` and `--basic-auth` narrow that down so a wrong key reproduces the
vendor's 401. Scheme words are case-insensitive (RFC 9110).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.contract import Operation


@dataclass(frozen=True)
class Credentials:
    """The credentials the mock accepts; empty sets mean "any well-formed one"."""

    api_keys: frozenset[str] = frozenset()
    basic: frozenset[tuple[str, str]] = frozenset()


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


def _satisfies(scheme: Mapping[str, Any], headers: Mapping[str, str], query: Mapping[str, str],
               cookies: Mapping[str, str], credentials: Credentials) -> bool:
    kind = scheme.get("type")
    authorization = headers.get("authorization")
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
        pair = _basic(authorization)
        return pair is not None and (not credentials.basic or pair in credentials.basic)
    if kind in ("oauth2", "openIdConnect") or (kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer"):
        token = _scheme_token(authorization, "bearer")
        return token is not None and (not credentials.api_keys or token in credentials.api_keys)
    if kind == "http":
        return _scheme_token(authorization, str(scheme.get("scheme", "")).lower()) is not None
    if kind == "apiKey":
        source = {"header": headers, "query": query, "cookie": cookies}.get(scheme.get("in", ""), {})
        key = source.get(scheme.get("name", "") if scheme.get("in") != "header" else str(scheme.get("name", "")).lower())
        return bool(key) and (not credentials.api_keys or key in credentials.api_keys)
    return False


def is_authorized(op: Operation, headers: Mapping[str, str], query: Mapping[str, str],
                  cookies: Mapping[str, str], credentials: Credentials) -> bool:
    """True when any one security requirement of the operation is met in full.

    `headers` must be looked up by lower-case name (starlette's Headers is).
    """
    if not op.security:
        return True
    return any(
        all(_satisfies(scheme, headers, query, cookies, credentials) for _name, scheme in requirement)
        for requirement in op.security
    )
