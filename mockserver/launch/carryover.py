"""What a reload keeps: the runtime state that still fits the new contract.

A frontend developer editing a document with `--reload` should not lose the records they
created and the scenarios they set on every save. Each record is checked against the new
contract (its resource or operation must still exist, and the record must validate); each
scenario must still name declared operations, statuses and examples. What does not fit is
dropped and named in one log line, so nothing disappears silently.
"""

from __future__ import annotations

from dataclasses import asdict

from mockserver.contract.operations import Operation
from mockserver.stages.engine import Engine
from mockserver.state.changes import UNWRITTEN
from mockserver.state.records import readers


def carry_over(old: Engine, new: Engine) -> tuple[list[str], list[str]]:
    """Copy `old`'s runtime records, tombstones, scenarios, clock and webhook subscribers into `new`; (kept, dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    by_key = readers(new.operations())
    stored, deleted = old.state.records.changes()
    for key, record_id, record in stored:
        name = f"record {key[1]}/{record_id}"
        reader = by_key.get(key)
        if reader is None:
            dropped.append(f"{name} (no such operation or resource now)")
            continue
        assert reader.binding is not None and reader.success is not None
        violations = new.validators[reader.api].check_body(reader, reader.success.status, reader.binding.wrap(record))
        if violations:
            dropped.append(f"{name} ({violations[0]})")
            continue
        new.state.records.put(reader, record_id, record)
        kept.append(name)
    for key, record_id in deleted:
        if key in by_key:
            new.state.records.delete(by_key[key], record_id, tombstone=True)
            kept.append(f"deletion of {key[1]}/{record_id}")
        else:
            dropped.append(f"deletion of {key[1]}/{record_id} (no such operation or resource now)")
    operations = {op.operation_id: op for op in new.operations()}
    for scenario in old.state.scenarios.all():
        name = f"scenario {scenario.id}"
        ops = [operations.get(operation_id) for operation_id in scenario.operation_ids]
        if any(op is None for op in ops):
            dropped.append(f"{name} ({', '.join(scenario.operation_ids)} no longer served)")
            continue
        if scenario.status is not None and any(op.declared(scenario.status) is None for op in ops if op):
            dropped.append(f"{name} (status {scenario.status} no longer declared)")
            continue
        if scenario.example is not None and not all(
                _declares_example(op, scenario.status, scenario.example) for op in ops if op):
            dropped.append(f"{name} (example {scenario.example!r} no longer declared)")
            continue
        fields = {key: value for key, value in asdict(scenario).items() if key != "id"}
        new.state.scenarios.add(fields)
        kept.append(name)
    clock = old.state.clock
    if clock.version != UNWRITTEN:  # a test froze, set or advanced it: it goes on from where it was
        new.state.clock.change(freeze=clock.frozen_at is not None, at=clock.now())
        kept.append("the clock")
    declared = set(new.events.names())
    startup = {subscriber.id for subscriber in old.state.webhooks.startup}
    for subscriber in old.state.webhooks.subscribers():
        if subscriber.id in startup:
            continue  # the new engine has the --webhook-url ones of its own
        name = f"webhook subscriber {subscriber.url}"
        missing = sorted(set(subscriber.events or ()) - declared)
        if missing:
            dropped.append(f"{name} ({', '.join(missing)} no longer declared)")
            continue
        new.state.webhooks.subscribe(subscriber.url, subscriber.secret, subscriber.events, subscriber.algorithm)
        kept.append(name)
    return kept, dropped


def _declares_example(op: Operation, status: int | None, example: str) -> bool:
    declared = op.declared(status if status is not None else (op.success.status if op.success else 200))
    return declared is not None and example in declared.examples
