"""events/deliver.py: a request sent to a real receiver, retried after a failure, every attempt recorded."""

from __future__ import annotations

from dataclasses import replace

from mockserver.events.deliver import Drill, Outgoing, Policy, Sender
from tests.webhook_receiver import Receiver

FAST = Policy(attempts=3, backoff_s=0.01, backoff_max_s=0.02, timeout_s=5)


def _outgoing(url: str) -> Outgoing:
    return Outgoing("evt_1", "POST", url, (("content-type", "application/json"),), b'{"a": 1}', name="thing_created")


def test_a_delivery_reaches_the_receiver_once_and_is_recorded() -> None:
    recorded: list[dict] = []
    sender = Sender(FAST)
    with Receiver((200,)) as receiver:
        sender.send(_outgoing(receiver.url), recorded.append)
        assert sender.drain(10)
        (got,) = receiver.wait_for(1)
    assert (got.method, got.path, got.body, got.headers["content-type"]) == ("POST", "/hooks", b'{"a": 1}', "application/json")
    (attempt,) = recorded
    assert attempt["verdict"] == "delivered" and attempt["attempt"] == 1 and attempt["of"] == 3
    assert attempt["response"]["status"] == 200 and attempt["response"]["body"] == '{"ok": true}'
    assert attempt["response"]["declared"] is None  # the outgoing request names no declared statuses
    assert attempt["request"] == {"method": "POST", "url": receiver.url,
                                  "headers": {"User-Agent": "mockserver-webhooks", "content-type": "application/json"},
                                  "body": '{"a": 1}'}
    assert attempt["retry"] is False


def test_a_500_is_retried_and_both_attempts_are_recorded() -> None:
    recorded: list[dict] = []
    sender = Sender(FAST)
    with Receiver((500, 200)) as receiver:
        sender.send(_outgoing(receiver.url), recorded.append)
        assert sender.drain(10)
        first, second = receiver.wait_for(2)
    assert first.body == second.body == b'{"a": 1}'
    assert [(a["attempt"], a["response"]["status"], a["verdict"], a["retry"]) for a in recorded] == [
        (1, 500, "failed", True), (2, 200, "delivered", False)]


def test_attempts_are_bounded_and_a_refused_connection_is_an_error_verdict() -> None:
    recorded: list[dict] = []
    sender = Sender(FAST)
    with Receiver((503,)) as receiver:
        sender.send(_outgoing(receiver.url), recorded.append)
        assert sender.drain(10)
    assert [(a["attempt"], a["verdict"]) for a in recorded] == [(1, "failed"), (2, "failed"), (3, "failed")]
    recorded.clear()
    sender.send(_outgoing(receiver.url), recorded.append, Policy(attempts=1, timeout_s=2))  # the receiver is gone
    assert sender.drain(10)
    (attempt,) = recorded
    assert attempt["verdict"].startswith("error: ") and attempt["response"] is None


def test_a_retry_is_due_by_the_clock_the_sender_reads() -> None:
    """The retry waits for `now()` to pass its due time: a clock moved by hand fires it."""
    moment = [1000.0]
    recorded: list[dict] = []
    sender = Sender(Policy(attempts=2, backoff_s=3600, timeout_s=5), clock=lambda: moment[0])
    with Receiver((500, 200)) as receiver:
        sender.send(_outgoing(receiver.url), recorded.append)
        receiver.wait_for(1)
        assert not sender.drain(0.3)  # an hour to wait
        moment[0] += 3600
        assert sender.drain(10)
        receiver.wait_for(2)
    assert [a["verdict"] for a in recorded] == ["failed", "delivered"]


def test_a_reply_is_checked_against_the_declared_statuses() -> None:
    outgoing = Outgoing("e", "POST", "http://x/", (), b"", declared=("200", "4XX"))
    assert [outgoing.declares(s) for s in (200, 201, 404, 500)] == [True, False, True, False]
    assert Outgoing("e", "POST", "http://x/", (), b"", declared=("default",)).declares(503) is True


def test_each_delivery_is_due_by_its_own_clock() -> None:
    """A session's clock moved by hand fires that session's retry, not another's (Outgoing.clock)."""
    mine, theirs = [1000.0], [1000.0]
    recorded: list[dict] = []
    sender = Sender(Policy(attempts=2, backoff_s=3600, timeout_s=5))
    with Receiver((500,)) as receiver:
        sender.send(replace(_outgoing(receiver.url), id="mine", clock=lambda: mine[0]), recorded.append)
        sender.send(replace(_outgoing(receiver.url), id="theirs", clock=lambda: theirs[0]), recorded.append)
        receiver.wait_for(2)
        mine[0] += 3600
        receiver.wait_for(3)
        assert sender.pending() >= 1  # theirs still waits for its own clock
        theirs[0] += 3600
        assert sender.drain(10)
    assert sorted((a["delivery"], a["attempt"]) for a in recorded) == [("mine", 1), ("mine", 2), ("theirs", 1), ("theirs", 2)]


def test_the_queue_is_bounded_and_one_more_is_recorded_as_dropped() -> None:
    recorded: list[dict] = []
    sender = Sender(FAST, clock=lambda: 0.0, limit=2)
    later = Drill(delay_ms=60_000)  # never due by this clock: they wait
    for n in range(3):
        sender.send(replace(_outgoing("http://127.0.0.1:9/"), id=f"e{n}", drill=later), recorded.append)
    assert sender.pending() == 2
    assert [(a["delivery"], a["verdict"]) for a in recorded] == [("e2", "dropped: 2 deliveries wait already")]
    sender.close()
