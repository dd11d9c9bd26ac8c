"""The drift report of `--proxy`: each distinct difference between the upstream's replies and the
contract, counted, with when it was first and last seen and one redacted sample.

Not a change handed to the sink (changes.py), on purpose: drift is what the proxy observed of
the upstream, not state a client sets and reads back, so it needs no log entry nor agreement
between processes. It is a bounded counter in the process: `--proxy` runs in one process
(serve refuses it with `--workers`), so that process's report is the whole server's; it keeps
at most `--max-drifts` distinct drifts (one more drops the least recently seen) and a short
sample of each. `DELETE /__mock/drift` clears it; a reload starts a new one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from xml.etree import ElementTree
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from mockserver.base.defaults import DRIFT_SAMPLE_LIMIT, JOURNAL_CUT, MAX_DRIFTS
from mockserver.contract.drift import Finding


@dataclass
class Drift:
    api: str
    operation: str
    method: str
    path: str  # the operation's path template
    status: int
    finding: Finding
    first_seen: float
    last_seen: float
    sample: str  # the first reply's body, credentials redacted, cut at DRIFT_SAMPLE_LIMIT
    count: int = 1

    def as_json(self) -> dict[str, Any]:
        return {
            "api": self.api, "operation": self.operation, "method": self.method.upper(), "path": self.path,
            "status": self.status, "pointer": self.finding.pointer, "kind": self.finding.kind,
            "expected": self.finding.expected, "actual": self.finding.actual,
            "document_pointer": self.finding.target, "count": self.count,
            "first_seen": _iso(self.first_seen), "last_seen": _iso(self.last_seen), "sample": self.sample,
        }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_of(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= DRIFT_SAMPLE_LIMIT else text[:DRIFT_SAMPLE_LIMIT - len(JOURNAL_CUT)] + JOURNAL_CUT


class DriftLog:
    """Distinct drifts, least recently seen first; safe to note from any thread."""

    def __init__(self, limit: int = MAX_DRIFTS, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._clock = clock
        self._drifts: OrderedDict[tuple, Drift] = OrderedDict()
        self._lock = threading.Lock()

    def note(self, api: str, operation: str, method: str, path: str, status: int, found: list[Finding],
             sample: Callable[[], str]) -> None:
        """Count each finding of one reply; `sample()` is made only for a drift not seen before."""
        now = self._clock()
        with self._lock:
            for finding in found:
                key = (api, operation, status, *finding.key)
                drift = self._drifts.get(key)
                if drift is not None:
                    drift.count += 1
                    drift.last_seen = now
                    self._drifts.move_to_end(key)
                    continue
                self._drifts[key] = Drift(api, operation, method, path, status, finding, now, now, sample())
                if len(self._drifts) > self.limit:
                    self._drifts.popitem(last=False)

    def list(self) -> list[Drift]:
        with self._lock:
            return sorted(self._drifts.values(), key=lambda d: (d.api, d.operation, d.status, d.finding.pointer))

    def clear(self) -> int:
        with self._lock:
            count = len(self._drifts)
            self._drifts.clear()
            return count


def by_api(drifts: list[Drift]) -> Mapping[str, list[Drift]]:
    found: dict[str, list[Drift]] = {}
    for drift in drifts:
        found.setdefault(drift.api, []).append(drift)
    return found


def junit(drifts: list[Drift], operations: list[tuple[str, str]]) -> bytes:
    """A JUnit XML report CI can publish: one test case per operation proxied so far, failing
    once per distinct drift of it (`operations`: (api, operationId) of every proxied one)."""
    suite = ElementTree.Element("testsuite", name="mockserver drift", tests=str(len(operations)),
                                failures=str(len({(d.api, d.operation) for d in drifts})), errors="0")
    for api, operation in operations:
        case = ElementTree.SubElement(suite, "testcase", classname=f"drift.{api}", name=operation)
        for drift in (d for d in drifts if (d.api, d.operation) == (api, operation)):
            failure = ElementTree.SubElement(case, "failure", type=drift.finding.kind,
                                             message=f"{drift.status} {drift.finding.said()} (seen {drift.count} times)")
            failure.text = drift.sample
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)
