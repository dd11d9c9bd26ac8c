"""Reply's own __init__ (one dict update, not a frozen dataclass's setattr per field) takes what
the dataclass's would: every field, in order, with its default, and the bodiless rule after."""

from __future__ import annotations

import dataclasses
import inspect

from mockserver.http.reply import Reply


def test_init_takes_every_field_in_order_with_its_default() -> None:
    parameters = list(inspect.signature(Reply.__init__).parameters.values())[1:]
    fields = [field for field in dataclasses.fields(Reply) if field.init]
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields):
        default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
        default = inspect.Parameter.empty if default is dataclasses.MISSING else default
        assert parameter.default == default, field.name


def test_a_reply_is_what_the_dataclass_would_make() -> None:
    reply = Reply(200, "application/json", b"{}", (("x-a", "b"),), True, None, {}, True)
    assert dataclasses.asdict(reply) == {"status": 200, "media_type": "application/json", "body": b"{}",
                                         "headers": (("x-a", "b"),), "contract": True, "value_json": None,
                                         "value": {}, "floatless": True}
    assert dataclasses.replace(reply, status=201).status == 201
    assert reply == Reply(200, "application/json", b"{}", (("x-a", "b"),), True)
    try:
        reply.status = 500  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a Reply is frozen")


def test_a_bodiless_status_still_drops_its_body() -> None:
    reply = Reply(304, "application/json", b"{}", (("content-length", "2"), ("etag", "x")), value={"a": 1})
    assert (reply.body, reply.media_type, reply.value, reply.headers) == (b"", None, None, (("etag", "x"),))
