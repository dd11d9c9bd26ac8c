"""Every default of the server in one place, so the CLI, the app factory and the docs agree."""

from __future__ import annotations

HOST = "127.0.0.1"
PORT = 4010
SEED = 0
SPECS_DIR = "openapi"
CACHE_DIR_ENV = "MOCKSERVER_CACHE_DIR"  # where documents normalized at start-up are cached
CACHE_MAX_BYTES = 512 * 1024 * 1024  # the start-up cache keeps its most recently used entries within this
FIXTURES_DIR = "fixtures"
UNKNOWN_IDS = "generate"  # or "404"
UNKNOWN_IDS_CHOICES = ("generate", "404")

# Control API: reserved prefix, never part of a contract.
CONTROL_PREFIX = "/__mock"
CONTROL_TOKEN_HEADER = "x-mock-control-token"
CONTROL_TOKEN_MIN_LENGTH = 16  # characters; a shorter --control-token is refused at start-up
CORS_MAX_AGE_S = 600  # how long a browser keeps a preflight's answer (contract routes and /__mock)
JOURNAL_SIZE = 1000
JOURNAL_BODY_LIMIT = 4 * 1024  # bytes of each request and response body the journal keeps
SESSION_JOURNAL_SIZE = 200  # requests a named session's journal keeps (at most --journal-size)
MAX_CONTROL_BODY = 1024 * 1024  # bytes; a record is a few kB
MAX_DELAY_MS = 60_000  # the longest delay a scenario or --latency may ask for
# The range a session's clock (PUT /__mock/clock) may be set or advanced to: 1970-01-01T00:00:00Z
# to 9999-12-31T23:59:59Z, what an RFC 3339 timestamp can say.
CLOCK_EARLIEST_S = 0
CLOCK_LATEST_S = 253_402_300_799
START_TIMEOUT_S = 30  # the pytest plugin's wait for its server to listen
PROBE_TIMEOUT_S = 5  # the pytest plugin's wait for a MOCKSERVER_URL mock to answer its health check
CONTROL_CALL_TIMEOUT_S = 30  # the pytest plugin's wait for one control call

# Workers (--workers N): a worker that dies is replaced; one that keeps dying before it is
# ready is a bug, not bad luck: the server stops (exit 2) rather than loop.
WORKER_START_FAILURES = 5  # workers in a row that failed at start, within the window below
WORKER_FAILURE_WINDOW_S = 30.0
WORKER_START_S = 1.0  # a worker that dies this soon after it said it was ready failed at start too
WORKER_RESTART_PAUSE_S = 0.2  # times the failures so far: the pause before the next one starts

# Bounded caches: memory must not grow with traffic.
VALIDATION_CACHE_SIZE = 4096
REPLAY_CACHE_SIZE = 2048  # replies kept for identical requests
REPLAY_BODY_LIMIT = 64 * 1024  # bytes; larger replies are not kept
PARAMETER_VALIDATORS_KEPT = 4096  # parameter schemas are few; reloads add more
BODY_VALIDATORS_KEPT = 64  # per operation, by content type (clients choose content types)
ACCEPT_HEADERS_KEPT = 256  # parsed Accept headers (clients send the same few)
GENERATOR_PLANS_KEPT = 512  # compiled schemas, by identity
RECORDS_PER_RESOURCE = 1000  # stored records per resource; the oldest is evicted beyond
MAX_SESSIONS = 64  # named sessions kept besides the default one (X-Mock-Session)
SESSION_IDLE_S = 1800  # a named session unused this long is removed
MAX_REQUEST_BODY = 1024 * 1024  # bytes of a request body the mock reads (413 beyond, at once if declared)
TRACEBACK_FRAMES = 20  # innermost frames of a bug's traceback in the log (a 500's log entry)
MAX_REASON_CHARS = 300  # a 400's reason quotes the value refused; longer ones are cut
MAX_VIOLATIONS_SAID = 10  # what is wrong with one request body, item by item, in a generated error body
MAX_BODY_DEPTH = 64  # nested arrays and objects in a request body (JSON, XML, form); 400 beyond

