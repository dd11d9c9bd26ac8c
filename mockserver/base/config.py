"""What `mockserver serve` was told, as one immutable value the app factory is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
import importlib.util
from pathlib import Path
from typing import Mapping

from mockserver.base import defaults
from mockserver.base.rates import RateLimit


@dataclass(frozen=True)
class Credentials:
    """The credentials the mock accepts; empty sets mean "any well-formed one"."""

    api_keys: frozenset[str] = frozenset()
    basic: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class ServeConfig:
    specs: tuple[Path, ...] = ()
    specs_dir: Path = field(default_factory=lambda: bundled("mockserver.bundled_openapi", defaults.SPECS_DIR))
    fixtures_dir: Path = field(default_factory=lambda: bundled("mockserver.bundled_fixtures", defaults.FIXTURES_DIR))
    record_dir: Path | None = None  # --record: the upstream's successful replies written here as fixtures
    redact: tuple[str, ...] = ()  # --redact: body fields written as fakes of the same shape
    record_max_files: int = defaults.RECORD_MAX_FILES
    host: str = defaults.HOST
    port: int = defaults.PORT
    mounts: Mapping[str, str] = field(default_factory=dict)
    credentials: Credentials = Credentials()
    unknown_ids: str = defaults.UNKNOWN_IDS
    empty_collections: bool = False  # lists show only stored records, generated ones never (crud.py)
    seed: int = defaults.SEED
    cors: bool = True
    quiet: bool = False
    control: bool = True
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names the control API answers on loopback, beside loopback ones
    control_origins: tuple[str, ...] = ()  # origins the control API answers, beside its own
    journal_size: int = defaults.JOURNAL_SIZE
    workers: int = 1  # processes serving the port (workers.py)
    state: str | None = None  # shared store URL (store.py); None: in this process, or embedded for workers
    records_per_resource: int = defaults.RECORDS_PER_RESOURCE
    max_record_bytes: int = defaults.MAX_RECORD_BYTES  # one stored record as compact JSON
    max_header_bytes: int = defaults.MAX_HEADER_BYTES  # a request's headers together (431 beyond)
    max_body_bytes: int = defaults.MAX_REQUEST_BODY  # a request body (413 beyond, at once when declared)
    header_timeout_s: float = defaults.HEADER_TIMEOUT_S  # a head slower than this is answered 408
    keep_alive_s: int = defaults.KEEP_ALIVE_S  # idle keep-alive connections are closed after this
    body_timeout_s: float = defaults.BODY_TIMEOUT_S  # a body slower than this is answered 408
    rate_limit: RateLimit | None = None  # per session and operation (rates.py)
    max_sessions: int = defaults.MAX_SESSIONS
    session_idle_s: float = defaults.SESSION_IDLE_S
    latency_ms: tuple[int, int] | None = None  # (min, max) added to every reply
    callback_hosts: tuple[str, ...] = ()  # hosts callbacks may go to beside loopback ones; "*": any (--callback-host)
    webhook_urls: tuple[str, ...] = ()  # subscribers of every session from the start (--webhook-url)
    webhook_secret: str | None = None  # their signing secret; None: drawn from the seed (sign.default_secret)
    max_webhooks: int = defaults.MAX_WEBHOOKS  # subscribers per session
    webhook_attempts: int = defaults.WEBHOOK_ATTEMPTS  # attempts per delivery, the first included
    webhook_backoff_s: float = defaults.WEBHOOK_BACKOFF_S  # the wait before the first retry, doubled after
    reload: bool = False
    verbose: bool = False  # every start-up warning, not one line per kind of many (notices.py)
    # --proxy: document name (file stem) -> upstream base URL; the name "" stands for every document
    proxies: Mapping[str, str] = field(default_factory=dict)
    proxy_skip: frozenset[str] = frozenset()  # operationIds kept mocked (beside `x-mock-proxy: false`)
    proxy_insecure: bool = False  # TLS certificates of the upstream not verified
    proxy_timeout_s: float = defaults.PROXY_TIMEOUT_S
    proxy_fallback: bool = False  # an unreachable upstream: the mock's own reply, not a 502
    max_upstream_bytes: int = defaults.MAX_UPSTREAM_BYTES
    max_drifts: int = defaults.MAX_DRIFTS


def bundled(package: str, folder: str) -> Path:
    """Where the contracts or fixtures shipped with the package are: a wheel maps the folder into
    `package`, an editable install leaves it in the checkout.

    They are the default wherever the mock runs: a project's own `openapi/` or `fixtures/`
    folder is served only when named (`--specs-dir`, `--fixtures-dir`), never picked up from
    the current folder by surprise."""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return Path(__file__).resolve().parents[2] / folder
    # a data folder without __init__.py is a namespace package: take its one location
    return Path(next(iter(spec.submodule_search_locations)))
