"""`mockserver serve`: flags, start-up banner, and the uvicorn server.

The socket is bound before anything is served, so a port already in use is a one-line error
(exit 2), and `--port 0` picks a free port that the banner then names (tests use this).
"""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import os
import socket
import sys
from pathlib import Path

from mockserver.base import defaults, notices
from mockserver.adapters.argparse import SubParsers
from mockserver.contract.operations import Api
from mockserver.stages.landing import SWAGGER_UI, StoredIds, runnable_curl
from mockserver.control.access import origin_of, unsafe_control_plane
from mockserver.base.rates import RateLimit
from mockserver.base.config import ServeConfig
from mockserver.base.user_errors import UserError
from mockserver.base.config import Credentials
from mockserver.stages.security import parse_basic_auth
from mockserver.http.upstream import check_base_url


def _mount(value: str) -> tuple[str, str]:
    name, sep, prefix = value.partition("=")
    if not sep or not name or not (prefix == "" or prefix.startswith("/")):
        raise argparse.ArgumentTypeError("expected NAME=/prefix, e.g. lago=/lago/api/v1")
    return name, prefix.rstrip("/")


def _basic(value: str) -> tuple[str, str]:
    try:
        return parse_basic_auth(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _latency(value: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    try:
        bounds = (int(low), int(high) if sep else int(low))
    except ValueError:
        raise argparse.ArgumentTypeError("expected MS or MIN-MAX in milliseconds, e.g. 200 or 100-800") from None
    if not 0 <= bounds[0] <= bounds[1] <= defaults.MAX_DELAY_MS:
        raise argparse.ArgumentTypeError(f"latency must be 0..{defaults.MAX_DELAY_MS} ms, MIN not above MAX")
    return bounds


def _proxy(value: str) -> tuple[str, str]:
    """`URL` (every document) or `NAME=URL` (the document NAME, its file stem)."""
    name, sep, url = value.partition("=")
    if not sep or "/" in name or ":" in name:
        name, url = "", value
    try:
        return name, check_base_url(url)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError("expected seconds, more than 0 and at most 3600")
    return seconds


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value!r}")
    return int(value)


def _origin(value: str) -> str:
    origin = origin_of(value)
    if origin is None:
        raise argparse.ArgumentTypeError(f"expected an origin such as http://localhost:3000, got {value!r}")
    return origin


def _rate_limit(value: str) -> RateLimit:
    try:
        return RateLimit.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("expected a positive whole number")
    return int(value)


def _webhook_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"expected an http(s) URL such as http://127.0.0.1:9000/hooks, got {value!r}")
    return value


def _webhook_secret(value: str) -> str:
    import base64
    import binascii

    try:
        if not value.startswith("whsec_") or not base64.b64decode(value[6:] + "==", validate=False):
            raise ValueError
    except (ValueError, binascii.Error):
        raise argparse.ArgumentTypeError("expected a Standard Webhooks secret: whsec_ then base64") from None
    return value


