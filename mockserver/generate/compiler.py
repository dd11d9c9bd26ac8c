"""Schema -> plan: resolves $ref, merges allOf, reads constraints, picks value makers.

Why merge allOf instead of generating each part: a value must satisfy every part at once, and the
vendors wrap plain references in allOf (Lago: ``activity_log: {allOf: [$ref]}``). Merging is
conservative where parts disagree (bounds intersect, enums intersect, null allowed only if every
typed part allows it) so that what is generated validates against the original, unmerged schema.
"""

from __future__ import annotations

import math
from typing import Any

from . import hints
from jsonschema import Draft4Validator
from openapi_schema_validator import OAS30ReadValidator

from .nodes import (
    Arr, Bool, Const, DateTime, Enum, Examples, FreeForm, Int, Node, Num, Obj, OneOf, Prop, Ref, Refused, Str,
    settle,
)
from .runtime import Ctx, Run, key_styled, words
from mockserver.base.names import singular
from mockserver.base.pointer import lookup

_META_KEYS = frozenset(("description", "title", "example", "examples", "externalDocs", "xml", "deprecated",
                        "discriminator", "default"))
INT32 = (-(2**31) + 1, 2**31 - 1)
INT64 = (-(2**63) + 1, 2**63 - 1)


def item_name(name: str | None) -> str | None:
    """'activityLogItems' -> 'activityLogItem': array items are named after their array."""
    return singular(name) if name else name


def entity_of(name: str | None) -> str:
    """Normalized entity name used to match foreign keys: 'ActivityLogResponse' -> 'activitylog'."""
    ws = list(words(name))
    if len(ws) > 1 and ws[-1] in ("response", "request", "dto", "model", "schema", "resource"):
        ws.pop()
    return "".join(ws)


