"""Everything one server answers from, built once at start-up: the APIs, their operations, the
runtime state, the response validators and the responder.

The pipeline (pipeline.py) and the control API (control.py) share one `Engine`; a reload
builds a new one.
"""

from __future__ import annotations

from mockserver.base.config import ServeConfig
from mockserver.base.defaults import SESSION_JOURNAL_SIZE
from mockserver.contract.operations import Api, Operation
from mockserver.stages.crud import Crud
from mockserver.generate import RecordGenerator
from mockserver.state.records import RecordStore
from mockserver.stages.reply_builder import ReplyBuilder
from mockserver.stages.handler import Responder
from mockserver.stages.proxy import Upstreams
from mockserver.stages.record import Recorder
from mockserver.state.sessions import Sessions
from mockserver.state.session_state import Journal, State
from mockserver.contract.validation import ResponseValidator
from mockserver.events.callbacks import Callbacks
from mockserver.events.deliver import Policy, Sender
from mockserver.events.sign import default_secret
from mockserver.events.webhooks import Events
from mockserver.state.webhooks import Subscriber, Webhooks


class Engine:
    def __init__(self, apis: list[Api], records: RecordStore, validators: dict[str, ResponseValidator],
                 config: ServeConfig, journal: Journal | None = None) -> None:
        self.apis = apis
        self.config = config
        self.validators = validators
        self.webhook_secret = config.webhook_secret or default_secret(config.seed)
        webhooks = Webhooks(tuple(Subscriber(f"startup_{n}", url, self.webhook_secret)
                                  for n, url in enumerate(config.webhook_urls, 1)), config.max_webhooks)
        self.state = State(records, journal if journal is not None else Journal(config.journal_size), webhooks)
        self.sessions = Sessions(
            self.state, lambda: State(records.fresh(), Journal(min(config.journal_size, SESSION_JOURNAL_SIZE),
                                                               self.state.journal.secret), webhooks.fresh()),
            config.max_sessions, config.session_idle_s)
        generators = {api.name: RecordGenerator(api.document, seed=config.seed) for api in apis}
        self.sender = Sender(Policy(attempts=config.webhook_attempts, backoff_s=config.webhook_backoff_s))
        self.events = Events(apis, generators, self.sender, config.seed)
        self._operations = {
            (api.base_path, op.operation_id): op for api in apis for op in api.operations.values()
        }
        crud = Crud(ReplyBuilder(generators), self.sessions, config, validators, self._operations, self.events)
        self.responder = Responder(generators, self.sessions, config, crud)
        self.callbacks = Callbacks(generators, validators, self.sender, config.callback_hosts)
        self.upstreams = Upstreams(apis, config)  # --proxy: which operations are forwarded, and where
        if config.record_dir is not None:  # --record: the upstream's successful replies become fixtures
            self.upstreams.listeners.append(Recorder(config.record_dir, apis, validators, config.redact,
                                                     config.record_max_files, config.max_record_bytes).on_upstream_reply)
        self.replica = None  # replica.Replica, when the state is shared with other processes

    def operation(self, base_path: str | None, operation_id: str | None) -> Operation | None:
        if operation_id is None:
            return None
        return self._operations.get(((base_path or "").rstrip("/"), operation_id))

    def operations(self) -> list[Operation]:
        return list(self._operations.values())
