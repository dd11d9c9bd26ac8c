"""Pages of a list operation, read from the contract: which query parameters choose the page,
where the items are in the body, and which fields describe the page.

A list that answers `?page=1&per_page=3` with two items and `meta: {"page": 680}` tells a
frontend developer the mock is broken, so a paginated reply is shaped by the request: the
items on the page, the page's metadata (current page, page size, totals, next and previous
page, `has_more`) agreeing with them. Nothing here is a vendor table: parameters and fields are
recognised by their names, in the spellings public APIs use (`per_page`, `pageSize`, `limit`;
`total_count`, `totalPages`, `has_more`...). Pages count from 1, or from 0 where the page
parameter says `minimum: 0` (Twilio's `Page`): the next page a client asks for is the next one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from mockserver.base.pointer import resolve, schema_properties

# Query parameters, by their name with `_` and `-` removed and lower-cased.
_PAGE_PARAMS = {"page", "pagenumber", "pageno", "pagenum"}
_SIZE_PARAMS = {"perpage", "pagesize", "limit", "size", "pagelimit", "count", "maxresults"}
_OFFSET_PARAMS = {"offset", "skip", "start"}

# Body fields, by the same normalized name: the role each plays on a page.
_ROLES = {
    "currentpage": "page", "page": "page", "pagenumber": "page", "pageno": "page",
    "perpage": "size", "pagesize": "size", "limit": "size", "size": "size",
    "totalcount": "total", "total": "total", "totalitems": "total", "totalresults": "total",
    "totalrecords": "total", "totalelements": "total",
    "totalpages": "pages", "pagecount": "pages", "pages": "pages", "lastpage": "pages",
    "nextpage": "next", "prevpage": "prev", "previouspage": "prev",
    "offset": "offset", "skip": "offset",
    "hasmore": "more", "hasnext": "more", "hasnextpage": "more", "more": "more",
    "hasprevious": "less", "hasprev": "less", "haspreviouspage": "less",
}
_META_WRAPPERS = {"meta", "pagination", "paging", "pageinfo", "page", "metadata"}
DEFAULT_PAGE_SIZE = 20
GENERATED_TOTAL = (10, 50)  # a generated collection holds this many records, by operation


def _norm(name: str) -> str:
    return re.sub(r"[_\-]", "", name).lower()


@dataclass(frozen=True)
class Window:
    """The slice of the collection one request asks for."""

    page: int  # 1-based; for offset paging, the page the offset falls in
    size: int
    offset: int
    total: int

    @property
    def count(self) -> int:
        return max(0, min(self.size, self.total - self.offset))

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size)) if self.size else 1


@dataclass(frozen=True)
class Pagination:
    """How one list operation pages: its parameters, its items, its page fields."""

    page_param: str | None
    size_param: str | None
    offset_param: str | None
    default_size: int
    max_size: int | None
    items: tuple[str, ...]  # path from the body to the array of records (() when the body is the array)
    min_items: int
    max_items: int | None
    fields: Mapping[tuple[str, ...], tuple[str, str | None, bool]]  # path -> (role, schema type, nullable)
    first_page: int = 1  # the page parameter's first page: 0 where its schema says `minimum: 0` (Twilio's `Page`)

    def window(self, query: Mapping[str, str], total: int) -> Window:
        """The page the query asks for (parameters already validated against their schemas)."""
        size = _int(query.get(self.size_param or ""), self.default_size)
        if self.max_size is not None:
            size = min(size, self.max_size)
        size = max(size, 1)
        if self.offset_param is not None and self.offset_param in query:
            offset = max(_int(query[self.offset_param], 0), 0)
            page = offset // size + 1
        else:
            # the window counts pages from 1 whatever the document's first page is
            page = max(_int(query.get(self.page_param or ""), self.first_page), self.first_page) - self.first_page + 1
            offset = (page - 1) * size
        return Window(page, size, offset, total)

    def count(self, window: Window) -> int:
        """Items on this page, within the array's own `minItems`/`maxItems`."""
        count = max(window.count, self.min_items)
        return count if self.max_items is None else min(count, self.max_items)

    def pins(self, window: Window) -> dict[tuple[Any, ...], Any]:
        """The page fields' values, as generator pins; the items array sized to the page."""
        from mockserver.generate.runtime import UNSET

        pins: dict[tuple[Any, ...], Any] = {}
        count = self.count(window)
        if count:
            pins[self.items + (count - 1,)] = UNSET  # makes the array at least this long
        last = window.page >= window.pages
        shown = window.page - 1 + self.first_page  # the page as the document counts them
        values = {
            "page": shown, "size": window.size, "total": window.total, "pages": window.pages,
            "offset": window.offset, "next": None if last else shown + 1,
            "prev": shown - 1 if window.page > 1 else None, "more": not last, "less": window.page > 1,
        }
        for path, (role, kind, nullable) in self.fields.items():
            value = values[role]
            if kind == "boolean" and not isinstance(value, bool):
                continue
            if kind in ("integer", "number") and (isinstance(value, bool) or (value is None and not nullable)):
                continue  # no next page, and the field cannot say so: it stays generated
            pins[path] = value
        return pins

    def shape(self, body: Any, window: Window) -> Any:
        """Cut the items array to the page (the generator makes it at least that long)."""
        holder, key = None, None
        node = body
        for part in self.items:
            if not isinstance(node, dict) or part not in node:
                return body
            holder, key, node = node, part, node[part]
        if not isinstance(node, list):
            return body
        cut = node[: self.count(window)]
        if holder is None:
            return cut
        holder[key] = cut
        return body


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def infer(document: Mapping[str, Any], parameters: Iterable[Mapping[str, Any]], schema: Any) -> Pagination | None:
    """The operation's paging, when its query parameters choose a page and its body holds a list."""
    query = {_norm(str(p.get("name", ""))): p for p in parameters if p.get("in") == "query"}
    page = next((query[name] for name in query if name in _PAGE_PARAMS), None)
    size = next((query[name] for name in query if name in _SIZE_PARAMS), None)
    offset = next((query[name] for name in query if name in _OFFSET_PARAMS), None)
    if schema is None or (page is None and size is None and offset is None):
        return None
    found = items_path(document, schema)
    if found is None:
        return None
    items, array = found
    size_schema = resolve(document, (size or {}).get("schema") or {})
    default_size = size_schema.get("default") if isinstance(size_schema.get("default"), int) else DEFAULT_PAGE_SIZE
    maximum = size_schema.get("maximum")
    if isinstance(maximum, (int, float)):
        default_size = min(default_size, int(maximum))
    minimum = size_schema.get("minimum")
    if isinstance(minimum, (int, float)):
        default_size = max(default_size, int(minimum))
    return Pagination(
        page_param=page.get("name") if page else None,
        size_param=size.get("name") if size else None,
        offset_param=offset.get("name") if offset else None,
        default_size=default_size,
        max_size=int(maximum) if isinstance(maximum, (int, float)) else None,
        items=items,
        min_items=int(array.get("minItems", 0)),
        max_items=array.get("maxItems"),
        fields=_page_fields(document, schema, items),
        first_page=0 if resolve(document, (page or {}).get("schema") or {}).get("minimum") == 0 else 1,
    )


