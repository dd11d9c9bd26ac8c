"""The fast readers of yamlfile.py (json for JSON texts, libyaml for YAML) give exactly what the
pure-Python YAML loader gives, and its errors."""

from __future__ import annotations

import pytest
import yaml

from mockserver.base import yamlfile
from mockserver.base.user_errors import UserError
from tests.mockserver_process import REPO


def slow(text: str):
    return yamlfile._string_keys(yaml.load(text, Loader=yamlfile._Loader))  # noqa: S506 - a SafeLoader


@pytest.mark.parametrize("name", ["specs/twilio-api-v2010.json", "specs/museum-3.1.yaml", "normalize/plain31.json"])
def test_documents_read_as_the_pure_python_loader_reads_them(name: str) -> None:
    text = (REPO / "tests" / "data" / name).read_text(encoding="utf-8")
    assert yamlfile.parse_yaml(text, name) == slow(text)


@pytest.mark.parametrize("text", [
    '{"a": 1e5, "b": 1.5e10, "c": 1.5e+10, "d": "\\/x", "e": NaN, "f": -0, "g": -Infinity, "h": "2024-01-01T10:00:00Z"}',
])
def test_json_reads_as_yaml_1_1_does(text: str) -> None:
    assert yamlfile.parse_yaml(text, "x.json") == slow(text)


@pytest.mark.parametrize("text", ['{"a": "\\ud83d\\ude00", "\\ud83d\\ude00": ["x\\ud83d\\ude00"]}',  # JSON, as json.dump writes it
                                  'a: "\\ud83d\\ude00"\n"\\ud83d\\ude00": ["x\\ud83d\\ude00"]\n'])  # YAML's escapes
def test_an_escaped_surrogate_pair_is_the_character_it_encodes(text: str) -> None:
    """The YAML loader keeps two halves, which no UTF-8 encoder takes (the reply, the cache)."""
    assert yamlfile.parse_yaml(text, "x.json") == {"a": "\U0001F600", "\U0001F600": ["x\U0001F600"]}


def test_a_lone_surrogate_escape_names_its_place() -> None:
    with pytest.raises(UserError, match=r"x.json: a lone surrogate escape .* at /a/1"):
        yamlfile.parse_yaml('{"a": ["ok", "\\ud83d"]}', "x.json")


@pytest.mark.parametrize("text, error", [
    ('{"a": 1,\n "a": 2}', r"duplicate key 'a' \(first on line 1\)"),
    ('{"a"\n: 1}', r"line 2, column 1: expected ',' or '}', but got ':'"),  # JSON, not YAML 1.1
])
def test_what_yaml_refuses_in_json_is_the_yaml_loaders_error(text: str, error: str) -> None:
    with pytest.raises(UserError, match=error):
        yamlfile.parse_yaml(text, "x.json")