class Compiler:
    """Turns schemas into nodes; memoizes referenced schemas per (ref, name context)."""

    def __init__(self, document: dict[str, Any], ctx: Ctx) -> None:
        self.doc = document
        self.ctx = ctx
        schemas = (document.get("components") or {}).get("schemas") or {}
        self.component_names: dict[int, str] = {id(s): n for n, s in schemas.items() if isinstance(s, dict)}
        self.table: dict[Any, Node] = {}
        self._stack: list[tuple[int, Any]] = []
        self._held: list[Any] = []  # every schema object a table key names by its id
        self._flat: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # id -> (schema, flattened)
        self._choices: dict[int, tuple[dict[str, Any], list[Any]]] = {}  # id -> (schema, its options)
        self._root_validator: Any = None  # openapi-core's validator on the document, for oneOf checks

    # --- resolution -------------------------------------------------------------------------------

    def deref(self, ref: str) -> dict[str, Any]:
        node = lookup(self.doc, ref)
        if not isinstance(node, dict):
            raise ValueError(f"$ref {ref!r} does not point at a schema")
        return node

    def flatten(self, schema: dict[str, Any], seen: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Follow $ref chains and merge allOf into one schema dict (the input is never modified).

        A top-level call is answered once per schema object (the same merged dict every time): the
        compiler recognises recursion by the identity of what it compiles, so what it makes of a
        schema must be the same object whenever that schema comes round again."""
        if seen:
            return self._flatten(schema, seen)
        kept = self._flat.get(id(schema))
        if kept is None or kept[0] is not schema:
            kept = self._flat[id(schema)] = (schema, self._flatten(schema, seen))
        return kept[1]

    def _flatten(self, schema: dict[str, Any], seen: frozenset[str]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return {}
            target = self._flatten(self.deref(ref), seen | {ref})
            # openapi-core applies the siblings of a $ref too: they constrain like an allOf part
            rest = {k: v for k, v in schema.items() if k != "$ref" and not _passive(k)}
            return merge_all([rest, target]) if rest else target
        schema = _normalize_type(schema)
        if "allOf" not in schema:
            return schema
        base = {k: v for k, v in schema.items() if k != "allOf"}
        parts = [base] + [self._flatten(p, seen) for p in schema["allOf"] if isinstance(p, dict)]
        return merge_all(parts)

    # --- compilation ------------------------------------------------------------------------------

    def plan(self, schema: dict[str, Any]) -> Node:
        """The plan for a schema handed to generate(): compiled, then settled (how generation
        leaves each recursive cycle, nodes.settle)."""
        node = self.compile(schema, None, (), ref_name=self.root_name(schema))
        settle(node)
        return node

    def compile(self, schema: dict[str, Any], name: str | None, parent: tuple[str, ...],
                sibs: frozenset[str] = frozenset(), ref_name: str | None = None) -> Node:
        """One node per (schema, name context). A schema met again inside itself, through any
        keyword ($ref, allOf, anyOf/oneOf, items, properties, additionalProperties), becomes a
        back-edge to the plan being built, so compiling always ends; `settle` then finds how
        generation leaves each cycle."""
        ref = _sole_ref(schema)
        target = self.deref(ref) if ref is not None else schema  # what the schema amounts to
        key = (id(target), name, parent, sibs)
        node = self.table.get(key)
        if node is not None:
            return node
        for stacked_id, stacked_key in reversed(self._stack):
            if stacked_id == id(target):  # recursion: point back at the plan being built
                return Ref(self.table, stacked_key)
        self._stack.append((id(target), key))
        try:
            node = self._compile_flat(self.flatten(schema), name, parent, sibs,
                                      ref.rsplit("/", 1)[-1] if ref is not None else ref_name)
            node.nullable = self.accepts_null(schema)
        finally:
            self._stack.pop()
        self.table[key] = node
        self._held.append(target)  # the key holds its id: the object must outlive the table entry
        return node

    def accepts_null(self, schema: Any, seen: frozenset[str] = frozenset()) -> bool:
        """Whether openapi-core's OAS 3.0 validator accepts null for `schema`. `nullable: true`
        counts only beside a `type` in the same schema object (OAS 3.0.3, and openapi-schema-
        validator's `type` keyword): `{anyOf: [{$ref}], nullable: true}` refuses null."""
        if not isinstance(schema, dict):
            return schema is not False
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in seen or not self.accepts_null(self.deref(ref), seen | {ref}):
                return False
        if "type" in schema and schema.get("nullable") is not True:
            t = schema["type"]
            if not (isinstance(t, list) and "null" in t):
                return False
        enum = schema.get("enum")
        if isinstance(enum, list) and None not in enum:
            return False
        if "discriminator" in schema and schema.keys() & {"allOf", "anyOf", "oneOf"}:
            return False  # the discriminator keyword wants an object
        for sub in schema.get("allOf") or ():
            if not self.accepts_null(sub, seen):
                return False
        if schema.get("anyOf") and not any(self.accepts_null(sub, seen) for sub in schema["anyOf"]):
            return False
        if schema.get("oneOf") and sum(self.accepts_null(sub, seen) for sub in schema["oneOf"]) != 1:
            return False
        return not ("not" in schema and self.accepts_null(schema["not"], seen))

    def _compile_flat(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...],
                      sibs: frozenset[str], ref_name: str | None) -> Node:
        node = self._compile_kind(s, name, parent, sibs, ref_name)
        if isinstance(s.get("not"), dict):  # rare (no public document here has one): checked, drawn again
            node = Refused(node, self._validator(s["not"]))
        return node

    def _validator(self, schema: dict[str, Any]) -> Any:
        """openapi-core's OAS 3.0 read validator's verdict for `schema` ($refs into the document)."""
        if self._root_validator is None:
            self._root_validator = OAS30ReadValidator(self.doc, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
        return self._root_validator.evolve(schema=schema).is_valid

    def _compile_kind(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...],
                      sibs: frozenset[str], ref_name: str | None) -> Node:
        if "oneOf" in s or "anyOf" in s:
            return self._compile_choice(s, name, parent, sibs)
        if "enum" in s:
            choices = tuple(v for v in s["enum"] if v is not None)
            return Enum(choices or (None,))
        if "const" in s:
            return Const(s["const"])
        t = s.get("type") or _infer_type(s)
        if t == "string":
            return self._compile_string(s, name, parent, sibs)
        if t == "integer":
            return self._compile_int(s, name, sibs)
        if t == "number":
            return self._compile_number(s, name)
        if t == "boolean":
            return Bool()
        if t == "array":
            return self._compile_array(s, name, parent)
        if t == "object":
            return self._compile_object(s, name, parent, ref_name)
        example = s.get("example")  # untyped: anything goes; follow the example's shape if it has one
        if example is not None and not isinstance(example, (dict, list)):
            return FreeForm(hints.mimicker(example, name))
        return FreeForm(hints.freeform_hint(name, s))

    def _options(self, s: dict[str, Any]) -> list[Any]:
        """The options of a oneOf/anyOf, each with what beside it constrains too (an allOf of both).
        Made once per schema object, so that recursion through them is recognised (see compile)."""
        kept = self._choices.get(id(s))
        if kept is None or kept[0] is not s:
            keyword = "oneOf" if s.get("oneOf") else "anyOf"
            base = {k: v for k, v in s.items() if k != keyword}
            significant = any(not _passive(k) for k in base)
            options = [{"allOf": [base, opt]} if significant else opt
                       for opt in s.get(keyword) or [] if isinstance(opt, dict)]
            kept = self._choices[id(s)] = (s, options)
        return kept[1]

    def _compile_choice(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...],
                        sibs: frozenset[str]) -> Node:
        options = [opt for opt in s.get("oneOf") or s.get("anyOf") or [] if isinstance(opt, dict)]
        merged_options = self._options(s)
        disc = s.get("discriminator")
        disc_prop = disc.get("propertyName") if isinstance(disc, dict) else None
        if disc_prop is not None:  # the validator's discriminator takes objects only (GitHub's
            # directory listing, an array, beside a file, a symlink and a submodule)
            objects = [i for i, merged in enumerate(merged_options) if "object" in _types(self.flatten(merged))]
            if objects:
                options = [options[i] for i in objects]
                merged_options = [merged_options[i] for i in objects]
        nodes = [self.compile(merged, name, parent, sibs) for merged in merged_options]
        mapping = (disc or {}).get("mapping") or {}
        disc_values: list[str | None] = []
        for opt in options:
            ref = opt.get("$ref") if isinstance(opt, dict) else None
            value = next((k for k, v in mapping.items() if v == ref), None)
            disc_values.append(value or (ref.rsplit("/", 1)[-1] if ref else None))
        # Stripe's expandable fields (`anyOf: [id string, $ref object]` with `x-expansionResources`)
        # are their id unless the request expands them, as the API answers
        preferred = next((i for i, opt in enumerate(options) if "$ref" not in opt), None) \
            if "x-expansionResources" in s else None
        node = OneOf(nodes or [FreeForm(hints.record_dict)], disc_prop, disc_values, preferred)
        if s.get("oneOf") and disc_prop is None and _overlap([self.flatten(o) for o in merged_options]):
            self._exactly_one(node, merged_options)
        return node

    def _exactly_one(self, node: OneOf, options: list[Any]) -> None:
        """A oneOf whose options can accept the same value must get a value exactly one accepts
        (GitHub's reviewer: a user with a `name` is a team too). The node checks its value with
        openapi-core's own validator for each option, and first drops the properties that the other
        option requires and its own does not (`drops`); where no property is required (GitHub's
        409: a basic error or a rule violation, both open objects), it adds one that its own
        option leaves open and the other types otherwise (`poisons`); else it draws again."""
        node.checks = tuple(self._validator(opt) for opt in options)
        flat = [self.flatten(opt) for opt in options]
        required = [set(f.get("required") or ()) for f in flat]
        node.drops = tuple(tuple(tuple(sorted(required[j] - required[i])) for j in range(len(options)))
                           for i in range(len(options)))
        node.poisons = tuple(tuple(_poison(flat[i], flat[j]) for j in range(len(options)))
                             for i in range(len(options)))

    def _compile_string(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...],
                        sibs: frozenset[str]) -> Node:
        ws = words(name)
        fmt = s.get("format")
        ex = s.get("example")
        if fmt in ("date-time", "date") or (fmt is None and (
                (ws[-1:] == ("at",) and (ex is None or hints.is_datetime_example(ex)))
                or hints.is_datetime_example(ex) or (ws[-1:] == ("date",) and hints.is_date_example(ex)))):
            date_only = fmt == "date" or (fmt is None and hints.is_date_example(ex))
            return DateTime(hints.is_created_name(ws), date_only)
        examples = self._own_examples(s, ws) if self.ctx.vocab.examples_first else ()
        if examples:  # the generated alternative to the examples must not mimic them
            s = {key: value for key, value in s.items() if key not in ("example", "x-examples")}
            ex = None
        fn, prio = hints.string_hint(name, parent, sibs, s, self.ctx)
        patterns = tuple(s.get("x-patterns", ())) + ((s["pattern"],) if "pattern" in s else ())
        generated = Str(fn, prio, int(s.get("minLength", 0)), s.get("maxLength"), patterns, ex)
        return Examples(examples, generated) if examples else generated

    @staticmethod
    def _own_examples(s: dict[str, Any], ws: tuple[str, ...]) -> tuple[str, ...]:
        """A descriptive string field's examples that its own constraints allow (`Buy milk` for a
        todo's title). Not for ids, which must differ between records, nor for fields with a
        format, whose makers already give realistic, varied values."""
        if s.get("format") or ws[-1:] in (("id",), ("uuid",), ("guid",)):
            return ()
        candidates = [s.get("example"), *(s.get("x-examples") or ())]
        own = {k: v for k, v in s.items() if k in ("type", "minLength", "maxLength", "pattern", "enum")}
        checker = Draft4Validator(own)
        return tuple(dict.fromkeys(v for v in candidates if isinstance(v, str) and checker.is_valid(v)))

    def _compile_int(self, s: dict[str, Any], name: str | None, sibs: frozenset[str]) -> Node:
        lo, lo_strict, hi, hi_strict = _bounds(s)
        lo_i = None if lo is None else (math.floor(lo) + 1 if lo_strict else math.ceil(lo))
        hi_i = None if hi is None else (math.ceil(hi) - 1 if hi_strict else math.floor(hi))
        fmt_lo, fmt_hi = INT32 if s.get("format") == "int32" else INT64
        if lo_i is not None:
            lo_i = max(lo_i, fmt_lo)
        if hi_i is not None:
            hi_i = min(hi_i, fmt_hi)
        fn, prio = hints.int_hint(name, sibs, s)
        return Int(fn, prio, lo_i, hi_i, s.get("multipleOf"))

    def _compile_number(self, s: dict[str, Any], name: str | None) -> Node:
        lo, lo_strict, hi, hi_strict = _bounds(s)
        return Num(hints.number_hint(name, s), lo, hi, lo_strict, hi_strict, s.get("multipleOf"))

    def _compile_array(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...]) -> Node:
        items = s.get("items") or {}
        item = self.compile(items, item_name(name), parent)
        lo = int(s.get("minItems", 0))
        hi = s.get("maxItems")
        unique = bool(s.get("uniqueItems"))
        flat_items = self.flatten(items)
        if unique and "enum" in flat_items:
            hi = len(flat_items["enum"]) if hi is None else min(hi, len(flat_items["enum"]))
        empty_bias = 0.7 if s.get("example") == [] else 0.0
        return Arr(item, lo, hi, unique, empty_bias)

    def _compile_object(self, s: dict[str, Any], name: str | None, parent: tuple[str, ...],
                        ref_name: str | None) -> Node:
        props: dict[str, Any] = s.get("properties") or {}
        required = [r for r in (s.get("required") or []) if isinstance(r, str)]
        ap = s.get("additionalProperties", True)
        ap_schema = ap if isinstance(ap, dict) and ap else None
        closed = ap is False
        allowed = s.get("x-allowed-keys")  # from merged allOf parts that were closed
        if allowed is not None:
            props = {k: v for k, v in props.items() if k in allowed}
        if not props and not required and ap_schema is None and not closed:
            return FreeForm(hints.freeform_hint(name, s))
        entity_name = name or ref_name or self.component_names.get(id(s))
        entity = entity_of(entity_name)
        child_parent = words(entity_name) or parent
        sibs = frozenset(props)
        nodes: list[Prop] = []
        for pname, pschema in props.items():
            if not isinstance(pschema, dict) or self.flatten(pschema).get("writeOnly") is True:
                continue  # writeOnly never appears in a response
            node = self.compile(pschema, pname, child_parent, sibs)
            nodes.append(Prop(pname, node, pname in required))
        for rname in required:  # required but undeclared: it must still be there
            if rname not in props:
                node = self.compile(ap_schema, rname, child_parent, sibs) if ap_schema is not None \
                    else self._compile_kind({}, rname, child_parent, sibs, None)
                nodes.append(Prop(rname, node, True))
        extra = self.compile(ap_schema, item_name(name), child_parent) if ap_schema is not None else None
        style = self.ctx.key_style

        meta_keys = self.ctx.vocab.meta_keys

        def extra_key(run: Run) -> str:
            return key_styled(run.rng.choice(meta_keys), style)

        return Obj(entity, nodes, extra, extra_key, int(s.get("minProperties", 0)), s.get("maxProperties"), closed)

    def root_name(self, schema: dict[str, Any]) -> str | None:
        """Entity name of a schema handed to generate(): its $ref target or component name."""
        ref = _sole_ref(schema)
        return ref.rsplit("/", 1)[-1] if ref else self.component_names.get(id(schema))


