"""RecordGenerator: the same records in another process (the rest is tests/unit/generate/test_record_generator.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.documents import lago, ref, sequence  # noqa: F401 (fixtures)
from mockserver.generate import RecordGenerator

ROOT = Path(__file__).resolve().parents[2]


_SUBPROCESS = """
import json, sys, yaml
from mockserver.generate import RecordGenerator
out = {}
targets = (("lago.yaml", "ActivityLog"), ("lago.yaml", "ApiLog"), ("sequence.yaml", "ActivityLogResponse"))
for doc_name, schema in targets:
    doc = yaml.safe_load(open(sys.argv[1] + "/openapi/" + doc_name))
    gen = RecordGenerator(doc, seed=3)
    out[schema] = [gen.generate({"$ref": "#/components/schemas/" + schema}, key=("k", str(i))) for i in range(5)]
print(json.dumps(out))
"""


def test_deterministic_across_processes(lago: dict[str, Any], sequence: dict[str, Any]) -> None:
    expected = {}
    for doc, schema in ((lago, "ActivityLog"), (lago, "ApiLog"), (sequence, "ActivityLogResponse")):
        gen = RecordGenerator(doc, seed=3)
        expected[schema] = [gen.generate(ref(schema), key=("k", str(i))) for i in range(5)]
    result = subprocess.run([sys.executable, "-c", _SUBPROCESS, str(ROOT)], capture_output=True, text=True,
                            check=True, cwd=ROOT, env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert json.loads(result.stdout) == expected
