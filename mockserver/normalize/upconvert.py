"""Swagger 2.0 -> OpenAPI 3.0.3, in memory, as 3.1 is down-converted.

Follows what the reference converter (`swagger2openapi`, checked against it in the tests) does:
`host`/`basePath`/`schemes` become `servers`; `definitions`, `parameters`, `responses` and
`securityDefinitions` become `components` and every `$ref` follows them; `body` and `formData`
parameters become a `requestBody` with one media type per `consumes` entry (`type: file` a
binary string); a response `schema` gets one media type per `produces` entry, its `examples`
go with their media type and its headers get a `schema`; `collectionFormat` becomes
`style`/`explode`; `x-nullable` becomes `nullable`; a `discriminator` names its property in an
object. What 3.0 cannot say is one warning per kind, naming the first place and how many.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import unquote

from mockserver.base import pointer
from mockserver.base.httpfacts import HTTP_METHODS
from mockserver.normalize.downconvert import KEYWORDS_30

# What a 2.0 non-body parameter, header or `items` says about its value: its schema in 3.0.
_SCHEMA_KEYS = frozenset({
    "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
    "minProperties", "maxProperties", "additionalProperties",
})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_DEFAULT_MEDIA_TYPE = "application/json"
# collectionFormat -> the 3.0 query (and form) style that serialises the same way; `multi` is `form` exploded
_QUERY_STYLES = {"csv": "form", "ssv": "spaceDelimited", "pipes": "pipeDelimited"}
_OAUTH2_FLOWS = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                 "accessCode": "authorizationCode"}
_MOVED = frozenset({"swagger", "host", "basePath", "schemes", "consumes", "produces", "definitions",
                    "parameters", "responses", "securityDefinitions"})


def component_name(name: str) -> str:
    """A name 3.0 allows for a component (`^[a-zA-Z0-9.\\-_]+$`), spelt as swagger2openapi
    spells it: `Page«Pet»` -> `Page_Pet_`, `Pet[]` -> `PetArray`, `a/b` -> `a_b`."""
    return re.sub(r"[^A-Za-z0-9_\-.]+|\s+", "_", str(name).replace("[]", "Array", 1).replace("/", "_"))


class _Notes:
    """Warnings, one per kind: the first place, and how many places share it."""

    def __init__(self) -> None:
        self.places: dict[str, list[str]] = {}

    def __call__(self, where: str, message: str) -> None:
        self.places.setdefault(message, []).append(where)

    def flush(self, source: str, warnings: list[str]) -> None:
        for message, places in self.places.items():
            more = f" (and {len(places) - 1} more places)" if len(places) > 1 else ""
            warnings.append(f"{source}: {places[0]}: {message}{more}")


def _media_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return list(dict.fromkeys(v for v in value if isinstance(v, str))) if isinstance(value, list) else []


def _extensions(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if isinstance(k, str) and k.startswith("x-")}


class _Converter:
    def __init__(self, src: dict[str, Any], note: _Notes) -> None:
        self.src = src
        self.note = note
        self.consumes = _media_list(src.get("consumes"))
        self.produces = _media_list(src.get("produces"))
        self.names: dict[str, dict[str, str]] = {}  # "definitions" / "parameters" / ... -> old -> new name

    # -- schemas ---------------------------------------------------------------------------

    def schema(self, schema: Any, where: str) -> Any:
        """A 2.0 Schema Object (and everything nested in it) as a 3.0 one."""
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            here = pointer.join(where, key)
            if "$ref" in schema and key not in KEYWORDS_30 and not str(key).startswith("x-"):
                continue  # 2.0 ignores what stands beside a $ref; springfox writes `originalRef` there
            if key == "x-nullable" and isinstance(value, bool):
                out["nullable"] = value
            elif key == "discriminator" and isinstance(value, str):
                out[key] = {"propertyName": value}
            elif key == "properties" and isinstance(value, dict):
                out[key] = {name: self.schema(sub, pointer.join(here, name)) for name, sub in value.items()}
            elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
                out[key] = self.schema(value, here)
            elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
                out[key] = [self.schema(sub, pointer.join(here, i)) for i, sub in enumerate(value)]
            else:
                out[key] = value
        if out.get("type") == "file":  # a file is its bytes
            out["type"], out["format"] = "string", "binary"
        if out.get("type") == "array" and "items" not in out:  # required in 3.0; 2.0 let it go unsaid
            out["items"] = {}
        return out

    def _simple(self, node: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A non-body parameter, header or `items` split into (the rest, its schema)."""
        rest: dict[str, Any] = {}
        schema: dict[str, Any] = {}
        for key, value in node.items():
            if key == "items" and isinstance(value, dict):
                items_where = pointer.join(where, "items")
                if "collectionFormat" in value:
                    self.note(pointer.join(items_where, "collectionFormat"),
                              "a collectionFormat inside items cannot be expressed in OpenAPI 3.0; dropped")
                inner_rest, inner = self._simple({k: v for k, v in value.items() if k != "collectionFormat"},
                                                 items_where)
                schema["items"] = {**inner, **_extensions(inner_rest)}
            elif key in _SCHEMA_KEYS:
                schema[key] = value
            elif key == "x-nullable" and isinstance(value, bool):
                schema["nullable"] = value
            elif key == "x-example":
                rest["example"] = value
            else:
                rest[key] = value
        return rest, self.schema(schema, where)

    # -- parameters ------------------------------------------------------------------------

    def parameter(self, param: dict[str, Any], where: str) -> dict[str, Any]:
        """A query, header or path parameter (a `$ref` is kept: it follows its component)."""
        if "$ref" in param:
            return {"$ref": param["$ref"]}
        rest, schema = self._simple({k: v for k, v in param.items() if k != "collectionFormat"}, where)
        if "type" not in schema:
            self.note(where, "a parameter without a type; taken as a string")
            schema = {"type": "string", **schema}
        location = rest.get("in")
        if location != "query":
            rest.pop("allowEmptyValue", None)  # 3.0 has it for query parameters only
        if schema.get("type") == "array":
            fmt = param.get("collectionFormat") or "csv"
            rest.update(self._style(fmt, location, pointer.join(where, "collectionFormat")))
        return {**rest, "schema": schema}

    def _style(self, fmt: str, location: Any, where: str) -> dict[str, Any]:
        if location == "query":
            if fmt == "multi":
                return {"explode": True}
            if fmt == "tsv":
                self.note(where, "collectionFormat 'tsv' cannot be expressed in OpenAPI 3.0; read as csv")
                fmt = "csv"
            style = _QUERY_STYLES.get(fmt, "form")
            return {"style": "form", "explode": False} if style == "form" else {"style": style}
        if fmt != "csv":
            self.note(where, f"collectionFormat {fmt!r} cannot be expressed for a {location} value in OpenAPI 3.0; "
                             "read as csv")
        return {"style": "simple"}

    def _lookup(self, ref: str) -> Any:
        try:
            return pointer.lookup(self.src, ref)
        except pointer.RefError:
            return None  # left as a $ref: validation names it

    def _inline(self, param: Any) -> Any:
        """A `$ref` to a body or formData parameter, replaced by what it points at (those
        become part of a request body, which is not a parameter in 3.0)."""
        if isinstance(param, dict) and isinstance(param.get("$ref"), str):
            target = self._lookup(param["$ref"])
            if isinstance(target, dict) and target.get("in") in ("body", "formData"):
                return target
        return param

    def _body(self, param: dict[str, Any], consumes: list[str], where: str) -> dict[str, Any]:
        schema = self.schema(param.get("schema", {}), pointer.join(where, "schema"))
        body: dict[str, Any] = {}
        if "description" in param:
            body["description"] = param["description"]
        body["content"] = {media: {"schema": copy.deepcopy(schema)} for media in consumes or [_DEFAULT_MEDIA_TYPE]}
        if param.get("required") is True:
            body["required"] = True
        return {**body, **_extensions(param)}

    def _form(self, params: list[tuple[dict[str, Any], str]], consumes: list[str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        for param, where in params:
            name = param.get("name")
            if not isinstance(name, str):
                self.note(where, "a formData parameter without a name; dropped")
                continue
            rest, schema = self._simple({k: v for k, v in param.items() if k != "collectionFormat"}, where)
            prop = {**({"description": rest["description"]} if "description" in rest else {}), **schema}
            if "example" in rest:
                prop["example"] = rest["example"]
            properties[name] = {**prop, **_extensions(rest)}
            if param.get("required") is True:
                required.append(name)
            fmt = param.get("collectionFormat", "csv")
            if schema.get("type") == "array" and fmt != "multi":
                style = self._style(fmt, "query", pointer.join(where, "collectionFormat"))
                encoding[name] = style
        files = any(p.get("type") == "file" for p, _ in params)
        media_types = [m for m in consumes if m in _FORM_TYPES] or [_FORM_TYPES[1] if files else _FORM_TYPES[0]]
        schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
        content = {}
        for media in media_types:
            content[media] = {"schema": copy.deepcopy(schema)}
            if encoding and media == _FORM_TYPES[0]:  # style applies to url-encoded forms only
                content[media]["encoding"] = copy.deepcopy(encoding)
        return {"content": content, **({"required": True} if required else {})}

    # -- operations ------------------------------------------------------------------------

    def operation(self, op: dict[str, Any], shared: list[Any], where: str) -> dict[str, Any]:
        consumes = _media_list(op["consumes"]) if "consumes" in op else self.consumes
        produces = _media_list(op["produces"]) if "produces" in op else self.produces
        own = [self._inline(p) for p in op.get("parameters") or []]
        declared = {(p.get("name"), p.get("in")) for p in own if isinstance(p, dict)}
        inherited = [(p, w) for p, w in shared if (p.get("name"), p.get("in")) not in declared]
        parameters: list[Any] = []
        bodies = [(p, w) for p, w in inherited if p.get("in") == "body"]
        forms = [(p, w) for p, w in inherited if p.get("in") == "formData"]
        for index, param in enumerate(own):
            here = pointer.join(where, "parameters", index)
            if not isinstance(param, dict):
                parameters.append(param)
            elif param.get("in") == "body":
                bodies.append((param, here))
            elif param.get("in") == "formData":
                forms.append((param, here))
            else:
                parameters.append(self.parameter(param, here))
        body = None
        if bodies:
            if len(bodies) > 1:
                self.note(bodies[1][1], "more than one body parameter; only the first is kept")
            if forms:
                self.note(forms[0][1], "formData parameters beside a body parameter; dropped")
            body = self._body(bodies[0][0], consumes, bodies[0][1])
        elif forms:
            body = self._form(forms, consumes)
        out: dict[str, Any] = {}
        for key, value in op.items():
            if key in ("consumes", "produces", "schemes"):
                continue
            if key == "parameters":
                if parameters:
                    out["parameters"] = parameters
            elif key == "responses" and isinstance(value, dict):
                out[key] = {str(code): self.response(r, produces, pointer.join(where, key, code))
                            for code, r in value.items()}
            elif key == "security" and isinstance(value, list):
                out[key] = self.security(value)
            else:
                out[key] = value
        if body is not None:
            out["requestBody"] = body  # dump.py puts it in its place, after the parameters
        return out

    def path_item(self, item: dict[str, Any], where: str) -> dict[str, Any]:
        shared = []  # body and formData parameters of the path: part of each operation's body
        out: dict[str, Any] = {}
        params = []
        for index, param in enumerate(self._inline(p) for p in item.get("parameters") or []):
            here = pointer.join(where, "parameters", index)
            if isinstance(param, dict) and param.get("in") in ("body", "formData"):
                shared.append((param, here))
            elif isinstance(param, dict):
                params.append(self.parameter(param, here))
        for key, value in item.items():
            if key == "parameters":
                if params:
                    out[key] = params
            elif key in HTTP_METHODS and isinstance(value, dict):
                out[key] = self.operation(value, shared, pointer.join(where, key))
            else:
                out[key] = value
        return out

    # -- responses -------------------------------------------------------------------------

    def response(self, response: Any, produces: list[str], where: str) -> Any:
        if not isinstance(response, dict) or "$ref" in response:
            return response
        if "schema" in response and not produces:
            self.note(where, "no 'produces' for a response with a schema; declared as application/json")
        produces = produces or [_DEFAULT_MEDIA_TYPE]
        examples = response.get("examples") if isinstance(response.get("examples"), dict) else {}
        out: dict[str, Any] = {}
        for key, value in response.items():
            if key == "schema":
                schema = self.schema(value, pointer.join(where, key))
                content = {media: {"schema": copy.deepcopy(schema)} for media in produces}
                for media in examples:
                    content.setdefault(media, {"schema": copy.deepcopy(schema)})
                for media, example in examples.items():
                    content[media]["examples"] = {"response": {"value": example}}
                out["content"] = content
            elif key == "examples":
                if "schema" not in response and examples:
                    out["content"] = {m: {"examples": {"response": {"value": e}}} for m, e in examples.items()}
            elif key == "headers" and isinstance(value, dict):
                out[key] = {name: self.header(header, pointer.join(where, key, name)) for name, header in value.items()}
            else:
                out[key] = value
        return out

    def header(self, header: Any, where: str) -> Any:
        if not isinstance(header, dict) or "$ref" in header:
            return header
        rest, schema = self._simple({k: v for k, v in header.items() if k != "collectionFormat"}, where)
        fmt = header.get("collectionFormat")
        if schema.get("type") == "array" and fmt not in (None, "csv"):
            self._style(fmt, "header", pointer.join(where, "collectionFormat"))
        return {**rest, "schema": schema}

    # -- security --------------------------------------------------------------------------

    def security_scheme(self, scheme: Any) -> Any:
        if not isinstance(scheme, dict):
            return scheme
        kind = scheme.get("type")
        if kind == "basic":
            return {"type": "http", "scheme": "basic",
                    **{k: v for k, v in scheme.items() if k not in ("type",)}}
        if kind != "oauth2":
            return scheme
        flow: dict[str, Any] = {}
        for key in ("authorizationUrl", "tokenUrl"):
            if key in scheme:
                flow[key] = scheme[key]
        flow["scopes"] = scheme.get("scopes") or {}
        flow_name = _OAUTH2_FLOWS.get(scheme.get("flow"), str(scheme.get("flow")))  # else validation names it
        kept = {k: v for k, v in scheme.items()
                if k not in ("type", "flow", "authorizationUrl", "tokenUrl", "scopes", "name")}
        return {"type": "oauth2", **kept, "flows": {flow_name: flow}}

    def security(self, requirements: list[Any]) -> list[Any]:
        names = self.names.get("securityDefinitions", {})
        return [{names.get(k, k): v for k, v in r.items()} if isinstance(r, dict) else r for r in requirements]

    # -- the document ----------------------------------------------------------------------

    def servers(self) -> list[dict[str, str]]:
        host, base = self.src.get("host"), self.src.get("basePath")
        if isinstance(host, str) and host:
            base = base.rstrip("/") if isinstance(base, str) else ""
            schemes = [s for s in self.src.get("schemes") or [] if isinstance(s, str)] or [""]
            return [{"url": (f"{s}:" if s else "") + "//" + host + base} for s in schemes]
        if isinstance(base, str) and base:
            return [{"url": base}]
        return []

    def components(self, existing: Any) -> dict[str, Any]:
        components: dict[str, Any] = dict(existing) if isinstance(existing, dict) else {}
        bundled = components.get("schemas")  # schemas of other files, made local by bundle.py: 2.0 schemas too
        if isinstance(bundled, dict):
            where = pointer.join(pointer.ROOT, "components", "schemas")
            components["schemas"] = {n: self.schema(s, pointer.join(where, n)) for n, s in bundled.items()}
        sections = (("definitions", "schemas"), ("parameters", "parameters"), ("responses", "responses"),
                    ("securityDefinitions", "securitySchemes"))
        for old, new in sections:
            entries = self.src.get(old)
            if not isinstance(entries, dict):
                continue
            target = dict(components.get(new) or {})
            names = self.names.setdefault(old, {})
            for name, value in entries.items():
                if old == "parameters" and isinstance(value, dict) and value.get("in") in ("body", "formData"):
                    continue  # inlined where used: a request body, not a parameter
                base = component_name(name)
                fresh, n = base, 2
                while fresh in target:
                    fresh, n = f"{base}{n}", n + 1
                names[name] = fresh
                target[fresh] = value
            where = pointer.join(pointer.ROOT, old)
            for name, fresh in names.items():
                value, here = target[fresh], pointer.join(where, name)
                target[fresh] = (self.schema(value, here) if old == "definitions"
                                 else self.parameter(value, here) if old == "parameters"
                                 else self.response(value, self.produces, here) if old == "responses"
                                 else self.security_scheme(value))
            if target:
                components[new] = target
        return components

    def document(self) -> dict[str, Any]:
        src = self.src
        components = self.components(src.get("components"))  # names first: operations' security uses them
        out: dict[str, Any] = {"openapi": "3.0.3"}
        servers = self.servers()
        for key, value in src.items():
            if key == "info" and isinstance(value, dict):
                out[key] = {**value, **({"version": str(value["version"])} if "version" in value else {})}
                if servers:
                    out["servers"] = servers
            elif key == "paths" and isinstance(value, dict):
                out[key] = {path: self.path_item(item, pointer.join(pointer.ROOT, "paths", path))
                            if isinstance(item, dict) else item for path, item in value.items()}
            elif key == "security" and isinstance(value, list):
                out[key] = self.security(value)
            elif key not in _MOVED and key != "components":
                out[key] = value
        if servers and "servers" not in out:
            out["servers"] = servers
        if components:
            out["components"] = components
        return self.refs(out, pointer.ROOT)

    def refs(self, node: Any, where: str) -> Any:
        """Every `$ref` pointed at where its target now is."""
        if isinstance(node, list):
            return [self.refs(item, where) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: self.refs(value, pointer.join(where, key)) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and not ref.startswith("#/components/"):
            section, _, rest = ref[2:].partition("/")
            name, slash, tail = rest.partition("/")
            new = {"definitions": "schemas", "parameters": "parameters", "responses": "responses"}.get(section)
            names = self.names.get(section, {})
            old = unquote(pointer.unescape(name))
            if new and old in names:
                out["$ref"] = pointer.join(f"#/components/{new}", names[old]) + slash + tail
            else:
                self.note(pointer.join(where, "$ref"), "a $ref to no definition, parameter or response cannot follow "
                                                       "the conversion to OpenAPI 3.0; left as it is")
        return out


def upconvert(doc: dict[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """`doc`, a Swagger 2.0 document, as OpenAPI 3.0.3 (a new document; `doc` is not changed).
    Warnings are `<source>: <pointer>: <what>`, one per kind."""
    notes = _Notes()
    converted = _Converter(doc, notes).document()
    notes.flush(source, warnings)
    return converted
