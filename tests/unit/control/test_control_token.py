"""Issue 23: start-up refuses an unsafe control plane (the rule: control/access.py
`unsafe_control_plane`; checked by `serve`'s flags, so the CLI and the pytest plugin alike).

`--control-token "$MOCK_TOKEN"` with the variable unset gave an empty token, which started
without a word and answered `POST /__mock/reset` with no token; off loopback a server without a
token started too. The real process (one line, exit 2): tests/process/test_session_admission.py.
"""

from __future__ import annotations

import pytest

from mockserver.base.defaults import CONTROL_TOKEN_MIN_LENGTH
from mockserver.base.user_errors import UserError
from mockserver.cli import build_parser
from mockserver.control.access import unsafe_control_plane
from mockserver.launch.serve import config_from_args

GOOD = "0123456789abcdef"  # 16 characters: the shortest token taken

SHORT = ("--control-token", "the token has 6 characters; give one of at least 16 characters "
                            "(an unset variable gives an empty one)")
EMPTY = ("--control-token", "the token is empty; give one of at least 16 characters (an unset variable gives an empty one)")
OFF_LOOPBACK = ("--host 0.0.0.0", "not loopback, so the control API needs --control-token TOKEN "
                                  "(at least 16 characters); or pass --no-control")


def _config(*flags: str):
    return config_from_args(build_parser().parse_args(["serve", *flags]))


def test_the_shortest_token_taken_is_sixteen_characters() -> None:
    assert CONTROL_TOKEN_MIN_LENGTH == 16 == len(GOOD)


@pytest.mark.parametrize(("control", "host", "token", "refused"), [
    (True, "127.0.0.1", "", EMPTY),
    (True, "127.0.0.1", "   ", EMPTY),  # blanks only: no header value can match it
    (True, "0.0.0.0", "", EMPTY),
    (False, "127.0.0.1", "", EMPTY),  # a token given is a token meant: even with --no-control
    (True, "127.0.0.1", "s3cret", SHORT),
    (True, "127.0.0.1", GOOD[:-1], ("--control-token", "the token has 15 characters; give one of at least 16 "
                                                       "characters (an unset variable gives an empty one)")),
    (True, "0.0.0.0", None, OFF_LOOPBACK),
    (True, "::", None, ("--host ::", OFF_LOOPBACK[1])),
    (True, "192.168.1.5", None, ("--host 192.168.1.5", OFF_LOOPBACK[1])),
])
def test_an_unsafe_control_plane_is_refused(control: bool, host: str, token: str | None, refused: tuple[str, str]) -> None:
    assert unsafe_control_plane(control, host, token) == refused


@pytest.mark.parametrize(("control", "host", "token"), [
    (True, "127.0.0.1", None),  # loopback: the Host and Origin checks guard it (access.py)
    (True, "localhost", None),
    (True, "::1", None),
    (True, "127.0.0.1", GOOD),
    (True, "0.0.0.0", GOOD),
    (True, "0.0.0.0", "x" * 200),
    (False, "0.0.0.0", None),  # --no-control: nothing to guard
])
def test_a_safe_control_plane_starts(control: bool, host: str, token: str | None) -> None:
    assert unsafe_control_plane(control, host, token) is None


@pytest.mark.parametrize(("flags", "line"), [
    (("--control-token", ""), "--control-token: " + EMPTY[1]),
    (("--control-token", "s3cret"), "--control-token: " + SHORT[1]),
    (("--host", "0.0.0.0"), "--host 0.0.0.0: " + OFF_LOOPBACK[1]),
    (("--host", "0.0.0.0", "--control-token", ""), "--control-token: " + EMPTY[1]),
])
def test_serve_refuses_the_flags_before_loading_anything(flags: tuple[str, ...], line: str) -> None:
    with pytest.raises(UserError) as refused:
        _config(*flags, "--specs-dir", "/no/such/folder")  # the token is checked first: nothing else is read
    assert str(refused.value) == line
    assert "\n" not in str(refused.value)


def test_serve_takes_a_safe_control_plane() -> None:
    assert _config("--host", "0.0.0.0", "--control-token", GOOD).control_token == GOOD
    assert _config("--host", "0.0.0.0", "--no-control").control is False
    assert _config().control_token is None


def test_the_pytest_plugin_refuses_an_empty_token_before_it_listens() -> None:
    from mockserver.pytest_plugin import _start

    with pytest.raises(UserError) as refused:
        _start(["--control-token", ""])
    assert str(refused.value) == "--control-token: " + EMPTY[1]
