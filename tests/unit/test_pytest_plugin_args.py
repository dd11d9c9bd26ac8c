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


def test_paths_in_mockserver_args_are_read_from_the_ini_files_folder(tmp_path) -> None:
    from mockserver.pytest_plugin import _parse

    base = tmp_path / "tests"
    parsed = _parse(["--spec", "../app/notes.yaml", "--spec", "/abs/other.yaml", "--specs-dir=docs",
                     "--fixtures-dir", "fx", "--state", "sqlite:state.db", "--api-key", "../not-a-path"], base)
    assert parsed.spec == [str(base / "../app/notes.yaml"), "/abs/other.yaml"]
    assert (parsed.specs_dir, parsed.fixtures_dir) == (str(base / "docs"), str(base / "fx"))
    assert parsed.state == f"sqlite:{base / 'state.db'}"
    assert parsed.api_key == ["../not-a-path"]  # only paths move
    assert _parse(["--state", "redis://127.0.0.1:6379/0"], base).state == "redis://127.0.0.1:6379/0"
    assert _parse(["--spec", "a.yaml"]).spec == ["a.yaml"]  # no ini file: as given


def test_the_session_url_ends_with_a_slash_an_sdk_can_join_onto() -> None:
    from urllib.parse import urljoin

    from mockserver.pytest_plugin import MockServer

    server = MockServer("http://127.0.0.1:4010").in_session("t1")
    assert server.url == "http://127.0.0.1:4010/__session/t1/"
    assert urljoin(server.url, "api/v1/") == "http://127.0.0.1:4010/__session/t1/api/v1/"  # the Lago SDK
    assert server.url + "api/v1/x" == server.url + "/api/v1/x" == "http://127.0.0.1:4010/__session/t1/api/v1/x"
    assert MockServer("http://127.0.0.1:4010").url == "http://127.0.0.1:4010"


def test_scenario_sends_only_the_fields_given_and_control_calls_carry_the_token(monkeypatch) -> None:
    import urllib.request

    from mockserver.pytest_plugin import MockServer

    sent = []

    class Reply:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b'{"id": "s1"}'

    def urlopen(request, timeout):
        sent.append((request.get_method(), request.full_url, request.get_header("X-mock-control-token"), request.data))
        return Reply()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    server = MockServer("http://127.0.0.1:4010", token="t" * 16).in_session("t1")
    assert server.scenario("getNote", delay_ms=300) == {"id": "s1"}
    server.scenario(path="/notes/1", fault="reset", times=1)
    server.scenario("getNote", rate_limit={"requests": 2, "window_s": 60}, status=200, example="one")
    assert sent == [
        ("POST", "http://127.0.0.1:4010/__session/t1/__mock/scenarios", "t" * 16, b'{"operationId": "getNote", "delay_ms": 300}'),
        ("POST", "http://127.0.0.1:4010/__session/t1/__mock/scenarios", "t" * 16, b'{"path": "/notes/1", "times": 1, "fault": "reset"}'),
        ("POST", "http://127.0.0.1:4010/__session/t1/__mock/scenarios", "t" * 16,
         b'{"operationId": "getNote", "status": 200, "example": "one", "rate_limit": {"requests": 2, "window_s": 60}}'),
    ]
