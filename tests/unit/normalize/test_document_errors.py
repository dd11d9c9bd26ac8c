"""A document the mock cannot serve is one line that names the value at fault and its JSON
pointer, for OpenAPI 3.0 and 3.1 alike (3.1 is converted first, then checked as 3.0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.base.user_errors import UserError
from mockserver.normalize import normalize_documents

DOCUMENT = """openapi: {version}
info: {{title: notes, version: "1"}}
paths:
  /notes:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: strnig}}
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_misspelt_type_is_named_with_its_pointer(tmp_path: Path, version: str) -> None:
    source = tmp_path / "notes.yaml"
    source.write_text(DOCUMENT.format(version=version), encoding="utf-8")
    with pytest.raises(UserError) as refused:
        normalize_documents([source])
    message = str(refused.value)
    assert "\n" not in message
    assert message.endswith(
        "normalized document is not valid OpenAPI 3.0 at #/paths/~1notes/get/responses/200/content/"
        "application~1json/schema/type: 'strnig' is not one of ['array', 'boolean', 'integer', 'number', "
        "'object', 'string']")