def add_serve_parser(sub: SubParsers) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the mock",
        description="Serve every OpenAPI document as a validated, deterministic mock.",
    )
    serve.add_argument("--spec", action="append", default=[], metavar="FILE",
                       help="document to serve (repeatable; default: every *.yaml in --specs-dir)")
    serve.add_argument("--specs-dir", metavar="DIR",
                       help="folder of documents to serve (default: the bundled Lago and Sequence contracts)")
    serve.add_argument("--fixtures-dir", metavar="DIR",
                       help="folder of seeded records, one subfolder per document (default: the bundled ones)")
    serve.add_argument("--record", metavar="DIR",
                       help="with --proxy: write the upstream's successful replies to DIR as fixtures that "
                            "--fixtures-dir reads (credential fields never written)")
    serve.add_argument("--redact", action="append", default=[], metavar="FIELD",
                       help="with --record: write this body field, at any depth, as a fake of the same shape "
                            "(repeatable; e.g. email, phone, name)")
    serve.add_argument("--record-max-files", type=_positive, default=defaults.RECORD_MAX_FILES, metavar="N",
                       help="with --record: new fixture files written at most; further new records are not "
                            f"(default: {defaults.RECORD_MAX_FILES})")
    serve.add_argument("--host", default=defaults.HOST, help=f"address to listen on (default: {defaults.HOST})")
    serve.add_argument("--port", type=_port, default=defaults.PORT,
                       help=f"port to listen on, 0 for any free one (default: {defaults.PORT})")
    serve.add_argument("--mount", action="append", type=_mount, default=[], metavar="NAME=/prefix",
                       help="serve document NAME (file stem) under another path prefix (repeatable)")
    serve.add_argument("--api-key", action="append", default=[], metavar="KEY",
                       help="accept only these bearer tokens / API keys (repeatable; default: any)")
    serve.add_argument("--basic-auth", action="append", type=_basic, default=[], metavar="USER:PASS",
                       help="accept only these basic credentials (repeatable; default: any)")
    serve.add_argument("--unknown-ids", choices=defaults.UNKNOWN_IDS_CHOICES, default=defaults.UNKNOWN_IDS,
                       help="unknown record ids: generate a record, or answer the declared 404 (default: generate)")
    serve.add_argument("--empty-collections", action="store_true",
                       help="lists start empty and show only the records clients and fixtures stored "
                            "(default: generated records, beside the stored ones)")
    serve.add_argument("--keep-generated", action="store_true", help=argparse.SUPPRESS)  # deprecated: the default
    serve.add_argument("--seed", type=int, default=defaults.SEED,
                       help=f"seed of generated records (default: {defaults.SEED})")
    serve.add_argument("--no-cors", dest="cors", action="store_false", help="do not answer CORS")
    serve.add_argument("--quiet", action="store_true", help="no request log")
    serve.add_argument("--verbose", action="store_true",
                       help="print every start-up warning (default: one line for many of one kind)")
    serve.add_argument("--no-control", dest="control", action="store_false",
                       help=f"turn off the control API under {defaults.CONTROL_PREFIX}")
    serve.add_argument("--control-token", metavar="TOKEN",
                       help=f"require this token in the {defaults.CONTROL_TOKEN_HEADER} header for the control API; "
                            f"at least {defaults.CONTROL_TOKEN_MIN_LENGTH} characters "
                            "(required when --host is not loopback, unless --no-control)")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                       help=f"also answer {defaults.CONTROL_PREFIX} for this Host name when listening on loopback "
                            "(repeatable; e.g. a name in /etc/hosts)")
    serve.add_argument("--control-origin", action="append", type=_origin, default=[], metavar="ORIGIN",
                       help=f"also answer {defaults.CONTROL_PREFIX} for browser requests from this origin "
                            "(repeatable; e.g. http://localhost:3000)")
    serve.add_argument("--callback-host", action="append", default=[], metavar="HOST",
                       help="also send the contract's callbacks to this host (repeatable; * for any host; "
                            "default: loopback hosts only)")
    serve.add_argument("--webhook-url", action="append", type=_webhook_url, default=[], metavar="URL",
                       help="send every declared webhook to this URL, in every session (repeatable)")
    serve.add_argument("--webhook-secret", type=_webhook_secret, metavar="whsec_BASE64",
                       help="the signing secret of --webhook-url subscribers (default: drawn from --seed, "
                            "shown in the banner)")
    serve.add_argument("--max-webhooks", type=_positive, default=defaults.MAX_WEBHOOKS, metavar="N",
                       help=f"webhook subscribers per session (default: {defaults.MAX_WEBHOOKS})")
    serve.add_argument("--webhook-attempts", type=_positive, default=defaults.WEBHOOK_ATTEMPTS, metavar="N",
                       help=f"attempts per webhook delivery, the first included (default: {defaults.WEBHOOK_ATTEMPTS})")
    serve.add_argument("--journal-size", type=_positive, default=defaults.JOURNAL_SIZE, metavar="N",
                       help=f"requests kept in the journal (default: {defaults.JOURNAL_SIZE})")
    serve.add_argument("--rate-limit", type=_rate_limit, metavar="N/SECONDS",
                       help="answer 429 (with Retry-After) beyond N requests per SECONDS, per session and operation")
    serve.add_argument("--max-sessions", type=_positive, default=defaults.MAX_SESSIONS, metavar="N",
                       help=f"named sessions (X-Mock-Session) kept at once (default: {defaults.MAX_SESSIONS})")
    serve.add_argument("--session-idle", type=_positive, default=defaults.SESSION_IDLE_S, metavar="SECONDS",
                       help=f"a named session unused this long is removed (default: {defaults.SESSION_IDLE_S})")
    serve.add_argument("--records-per-resource", type=_positive, default=defaults.RECORDS_PER_RESOURCE, metavar="N",
                       help="records kept per resource; storing one more evicts the oldest "
                            f"(default: {defaults.RECORDS_PER_RESOURCE})")
    serve.add_argument("--max-record-bytes", type=_positive, default=defaults.MAX_RECORD_BYTES, metavar="BYTES",
                       help="largest record stored, as compact JSON; a bigger create or update is answered 413 "
                            f"(default: {defaults.MAX_RECORD_BYTES})")
    serve.add_argument("--max-header-bytes", type=_positive, default=defaults.MAX_HEADER_BYTES, metavar="BYTES",
                       help="largest request headers, names and values together; beyond, 431 "
                            f"(default: {defaults.MAX_HEADER_BYTES})")
    serve.add_argument("--max-body-bytes", type=_positive, default=defaults.MAX_REQUEST_BODY, metavar="BYTES",
                       help="largest request body; beyond, 413 (at once when Content-Length says so) "
                            f"(default: {defaults.MAX_REQUEST_BODY})")
    serve.add_argument("--header-timeout", type=_positive, default=defaults.HEADER_TIMEOUT_S, metavar="SECONDS",
                       help="answer 408 and close when a request's headers take longer than this to arrive, and "
                            f"close a new connection that sends nothing for as long (default: {defaults.HEADER_TIMEOUT_S})")
    serve.add_argument("--keep-alive", type=_positive, default=defaults.KEEP_ALIVE_S, metavar="SECONDS",
                       help=f"close an idle keep-alive connection after this long (default: {defaults.KEEP_ALIVE_S})")
    serve.add_argument("--body-timeout", type=_positive, default=defaults.BODY_TIMEOUT_S, metavar="SECONDS",
                       help="answer 408 and close when a request body takes longer than this to arrive "
                            f"(default: {defaults.BODY_TIMEOUT_S})")
    serve.add_argument("--latency", type=_latency, metavar="MS|MIN-MAX",
                       help="delay every reply by MS, or by a random MIN..MAX, milliseconds")
    serve.add_argument("--workers", type=_positive, default=1, metavar="N",
                       help="processes serving the port, sharing one state (default: 1)")
    serve.add_argument("--state", metavar="URL",
                       help="keep the control state (records, scenarios, sessions, journal) in a store shared by "
                            "every worker and instance: redis://HOST:PORT/DB, or sqlite:PATH for one machine "
                            "(default: in the process; with --workers, an embedded SQLite file)")
    serve.add_argument("--reload", action="store_true",
                       help="reload when documents or fixtures change (a bad change keeps the old version)")
    serve.add_argument("--proxy", action="append", type=_proxy, default=[], metavar="URL|NAME=URL",
                       help="forward every request of the served documents (or of document NAME) to the real API "
                            "at URL and answer its replies, checked for drift against the contract (repeatable)")
    serve.add_argument("--proxy-skip", action="append", default=[], metavar="OPERATION_ID",
                       help="keep this operation mocked under --proxy (repeatable; also `x-mock-proxy: false`)")
    serve.add_argument("--proxy-insecure", action="store_true",
                       help="do not verify the upstream's TLS certificate (default: verified)")
    serve.add_argument("--proxy-timeout", type=_seconds, default=defaults.PROXY_TIMEOUT_S, metavar="SECONDS",
                       help="answer 502 when the upstream takes longer than this to connect or answer "
                            f"(default: {defaults.PROXY_TIMEOUT_S})")
    serve.add_argument("--proxy-fallback", action="store_true",
                       help="when the upstream cannot be had, answer the mock's own reply (x-mock-source: mock) "
                            "instead of a 502")
    serve.add_argument("--max-upstream-bytes", type=_positive, default=defaults.MAX_UPSTREAM_BYTES, metavar="BYTES",
                       help=f"largest upstream reply body read; beyond, 502 (default: {defaults.MAX_UPSTREAM_BYTES})")
    serve.add_argument("--max-drifts", type=_positive, default=defaults.MAX_DRIFTS, metavar="N",
                       help=f"distinct drifts /__mock/drift keeps (default: {defaults.MAX_DRIFTS})")
    serve.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    if args.reload and (args.workers > 1 or args.state):
        raise UserError("--reload", "works with one worker and the state in the process; leave out --workers and --state")
    proxies = dict(args.proxy)
    if len(proxies) < len(args.proxy):
        raise UserError("--proxy", "each document takes one upstream (and one --proxy URL serves them all)")
    if proxies and args.workers > 1:
        raise UserError("--proxy", "works with one worker for now (the drift report is kept in the process); "
                                   "leave out --workers")
    if args.proxy_skip and not proxies:
        raise UserError("--proxy-skip", "needs --proxy")
    unsafe = unsafe_control_plane(args.control, args.host, args.control_token)
    if unsafe is not None:  # before anything is loaded: one line, exit 2
        raise UserError(*unsafe)
    if args.keep_generated and args.empty_collections:
        raise UserError("--keep-generated", "contradicts --empty-collections; leave it out (it is the default now)")
    if args.keep_generated:  # accepted so that old scripts still start; it changes nothing
        notices.warn(["--keep-generated is the default now and does nothing; --empty-collections starts lists empty"])
    for flag, folder in (("--fixtures-dir", args.fixtures_dir), ("--specs-dir", args.specs_dir)):
        if folder is not None and not Path(folder).is_dir():  # a folder the user named must exist
            raise UserError(f"{flag} {folder}", "no such folder")
    folders = {name: Path(value) for name, value in (("specs_dir", args.specs_dir), ("fixtures_dir", args.fixtures_dir))
               if value is not None}  # otherwise the bundled ones (ServeConfig's defaults)
    record_dir = _record_dir(args)
    return ServeConfig(
        specs=tuple(Path(p) for p in args.spec),
        **folders,
        record_dir=record_dir,
        redact=tuple(args.redact),
        record_max_files=args.record_max_files,
        host=args.host,
        port=args.port,
        mounts=dict(args.mount),
        credentials=Credentials(api_keys=frozenset(args.api_key), basic=frozenset(args.basic_auth)),
        unknown_ids=args.unknown_ids,
        empty_collections=args.empty_collections,
        seed=args.seed,
        cors=args.cors,
        quiet=args.quiet,
        control=args.control,
        control_token=args.control_token,
        allowed_hosts=tuple(args.allowed_host),
        control_origins=tuple(args.control_origin),
        journal_size=args.journal_size,
        records_per_resource=args.records_per_resource,
        max_record_bytes=args.max_record_bytes,
        max_header_bytes=args.max_header_bytes,
        max_body_bytes=args.max_body_bytes,
        keep_alive_s=args.keep_alive,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        max_sessions=args.max_sessions,
        rate_limit=args.rate_limit,
        session_idle_s=args.session_idle,
        latency_ms=args.latency,
        callback_hosts=tuple(host.lower() for host in args.callback_host),
        webhook_urls=tuple(args.webhook_url),
        webhook_secret=args.webhook_secret,
        max_webhooks=args.max_webhooks,
        webhook_attempts=args.webhook_attempts,
        reload=args.reload,
        verbose=args.verbose,
        workers=args.workers,
        state=args.state,
        proxies=proxies,
        proxy_skip=frozenset(args.proxy_skip),
        proxy_insecure=args.proxy_insecure,
        proxy_timeout_s=args.proxy_timeout,
        proxy_fallback=args.proxy_fallback,
        max_upstream_bytes=args.max_upstream_bytes,
        max_drifts=args.max_drifts,
    )


