"""Merging the documents of one vendor (one per docs page) into a single document.

The mock serves one document per vendor, and the pages repeat shared parts (servers, the
`bearerAuth` scheme, `ApiErrorUnauthorized`). Identical repeats merge silently; the same
name defined two different ways is a user error, since picking one would be a guess.
"""

from __future__ import annotations

import copy
from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.base import pointer


class _Merger:
    def __init__(self, warnings: list[str]) -> None:
        self.doc: dict[str, Any] = {}
        self.origin: dict[str, str] = {}  # JSON pointer -> the input that defined it
        self.warnings = warnings

    def put(self, container: dict[str, Any], key: str, value: Any, where: str, source: str) -> None:
        """Set container[key], unless an earlier input set it to something else."""
        if key not in container:
            container[key] = copy.deepcopy(value)
            self.origin[where] = source
        elif container[key] != value:
            raise UserError(source, f"{where} conflicts with the definition in {self.origin[where]}")

    def add(self, doc: dict[str, Any], source: str) -> None:
        root = pointer.ROOT
        for key, value in doc.items():
            where = pointer.join(root, key)
            if key == "openapi":
                self.doc.setdefault(key, value)
            elif key == "info":  # metadata, not contract: the first input's wins
                if "info" not in self.doc:
                    self.put(self.doc, key, value, where, source)
                elif self.doc["info"] != value:
                    self.warnings.append(f"{source}: {where}: differs from {self.origin[where]}'s; the first is kept")
            elif key == "servers":
                servers = self.doc.setdefault("servers", [])
                servers.extend(copy.deepcopy(s) for s in value or [] if s not in servers)
            elif key == "tags":
                tags = self.doc.setdefault("tags", [])
                names = [t.get("name") for t in tags]
                for tag in value or []:
                    if tag.get("name") in names:
                        here = pointer.join(where, tag.get("name"))
                        if tags[names.index(tag.get("name"))] != tag:
                            raise UserError(source, f"{here} conflicts with the definition in {self.origin[here]}")
                    else:
                        tags.append(copy.deepcopy(tag))
                        names.append(tag.get("name"))
                        self.origin[pointer.join(where, tag.get("name"))] = source
            elif key in ("paths", "components", "x-webhooks") and isinstance(value, dict):
                section = self.doc.setdefault(key, {})
                for name, entries in value.items():  # a path item / a components section
                    target = section.setdefault(name, {})
                    for entry, definition in (entries or {}).items():
                        self.put(target, entry, definition, pointer.join(where, name, entry), source)
            else:
                self.put(self.doc, key, value, where, source)


def merge_documents(documents: list[tuple[str, dict[str, Any]]], warnings: list[str]) -> dict[str, Any]:
    """One document from `(source, document)` pairs, in input order."""
    merger = _Merger(warnings)
    for source, doc in documents:
        merger.add(doc, source)
    return merger.doc
