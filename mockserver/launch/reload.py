"""`--reload`: rebuild the app when a document or fixture changes, keeping the old one on failure.

The whole connexion app is rebuilt (routes come from the documents), then swapped in one
assignment; a change that fails validation leaves the previous version serving and logs why.
The journal is shared across versions; runtime records and scenarios that still fit the new
contract are carried over (carryover.py), and what was dropped is logged.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver.app import build_engine, create_app
from mockserver.launch.carryover import carry_over
from mockserver.base.config import ServeConfig
from mockserver.base.user_errors import UserError
from mockserver.state.session_state import Journal

log = logging.getLogger("mockserver")


class ReloadingApp:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.journal = Journal(config.journal_size)
        self.current: Any = create_app(config, build_engine(config, self.journal))
        self._stop = threading.Event()

    @property
    def engine(self):
        return self.current.engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.current(scope, receive, send)

    def watched(self) -> list[Path]:
        folders = {path.resolve().parent for path in self.config.specs} or {self.config.specs_dir.resolve()}
        if self.config.fixtures_dir.is_dir():
            folders.add(self.config.fixtures_dir.resolve())
        return sorted(folders)

    def reload(self) -> bool:
        try:
            app = create_app(self.config, build_engine(self.config, self.journal))
        except UserError as exc:
            log.error("reload failed, still serving the previous version: %s", exc)
            return False
        kept, dropped = carry_over(self.current.engine, app.engine)
        self.current = app
        log.info("reloaded: %s", ", ".join(f"{a.name} ({len(a.operations)} operations)" for a in app.engine.apis))
        if kept or dropped:
            log.info("reload kept %d runtime change(s)%s", len(kept),
                     f"; dropped what no longer fits: {'; '.join(dropped)}" if dropped else "")
        return True

    def start_watching(self) -> None:
        threading.Thread(target=self._watch, name="mockserver-reload", daemon=True).start()

    def stop_watching(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        from watchfiles import watch

        for _changes in watch(*self.watched(), stop_event=self._stop, debounce=300, raise_interrupt=False):
            self.reload()
