"""Small repairs that make a converted document load everywhere.

Docs renderers emit no-op empties (`servers: []`, `parameters: []` on a path item) that
some tools reject, and leave `info` out or its title empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from mockserver.normalize.operations import iter_operations

_NOOP_EMPTY_KEYS = ("servers", "parameters", "tags")


def drop_noop_empties(doc: dict[str, Any]) -> None:
    """Remove empty `servers`/`parameters`/`tags` lists from path items and operations.

    Operation `security: []` is kept on purpose: it means "no auth", not "nothing".
    """
    for item in (doc.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for key in _NOOP_EMPTY_KEYS:
            if item.get(key) == []:
                del item[key]
    for _path, _method, operation in iter_operations(doc):
        for key in _NOOP_EMPTY_KEYS:
            if operation.get(key) == []:
                del operation[key]


def ensure_info(doc: dict[str, Any], inputs: Sequence[Path], warnings: list[str] | None = None) -> None:
    """Give the document an `info` with a non-empty title and a version (3.0 requires both).

    The title defaults to the inputs' common folder (`openapi/vendor/lago/*.md` -> "Lago
    API"); the vendor's overlay is the place to set the real one. `warnings`, when given (a
    user's own OpenAPI file, not a docs page, which never carries one), gets one line per gap.
    """
    info = doc.get("info")
    if not isinstance(info, dict):
        info = {}
    folders = {path.resolve().parent.name for path in inputs}
    folder = folders.pop() if len(folders) == 1 else ""
    default_title = f"{folder[:1].upper()}{folder[1:]} API" if folder else "API"
    title = info.get("title") if isinstance(info.get("title"), str) and info.get("title").strip() else default_title
    version = str(info["version"]) if info.get("version") not in (None, "") else "0.0.0"
    doc["info"] = {"title": title, **{k: v for k, v in info.items() if k not in ("title", "version")}, "version": version}
    if warnings is not None:
        source = " + ".join(str(path) for path in inputs)
        for key, value in (("title", title), ("version", version)):
            if info.get(key) in (None, ""):
                warnings.append(f"{source}: #/info/{key}: missing; {value!r} is assumed")