def _passive(keyword: str) -> bool:
    """Whether a keyword beside a $ref, an allOf or a oneOf/anyOf checks nothing there: annotations,
    vendor extensions (Stripe's `x-expansionResources`), `readOnly` (nothing in a response), and
    `nullable`, which counts only beside a `type` in the same schema object."""
    return keyword in _META_KEYS or keyword in ("nullable", "readOnly") or keyword.startswith("x-")


def _sole_ref(schema: dict[str, Any]) -> str | None:
    """The $ref of ``{$ref}`` or of ``{allOf: [{$ref}]}`` with nothing else that constrains."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref if all(k == "$ref" or _passive(k) for k in schema) else None
    parts = schema.get("allOf")
    if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict) \
            and isinstance(parts[0].get("$ref"), str) and all(k == "$ref" or _passive(k) for k in parts[0]) \
            and all(k == "allOf" or _passive(k) for k in schema):
        return parts[0]["$ref"]
    return None


def _poison(own: dict[str, Any], other: dict[str, Any]) -> tuple[str, Any] | None:
    """(name, value): a property `own` leaves open (undeclared, additional properties allowed)
    that `other` declares with a type the value does not have, so `other` refuses the object."""
    if own.get("additionalProperties", True) is not True:
        return None
    declared = own.get("properties") or {}
    for name, sub in sorted((other.get("properties") or {}).items()):
        kind = sub.get("type") if isinstance(sub, dict) and "$ref" not in sub else None
        if name not in declared and isinstance(kind, str) and "enum" not in sub:
            return name, (0 if kind == "string" else "")
    return None


_JSON_TYPES = frozenset(("string", "integer", "number", "boolean", "array", "object"))


def _types(s: dict[str, Any]) -> frozenset[str]:
    """The JSON types a (flattened) schema's values can have; numbers and integers overlap."""
    if isinstance(s.get("enum"), list):
        kinds = {"boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else
                 "number" if isinstance(v, float) else "string" if isinstance(v, str) else
                 "array" if isinstance(v, list) else "object" for v in s["enum"] if v is not None}
    else:
        t = s.get("type") or _infer_type(s)
        if not isinstance(t, str) or s.get("oneOf") or s.get("anyOf"):
            return _JSON_TYPES
        kinds = {t}
    if kinds & {"integer", "number"}:
        kinds |= {"integer", "number"}
    return frozenset(kinds)


