"""pathable's check of a node, at the speed of a type test for JSON's own types.

jsonschema-path (under openapi-spec-validator and openapi-core) reads a document through
pathable, which asks `isinstance(node, Subscriptable)` of every node it steps into.
`Subscriptable` is a runtime-checkable Protocol, and on Python 3.11 such a check lists the
protocol's members again on every call: on a cold start of GitHub's document that was about a
tenth of the start. A dict, list, str or tuple always has the three members, so the check is
True for them without asking; any other node is asked of the Protocol as before.
"""

from __future__ import annotations

import inspect
from typing import Any

from mockserver.adapters import broken

TESTED = "pathable 0.5.0 (under jsonschema-path 0.4.6)"
PLAIN = frozenset((dict, list, str, tuple))  # each has __contains__, __getitem__ and __len__


class _PlainFirst(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        if type(instance) in PLAIN:
            return True
        from pathable.protocols import Subscriptable

        return isinstance(instance, Subscriptable)


class PlainFirstSubscriptable(metaclass=_PlainFirst):
    """Stands for `pathable.protocols.Subscriptable` where pathable's accessors test a node."""


def plain_nodes_checked_first() -> None:
    """Make pathable's accessors test a node with `PlainFirstSubscriptable` (process-wide; the
    verdicts are the Protocol's, so doing it again, or for everything after, changes none)."""
    from pathable import accessors

    accessors.Subscriptable = PlainFirstSubscriptable  # type: ignore[attr-defined, misc]


def check() -> None:
    """Raise `AdapterBroken` when pathable's accessors no longer test a node with
    `isinstance(node, Subscriptable)`, or `Subscriptable` asks other members than the three
    that a dict, list, str and tuple have."""
    from pathable import accessors
    from pathable.protocols import Subscriptable

    def fail(what: str) -> Exception:
        return broken("pathable", TESTED, what, "pathable")

    if accessors.Subscriptable not in (Subscriptable, PlainFirstSubscriptable):
        raise fail("pathable.accessors.Subscriptable is not pathable.protocols.Subscriptable")
    if "isinstance(node, Subscriptable)" not in inspect.getsource(accessors.SubscriptableAccessor._get_subnode):
        raise fail("SubscriptableAccessor._get_subnode no longer tests isinstance(node, Subscriptable)")
    members = {name for name in vars(Subscriptable) if name in ("__contains__", "__getitem__", "__len__")
               or not name.startswith("_")}
    if members != {"__contains__", "__getitem__", "__len__"}:
        raise fail(f"Subscriptable's members are now {sorted(members)}")
