"""External `$ref`s: other files beside the document, brought into it.

Real documents are split over files (`$ref: ./schemas/todo.yaml`,
`$ref: common.yaml#/components/schemas/Error`), and put long prose in markdown files
(`x-description: {$ref: ./docs/intro.md}`). The rest of the mock follows local references
only (pointer.py), so this step makes every reference local, as `redocly bundle` does:

- a schema in another file becomes a component (`#/components/schemas/Todo`), so recursive
  and shared schemas stay references;
- anything else in a YAML or JSON file (a path item, a parameter, a response) is copied in;
- a file that is not YAML or JSON (markdown, text) becomes its text, a string;
- a file that cannot be read is one warning, and the reference becomes an empty value.

References inside another file are relative to that file, local ones (`#/definitions/X`)
included.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from mockserver.base import pointer
from mockserver.base.user_errors import UserError
from mockserver.base.yamlfile import display_path, parse_yaml, read_text

_DATA_SUFFIXES = {".yaml", ".yml", ".json"}
_SCHEMA_KEYS = {"type", "properties", "allOf", "oneOf", "anyOf", "items", "enum", "additionalProperties"}
_PARAMETER_KEYS = {"name", "in"}  # a Swagger 2.0 parameter has `type` and `items` too, but is no schema


def has_external_refs(data: Any) -> bool:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


class _Bundler:
    def __init__(self, root: dict[str, Any], path: Path, warnings: list[str]) -> None:
        self.root = root
        self.main = path.resolve()
        self.warnings = warnings
        self.files: dict[Path, Any] = {self.main: root}
        self.components: dict[tuple[Path, str], str] = {}  # (file, fragment) -> component name
        self.inlining: list[tuple[Path, str]] = []

    def load(self, path: Path) -> Any:
        if path not in self.files:
            text = read_text(path)
            self.files[path] = parse_yaml(text, display_path(path)) if path.suffix.lower() in _DATA_SUFFIXES else text
        return self.files[path]

    def walk(self, node: Any, here: Path) -> Any:
        if isinstance(node, list):
            return [self.walk(item, here) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and (here != self.main or not ref.startswith("#")):
            return self.follow(ref, here)
        return {key: self.walk(value, here) for key, value in node.items()}

    def follow(self, ref: str, here: Path) -> Any:
        file_part, _, fragment = ref.partition("#")
        target = (here.parent / file_part).resolve() if file_part else here
        try:
            loaded = self.load(target)
        except (OSError, UserError) as exc:
            reason = getattr(exc, "problem", None) or getattr(exc, "strerror", None) or str(exc)
            self.warnings.append(f"{display_path(here)}: $ref {ref!r} cannot be read ({reason}); left empty")
            return {}
        if isinstance(loaded, str):  # markdown, text: the file's text
            return loaded
        try:
            value = pointer.lookup(loaded, "#" + fragment) if fragment else loaded
        except pointer.RefError as exc:
            self.warnings.append(f"{display_path(here)}: $ref {ref!r} points at nothing ({exc}); left empty")
            return {}
        if target == self.main:  # back into the document itself, from another file
            return {"$ref": "#" + fragment}
        key = (target, fragment)
        if isinstance(value, dict) and _SCHEMA_KEYS & set(value) and not _PARAMETER_KEYS <= set(value):
            return {"$ref": pointer.join("#/components/schemas", self.component(key, value, target))}
        if key in self.inlining:  # a non-schema that contains itself: nothing sensible to copy
            self.warnings.append(f"{display_path(here)}: $ref {ref!r} is circular; left empty")
            return {}
        self.inlining.append(key)
        try:
            return self.walk(copy.deepcopy(value), target)
        finally:
            self.inlining.pop()

    def component(self, key: tuple[Path, str], value: dict[str, Any], target: Path) -> str:
        name = self.components.get(key)
        if name is not None:
            return name
        base = pointer.unescape(key[1].rsplit("/", 1)[-1]) if key[1] else target.stem
        schemas = self.root.setdefault("components", {}).setdefault("schemas", {})
        name, n = base, 2
        while name in schemas:
            name, n = f"{base}{n}", n + 1
        self.components[key] = name
        schemas[name] = {}  # reserved before walking, so a recursive schema finds its own name
        schemas[name] = self.walk(copy.deepcopy(value), target)
        return name


def bundle(data: Any, path: Path, warnings: list[str]) -> Any:
    """`data` (read from `path`) with every external `$ref` made local."""
    if not isinstance(data, dict) or not has_external_refs(data):
        return data
    bundler = _Bundler(data, path, warnings)
    walked = bundler.walk({key: value for key, value in data.items() if key != "components"}, bundler.main)
    components = data.get("components")
    if isinstance(components, dict):
        # walked after the rest, into the same dict the new components were added to
        for section, entries in list(components.items()):
            components[section] = bundler.walk(entries, bundler.main)
        walked["components"] = components
    return walked
