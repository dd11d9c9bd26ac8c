"""`Authorization` header parameters -> HTTP security schemes.

Sequence declares its credentials as a required `Authorization` header *parameter*.
OpenAPI 3.0 says such a parameter is ignored, and connexion would answer a missing header
with 400 instead of the declared 401. As a security scheme, the mock checks it the way the
real service does.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.normalize.operations import iter_operations
from mockserver.base.pointer import RefError, resolve

_BASIC = re.compile(r"\bbasic\b", re.IGNORECASE)


def _resolve(doc: dict[str, Any], param: Any) -> Any:
    """A parameter, following local `$ref`s (one that cannot be followed is left as it is:
    validation names it later)."""
    try:
        return resolve(doc, param)
    except RefError:
        return param


def _is_authorization(doc: dict[str, Any], param: Any) -> bool:
    param = _resolve(doc, param)
    return isinstance(param, dict) and param.get("in") == "header" and str(param.get("name", "")).lower() == "authorization"


def _scheme_for(param: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`basic` when the parameter's description or examples say Basic, else `bearer`."""
    schema = param.get("schema") or {}
    evidence = " ".join(
        str(v) for v in (param.get("description"), param.get("example"), param.get("examples"), schema.get("example"), schema.get("enum"), schema.get("pattern"))
        if v is not None
    )
    kind = "basic" if _BASIC.search(evidence) else "bearer"
    scheme: dict[str, Any] = {"type": "http", "scheme": kind}
    if param.get("description"):
        scheme["description"] = param["description"]
    return f"{kind}Auth", scheme


def _register(doc: dict[str, Any], name: str, scheme: dict[str, Any]) -> str:
    """The name of an existing equivalent scheme, or `name` after adding `scheme` there."""
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    for existing, defined in schemes.items():
        if isinstance(defined, dict) and defined.get("type") == "http" and str(defined.get("scheme", "")).lower() == scheme["scheme"]:
            return existing
    if name in schemes:
        raise UserError(
            "normalize", f"#/components/securitySchemes/{name} exists with another definition; cannot add the {scheme['scheme']} scheme that the Authorization header needs"
        )
    schemes[name] = scheme
    return name


def lift_authorization_headers(doc: dict[str, Any]) -> None:
    """Replace each operation's `Authorization` header parameter (its own or its path
    item's) by operation `security`: required -> [{scheme: []}], optional -> also `{}`."""
    lifted_from_items: set[str] = set()
    for path, _method, operation in list(iter_operations(doc)):
        item = doc["paths"][path]
        own = [p for p in operation.get("parameters") or [] if _is_authorization(doc, p)]
        inherited = [p for p in item.get("parameters") or [] if _is_authorization(doc, p)]
        params = own or inherited
        if not params:
            continue
        param = _resolve(doc, params[-1])
        name = _register(doc, *_scheme_for(param))
        requirement = {name: []}
        effective = operation.get("security", doc.get("security")) or []
        security = [{**existing, **requirement} for existing in effective] or [requirement]
        if not param.get("required") and {} not in security:
            security.append({})
        operation["security"] = security
        operation["parameters"] = [p for p in operation.get("parameters") or [] if not _is_authorization(doc, p)]
        if inherited:
            lifted_from_items.add(path)
    for path in lifted_from_items:
        item = doc["paths"][path]
        item["parameters"] = [p for p in item["parameters"] if not _is_authorization(doc, p)]