def items_path(document: Mapping[str, Any], schema: Any) -> tuple[tuple[str, ...], Mapping[str, Any]] | None:
    """Where the records are: the body itself, or its one array property (`data`, `invoices`).
    An envelope composed with `allOf` (a generic collection, then `data: {items: Booking}`) holds
    the most specific items it declares."""
    resolved = resolve(document, schema)
    if not isinstance(resolved, Mapping):
        return None
    if resolved.get("type") == "array":
        return (), resolved
    arrays = [(name, resolve(document, sub)) for name, sub in schema_properties(document, resolved).items()]
    arrays = [(name, sub) for name, sub in arrays if isinstance(sub, Mapping) and sub.get("type") == "array"]
    if len(arrays) != 1:
        return None
    (name, array), = arrays
    items = [resolve(document, part).get("items") for part in _declarations(document, resolved, name)]
    specific = [item for item in items if item is not None and schema_properties(document, item)]
    if specific and specific[-1] is not array.get("items"):
        array = {**array, "items": specific[-1]}
    return (name,), array


def _declarations(document: Mapping[str, Any], schema: Any, name: str) -> list[Any]:
    """Every declaration of property `name` in `schema` and its `allOf` parts, in order."""
    schema = resolve(document, schema)
    if not isinstance(schema, Mapping):
        return []
    found = [(schema.get("properties") or {})[name]] if name in (schema.get("properties") or {}) else []
    for part in schema.get("allOf") or ():
        found += _declarations(document, part, name)
    return [part for part in found if isinstance(resolve(document, part), Mapping)]


_FieldRole = tuple[str, "str | None", bool]


def _role(document: Mapping[str, Any], name: str, schema: Any) -> _FieldRole | None:
    schema = resolve(document, schema)
    role = _ROLES.get(_norm(name))
    if role is None or not isinstance(schema, Mapping) or schema.get("type") not in ("integer", "number", "boolean"):
        return None
    return role, schema.get("type"), bool(schema.get("nullable"))


def _page_fields(document: Mapping[str, Any], schema: Any, items: tuple[str, ...]) -> dict[tuple[str, ...], _FieldRole]:
    """Page fields beside the items, or in a `meta`/`pagination` object beside them."""
    fields: dict[tuple[str, ...], _FieldRole] = {}
    for name, sub in schema_properties(document, schema).items():
        if (name,) == items:
            continue
        role = _role(document, name, sub)
        if role is not None:
            fields[(name,)] = role
        elif _norm(name) in _META_WRAPPERS:
            for inner, inner_schema in schema_properties(document, sub).items():
                inner_role = _role(document, inner, inner_schema)
                if inner_role is not None:
                    fields[(name, inner)] = inner_role
    return fields
