"""Reading YAML (and text) files the one way the whole project does.

- Safe only: a SafeLoader subclass, so no tag can construct Python objects.
- Timestamps stay strings: YAML 1.1 turns an unquoted `2024-01-01T10:00:00Z` into a datetime,
  which is not JSON, so validators and the mock would see something the author did not write.
- A key given twice in one mapping is an error with both lines: PyYAML silently keeps the
  last one, which would drop a fixture record without a word.
- Every problem is a `UserError` naming the file and the line.
- Parsed by libyaml when PyYAML has it (about 6x faster: a 1 MB document in 0.25 s instead of
  1.4 s), with the same resolvers and constructors; whatever libyaml refuses is parsed again by
  the pure-Python loader, so the error and its line are the ones it always gave.
- A JSON text is read by `json` (50x faster again), giving what the YAML loader gives: a number
  is a float only where YAML 1.1 says so (`1.5e+3`; `1e5` and `NaN` stay strings). Anything
  the two might read differently (a duplicate key, a character YAML refuses) goes to the YAML
  loader, as every text that is not JSON does.
- An escaped surrogate pair (`"\\ud83d\\ude00"`, what `json.dump` writes for an emoji) is the
  one character it encodes, in JSON and in YAML alike (the YAML loader keeps two halves, which no
  UTF-8 encoder takes); a lone half is an error naming its place.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from mockserver.base.user_errors import UserError
from mockserver.base.pointer import escape


class _Loader(yaml.SafeLoader):
    """SafeLoader with timestamps as strings and duplicate keys refused."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: construct_mapping reports it properly
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {first + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_FastLoader: type | None = None
if yaml.__with_libyaml__:
    class _CLoader(yaml.CSafeLoader):
        """_Loader's resolvers and constructors on libyaml's parser."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _CLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _FastLoader = _CLoader


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory when inside it.

    Used in messages and in generated files' headers, which must not depend on where the
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
    """JSON has string keys only (`200:` unquoted in YAML is an int; a numeric id too)."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


_YAML_FLOAT = next(rx for tag, rx in _Loader.yaml_implicit_resolvers["1"] if tag == "tag:yaml.org,2002:float")
# Where `json` and the YAML loader may part: characters YAML refuses, a key whose `:` is on a later line.
_NOT_PLAIN_JSON = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + r'|"\s*\n\s*:')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # `\ud83d`: half of a character beyond U+FFFF
_SURROGATES = re.compile("[\ud800-\udfff]")


class _NotAsYaml(ValueError):
    """A JSON text the YAML loader may read differently: it decides."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs) or any(len(key) > 1000 for key in mapping):  # YAML's simple keys stop at 1024
        raise _NotAsYaml
    return mapping


def _yaml_float(token: str) -> Any:
    return float(token) if _YAML_FLOAT.match(token) else token


def _parse_json(text: str) -> Any:
    """The JSON text as the YAML loader reads it, or None where it might not."""
    if not text.lstrip(" \t\r\n").startswith("{") or _NOT_PLAIN_JSON.search(text):
        return None
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_float=_yaml_float, parse_constant=str)
    except ValueError:  # not JSON (JSONDecodeError), or _NotAsYaml
        return None


def parse_yaml(text: str, source: str, first_line: int = 1) -> Any:
    """Parse YAML safely; `first_line` maps a block's line numbers back to the file's."""
    parsed = _parse_json(text)
    if parsed is None:
        parsed = _parse_yaml(text, source, first_line)
    if _SURROGATE_ESCAPE.search(text):
        parsed = _joined(parsed, source, "")
    return parsed


def _joined(value: Any, source: str, where: str) -> Any:
    """Each escaped surrogate pair as the character it encodes (both readers give halves somewhere)."""
    if isinstance(value, str):
        if not _SURROGATES.search(value):
            return value
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(source, f"a lone surrogate escape (half of a character) at {where or '/'}") from None
    if isinstance(value, dict):
        return {_joined(key, source, where): _joined(item, source, f"{where}/{escape(str(key))}")
                for key, item in value.items()}
    if isinstance(value, list):
        return [_joined(item, source, f"{where}/{index}") for index, item in enumerate(value)]
    return value


def _parse_yaml(text: str, source: str, first_line: int) -> Any:
    if _FastLoader is not None:
        try:
            return _string_keys(yaml.load(text, Loader=_FastLoader))  # noqa: S506 - a CSafeLoader
        except yaml.YAMLError:
            pass  # the pure-Python loader below says what is wrong, as it always has
    try:
        return _string_keys(yaml.load(text, Loader=_Loader))  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + first_line}, column {mark.column + 1}" if mark else "unknown line"
        problem = exc.problem or exc.context or "syntax error"
        raise UserError(source, f"invalid YAML at {where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise UserError(source, f"invalid YAML: {' '.join(str(exc).split())}") from None


def load_yaml_file(path: Path) -> Any:
    return parse_yaml(read_text(path), display_path(path))