def _overlap(options: list[dict[str, Any]]) -> bool:
    """Whether two options of a oneOf may accept one value (by the types of their values)."""
    seen: set[str] = set()
    for option in options:
        kinds = _types(option)
        if seen & kinds:
            return True
        seen |= kinds
    return False


def _normalize_type(s: dict[str, Any]) -> dict[str, Any]:
    """Accept OAS 3.1 type arrays (['string', 'null']) as 3.0 ``nullable`` for robustness."""
    t = s.get("type")
    if isinstance(t, list):
        s = dict(s)
        non_null = [x for x in t if x != "null"]
        s["type"] = non_null[0] if non_null else None
        if "null" in t:
            s["nullable"] = True
    return s


def _infer_type(s: dict[str, Any]) -> str | None:
    if "properties" in s or "additionalProperties" in s or "required" in s:
        return "object"
    if "items" in s:
        return "array"
    if any(k in s for k in ("minLength", "maxLength", "pattern", "format")) and s.get("format") not in (
            "int32", "int64", "float", "double"):
        return "string"
    if s.get("format") in ("int32", "int64"):
        return "integer"
    if any(k in s for k in ("minimum", "maximum", "multipleOf")) or s.get("format") in ("float", "double"):
        return "number"
    return None


def _bounds(s: dict[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    """(lo, lo_strict, hi, hi_strict), reading both the 3.0 boolean and the 3.1 numeric exclusive forms."""
    lo, hi = s.get("minimum"), s.get("maximum")
    lo_strict = s.get("exclusiveMinimum") is True
    hi_strict = s.get("exclusiveMaximum") is True
    ex_lo, ex_hi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    if isinstance(ex_lo, (int, float)) and not isinstance(ex_lo, bool) and (lo is None or ex_lo >= lo):
        lo, lo_strict = ex_lo, True
    if isinstance(ex_hi, (int, float)) and not isinstance(ex_hi, bool) and (hi is None or ex_hi <= hi):
        hi, hi_strict = ex_hi, True
    return lo, lo_strict, hi, hi_strict


# --- allOf merge ----------------------------------------------------------------------------------

def merge_all(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge flattened allOf parts into one schema that is at least as strict as each of them."""
    out: dict[str, Any] = {}
    typed_nullable: list[bool] = []
    said_nullable = False
    allowed: set[str] | None = None
    patterns: list[str] = []
    for p in parts:
        if not p:
            continue
        if "type" in p or "enum" in p:
            typed_nullable.append(p.get("nullable") is True)
        said_nullable = said_nullable or p.get("nullable") is True
        if p.get("additionalProperties") is False:  # this part rejects keys it doesn't declare
            own = set(p.get("properties") or {})
            allowed = own if allowed is None else allowed & own
        if isinstance(p.get("pattern"), str) and p["pattern"] not in patterns:
            patterns.append(p["pattern"])
        for k, v in p.items():
            if k == "nullable":
                continue
            if k not in out:
                out[k] = v
                continue
            out[k] = _merge_keyword(k, out[k], v)
    if said_nullable and all(typed_nullable):
        out["nullable"] = True
    else:
        out.pop("nullable", None)
    if len(patterns) > 1:  # one string must match every part's pattern
        out["x-patterns"] = patterns[1:]
    if allowed is not None:
        out["x-allowed-keys"] = allowed
        out["additionalProperties"] = False
    return out


def _merge_keyword(k: str, a: Any, b: Any) -> Any:
    if k == "properties":
        merged = dict(a)
        for name, sub in b.items():
            merged[name] = {"allOf": [merged[name], sub]} if name in merged else sub
        return merged
    if k == "required":
        return list(dict.fromkeys(list(a) + list(b)))
    if k == "type":
        return "integer" if {a, b} == {"integer", "number"} else a
    if k == "enum":
        return [x for x in a if x in b] or a
    if k in ("minimum", "minLength", "minItems", "minProperties"):
        return max(a, b)
    if k in ("maximum", "maxLength", "maxItems", "maxProperties"):
        return min(a, b)
    if k in ("exclusiveMinimum", "exclusiveMaximum"):
        return a or b if isinstance(a, bool) and isinstance(b, bool) else b
    if k == "multipleOf":
        if float(a).is_integer() and float(b).is_integer():
            return math.lcm(int(a), int(b))
        return max(a, b)
    if k == "pattern":
        return a  # the others are kept in x-patterns
    if k in ("items", "additionalProperties") and isinstance(a, dict) and isinstance(b, dict):
        return {"allOf": [a, b]}
    if k == "additionalProperties":
        return False if a is False or b is False else (a if isinstance(a, dict) else b)
    if k in ("readOnly", "writeOnly", "uniqueItems"):
        return bool(a or b)
    return a  # description, example, format...: the outer / first one wins
