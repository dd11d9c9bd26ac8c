"""pathable's node check with JSON's own types answered first (adapters/pathable.py) gives the
Protocol's verdict for every kind of node, and pathable reads a document as before."""

from __future__ import annotations

from collections import OrderedDict, UserDict

import pytest
from jsonschema_path import SchemaPath
from pathable.protocols import Subscriptable

from mockserver.adapters.pathable import PlainFirstSubscriptable, plain_nodes_checked_first


class OnlyGetitem:
    def __getitem__(self, key):
        return key


class AllThree(OnlyGetitem):
    def __contains__(self, key):
        return True

    def __len__(self):
        return 1


class NoLen(dict):
    __len__ = None  # a member set to None is absent to a Protocol


NODES = [{}, {"a": 1}, [], [1], "", "text", (), (1,), 0, 1.5, None, True, b"bytes", OrderedDict(a=1),
         UserDict(a=1), OnlyGetitem(), AllThree(), NoLen(), object()]


@pytest.mark.parametrize("node", NODES, ids=lambda node: type(node).__name__)
def test_the_verdict_is_the_protocols(node) -> None:
    assert isinstance(node, PlainFirstSubscriptable) is isinstance(node, Subscriptable)


def test_a_document_reads_the_same_through_it() -> None:
    document = {"paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/ok"}}}}},
                "components": {"responses": {"ok": {"description": "fine", "content": {}}}}, "list": [1, "x"]}
    plain_nodes_checked_first()
    path = SchemaPath.from_dict(document)
    response = path / "paths" / "/a" / "get" / "responses" / "200"
    assert (response / "description").read_value() == "fine"
    assert "content" in response and "missing" not in response
    assert (path / "list" / 1).read_value() == "x"
    with pytest.raises(KeyError):
        (path / "paths" / "/b").read_value()
