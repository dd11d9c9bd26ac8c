"""Bad input through the real command: exit 2, one line naming the file and the problem.

Each case runs `python -m mockserver normalize` in a subprocess, as a user would, and also
checks that nothing was written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path("tests/data/normalize")


def _normalize(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    output = tmp_path / "out.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "normalize", *args, "-o", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    return result, output


@pytest.mark.parametrize(
    ("args", "names", "problem"),
    [
        pytest.param([str(DATA / "page-without-yaml.md")], "page-without-yaml.md", "no ```yaml fenced block", id="page-without-yaml"),
        pytest.param([str(DATA / "page-bad-yaml.md")], "page-bad-yaml.md", "invalid YAML at line 9", id="unparsable-yaml"),
        pytest.param([str(DATA / "unknown-form.yaml")], "unknown-form.yaml", "unknown document form", id="unknown-form"),
        pytest.param(
            [str(DATA / "plain30.yaml"), "--overlay", str(DATA / "overlay-no-match.yaml")],
            "overlay-no-match.yaml", "actions[1] (target $.components.schemas.DoesNotExist): matches nothing",
            id="overlay-target-matches-nothing",
        ),
        pytest.param([str(DATA / "invalid-output.yaml")], "invalid-output.yaml", "not valid OpenAPI 3.0", id="output-fails-validation"),
        pytest.param([str(DATA / "no-such-page.md")], "no-such-page.md", "no such file", id="missing-input"),
        pytest.param(
            [str(DATA / "plain30.yaml"), "--overlay", str(DATA / "no-such-overlay.yaml")], "no-such-overlay.yaml", "no such file",
            id="missing-overlay",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], names: str, problem: str) -> None:
    result, output = _normalize(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mockserver: error: ") and names in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_good_input_writes_and_reports_warnings_on_stderr(tmp_path: Path) -> None:
    result, output = _normalize(tmp_path, str(DATA / "openapi31.yaml"))
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8").startswith("# GENERATED")
    assert "warning: tests/data/normalize/openapi31.yaml: #/jsonSchemaDialect:" in result.stderr
    assert "#/webhooks" not in result.stderr  # kept under x-webhooks (issue 26)
    assert "Traceback" not in result.stderr
