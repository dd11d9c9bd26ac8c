"""The forward stage (`--proxy`): for a proxied operation it replaces "respond".

The request goes to the real API (http/upstream.py) and its reply comes back unchanged, marked
`x-mock-source: upstream`; `on_upstream_reply` is the one place where an upstream reply is
known, with the operation and the request that caused it: drift is checked there (drift.py),
and whatever else wants to see upstream replies (a recorder) is one of `Upstreams.listeners`,
called there in order. An upstream that cannot be had is a 502 problem, or with
`--proxy-fallback` the mock's own reply, marked `x-mock-source: mock`.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Mapping

from mockserver.base.config import ServeConfig
from mockserver.base.defaults import DRIFT_HEADER_LIMIT, JOURNAL_CUT
from mockserver.base.user_errors import UserError
from mockserver.contract import drift
from mockserver.contract.drift import Finding
from mockserver.contract.operations import Api, Operation
from mockserver.contract.validation import ResponseValidator
from mockserver.http import problems, upstream
from mockserver.http.reply import Reply
from mockserver.http.request import MockRequest
from mockserver.http.upstream import UpstreamError, UpstreamReply, UnsafePath
from mockserver.state.drift import DriftLog, sample_of

log = logging.getLogger("mockserver")

SOURCE_HEADER = "x-mock-source"  # upstream: the upstream's reply; mock: the mock's own, as a fallback
DRIFT_HEADER = "x-mock-drift"  # the violations of an upstream reply, short

# called with (operation, request, upstream reply, its violations) for every upstream reply
UpstreamListener = Callable[[Operation, MockRequest, UpstreamReply, tuple[str, ...]], None]


def operation_opts_out(api: Api, op: Operation) -> bool:
    """`x-mock-proxy: false` on the operation (or its path item): it stays mocked."""
    path_item = api.document.get("paths", {}).get(op.path, {})
    operation = path_item.get(op.method, {}) if isinstance(path_item, dict) else {}
    for node in (operation, path_item):
        if isinstance(node, dict) and node.get("x-mock-proxy") is False:
            return True
    return False


class Upstreams:
    """Which operations are forwarded, and where; built once per engine from the config."""

    def __init__(self, apis: list[Api], config: ServeConfig) -> None:
        self.config = config
        names = {api.name for api in apis}
        for name in config.proxies:
            if name and name not in names:
                raise UserError(f"--proxy {name}=...", f"no document named {name} (have: {', '.join(sorted(names))})")
        operation_ids = {op.operation_id for api in apis for op in api.operations.values()}
        for operation_id in sorted(config.proxy_skip - operation_ids):
            raise UserError(f"--proxy-skip {operation_id}", "no operation has this operationId")
        self.base_urls: dict[tuple[str, str], str] = {}  # (api name, operationId) -> upstream base URL
        for api in apis:
            base_url = config.proxies.get(api.name, config.proxies.get(""))
            if base_url is None:
                continue
            for op in api.operations.values():
                if op.operation_id not in config.proxy_skip and not operation_opts_out(api, op):
                    self.base_urls[(api.name, op.operation_id)] = base_url
        self.documents = {api.name: api.document for api in apis}
        self.drifts = DriftLog(config.max_drifts)
        self.listeners: list[UpstreamListener] = []

    def proxied(self) -> list[tuple[str, str]]:
        """(api, operationId) of every forwarded operation, in document order."""
        return list(self.base_urls)

    def base_url(self, op: Operation) -> str | None:
        return self.base_urls.get((op.api, op.operation_id)) if self.base_urls else None


async def forward(upstreams: Upstreams, validator: ResponseValidator, op: Operation, request: MockRequest,
                  scope: Mapping[str, Any], mocked: Callable[[], Any]) -> Reply:
    """The upstream's reply to `request`, or the 502 problem (or, with --proxy-fallback, what
    `mocked()` answers, marked as the mock's). `request.body` is already read."""
    config = upstreams.config
    base_url = upstreams.base_url(op)
    assert base_url is not None
    if upstream.encoded_separator(request.raw_path):
        return problems.invalid_request(400, "the proxy forwards no path with an encoded '/' or '\\'")
    try:
        url = upstream.target(base_url, request.path[len(op.base_path):], request.query_string)
    except UnsafePath as refused:
        return problems.invalid_request(400, str(refused))
    try:
        # a HEAD is asked as the GET it stands for: its reply is the GET's headers, length
        # included (RFC 9110 9.3.2), which the upstream's bodiless HEAD reply cannot give once
        # the mock writes the length itself; the server sends no body for a HEAD
        method = "GET" if request.method == "HEAD" else request.method
        reply = await upstream.send(method, url, upstream.forwarded_headers(list(scope["headers"])),
                                    request.body, timeout_s=config.proxy_timeout_s,
                                    max_bytes=config.max_upstream_bytes, verify=not config.proxy_insecure)
    except UpstreamError as failed:
        log.warning("proxy: %s %s: %s", request.method, url.copy_with(query=None), failed)
        if config.proxy_fallback:
            own = await mocked()
            return own.with_header(SOURCE_HEADER, "mock")
        return problems.upstream_unavailable(str(failed))
    found = on_upstream_reply(upstreams, validator, op, request, reply)
    headers = reply.headers
    if config.cors:  # the mock answers CORS itself: a second Access-Control-Allow-Origin makes browsers refuse
        headers = tuple((name, value) for name, value in headers if not name.startswith("access-control-"))
    headers += ((SOURCE_HEADER, "upstream"),)
    if found:
        headers += ((DRIFT_HEADER, drift_header(tuple(f.said() for f in found))),)
    return Reply(reply.status, None, reply.body, headers)


def on_upstream_reply(upstreams: Upstreams, validator: ResponseValidator, op: Operation, request: MockRequest,
                      reply: UpstreamReply) -> list[Finding]:
    """The one place an upstream reply is known, with its operation and request: validated as
    the mock's own replies are (validation.py), its drifts counted (drift.py), then handed to
    every listener (a recorder). Returns the drifts, empty when the reply is what the contract
    says."""
    media_type = reply.header("content-type")
    violations = validator.violations(op, reply.status, media_type, reply.body)
    found = drift.findings(upstreams.documents[op.api], op, reply.status, media_type, reply.body, violations)
    if found:
        upstreams.drifts.note(op.api, op.operation_id, op.method, op.path, reply.status, found,
                              lambda: _sample(reply.body))
    for listener in upstreams.listeners:
        listener(op, request, reply, violations)
    return found


def _sample(body: bytes) -> str:
    """The body as the drift report keeps it: JSON with credentials redacted, else its text."""
    try:
        return sample_of(drift.redacted(json.loads(body)))
    except ValueError:
        return sample_of(body.decode("utf-8", "replace"))


def drift_header(violations: tuple[str, ...]) -> str:
    """The violations in one header value: ASCII, `; `-separated, cut at DRIFT_HEADER_LIMIT."""
    text = "; ".join(" ".join(v.split()) for v in violations).encode("ascii", "replace").decode("ascii")
    return text if len(text) <= DRIFT_HEADER_LIMIT else text[:DRIFT_HEADER_LIMIT - len(JOURNAL_CUT)] + JOURNAL_CUT