def _record_dir(args: argparse.Namespace) -> Path | None:
    """--record's folder, made if missing; the flags that only mean something with it."""
    if args.record is None:
        changed_bound = args.record_max_files != defaults.RECORD_MAX_FILES
        for flag, given in (("--redact", args.redact), ("--record-max-files", changed_bound)):
            if given:
                raise UserError(flag, "needs --record DIR")
        return None
    if not args.proxy:
        raise UserError("--record", "records the upstream's replies, so it needs --proxy URL")
    folder = Path(args.record)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--record {folder}", f"cannot make the folder: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--record {folder}", "the folder is not writable")
    return folder


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise UserError(f"{host}:{port}", f"cannot listen: {reason}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def banner(apis: list[Api], base_url: str, control: bool = True, credentials: Credentials = Credentials(),
           seed: int = 0, stored: StoredIds | None = None) -> str:
    """What start-up prints; its `try:` curl is the landing page's, so it runs as printed."""
    lines = []
    for api in apis:
        lines.append(f"{api.name}: {base_url}{api.base_path}/  ({api.source})")
        for op in api.operations.values():
            lines.append(f"  {op.method.upper():6} {api.base_path}{op.path}  -> {op.operation_id}")
        operations = list(api.operations.values())  # a GET to try first: it needs no body
        first = next((op for op in operations if op.method == "get"), operations[0] if operations else None)
        if first is not None:
            lines.append(f"  try:  {runnable_curl(first, api, base_url, credentials, seed, stored)}")
        lines.append(f"  Swagger UI: {base_url}{api.base_path}{SWAGGER_UI}")
    lines.append(f"Every API on one page: {base_url}/")
    if control:
        lines.append(f"Dashboard: {base_url}{defaults.CONTROL_PREFIX}/  (live requests, scenarios, records)")
        lines.append(f"Control API: {base_url}{defaults.CONTROL_PREFIX}/health, /routes, /resources, /requests, /scenarios, /reset")
    return "\n".join(lines)


