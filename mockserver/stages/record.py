"""Recording the upstream's successful replies as fixtures (`serve --proxy URL --record DIR`).

The files are the ones `--fixtures-dir` reads (state/records.py `seed_store`): one folder per
document, each file a mapping operationId -> record id -> record, the record as it sits inside
the reply's envelope. So `serve --fixtures-dir DIR` later answers the same bodies offline.

- One file per record, `DIR/<document>/<reading operationId>=<id>.yaml`: a re-recorded record
  replaces its own file, and the files diff one record at a time. An id is in the name only
  when it is short and plain (lower-case letters, digits, `.`, `_`, `-`, not starting with a
  dot); any other id (`../x`, `/`, NUL, upper case that a case-insensitive disk would merge, a
  long one) is named by its SHA-256, marked by `~`, which a plain id never holds. The id itself
  is only ever a YAML key, never a path.
- Written atomically (a temporary file in the same folder, then a rename), so a reader or a
  second worker never sees half a file.
- Bounded: at most `max_files` new files per process (`--record-max-files`), and a record over
  `--max-record-bytes` is not written.
- Credentials are never written: request headers are not recorded at all, a body field named
  like a credential (`credential_field`) has every value in it replaced by a placeholder, and
  the credentials the client sent (`request_credentials`) are cut out of every string of the
  reply, should the upstream echo them in a field named otherwise.
  Fields named with `--redact` become deterministic fakes of the same shape (an e-mail stays an
  e-mail, a UUID a UUID, a date a date, digits digits), so the fixture still validates. The
  fakes are keyed with a secret of this process: within a run one value always becomes the same
  fake (records that share it still agree), but a fixture cannot be searched for a guessed one.
- A record the contract would refuse (the vendor drifted, or a fake broke a `pattern`) is not
  written, since it would stop `serve --fixtures-dir` at start-up.
- Recording never fails, delays or changes the reply: the proxy only queues it (bounded in
  bytes) for one writer thread, and whatever goes wrong is one warning line (a
  repeated one is not repeated).
"""

from __future__ import annotations

import atexit
import base64
import collections
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from mockserver.base import defaults
from mockserver.base.names import credential_field
from mockserver.contract.operations import Api, Operation
from mockserver.contract.validation import ResponseValidator
from mockserver.http.request import MockRequest
from mockserver.http.upstream import UpstreamReply
from mockserver.state.records import prepare_record, readers, record_key, record_size

__all__ = ["Recorder", "credential_field", "file_name", "redact", "request_credentials"]

log = logging.getLogger("mockserver")

_PLAIN_ID = re.compile(r"[a-z0-9_-][a-z0-9._-]*")
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RECORDED_KINDS = ("read", "list", "create", "update", "action")  # a delete's body is no longer a record


