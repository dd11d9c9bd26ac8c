"""The docs renderer's resolved-endpoint form -> an OpenAPI document.

Mintlify pages (both Lago pages) embed one endpoint "resolved" for display:

    paths: {path, method, servers, request: {security, parameters: {path|query|header|cookie:
            {name: {schema: [...]}}}, body}, response: {code: {media type: {schemaArray,
            examples}, description}}}
    components: {...}

It is not OpenAPI, so no tool can load it. Here it becomes real `paths`, `parameters`,
`responses`, `components.schemas` (named by `refIdentifier`, so responses can `$ref` them),
`securitySchemes` and named `examples`, without losing anything the page declares.
"""

from __future__ import annotations

import copy
import http
from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.base import pointer
from mockserver.normalize.extract import PageInfo
from mockserver.base.names import camel

_PARAM_LOCATIONS = ("path", "query", "header", "cookie")
_SECURITY_LOCATIONS = ("query", "header", "cookie")
# Keys of a parameter's schema item that belong to the Parameter Object, not the schema.
_PARAM_FIELDS = ("description", "required", "deprecated", "allowEmptyValue", "style", "explode", "example", "examples")
_ENDPOINT_KEYS = {"path", "method", "servers", "request", "response", "deprecated", "type", "title", "summary", "description"}
# `description` sits beside `schemaArray` in the resolved form: it is the response's.
_MEDIA_KEYS = {"schemaArray", "examples", "example", "encoding", "description"}


def is_resolved(data: Any) -> bool:
    """True when `data` has the resolved form's marker: `paths` holding `path` and `method`."""
    paths = data.get("paths") if isinstance(data, dict) else None
    return isinstance(paths, dict) and isinstance(paths.get("path"), str) and isinstance(paths.get("method"), str)


