"""Component: a long-running part of a desk that the node starts and stops with itself.

A desk's solver loop, a gateway server, a chain link: things that are not strategies (they do
not only react to data) but must follow the node's lifecycle. The node calls ``restore`` after
the engines restored their state and before any venue is reconciled (replay a journal, learn the
ids of orders in flight), ``start`` once the node runs (after the strategies), and ``stop`` in
reverse order of addition, before the venues close.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Component"]


class Component(Protocol):
    """Lifecycle hooks the node awaits, in order: restore → start → stop."""

    @property
    def name(self) -> str: ...

    async def restore(self) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
