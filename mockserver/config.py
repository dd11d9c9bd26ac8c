"""What `mockserver serve` was told, as one immutable value the app factory is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from mockserver import defaults
from mockserver.security import Credentials


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
