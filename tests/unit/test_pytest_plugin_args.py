"""The pytest plugin reads its `mockserver_args` as `serve` reads its flags, and reports a mistake
without exiting pytest (the flags themselves: tests/process/test_serve_options.py)."""

from __future__ import annotations


import pytest



def test_the_pytest_plugin_reports_bad_mockserver_args_without_exiting() -> None:
    from mockserver.cli import UsageError
    from mockserver.pytest_plugin import _start

    with pytest.raises(UsageError) as refused:
        _start(["--unkown-ids", "404"])
    assert "did you mean --unknown-ids?" in refused.value.message
