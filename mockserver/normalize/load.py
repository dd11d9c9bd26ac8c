"""Reading input files: docs pages (.md), YAML or JSON, into plain Python data.

Every problem becomes a `UserError` naming the file (and the line for syntax errors), so
the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import UserError
from mockserver.normalize.extract import PageInfo, find_yaml_block, page_info

_PAGE_SUFFIXES = {".md", ".markdown", ".mdx"}


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings.

    YAML 1.1 turns an unquoted `2024-01-01T10:00:00Z` into a datetime, which is not JSON:
    validators and the mock would then see a different value than the vendor wrote.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Loaded:
    """One input: its data, the name to report it by, and what its docs page says."""

    data: Any
    source: str
    page: PageInfo


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory when inside it.

    Used in messages and in the generated file's header, which must not depend on where the
    checkout lives (so a re-run elsewhere is byte-identical).
    """
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return Path(os.path.normpath(path)).as_posix()


def read_text(path: Path) -> str:
    """The file's text, or a UserError saying why it cannot be read."""
    source = display_path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(source, "no such file") from None
    except IsADirectoryError:
        raise UserError(source, "is a directory, expected a file") from None
    except UnicodeDecodeError as exc:
        raise UserError(source, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(source, f"cannot read: {exc.strerror}") from None


def _string_keys(value: Any) -> Any:
    """OpenAPI is JSON: every mapping key is a string (`200:` unquoted in YAML is an int)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def parse_yaml(text: str, source: str, first_line: int = 1) -> Any:
    """Parse YAML safely; `first_line` maps a block's line numbers back to the file's."""
    try:
        return _string_keys(yaml.load(text, Loader=_Loader))  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + first_line}, column {mark.column + 1}" if mark else "unknown line"
        problem = exc.problem or exc.context or "syntax error"
        raise UserError(source, f"invalid YAML at {where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise UserError(source, f"invalid YAML: {' '.join(str(exc).split())}") from None


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
