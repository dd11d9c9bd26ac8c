"""What `mockserver serve` was told, as one immutable value the app factory is built from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
import importlib.util
from pathlib import Path
from typing import Mapping

from mockserver import defaults


@dataclass(frozen=True)
class Credentials:
    """The credentials the mock accepts; empty sets mean "any well-formed one"."""

    api_keys: frozenset[str] = frozenset()
    basic: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class ServeConfig:
    specs: tuple[Path, ...] = ()
    specs_dir: Path = Path(defaults.SPECS_DIR)
    fixtures_dir: Path = Path(defaults.FIXTURES_DIR)
    host: str = defaults.HOST
    port: int = defaults.PORT
    mounts: Mapping[str, str] = field(default_factory=dict)
    credentials: Credentials = Credentials()
    unknown_ids: str = defaults.UNKNOWN_IDS
    seed: int = defaults.SEED
    cors: bool = True
    quiet: bool = False
    control: bool = True
    control_token: str | None = None
    allowed_hosts: tuple[str, ...] = ()  # Host names the control API answers on loopback, beside loopback ones
    control_origins: tuple[str, ...] = ()  # origins the control API answers, beside its own
    journal_size: int = defaults.JOURNAL_SIZE
    latency_ms: tuple[int, int] | None = None  # (min, max) added to every reply
    reload: bool = False


def with_bundled_fallback(config: ServeConfig) -> ServeConfig:
    """Use the contracts and fixtures shipped in the package when the default folders are absent.

    So `mockserver serve` and the pytest plugin work after a plain `pip install`, anywhere;
    a folder the user named is never replaced.
    """
    changes: dict[str, Path] = {}
    if not config.specs and config.specs_dir == Path(defaults.SPECS_DIR) and not config.specs_dir.is_dir():
        changes["specs_dir"] = _shipped("mockserver.bundled_openapi", defaults.SPECS_DIR)
    if config.fixtures_dir == Path(defaults.FIXTURES_DIR) and not config.fixtures_dir.is_dir():
        changes["fixtures_dir"] = _shipped("mockserver.bundled_fixtures", defaults.FIXTURES_DIR)
    return dataclasses.replace(config, **changes) if changes else config


def _shipped(package: str, folder: str) -> Path:
    """A wheel maps the folder into `package`; an editable install leaves it in the checkout."""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return Path(__file__).resolve().parents[1] / folder
    # a data folder without __init__.py is a namespace package: take its one location
    return Path(next(iter(spec.submodule_search_locations)))
