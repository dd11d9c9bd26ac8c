"""Every default of the server in one place, so the CLI, the app factory and the docs agree."""

from __future__ import annotations

HOST = "127.0.0.1"
PORT = 4010
SEED = 0
SPECS_DIR = "openapi"
CACHE_DIR_ENV = "MOCKSERVER_CACHE_DIR"  # where documents normalized at start-up are cached
FIXTURES_DIR = "fixtures"
UNKNOWN_IDS = "generate"  # or "404"
UNKNOWN_IDS_CHOICES = ("generate", "404")

# Control API: reserved prefix, never part of a contract.
CONTROL_PREFIX = "/__mock"
CONTROL_TOKEN_HEADER = "x-mock-control-token"
JOURNAL_SIZE = 1000
JOURNAL_BODY_LIMIT = 4 * 1024  # bytes of each request and response body the journal keeps
SESSION_JOURNAL_SIZE = 200  # requests a named session's journal keeps (at most --journal-size)
MAX_CONTROL_BODY = 1024 * 1024  # bytes; a record is a few kB
MAX_DELAY_MS = 60_000  # the longest delay a scenario or --latency may ask for
START_TIMEOUT_S = 30  # the pytest plugin's wait for its server to listen

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
MAX_REQUEST_BODY = 1024 * 1024  # bytes of a request body the mock reads (413 beyond)
STATE_DISK_RESERVE = 4 * 1024 * 1024  # bytes a SQLite store sets aside, freed on a full disk for reset and deletes
STATE_WAL_PAGES = 256  # SQLite pages (4 KiB) its WAL holds before a checkpoint: well within the reserve

# Media type of every error the mock itself produces (RFC 9457).
PROBLEM_JSON = "application/problem+json"