def file_name(operation_id: str, record_id: str) -> str:
    """The file a record is written to: deterministic, and never a path (see the module's doc)."""
    op = operation_id if _SAFE_NAME.fullmatch(operation_id) and not operation_id.startswith(".") \
        and len(operation_id) <= defaults.RECORD_PLAIN_ID_LENGTH * 2 \
        else "~" + hashlib.sha256(operation_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    if len(record_id) <= defaults.RECORD_PLAIN_ID_LENGTH and _PLAIN_ID.fullmatch(record_id):
        return f"{op}={record_id}.yaml"
    return f"{op}=~{hashlib.sha256(record_id.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}.yaml"


def redact(value: Any, fields: Iterable[str] = (), key: bytes = b"", credentials: Iterable[str] = ()) -> Any:
    """A copy of a body with credential-named fields replaced by the placeholder, `fields`
    (compared without case) by fakes keyed with `key`, at any depth, in arrays too, and any of
    `credentials` (what the client sent) cut out of every string, whatever its field's name."""
    return _Redactor({name.lower() for name in fields}, key, credentials).walk(value)


def request_credentials(op: Operation, request: MockRequest) -> tuple[str, ...]:
    """The credentials a request carried, as an upstream might echo them in a body: the
    `Authorization` value and its token (a basic one's password too), the operation's API-key
    headers and query parameters, and cookie values; the longest first, the short ones left
    out (`defaults.RECORD_MIN_CREDENTIAL`: cutting a 3-letter value out of every string would
    wreck the fixture)."""
    found: list[str] = []
    headers = request.headers
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        found += [authorization, token.strip()]
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(token.strip(), validate=True).decode("utf-8")
            except ValueError:
                pair = ""
            found += [pair, pair.partition(":")[2]]
    query = urllib.parse.parse_qs(request.query_string.decode("latin-1"), keep_blank_values=True)
    for requirement in op.security:
        for _name, scheme in requirement:
            if scheme.get("type") != "apiKey":
                continue
            name, place = str(scheme.get("name", "")), scheme.get("in")
            if place == "header" and headers.get(name):
                found.append(headers.get(name))
            elif place == "query":
                found += query.get(name, [])
    for part in (headers.get("cookie") or "").split(";"):
        found.append(part.partition("=")[2].strip())
    kept = {value for value in found if len(value) >= defaults.RECORD_MIN_CREDENTIAL}
    return tuple(sorted(kept, key=len, reverse=True))


class _Redactor:
    def __init__(self, fields: set[str], key: bytes, credentials: Iterable[str] = ()) -> None:
        self.fields = fields
        self.key = key
        self.credentials = tuple(credentials)

    def walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for name, inner in value.items():
                if credential_field(str(name)):
                    out[name] = _scrub(inner)
                elif str(name).lower() in self.fields:
                    out[name] = self.fake(inner)
                else:
                    out[name] = self.walk(inner)
            return out
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        if isinstance(value, str):
            for credential in self.credentials:
                if credential in value:
                    value = value.replace(credential, defaults.REDACTED_PLACEHOLDER)
        return value

    def fake(self, value: Any) -> Any:
        """A value of the same type and shape, the same for the same value (within one key)."""
        if isinstance(value, dict):
            return {name: self.fake(inner) for name, inner in value.items()}
        if isinstance(value, list):
            return [self.fake(item) for item in value]
        if value is None or isinstance(value, bool):
            return value
        digest = hmac.new(self.key, json.dumps(value, sort_keys=True).encode(), hashlib.sha256).digest()
        stream = _Digits(digest)
        if isinstance(value, int):
            digits = len(str(abs(value)))
            fake = stream.number(digits, leading=digits > 1)
            return -fake if value < 0 else fake
        if isinstance(value, float):
            whole = len(str(int(abs(value))))
            fake = stream.number(whole, leading=whole > 1) + stream.number(2) / 100
            return -fake if value < 0 else fake
        if not isinstance(value, str):
            return value
        if _UUID.fullmatch(value):
            return str(uuid.UUID(bytes=digest[:16], version=4))
        if _DATE.match(value):  # a date stays a real date; a time after it is kept
            year, month, day = 1950 + stream.number(2), 1 + stream.number(2) % 12, 1 + stream.number(2) % 28
            return f"{year:04d}-{month:02d}-{day:02d}{value[10:]}"
        local, at, domain = value.rpartition("@")
        if at and local and "." in domain:  # an e-mail: a fake address at a domain that is no one's
            return f"{stream.mask(local)}@example.com"
        return stream.mask(value)


class _Digits:
    """Deterministic choices drawn from a digest (extended by hashing it again)."""

    def __init__(self, digest: bytes) -> None:
        self.digest = digest
        self.at = 0

    def next(self, n: int) -> int:
        if self.at >= len(self.digest):
            self.digest, self.at = hashlib.sha256(self.digest).digest(), 0
        byte = self.digest[self.at]
        self.at += 1
        return byte % n

    def number(self, digits: int, leading: bool = False) -> int:
        text = "".join(str(self.next(9) + 1 if leading and i == 0 else self.next(10)) for i in range(digits))
        return int(text)

    def mask(self, text: str) -> str:
        """Letters stay letters of the same case, digits digits; anything else is kept."""
        out = []
        for char in text:
            if "a" <= char <= "z":
                out.append(chr(ord("a") + self.next(26)))
            elif "A" <= char <= "Z":
                out.append(chr(ord("A") + self.next(26)))
            elif "0" <= char <= "9":
                out.append(str(self.next(10)))
            elif char.isalpha():
                out.append("x")
            else:
                out.append(char)
        return "".join(out)


def _scrub(value: Any) -> Any:
    """Everything under a credential-named field: strings become the placeholder, numbers 0."""
    if isinstance(value, dict):
        return {name: _scrub(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return defaults.REDACTED_PLACEHOLDER
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0
    return value


class Recorder:
    """Writes the upstream's successful replies under `folder` as fixtures (see the module's doc).

    `on_upstream_reply` is what the proxy calls once per upstream reply: it queues the reply for
    one writer thread (bounded in bytes), which calls `record`; `record` returns how many records
    it wrote and never raises.
    """

    def __init__(self, folder: Path, apis: Iterable[Api], validators: Mapping[str, ResponseValidator],
                 redact_fields: Iterable[str] = (), max_files: int = defaults.RECORD_MAX_FILES,
                 max_record_bytes: int = defaults.MAX_RECORD_BYTES) -> None:
        self.folder = Path(folder)
        self.apis = {api.name: api for api in apis}
        self.validators = validators
        self.readers = {name: readers(api.operations.values()) for name, api in self.apis.items()}
        self.redact_fields = tuple(redact_fields)
        self.max_files = max_files
        self.max_record_bytes = max_record_bytes
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._files: set[Path] = set()  # written by this process: rewriting one is not a new file
        self._warned: set[str] = set()
        self.written = 0
        self.skipped = 0
        self._pending: collections.deque[tuple[str, str, dict[str, Any], int, bytes, tuple[str, ...]]] = \
            collections.deque()
        self._pending_bytes = 0
        self._pending_ready = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None

    def on_upstream_reply(self, op: Operation, request: MockRequest, reply: UpstreamReply,
                          violations: tuple[str, ...]) -> None:
        """The proxy's listener (stages/proxy.py `Upstreams.listeners`): the reply is queued for
        the recorder's own thread, so a request never waits for a disk. Only the reply's body is
        kept: nothing of the request (its headers hold the client's credentials) is written."""
        media_type = (reply.header("content-type") or "").split(";")[0].strip().lower()
        if not (200 <= reply.status < 300 and (media_type == "application/json" or media_type.endswith("+json"))):
            return
        with self._pending_ready:
            if self._pending_bytes + len(reply.body) > defaults.RECORD_PENDING_BYTES:
                dropped = True
            else:
                dropped = False
                self._pending.append((op.api, op.operation_id, dict(request.path_params), reply.status, reply.body,
                                      request_credentials(op, request)))
                self._pending_bytes += len(reply.body)
                self._pending_ready.notify()
                if self._thread is None:
                    self._thread = threading.Thread(target=self._drain, name="mockserver-record", daemon=True)
                    self._thread.start()
                    atexit.register(self.flush)
        if dropped:
            self._skip(f"{self.folder}: the disk is behind ({defaults.RECORD_PENDING_BYTES} bytes of replies "
                       "wait to be written); replies meanwhile are not recorded")

    def flush(self, timeout_s: float = defaults.RECORD_FLUSH_S) -> bool:
        """Wait until every queued reply is written (at exit too); False if it took longer."""
        with self._pending_ready:
            return self._pending_ready.wait_for(lambda: not self._pending and not self._busy, timeout_s)

    def _drain(self) -> None:
        while True:
            with self._pending_ready:
                self._pending_ready.wait_for(lambda: bool(self._pending))
                item = self._pending.popleft()
                self._busy = True
            try:
                self.record(*item)
            finally:
                with self._pending_ready:
                    self._pending_bytes -= len(item[4])
                    self._busy = False
                    self._pending_ready.notify_all()

    def record(self, api_name: str, operation_id: str, path_params: Mapping[str, Any] | None,
               status: int, body: Any, credentials: Iterable[str] = ()) -> int:
        """Record the records in one upstream reply (a 2xx with a JSON body); 0 for anything else."""
        try:
            return self._record(api_name, operation_id, path_params or {}, status, body, tuple(credentials))
        except Exception as exc:  # recording must never fail the request
            self._warn(f"{api_name} {operation_id}: not recorded: {type(exc).__name__}: {exc}")
            return 0

    def _record(self, api_name: str, operation_id: str, path_params: Mapping[str, Any], status: int,
                body: Any, credentials: tuple[str, ...]) -> int:
        api = self.apis.get(api_name)
        op = api.operations.get(operation_id) if api is not None else None
        role = op.resource if op is not None else None
        if not 200 <= status < 300 or role is None or role.kind not in _RECORDED_KINDS:
            return 0
        if role.resource.parents:  # a fixture file keys records by their own id only (records.py)
            return self._skip(f"{api_name} {operation_id}: records nested under a parent record "
                              f"({role.resource.name}) are not recorded")
        reader = self.readers[api_name].get(record_key(op))
        if reader is None or reader.binding is None or reader.success is None:
            return 0
        if isinstance(body, (bytes, bytearray, str)):
            try:
                body = json.loads(body)
            except ValueError:
                return 0
        body = redact(body, self.redact_fields, self._key, credentials)
        found = _records_in(body, role)
        written = 0
        for record in found:
            written += self._write(api, reader, record)
        return written

    def _write(self, api: Api, reader: Operation, record: Any) -> int:
        assert reader.binding is not None and reader.success is not None and reader.resource is not None
        where = f"{api.name} {reader.operation_id}"
        record_id = reader.resource.resource.id_of(record) if isinstance(record, dict) else None
        if record_id is None or isinstance(record_id, (dict, list, bool)):
            return self._skip(f"{where}: a record without its {reader.binding.field} is not recorded")
        record_id = str(record_id)
        if len(record_id) > defaults.RECORD_MAX_ID_LENGTH or _CONTROL.search(record_id):
            return self._skip(f"{where}: a record whose id is over {defaults.RECORD_MAX_ID_LENGTH} characters "
                              "or holds a control character is not recorded")
        record = prepare_record(reader, record_id, record)
        if isinstance(record, str):
            return self._skip(f"{where}: not recorded: {record}")
        if record_size(record) > self.max_record_bytes:
            return self._skip(f"{where}: a record over --max-record-bytes ({self.max_record_bytes}) is not recorded")
        problems = self.validators[api.name].check_body(reader, reader.success.status, reader.binding.wrap(record))
        if problems:
            return self._skip(f"{where}: a record the contract refuses is not recorded "
                              f"(serve --fixtures-dir would stop on it): {problems[0]}")
        folder = self.folder / api.name
        path = folder / file_name(reader.operation_id, record_id)
        with self._lock:
            full = path not in self._files and len(self._files) >= self.max_files
            if not full:
                self._files.add(path)
        if full:
            return self._skip(f"{self.folder}: --record-max-files ({self.max_files}) reached; "
                              "further new records are not recorded")
        text = yaml.safe_dump({reader.operation_id: {record_id: record}}, sort_keys=False, allow_unicode=True,
                              default_flow_style=False)
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, text)
        with self._lock:
            self.written += 1
        return 1

    def _skip(self, why: str) -> int:
        with self._lock:
            self.skipped += 1
        self._warn(why)
        return 0

    def _warn(self, line: str) -> None:
        with self._lock:
            if line in self._warned or len(self._warned) >= defaults.RECORD_WARNINGS:
                return
            self._warned.add(line)
        log.warning("warning: --record: %s", line)


def _records_in(body: Any, role: Any) -> list[Any]:
    """The records a reply holds: each item of a list, else the one in its envelope."""
    if role.kind == "list":
        items = body
        for key in role.items or ():
            items = items.get(key) if isinstance(items, dict) else None
        return list(items) if isinstance(items, list) else []
    if role.envelope is None:
        return []
    for key in role.envelope:
        body = body.get(key) if isinstance(body, dict) else None
    return [body] if isinstance(body, dict) else []


def _write_atomically(path: Path, text: str) -> None:
    """A temporary file beside `path` (a dot name `--fixtures-dir` never reads), then a rename."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
