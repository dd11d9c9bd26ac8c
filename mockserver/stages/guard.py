"""The path guard: ids no record can have are refused before anything else reads them.

Refused, as strict URL decoders refuse them before routing: C0 control characters and DEL
(they would reach a record id and a log line), and bytes that are not UTF-8 (uvicorn would
turn them into U+FFFD, so different ids would share a record). Any other character, C1
controls included, is a valid character of a `type: string` id.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from mockserver.http import problems
from mockserver.contract.operations import Operation
from mockserver.http.reply import Reply
from mockserver.stages.reply_builder import ReplyBuilder, declared_or_problem
from mockserver.http.request import MockRequest

# printable ASCII but '%' (and no space): a path made only of these is deleted whole by
# `translate`, which takes half the time of the same test as a regex (it runs on every request)
_PLAIN_BYTES = bytes(range(0x21, 0x25)) + bytes(range(0x26, 0x7F))


def path_problem(raw_path: bytes) -> str | None:
    """Why no record can live at this path, or None."""
    if not raw_path.translate(None, _PLAIN_BYTES):  # printable ASCII, nothing percent-encoded: the usual case
        return None
    decoded = unquote_to_bytes(raw_path)
    if any(b < 0x20 or b == 0x7F for b in decoded):
        return "the path holds control characters"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return "the path is not UTF-8 once percent-decoded"
    return None


def check(op: Operation | None, request: MockRequest, build: ReplyBuilder) -> Reply | None:
    """None for a path an id may have; else the operation's declared 404 (the vendor would not
    find such a record), else its declared 400, else a 404 problem (no route serves such a path)."""
    problem = path_problem(request.raw_path)
    if problem is None:
        return None
    return declared_or_problem(build, op, 404, lambda: problems.unusable_path(problem), problem, stand_ins=(400,))