def webhooks_line(config: ServeConfig, declared: list[str], secret: str) -> str | None:
    """Where webhooks go and the secret they are signed with (a drawn one is shown, a given one
    is not); nothing when no document declares webhooks and none was asked for."""
    shown = "--webhook-secret" if config.webhook_secret else secret
    if config.webhook_urls:
        return f"Webhooks: {', '.join(config.webhook_urls)}  (secret: {shown})"
    if declared:
        return (f"Webhooks: {len(declared)} declared, no subscriber yet (--webhook-url URL or POST "
                f"{defaults.CONTROL_PREFIX}/webhooks; secret: {shown})")
    return None


def uvicorn_server(app, config: ServeConfig | None = None):  # -> uvicorn.Server
    """The server for the CLI and the pytest plugin alike.

    No access log (ours has the operationId and never a header), and no proxy-header
    rewriting: a local mock sits behind no proxy, and that middleware costs on every request.
    uvicorn's own bounds are used where it has them (idle keep-alive connections closed, h11's
    cap on an incomplete head); httptools has no bound on a head's size or time, so
    adapters/uvicorn.py adds them (the exact 431 on headers is traffic.py's).
    """
    import uvicorn

    from mockserver.adapters.uvicorn import bounded_http
    from mockserver.http import problems

    if config is None:  # the app's own (a reloading app's engine carries it too)
        config = getattr(getattr(app, "engine", None), "config", None) or ServeConfig()
    head_limit = config.max_header_bytes + defaults.MAX_REQUEST_LINE
    http = bounded_http(head_limit, config.header_timeout_s, problems.raw(problems.head_too_large(head_limit)),
                        problems.raw(problems.header_timeout(config.header_timeout_s)))
    return uvicorn.Server(uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", proxy_headers=False, http=http,
        timeout_keep_alive=config.keep_alive_s, h11_max_incomplete_event_size=head_limit))


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    # connexion logs every problem it answers and every spec it adds; our access log already
    # has one line per request, so keep only its errors.
    logging.getLogger("connexion").setLevel(logging.ERROR)
    from mockserver.launch.workers import serve, state_url

    with state_url(config) as url:  # a store that cannot be reached stops here: one line, exit 2
        app = build_app(config)
        sock = bind(config.host, config.port)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        base_url = f"http://{shown}:{port}"
        records = app.engine.state.records
        print(banner(app.engine.apis, base_url, config.control, config.credentials, config.seed,
                     lambda op: (record_id for record_id, _ in records.items(op))), flush=True)
        webhooks = webhooks_line(config, app.engine.events.names(), app.engine.webhook_secret)
        if webhooks:
            print(webhooks, flush=True)

        def ready() -> None:
            print(f"Listening on {base_url} (records: {app.engine.state.records.count()}, seed: {config.seed}"
                  f"{state_note(config, url)}; Ctrl-C to stop)", flush=True)

        # Documents, validators and vocabularies live as long as the process: keep the cyclic GC
        # from walking them again and again under load (tail latency), and, with workers, from
        # copying every page the workers share with this process.
        gc.collect()
        gc.freeze()
        if config.reload:
            app.start_watching()
        try:
            return serve(app, sock, config, url, uvicorn_server, ready)
        finally:
            if config.reload:
                app.stop_watching()


def build_app(config: ServeConfig):  # -> connexion.AsyncApp or ReloadingApp
    """The app, or one line and exit 2: start-up never ends in a traceback. What is not a
    UserError is a bug of the mock, said so, with the documents it was starting."""
    try:
        if config.reload:
            from mockserver.launch.reload import ReloadingApp  # heavy imports after the arguments are known

            return ReloadingApp(config)
        from mockserver.app import create_app

        return create_app(config)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as one line, as the CLI promises
        sources = ", ".join(str(path) for path in config.specs) or str(config.specs_dir)
        raise UserError(sources, f"cannot start (a bug of the mock, please report it): {type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())[:300]}") from None


def state_note(config: ServeConfig, url: str | None) -> str:
    workers = f", workers: {config.workers}" if config.workers > 1 else ""
    if url is None:
        return workers
    from mockserver.shared.replica import shown_url

    where = "embedded, shared by the workers" if config.state is None else shown_url(url)
    return f"{workers}, state: {where}"