# Recording the upstream's replies as fixtures (serve --proxy URL --record DIR, stages/record.py).
RECORD_MAX_FILES = 10_000  # new fixture files one process writes (--record-max-files); more are not written
RECORD_MAX_ID_LENGTH = 1024  # characters of a record id worth recording (a longer one is skipped)
RECORD_PLAIN_ID_LENGTH = 64  # a plain id up to this long names its file; any other id, its SHA-256
RECORD_PENDING_BYTES = 64 * 1024 * 1024  # reply bodies waiting for the recorder's thread; beyond, not recorded
RECORD_FLUSH_S = 10  # at exit, how long the queued replies may take to be written
RECORD_WARNINGS = 100  # distinct warning lines one recorder prints; then it is silent
# A body field whose name (lower case, without `_` or `-`) holds one of these is a credential:
# every value in it is written as REDACTED_PLACEHOLDER.
CREDENTIAL_FIELD_WORDS = ("token", "password", "passwd", "secret", "apikey", "authorization", "cookie",
                          "credential", "privatekey", "accesskey", "sessionid")
REDACTED_PLACEHOLDER = "[redacted]"
RECORD_MIN_CREDENTIAL = 8  # characters; a client's credential this long or longer is cut out of every recorded string

# Bounds on what one request or connection may hold or take (docs/serving-reference.md, "Bounds").
MAX_HEADER_BYTES = 64 * 1024  # a request's header names and values together (431 beyond)
MAX_RECORD_BYTES = 256 * 1024  # one stored record as compact JSON (413 beyond)
JOURNAL_HEADER_LIMIT = 1024  # bytes of each header value the journal keeps (cut with JOURNAL_CUT)
JOURNAL_HEADERS_LIMIT = 4 * 1024  # bytes of all headers of one journal entry together (names and values)
JOURNAL_TARGET_LIMIT = 1024  # bytes of a request's path, and of its query string, the journal keeps
JOURNAL_CUT = "...[cut]"  # what marks a header value the journal keeps only the start of
MAX_REQUEST_LINE = 16 * 1024  # bytes a head may hold beyond --max-header-bytes (method, URL) before it is cut off
HEADER_TIMEOUT_S = 10  # a request's head (line and headers) must arrive within this long (408 beyond)
KEEP_ALIVE_S = 5  # an idle keep-alive connection is closed after this long (uvicorn's timeout_keep_alive)
BODY_TIMEOUT_S = 30  # a request body must arrive within this long once its headers have (408 beyond)
STATE_DISK_RESERVE = 4 * 1024 * 1024  # bytes a SQLite store sets aside, freed on a full disk for reset and deletes
STATE_WAL_PAGES = 256  # SQLite pages (4 KiB) its WAL holds before a checkpoint: well within the reserve

# Media type of every error the mock itself produces (RFC 9457).
PROBLEM_JSON = "application/problem+json"

# Webhooks (docs/events.md): deliveries are retried, bounded, and recorded per session.
MAX_WEBHOOKS = 16  # subscribers per session (--max-webhooks); one more is refused with 422
WEBHOOK_ATTEMPTS = 3  # attempts in all per delivery, the first included (Lago sends 3)
WEBHOOK_BACKOFF_S = 0.5  # the wait before the first retry; doubled for each one after it
WEBHOOK_BACKOFF_MAX_S = 30.0  # no wait between attempts is longer
WEBHOOK_TIMEOUT_S = 5.0  # a receiver that has not answered within this long failed the attempt
WEBHOOK_BODY_LIMIT = 4 * 1024  # bytes of each request and reply body a recorded attempt keeps
DELIVERIES_KEPT = 200  # recorded attempts per session; the oldest is dropped beyond
WEBHOOK_USER_AGENT = "mockserver-webhooks"  # what deliveries say they are; a write that says so fires none
WEBHOOK_QUEUE = 10_000  # deliveries waiting per process (retries included); one more is recorded as dropped
WEBHOOK_SENDERS = 4  # attempts in flight at once per process (a slow receiver delays no other)
# Proxy and drift (--proxy): the real API behind the mock (stages/proxy.py, http/upstream.py).
PROXY_TIMEOUT_S = 30  # connect, write, read and pool, each; beyond, 502 (or the mock's reply with --proxy-fallback)
MAX_UPSTREAM_BYTES = 8 * 1024 * 1024  # bytes of an upstream reply body the proxy reads; beyond, 502
MAX_DRIFTS = 256  # distinct drifts /__mock/drift keeps (per process); one more drops the least recently seen
DRIFT_HEADER_LIMIT = 512  # characters of the x-mock-drift header that names a reply's violations
DRIFT_SAMPLE_LIMIT = 2 * 1024  # characters of the one redacted sample each drift keeps
