"""The message bus every component talks through; implementations are interchangeable.

    MessageBus (abstract)
      ├─ InProcessMessageBus    one process, deterministic delivery (tradewind.bus.in_process)
      └─ (later) a NATS JetStream bus: same interface, messages cross processes as
         MessageCodec bytes on the subjects tradewind.bus.topics produces

Components depend on MessageBus only, so swapping the implementation touches no component.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tradewind.core.messages import Message

__all__ = ["Handler", "MessageBus", "Subscription"]

M = TypeVar("M", bound=Message)

Handler = Callable[[M], None] | Callable[[M], Awaitable[None]]
"""A function (sync) or coroutine function (async) taking one message."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A handle returned by subscribe; pass it to unsubscribe. ``key`` is the type or pattern."""

    id: int
    key: str


class MessageBus(ABC):
    """Typed publish/subscribe.

    Delivery contract (every implementation): a subscriber to a type receives instances of that
    type and its subclasses; a topic subscriber receives messages whose topic matches its
    NATS-style pattern; a failing handler never stops delivery to the others.
    """

    @abstractmethod
    def subscribe(self, message_type: type[M], handler: Handler[M]) -> Subscription:
        """Deliver every published instance of ``message_type`` (and subclasses) to ``handler``."""

    @abstractmethod
    def subscribe_topic(self, pattern: str, handler: Handler[Message]) -> Subscription:
        """Deliver every message whose topic matches ``pattern`` (``*`` one token, ``>`` rest)."""

    @abstractmethod
    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop a subscription; unknown or already stopped subscriptions are ignored."""

    @abstractmethod
    async def publish(self, message: Message, topic: str | None = None) -> None:
        """Publish ``message`` on ``topic`` (default: tradewind.bus.topics.topic_for)."""

    @abstractmethod
    def post(self, message: Message, topic: str | None = None) -> None:
        """Publish from synchronous code; delivery happens on the running event loop."""

    async def close(self) -> None:  # noqa: B027 - optional hook, in-process has nothing to close
        """Release connections; the in-process bus has none."""