class _Converter:
    """Holds the document being built, so named schemas and schemes are registered once."""

    def __init__(self, data: dict[str, Any], source: str, warnings: list[str]) -> None:
        self.source = source
        self.warnings = warnings
        self.components: dict[str, Any] = copy.deepcopy(data.get("components") or {})

    def _register(self, section: str, name: str, value: dict[str, Any], where: str) -> None:
        """Add a named component; the same name twice must mean the same thing."""
        table = self.components.setdefault(section, {})
        if name in table and table[name] != value:
            raise UserError(self.source, f"{where}: {section} {name!r} is defined twice, differently")
        table[name] = value

    def schema(self, item: Any, where: str) -> Any:
        """One `schemaArray` item -> a schema, or a `$ref` to the component it names."""
        if not isinstance(item, dict):
            return item
        schema = {k: copy.deepcopy(v) for k, v in item.items() if k not in ("refIdentifier", "requiredProperties")}
        required = item.get("requiredProperties")
        if required:
            existing = schema.get("required") if isinstance(schema.get("required"), list) else []
            schema["required"] = existing + [name for name in required if name not in existing]
        ref = item.get("refIdentifier")
        if not isinstance(ref, str) or not ref:
            return schema
        name = ref.rsplit("/", 1)[-1]
        self._register("schemas", name, schema, where)
        return {"$ref": f"#/components/schemas/{pointer.escape(name)}"}

    def schema_array(self, items: Any, where: str) -> Any:
        """A `schemaArray`: one item is the schema, several are alternatives (`oneOf`)."""
        items = items if isinstance(items, list) else [items]
        schemas = [self.schema(item, pointer.join(where, i)) for i, item in enumerate(items)]
        return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}

    def parameters(self, declared: dict[str, Any], where: str) -> list[dict[str, Any]]:
        """`{location: {name: {schema: [item]}}}` -> Parameter Objects; the item's
        required/description/example describe the parameter, the rest is its schema."""
        result = []
        for location in _PARAM_LOCATIONS:
            for name, spec in (declared.get(location) or {}).items():
                here = pointer.join(where, location, name)
                items = (spec or {}).get("schema") or [{}]
                items = items if isinstance(items, list) else [items]
                first = dict(items[0]) if isinstance(items[0], dict) else {}
                param: dict[str, Any] = {"name": name, "in": location}
                for field in _PARAM_FIELDS:
                    value = first.get(field)
                    if field not in first or (field == "required" and not isinstance(value, bool)):
                        continue
                    if field == "examples" and not isinstance(value, dict):
                        continue  # a JSON-schema `examples` list stays in the schema
                    param[field] = first.pop(field)
                if location == "path":
                    param["required"] = True
                param["schema"] = self.schema_array([first, *items[1:]], pointer.join(here, "schema"))
                if param.get("description") is None:
                    param.pop("description", None)
                result.append(_ordered_param(param))
        return result

    def content(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        """`{media type: {schemaArray, examples}}` -> a Media Type map."""
        content = {}
        for media_type, media in entry.items():
            if media_type == "description":
                continue
            here = pointer.join(where, media_type)
            if not isinstance(media, dict):
                self.warnings.append(f"{self.source}: {here}: not a media type object, ignored")
                continue
            result: dict[str, Any] = {}
            if media.get("schemaArray") is not None:
                result["schema"] = self.schema_array(media["schemaArray"], pointer.join(here, "schema"))
            for key in ("example", "examples", "encoding"):
                if key in media:
                    result[key] = copy.deepcopy(media[key])
            for key in media.keys() - _MEDIA_KEYS:
                self.warnings.append(f"{self.source}: {pointer.join(here, key)}: unknown key in the resolved form, ignored")
            content[media_type] = result
        return content

    def responses(self, declared: dict[str, Any], where: str) -> dict[str, Any]:
        """`{code: {media type: ..., description}}` -> Response Objects."""
        responses = {}
        for code, entry in declared.items():
            code = str(code)
            entry = entry or {}
            descriptions = [entry.get("description")] + [m.get("description") for m in entry.values() if isinstance(m, dict)]
            description = next((d for d in descriptions if isinstance(d, str)), None) or _reason(code)
            response: dict[str, Any] = {"description": description}
            content = self.content(entry, pointer.join(where, code))
            if content:
                response["content"] = content
            responses[code] = response
        return responses

    def security(self, entries: list[Any], where: str) -> list[dict[str, list[str]]]:
        """`[{title, parameters: {header: {Authorization: {type: http, scheme}}}}]` ->
        security requirements, registering each scheme under its title (e.g. bearerAuth)."""
        requirements = []
        for index, entry in enumerate(entries or []):
            entry = entry or {}
            title = entry.get("title") or "auth"
            found = [
                (location, name, spec)
                for location in _SECURITY_LOCATIONS
                for name, spec in ((entry.get("parameters") or {}).get(location) or {}).items()
            ]
            requirement: dict[str, list[str]] = {}
            for location, name, spec in found:
                scheme_name = title if len(found) == 1 else f"{title}{camel(name)}"
                scheme = _scheme(location, name, spec or {})
                self._register("securitySchemes", scheme_name, scheme, pointer.join(where, index))
                requirement[scheme_name] = []
            requirements.append(requirement)
        return requirements

    def request_body(self, body: Any, where: str) -> dict[str, Any] | None:
        """`body: {media type: {schemaArray, examples}}` -> a Request Body (None when empty)."""
        if not isinstance(body, dict):
            return None
        content = self.content(body, where)
        if not content:
            return None
        result: dict[str, Any] = {"content": content}
        if isinstance(body.get("description"), str):
            result = {"description": body["description"], **result}
        return result


def _ordered_param(param: dict[str, Any]) -> dict[str, Any]:
    order = ("name", "in", "description", "required", "deprecated", "allowEmptyValue", "style", "explode", "schema")
    return {**{k: param[k] for k in order if k in param}, **{k: v for k, v in param.items() if k not in order}}


def _scheme(location: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A Security Scheme from one credential the resolved form lists."""
    if spec.get("type") in ("http", "oauth2", "openIdConnect"):
        return copy.deepcopy(spec)
    return {"type": "apiKey", "in": location, "name": name, **{k: v for k, v in spec.items() if k == "description"}}


def _reason(code: str) -> str:
    """A Response Object needs a description; the HTTP reason phrase is the honest default."""
    try:
        return http.HTTPStatus(int(code)).phrase
    except ValueError:
        return "Response"


def to_openapi(data: dict[str, Any], source: str, page: PageInfo, warnings: list[str]) -> dict[str, Any]:
    """Convert one resolved endpoint (plus its `components`) into an OpenAPI 3.0 document."""
    endpoint = data["paths"]
    converter = _Converter(data, source, warnings)
    where = pointer.join(pointer.ROOT, "paths")
    for key in endpoint.keys() - _ENDPOINT_KEYS:
        warnings.append(f"{source}: {pointer.join(where, key)}: unknown key in the resolved form, ignored")
    for key in data.keys() - {"paths", "components"}:
        warnings.append(f"{source}: {pointer.join(pointer.ROOT, key)}: unknown key in the resolved form, ignored")

    request = endpoint.get("request") or {}
    operation: dict[str, Any] = {}
    summary = endpoint.get("title") or endpoint.get("summary") or page.title
    description = endpoint.get("description") or page.lead
    if summary:
        operation["summary"] = summary
    if description:
        operation["description"] = description
    parameters = converter.parameters(request.get("parameters") or {}, pointer.join(where, "request", "parameters"))
    if parameters:
        operation["parameters"] = parameters
    body = converter.request_body(request.get("body"), pointer.join(where, "request", "body"))
    if body:
        operation["requestBody"] = body
    operation["responses"] = converter.responses(endpoint.get("response") or {}, pointer.join(where, "response"))
    if endpoint.get("deprecated") is True:
        operation["deprecated"] = True
    security = converter.security(request.get("security") or [], pointer.join(where, "request", "security"))
    if security:
        operation["security"] = security

    doc: dict[str, Any] = {"openapi": "3.0.3"}
    if endpoint.get("servers"):
        doc["servers"] = copy.deepcopy(endpoint["servers"])
    doc["paths"] = {endpoint["path"]: {endpoint["method"].lower(): operation}}
    if converter.components:
        doc["components"] = converter.components
    return doc
