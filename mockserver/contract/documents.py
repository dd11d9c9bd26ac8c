"""Any document a user hands `serve`, as the server needs it: normalized OpenAPI 3.0.3.

A document that is already what `mockserver normalize` writes (valid OpenAPI 3.0, an
operationId on every operation) is served as it is, like the bundled contracts. Anything else (OpenAPI 3.1,
operations without ids, a docs page, JSON) goes through the same normalizer in memory at
start-up, with its warnings printed once. Normalizing a large document takes seconds, so the
result is cached on disk, keyed by the input's bytes and the normalizer's own code: an
unchanged document starts as fast as a normalized one, and a new version of either misses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from mockserver import __version__
from mockserver.base.defaults import CACHE_DIR_ENV, CACHE_MAX_BYTES
from mockserver.base.httpfacts import HTTP_METHODS
from mockserver.base.yamlfile import load_yaml_file, read_text

log = logging.getLogger("mockserver")

_PAGE_SUFFIXES = {".md", ".markdown", ".mdx"}
# A `$ref` to something other than `#...` (YAML or JSON spelling): a reference to another file.
# Not a mapping or a list: that is a property named `$ref` (Kubernetes' `JSONSchemaProps`).
_EXTERNAL_REF = re.compile(rb"""\$ref["']?\s*:\s*["']?(?!#)[^\s"'#{\[]""")


def cache_dir() -> Path:
    """`$MOCKSERVER_CACHE_DIR`, else `$XDG_CACHE_HOME/mockserver`, else `~/.cache/mockserver`."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mockserver"


@lru_cache(maxsize=1)
def _normalizer_fingerprint() -> str:
    """Changes whenever the code that decides what is served does (the normalizer, this module,
    the YAML reader) or the spec validator it asks, so a cached result is never stale."""
    digest = hashlib.sha256(__version__.encode() + b"\0" + _library_version("openapi-spec-validator").encode())
    here = Path(__file__).parents[1]
    for path in [*sorted(here.joinpath("normalize").glob("*.py")), here / "contract" / "documents.py",
                 here / "base" / "yamlfile.py", here / "adapters" / "connexion_document.py",
                 here / "base" / "templates.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=None)
def _library_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def is_served_as_is(document: Any) -> bool:
    """What `mockserver normalize` writes: OpenAPI 3.0 with an operationId on every operation."""
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.0"):
        return False
    for item in (document.get("paths") or {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict) and not operation.get("operationId"):
                return False
    return True


def load_for_serving(source: Path) -> tuple[dict[str, Any], list[str]]:
    """The document to serve and the warnings its normalization gave (cached).

    Parsing and validating a large document as it is takes about as long as normalizing it, so
    a document served as it is is cached too: an unchanged file is one JSON read."""
    try:
        raw = source.read_bytes()
    except OSError:
        read_text(source)  # says why, as every reader of a user's file does
        raise
    if _EXTERNAL_REF.search(raw):  # the result depends on other files too: not keyed by this one
        return _load(source)
    key = hashlib.sha256(raw).hexdigest()[:32] + "-" + _normalizer_fingerprint()
    cached = _read_cache(key, ("document", "warnings"))
    if cached is not None:
        return cached["document"], cached["warnings"]
    document, warnings = _load(source)
    _write_cache(key, {"document": document, "warnings": warnings})
    return document, warnings


def recall(source: Path, what: str) -> Any:
    """What `remember` kept about this document (`what`: a name), or None.

    For facts start-up derives from the document as served (which examples break their
    schemas; that connexion's check passed): keyed by the file's bytes and every line of the
    mock's code, and the versions of the libraries that decide them, so they are never stale.
    A document that refers to other files is not keyed by its own bytes: nothing is kept."""
    key = _derived_key(source, what)
    entry = _read_cache(key, ("value",)) if key else None
    return entry["value"] if entry is not None else None


def remember(source: Path, what: str, value: Any) -> None:
    key = _derived_key(source, what)
    if key:
        _write_cache(key, {"value": value})


def _derived_key(source: Path, what: str) -> str | None:
    try:
        raw = source.read_bytes()
    except OSError:
        return None
    if _EXTERNAL_REF.search(raw):
        return None
    return f"{what}-{hashlib.sha256(raw).hexdigest()[:32]}-{_code_fingerprint()}"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Every module of the mock, and the libraries that validate and route."""
    digest = hashlib.sha256(_normalizer_fingerprint().encode())
    for name in ("connexion", "openapi-core", "openapi-schema-validator", "jsonschema", "jsonschema-path"):
        digest.update(name.encode() + b"\0" + _library_version(name).encode())
    here = Path(__file__).parents[1]
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _load(source: Path) -> tuple[dict[str, Any], list[str]]:
    if source.suffix.lower() not in _PAGE_SUFFIXES:
        document = load_yaml_file(source)  # JSON is YAML; this reports syntax errors with the line
        if is_served_as_is(document) and _is_valid(document):
            return document, []
    from mockserver.normalize import normalize_documents  # the normalizer's imports cost start-up time

    return normalize_documents([source])


def _is_valid(document: dict[str, Any]) -> bool:
    """Valid OpenAPI 3.0 as it is; else the normalizer repairs what it can, or says what is wrong."""
    from mockserver.adapters.openapi_spec_validator import v30_validator

    try:
        return next(v30_validator(document).iter_errors(), None) is None
    except Exception:  # an unresolvable $ref, for one: the normalizer reports it with its place
        return False


def _read_cache(key: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The entry, or None: none yet, unreadable, or corrupt (a crash mid-write elsewhere, a disk
    that filled up, a hand edit). A corrupt entry is one warning line and is built again, never a
    reason to fail. A read marks the entry as recently used, for the bound (`_prune`)."""
    path = cache_dir() / f"{key}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):  # none yet (the usual miss), or not UTF-8 (corrupt, below)
        if not path.is_file():
            return None
        text = ""
    try:
        entry = json.loads(text)
    except ValueError:
        entry = None
    if not isinstance(entry, dict) or any(field not in entry for field in fields):
        log.warning("warning: ignoring the corrupt cache entry %s; it is built again", path)
        return None
    try:
        os.utime(path)
    except OSError:  # a read-only cache still serves
        pass
    return entry


def _write_cache(key: str, entry: dict[str, Any]) -> None:
    """Atomically, and never a reason to fail: without a writable cache the mock still serves."""
    folder = cache_dir()
    try:
        text = json.dumps(entry)
    except (TypeError, ValueError):  # a YAML value JSON cannot hold (!!binary, !!set): not cached
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, folder / f"{key}.json")
        _prune(folder, keep=folder / f"{key}.json")
    except OSError as exc:
        log.warning("warning: cannot cache the normalized document in %s (%s); it is normalized on every start",
                    folder, exc.strerror or exc)


def _prune(folder: Path, keep: Path, limit: int = CACHE_MAX_BYTES) -> None:
    """Remove the least recently used entries beyond `limit` bytes in all, never `keep` (the one
    just written): every new version of a document adds an entry, and nothing else removes one.
    Several processes may prune at once (`--workers`): an entry already gone is no matter."""
    entries = []
    for path in folder.glob("*.json"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _mtime, size, _path in entries)
    for _mtime, size, path in sorted(entries, key=lambda entry: entry[0]):
        if total <= limit:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except OSError:  # gone already, or not ours to remove: still counted out
            pass
        total -= size
