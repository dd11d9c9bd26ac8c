"""The parameters-and-body stage: connexion's request validators, built once per operation.

connexion's RequestValidationMiddleware builds a URI parser, a parameter validator and a body
validator for every request; none of that depends on the request, so `RequestChecks` builds
them once per operation, from connexion's own classes (and the `validator_map` the app was
given), and the pipeline runs them in its own order. A parameter or body they reject gets the
operation's declared 400 (or 415), with the reason in a header, else problem+json.

connexion's parameter validation, with problem details that name the parameter, and cheaper:

connexion reports an invalid value as the bare jsonschema message ("'1999' is not one of
[...]"), which does not say which header or query parameter was wrong. It also deep-copies
the parameter and builds a new Draft4Validator for every parameter of every request; the
parameter definitions live as long as the app, so one validator per schema is kept (the same
validator class and format checker connexion uses, so the verdicts are the same), and a plain
`type: string` schema needs none for a string value.

Queries and forms as real clients write them: connexion's default URI parser indexes
`schema["type"]` and reads no brackets, so `ClientURIParser` (given to connexion's classes
where it would have used `OpenAPIURIParser`) decodes Stripe's and Rails' bracketed names and
types values by every schema option (brackets.py), and `FormBody` checks a URL-encoded body
as the request decoded it, with one validator per operation.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, ProblemException
from connexion.json_schema import Draft4RequestValidator, format_error_with_path
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from connexion.operations import AbstractOperation
from connexion.uri_parsing import QUERY_STRING_DELIMITERS, OpenAPIURIParser
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, AbstractRequestBodyValidator, FormDataValidator, JSONRequestBodyValidator
from connexion.validators.parameter import ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Receive, Scope

from mockserver.contract.formats import FORMATS
from mockserver.http import brackets, problems
from mockserver.adapters.connexion import (
    content_type, refuse_unsupported_media, request_validation, security_query_params)
from mockserver.base.defaults import (
    BODY_VALIDATORS_KEPT, MAX_REASON_CHARS, MAX_VIOLATIONS_SAID, PARAMETER_VALIDATORS_KEPT)
from mockserver.contract.operations import Operation
from mockserver.base.httpfacts import is_json, is_xml
from mockserver.http.request import UnreadableBody, json_value, query_not_utf8, xml_body, xml_root
from mockserver.http.reply import Reply
from mockserver.generate.error_fields import Violation, body_violation, parameter_violation
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem

from mockserver.contract.leanschema import ANNOTATIONS  # keywords that check nothing, in any dialect here

_kept: dict[int, tuple[Any, Draft4Validator, bool]] = {}

_lock = threading.Lock()
FORM = "application/x-www-form-urlencoded"


def _cut(text: str) -> str:
    """A reason short enough for a header: it quotes the value, and a 5,000-digit id is no header."""
    if len(text) <= MAX_REASON_CHARS:
        return text
    half = (MAX_REASON_CHARS - 3) // 2
    return text[:half] + "..." + text[-half:]  # what was refused, and why


def _violations(validator: Any, value: Any) -> list[Violation]:
    """Everything `validator` finds wrong with a body, in its order (`validate` raises the first,
    which the reason in `x-mock-problem` quotes), so a generated error body can say each
    (`RequestChecks.check` carries them to the reply)."""
    errors = []
    for error in validator.iter_errors(value):
        errors.append(error)
        if len(errors) >= MAX_VIOLATIONS_SAID * 4:
            break
    said: list[Violation] = []
    for error in errors:
        violation = body_violation(error)
        violation = Violation(violation.pointer, _cut(violation.message), violation.name, violation.location,
                              _cut(violation.summary))
        if violation not in said:
            said.append(violation)
    return said[:MAX_VIOLATIONS_SAID]


def _refused(problem: BadRequestProblem, validator: Any, value: Any) -> BadRequestProblem:
    problem.violations = _violations(validator, value)  # type: ignore[attr-defined]
    return problem


def _validator_for(schema: Any) -> tuple[Draft4Validator, bool]:
    """The schema's validator, and whether the schema is `type: string` and nothing else.

    Path, header and cookie values are strings, and most of their schemas say just that, so
    for those the common case skips jsonschema with the verdict it would give: valid.
    """
    entry = _kept.get(id(schema))
    if entry is None or entry[0] is not schema:  # holding the schema keeps its id from being reused
        plain = isinstance(schema, dict) and schema.get("type") == "string" and not schema.keys() - ANNOTATIONS - {"type"}
        entry = (schema, Draft4Validator(schema, format_checker=FORMATS), plain)
        with _lock:
            if len(_kept) >= PARAMETER_VALIDATORS_KEPT:
                _kept.clear()
            _kept[id(schema)] = entry
    return entry[1], entry[2]


def always_valid(parameters: list[dict[str, Any]]) -> bool:
    """Whether no request that reached the operation's route can fail these parameters.

    So when every parameter is a plain string that is either in the path (a matched route always
    has it) or optional, which is how most vendor GETs look.
    """
    for param in parameters:
        _validator, any_string = _validator_for(param.get("schema", param))
        if not any_string or (param.get("in") != "path" and param.get("required")):
            return False
    return True


class NamingParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            validator, any_string = _validator_for(param.get("schema", param))
            if any_string and isinstance(value, str):
                return None
            try:
                validator.validate(value)
            except ValidationError as exception:
                reason = str(exception).strip().splitlines()[0]
                return f"Invalid {parameter_type} parameter '{param.get('name', param_name)}': {reason}"
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None


def _delimiter(definition: Mapping[str, Any], default_style: str) -> str:
    return QUERY_STRING_DELIMITERS.get(definition.get("style", default_style), ",")


def _split(text: str, definition: Mapping[str, Any], default_style: str) -> list[str]:
    """An array written in one value (`a=1,2,3`, `simple` or non-exploded `form` style)."""
    return text.split(_delimiter(definition, default_style))


def form_value(fields: Mapping[str, Any], schema: Any, encoding: Mapping[str, Any]) -> dict[str, Any]:
    """A form body's decoded fields (brackets.decode) as the body schema types them: a part
    whose `encoding` says JSON is parsed, an array written in one value (`explode: false`, or a
    delimited style) is split."""
    value = {}
    for name, item in fields.items():
        part = encoding.get(name) if isinstance(encoding, Mapping) else None
        part = part if isinstance(part, Mapping) else {}
        member = brackets.member_schema(schema, name)
        if isinstance(item, str) and is_json(part.get("contentType")):
            try:
                value[name] = json_value(item)  # deep or huge JSON in a form part: refused, not a 500
            except UnreadableBody:
                value[name] = item  # left as text for validation to refuse
            continue
        if isinstance(item, str) and brackets.kinds(member)[:1] == ["array"] and (
                part.get("explode") is False or part.get("style") in ("spaceDelimited", "pipeDelimited")):
            item = _split(item, part, "form")
        value[name] = brackets.typed(item, member)
    parts = [schema, *(schema.get("allOf") or ())] if isinstance(schema, Mapping) else []
    for name in [name for part in parts if isinstance(part, Mapping) for name in part.get("required") or ()]:
        if name not in value and brackets.kinds(brackets.member_schema(schema, name))[:1] == ["array"]:
            value[name] = []  # an empty array is no field at all in a form: nothing is how it is sent
    return value


class ClientURIParser(OpenAPIURIParser):
    """connexion's OpenAPI URI parser, reading queries and forms as real clients write them.

    Each query parameter's value is typed by its schema's options (brackets.typed), so a schema
    with no `type` (`oneOf: [integer, string]`) is read, not a KeyError. A bracketed key under a
    declared name is decoded as Stripe's SDKs, Rails and qs write it (`expand[0]=a`, `expand[]=a`,
    `lines[0][amount]=5`, `created[gt]=5`), whatever the declared style. A `form` object that is
    exploded (the default) is made of its properties sent as names of their own
    (`?number=2&size=10` for `page`); a non-exploded one is `page=number,2,size,10`.
    Plain repeated and comma-separated arrays read as connexion reads them. What is decided per
    parameter is decided here, once per operation.
    """

    def __init__(self, param_defns: list[dict[str, Any]], body_defn: dict[str, Any]) -> None:
        super().__init__(param_defns, body_defn)
        self._form_schema = body_defn.get("schema", {})
        self._form_encoding = body_defn.get("encoding", {})
        self._query = {p["name"]: p for p in param_defns if p.get("in") == "query"}
        self._members: dict[str, str] = {}  # property of an exploded form object -> its parameter
        for name, param in self._query.items():
            schema = param.get("schema", {})
            if param.get("style", "form") == "form" and param.get("explode", True) and "object" in brackets.kinds(schema):
                for member in brackets.property_names(schema):
                    if member not in self._query:
                        self._members.setdefault(member, name)

    def resolve_query(self, query_data: dict[str, list[str]]) -> dict[str, Any]:
        resolved: dict[str, Any] = {}
        nested: dict[str, list[tuple[str, str]]] = {}
        members: dict[str, dict[str, Any]] = {}
        for key, values in query_data.items():
            param = self._query.get(key)
            if param is not None:
                resolved[key] = self._plain(param, values)
                continue
            bracket = key.find("[")
            if bracket > 0 and key[:bracket] in self._query:
                nested.setdefault(key[:bracket], []).extend((key[bracket:], value) for value in values)
            elif key in self._members:
                members.setdefault(self._members[key], {})[key] = values
            else:
                resolved[key] = values  # not declared: strict validation names it
        for name, suffixes in nested.items():  # `expand[0]=a` beside `expand=b`: the brackets win
            resolved[name] = brackets.typed(brackets.decode_under(name, suffixes), self._query[name].get("schema"))
        for name, fields in members.items():
            if name not in resolved:
                resolved[name] = brackets.typed(fields, self._query[name].get("schema"))
        return resolved

    def _plain(self, param: Mapping[str, Any], values: list[str]) -> Any:
        schema = param.get("schema", {})
        kinds = brackets.kinds(schema)
        if kinds[:1] == ["array"]:  # as connexion reads it: exploded (the default), every value, each split
            text = _delimiter(param, "form").join(values) if param.get("explode", param.get("style", "form") == "form") \
                else values[-1]
            return brackets.typed(_split(text, param, "form"), schema)
        if kinds[:1] == ["object"] and param.get("explode") is False and values:
            parts = _split(values[-1], param, "form")  # `color=r,1,g,2`
            return brackets.typed(dict(zip(parts[::2], parts[1::2])), schema)
        return brackets.typed(values[-1] if values else values, schema)

    def resolve_path(self, path_data: dict[str, Any]) -> dict[str, Any]:
        resolved = {}
        for name, value in path_data.items():
            param = self.param_defns.get(name)
            if param is None:
                resolved[name] = value
                continue
            schema = param.get("schema", {})
            if isinstance(value, str) and brackets.kinds(schema)[:1] == ["array"]:
                value = _split(value, param, "simple")
            resolved[name] = brackets.typed(value, schema)
        return resolved

    def resolve_form(self, form_data: dict[str, list[Any]]) -> dict[str, Any]:
        """A multipart form's text fields (connexion's form validator; URL-encoded forms are
        read by `FormBody`), bracketed names decoded."""
        fields = brackets.decode((key, value) for key, values in form_data.items() for value in values)
        return form_value(fields, self._form_schema, self._form_encoding)


class FormBody:
    """The check of one operation's `application/x-www-form-urlencoded` body.

    connexion's form validator reads every name flat (`metadata[plan]` is a property of its own,
    refused where `additionalProperties: false`) and builds a jsonschema validator per request.
    This one checks the body the request already decoded (`MockRequest.fields`: brackets
    decoded), typed by the schema, with connexion's request validator built once.
    """

    def __init__(self, schema: Mapping[str, Any], encoding: Mapping[str, Any], *, strict: bool) -> None:
        self._schema = schema
        self._encoding = encoding
        self._strict = strict
        self._validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        self._formats = OAS30Validator(schema, format_checker=oas30_format_checker)

    def check(self, fields: Any, sent: bool, required: bool) -> None:
        """`fields`: the body as the request decoded it (None when it could not), `sent`:
        whether the request has a body."""
        if not isinstance(fields, dict):
            if not sent and not required:
                return
            raise BadRequestProblem(detail="the body is not UTF-8 form data" if sent else "RequestBody is required")
        value = form_value(fields, self._schema, self._encoding)
        if self._strict:
            extra = set(value) - set(brackets.property_names(self._schema))
            if extra:
                raise ExtraParameterProblem(param_type="formData", extra_params=extra)
        try:
            self._validator.validate(value)
        except ValidationError as exception:
            raise _refused(BadRequestProblem(detail=f"{exception.message}{format_error_with_path(exception)}"),
                           self._validator, value) from None
        refuse_formats(self._formats, value)


def refuse_formats(validator: OAS30Validator, value: Any) -> None:
    """OpenAPI's own formats (`int64` ranges, `uuid`, `date-time`...), which connexion's draft-4
    checker does not know, for JSON, XML and form bodies alike: a value the record could not
    hold is the client's mistake, a 400, not something to store."""
    error = next(iter(validator.iter_errors(value)), None)
    if error is not None:
        where = "/" + "/".join(str(part) for part in error.absolute_path)
        raise _refused(BadRequestProblem(detail=f"{error.message} at {where}"), validator, value)


