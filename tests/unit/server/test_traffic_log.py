"""The request log line: one line, bounded, whatever the path holds."""

from __future__ import annotations

from mockserver.base.defaults import JOURNAL_CUT, JOURNAL_TARGET_LIMIT
from mockserver.server.traffic import printable


def test_a_long_path_is_cut_in_the_log_as_in_the_journal() -> None:
    path = "/v3/pet/" + "9" * 5000
    assert printable(path) == path[:JOURNAL_TARGET_LIMIT] + JOURNAL_CUT


def test_control_characters_cannot_forge_a_log_line() -> None:
    assert printable("/a\nGET /forged 200") == "/a\\nGET /forged 200"
