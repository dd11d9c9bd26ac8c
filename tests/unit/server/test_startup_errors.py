"""Start-up failures in-process: what connexion refuses and a bug of the mock become one UserError
naming the file, and many warnings of one kind one line. The failures of `mockserver serve` itself
(exit status 2, one stderr line) are tests/process/test_hardening_startup.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mockserver_process import REPO


def test_what_connexion_refuses_is_one_line_naming_the_file(monkeypatch, tmp_path: Path) -> None:
    """connexion checks more than openapi-spec-validator in places: its refusal is a UserError."""
    import connexion

    from mockserver.app import create_app
    from mockserver.base.config import ServeConfig
    from mockserver.base.user_errors import UserError

    def refuse(*_args, **_kwargs):
        raise ValueError("something connexion\nwill not route")

    monkeypatch.setattr(connexion.AsyncApp, "add_api", refuse)
    spec = REPO / "tests" / "data" / "anydoc" / "edges.yaml"
    with pytest.raises(UserError) as refused:
        create_app(ServeConfig(specs=(spec,), fixtures_dir=tmp_path, quiet=True))
    assert refused.value.source == str(spec)
    assert refused.value.problem == "connexion cannot load it: ValueError: something connexion will not route"


def test_a_bug_at_start_up_is_one_line_too(monkeypatch, tmp_path: Path) -> None:
    from mockserver import app
    from mockserver.launch import serve
    from mockserver.base.config import ServeConfig
    from mockserver.base.user_errors import UserError

    def crash(*_args, **_kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(app, "create_app", crash)
    spec = tmp_path / "x.yaml"
    with pytest.raises(UserError) as failed:
        serve.build_app(ServeConfig(specs=(spec,), fixtures_dir=tmp_path))
    assert failed.value.source == str(spec)
    assert "a bug of the mock" in failed.value.problem and "RecursionError" in failed.value.problem


def test_many_warnings_of_one_kind_are_one_line() -> None:
    from mockserver.base.notices import summarised

    examples = [f"api.json: GET /things/{n} 200: example 'default' breaks its own schema (/id: {n} is not of type "
                "'string'); generated values are served instead" for n in range(5)]
    repairs = [f"api.json: #/paths/~1a{n}/get: no responses; taken as a bodiless default response" for n in range(4)]
    few = ["api.json: #/webhooks: 'webhooks' cannot be expressed in OpenAPI 3.0; dropped"]
    assert summarised(examples + few + repairs) == [
        "api.json: 5 examples break their own schemas (generated values are served instead); first: "
        "GET /things/0 200: example 'default' (/id: 0 is not of type 'string'); --verbose for all",
        few[0],
        "api.json: 4 places: no responses; taken as a bodiless default response; first: #/paths/~1a0/get; "
        "--verbose for all",
    ]
    assert summarised(examples[:3]) == examples[:3]  # three of a kind are shown as they are
    assert summarised(examples, verbose=True) == examples