class ReadsJsonSafely:
    """Mixed into connexion's JSON body validator (and any subclass an app gives): the body is
    read by `json_value`, so nesting, huge integers, `NaN` and lone surrogates are a 400 that
    names them, not a RecursionError or ValueError (a 500) in `json.loads`."""

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        body = b"".join([message async for message in stream])
        if not body:
            return None
        try:
            return json_value(body)
        except UnreadableBody as exc:
            raise BadRequestProblem(detail=str(exc)) from None

    def _validate(self, body: Any) -> Any:
        try:
            return super()._validate(body)  # type: ignore[misc]
        except BadRequestProblem as problem:
            if body is not None and not hasattr(problem, "violations"):
                raise _refused(problem, self._validator, body)  # type: ignore[attr-defined]
            raise


_safe_json: dict[type, type] = {}


def _reading_json_safely(validator_cls: type) -> type:
    if validator_cls not in _safe_json:
        _safe_json[validator_cls] = type(f"Safe{validator_cls.__name__}", (ReadsJsonSafely, validator_cls), {})
    return _safe_json[validator_cls]


class XmlBody(AbstractRequestBodyValidator):
    """An XML body checked as a JSON one is: read into the value its schema describes (OpenAPI
    `xml` objects, `xml_body`), then the same draft-4 check and OpenAPI formats. connexion
    checks no XML at all, so a pet without its required `name` was stored."""

    def __init__(self, *, schema: dict, nullable: bool = False, **kwargs: Any) -> None:
        super().__init__(schema=schema, nullable=nullable, **kwargs)
        self._validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        self._formats = OAS30Validator(schema, format_checker=oas30_format_checker)

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        body = b"".join([message async for message in stream])
        if not body.strip():
            return None
        try:
            return xml_body(xml_root(body), self._schema)
        except UnreadableBody as exc:
            raise BadRequestProblem(detail=str(exc)) from None

    def _validate(self, body: Any) -> None:
        if body is None:
            if not self._nullable:
                raise BadRequestProblem(detail="Request body must not be empty")
            return
        try:
            self._validator.validate(body)
        except ValidationError as exception:
            raise _refused(BadRequestProblem(detail=f"{exception.message}{format_error_with_path(exception)}"),
                           self._validator, body) from None
        refuse_formats(self._formats, body)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


