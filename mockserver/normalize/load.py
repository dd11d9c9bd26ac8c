"""Reading input files: docs pages (.md), YAML or JSON, into plain Python data.

Every problem becomes a `UserError` naming the file (and the line for syntax errors), so
the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.base.user_errors import UserError
from mockserver.normalize.extract import PageInfo, find_yaml_block, page_info
from mockserver.base.yamlfile import display_path, parse_yaml, read_text

_PAGE_SUFFIXES = {".md", ".markdown", ".mdx"}


@dataclass(frozen=True)
class Loaded:
    """One input: its data, the name to report it by, and what its docs page says."""

    data: Any
    source: str
    page: PageInfo


def parse_json(text: str, source: str) -> Any:
    """Parse JSON, reporting the line and column of a syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(source, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def load_document(path: Path) -> Loaded:
    """Read one input: the yaml block of a docs page, or a whole YAML / JSON file."""
    source = display_path(path)
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix in _PAGE_SUFFIXES:
        block = find_yaml_block(text)
        if block is None:
            raise UserError(source, "no ```yaml fenced block found (expected a docs page with an OpenAPI section)")
        return Loaded(parse_yaml(block.text, source, block.first_line), source, page_info(text))
    if suffix == ".json":
        return Loaded(parse_json(text, source), source, PageInfo())
    return Loaded(parse_yaml(text, source), source, PageInfo())
