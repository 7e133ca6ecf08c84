"""Message bus: typed publish/subscribe, topics, and the bytes boundary for out-of-process buses.

MessageBus (interface)  →  InProcessMessageBus (default)
MessageCodec            messages ↔ bytes, by a registry of types (reused by a NATS bus)
topics                  NATS-style subjects and wildcard matching
"""

from __future__ import annotations

from tradewind.bus.codec import (
    WIRE_VERSION,
    CodecError,
    MessageCodec,
    core_codec,
    core_message_types,
)
from tradewind.bus.in_process import InProcessMessageBus
from tradewind.bus.interface import Handler, MessageBus, Subscription
from tradewind.bus.topics import TopicError, category_of, topic_for, topic_matches, validate_pattern

__all__ = [
    "WIRE_VERSION",
    "CodecError",
    "Handler",
    "InProcessMessageBus",
    "MessageBus",
    "MessageCodec",
    "Subscription",
    "TopicError",
    "category_of",
    "core_codec",
    "core_message_types",
    "topic_for",
    "topic_matches",
    "validate_pattern",
]