class RequestChecks:
    """One operation's parameter and body checks, ready to run on any request."""

    def __init__(self, operation: AbstractOperation, *, strict_validation: bool = False,
                 validator_map: dict | None = None) -> None:
        self._validation = request_validation(operation, strict_validation=strict_validation,
                                              validator_map=validator_map)
        self._operation = operation
        self._validator_map = {**VALIDATOR_MAP, **(validator_map or {})}
        self._strict = strict_validation
        parameter_cls = self._validator_map["parameter"]
        # connexion's default parser assumes every schema has a `type` and knows no brackets
        self._uri_parser_cls = ClientURIParser if operation.uri_parser_class is OpenAPIURIParser \
            else operation.uri_parser_class
        self.parameters = None  # none at all when no request that reached the route can fail them
        if parameter_cls is not NamingParameterValidator or strict_validation or not always_valid(operation.parameters):
            self.parameters = parameter_cls(
                operation.parameters,
                uri_parser=self._uri_parser_cls(operation.parameters, operation.body_definition()),
                strict_validation=strict_validation,
                security_query_params=security_query_params(self._validation),
            )
        self.has_body = bool(operation.request_body)
        self.body_required = bool((operation.request_body or {}).get("required", False))
        self._body_validators: dict[tuple[str, str], Any] = {}
        self._format_validators: dict[str, Any] = {}

    async def check(self, op: Operation, scope: Scope, receive: Receive, build: ReplyBuilder,
                    body: Any = None) -> Reply | None:
        """None when parameters and body are what the contract allows; else the refusal.
        `body` is the parsed JSON body, for the formats connexion's draft-4 check skips."""
        try:
            unreadable = query_not_utf8(scope.get("query_string", b""))
            if unreadable is not None:
                raise BadRequestProblem(detail=unreadable)
            if self.parameters is not None:
                self.parameters.validate(scope)
            if self.has_body and (self.body_required or _has_body(scope)):
                await self._check_body(scope, receive, body)  # an optional body may be absent (connexion refuses that)
                self._check_formats(scope, body)
        except ProblemException as exc:
            detail = str(exc.detail or exc.title).strip()
            reason = _cut(detail.splitlines()[0] if detail else "invalid request")  # jsonschema's report: its first line
            violations = getattr(exc, "violations", None) or [
                parameter_violation(reason) or Violation("", reason, summary=reason)]
            status = exc.status
            # 422 is the operation's own word for an invalid request (Rails-style APIs); and no
            # record lives at a path its own schema refuses, so a declared 404 says that too
            stand_ins = () if status != 400 else (422, 404) if reason.startswith("Invalid path parameter") else (422,)
            return declared_or_problem(build, op, status, lambda: problems.invalid_request(status, reason), reason,
                                       stand_ins=stand_ins, violations=violations)
        return None

    async def _check_body(self, scope: Scope, receive: Receive, body: Any) -> None:
        mime_type, encoding = content_type(self._validation, scope["headers"])
        refuse_unsupported_media(self._validation, mime_type)  # 415
        validator = self._body_validator(mime_type, encoding)
        if isinstance(validator, FormBody):
            validator.check(body, _has_body(scope), self.body_required)
        elif validator is not None:
            try:
                await validator.wrap_receive(receive, scope=scope)  # reads and checks the body: 400
            except UnicodeDecodeError as exc:  # connexion decodes before it parses: the client's bytes
                raise BadRequestProblem(detail=f"the body is not {encoding} text (byte {exc.start})") from None

    def _check_formats(self, scope: Scope, body: Any) -> None:
        """OpenAPI's own formats in a JSON body (`int64` ranges, `uuid`, `date-time`...), which
        connexion's draft-4 checker does not know: a body the record could not hold is the
        client's mistake, a 400, not something to store."""
        if body is None:
            return
        mime_type, _encoding = content_type(self._validation, scope["headers"])
        if not is_json(mime_type):
            return
        validator = self._format_validators.get(mime_type)
        if validator is None:
            schema = self._operation.body_schema(mime_type)
            if not schema:
                return
            validator = self._format_validators[mime_type] = OAS30Validator(schema, format_checker=oas30_format_checker)
        refuse_formats(validator, body)

    def _body_validator(self, mime_type: str, encoding: str) -> Any:
        key = (mime_type, encoding)
        if key not in self._body_validators:
            self._body_validators[key] = self._new_body_validator(mime_type, encoding)
            if len(self._body_validators) > BODY_VALIDATORS_KEPT:
                self._body_validators.pop(next(iter(self._body_validators)))
        return self._body_validators[key]

    def _new_body_validator(self, mime_type: str, encoding: str) -> Any:
        operation = self._operation
        schema = operation.body_schema(mime_type)
        validator_cls = self._validator_map["body"].get(mime_type) if schema else None
        if validator_cls is None and schema and is_xml(mime_type):
            validator_cls = XmlBody
        if validator_cls is None:
            return None
        definition = operation.body_definition(mime_type)
        if validator_cls is FormDataValidator and mime_type == FORM:  # connexion's own reads no brackets
            return FormBody(schema, definition.get("encoding") or {}, strict=self._strict)
        if isinstance(validator_cls, type) and issubclass(validator_cls, JSONRequestBodyValidator):
            validator_cls = _reading_json_safely(validator_cls)
        return validator_cls(
            schema=schema,
            required=operation.request_body.get("required", False),
            nullable=is_nullable(definition),
            encoding=encoding,
            strict_validation=self._strict,
            uri_parser=self._uri_parser_cls(operation.parameters, operation.body_definition()),
        )
