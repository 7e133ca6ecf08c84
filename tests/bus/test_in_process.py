"""The in-process bus: typed and topic subscriptions, sync and async handlers, delivery order."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from tradewind.bus import InProcessMessageBus, MessageBus, core_codec
from tradewind.core import (
    BookSyncLost,
    CancelOrder,
    Event,
    Message,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderSide,
)


def accepted(client_id: str = "c1", venue: str = "binance") -> OrderAccepted:
    return OrderAccepted(
        client_order_id=client_id,
        venue=venue,
        symbol="BTC/USDT",
        venue_order_id="1",
        ts_event=1,
        ts_init=2,
    )


def canceled(client_id: str = "c1") -> OrderCanceled:
    return OrderCanceled(
        client_order_id=client_id, venue="binance", symbol="BTC/USDT", ts_event=3, ts_init=4
    )


def test_the_in_process_bus_is_a_message_bus() -> None:
    assert isinstance(InProcessMessageBus(), MessageBus)


async def test_type_subscribers_get_the_type_and_its_subclasses() -> None:
    bus = InProcessMessageBus()
    exact: list[Message] = []
    order_events: list[Message] = []
    everything: list[Message] = []
    bus.subscribe(OrderAccepted, exact.append)
    bus.subscribe(OrderEvent, order_events.append)
    bus.subscribe(Event, everything.append)
    lost = BookSyncLost(venue="binance", symbol="BTC/USDT", reason="gap", ts_event=0, ts_init=0)
    for message in (accepted(), canceled(), lost):
        await bus.publish(message)
    assert exact == [accepted()]
    assert order_events == [accepted(), canceled()]
    assert everything == [accepted(), canceled(), lost]


async def test_topic_subscribers_use_wildcards_and_explicit_topics() -> None:
    bus = InProcessMessageBus()
    binance: list[Message] = []
    kraken_cancels: list[Message] = []
    custom: list[Message] = []
    bus.subscribe_topic("events.*.binance.>", binance.append)
    bus.subscribe_topic("events.OrderAccepted.kraken.*", kraken_cancels.append)
    bus.subscribe_topic("desk.index.>", custom.append)
    await bus.publish(accepted(venue="binance"))
    await bus.publish(accepted(venue="kraken"))
    await bus.publish(canceled(), topic="desk.index.fills")
    assert binance == [accepted(venue="binance")]
    assert kraken_cancels == [accepted(venue="kraken")]
    assert custom == [canceled()]
    with pytest.raises(ValueError, match="concrete topic"):
        await bus.publish(canceled(), topic="desk.*")


async def test_sync_and_async_handlers_run_in_subscription_order() -> None:
    bus = InProcessMessageBus()
    calls: list[str] = []

    def first(_: Message) -> None:
        calls.append("sync-1")

    async def second(_: Message) -> None:
        await asyncio.sleep(0)
        calls.append("async-2")

    bus.subscribe(OrderAccepted, first)
    bus.subscribe_topic("events.>", second)
    bus.subscribe(Event, lambda _: calls.append("sync-3"))
    await bus.publish(accepted())
    # publish returned only after the async handler finished
    assert calls == ["sync-1", "async-2", "sync-3"]


async def test_a_failing_handler_does_not_stop_the_others() -> None:
    bus = InProcessMessageBus()
    seen: list[Message] = []

    def broken(_: Message) -> None:
        raise RuntimeError("boom")

    bus.subscribe(OrderAccepted, broken)
    bus.subscribe(OrderAccepted, seen.append)
    await bus.publish(accepted())
    assert seen == [accepted()] and bus.handler_errors == 1

    strict = InProcessMessageBus(raise_handler_errors=True)
    later: list[Message] = []
    strict.subscribe(OrderAccepted, broken)
    strict.subscribe(OrderAccepted, later.append)
    with pytest.raises(RuntimeError, match="boom"):
        await strict.publish(accepted())
    assert later == [accepted()]  # delivered before the error was re-raised


async def test_publishing_from_a_handler_is_breadth_first() -> None:
    bus = InProcessMessageBus()
    log: list[str] = []

    async def on_accepted(message: OrderAccepted) -> None:
        log.append(f"A1:{message.client_order_id}")
        await bus.publish(canceled(message.client_order_id))  # queued, not nested
        log.append("A1:after-publish")

    bus.subscribe(OrderAccepted, on_accepted)
    bus.subscribe(OrderAccepted, lambda m: log.append(f"A2:{m.client_order_id}"))
    bus.subscribe(OrderCanceled, lambda m: log.append(f"C:{m.client_order_id}"))
    await bus.publish(accepted("x"))
    # every subscriber saw the accept before anyone saw the cancel it caused
    assert log == ["A1:x", "A1:after-publish", "A2:x", "C:x"]


async def test_concurrent_publishers_wait_for_their_own_delivery() -> None:
    bus = InProcessMessageBus()
    release = asyncio.Event()
    seen: list[str] = []

    async def slow(message: OrderAccepted) -> None:
        if message.client_order_id == "first":
            await release.wait()
        seen.append(message.client_order_id)

    bus.subscribe(OrderAccepted, slow)
    first = asyncio.create_task(bus.publish(accepted("first")))
    await asyncio.sleep(0)
    second = asyncio.create_task(bus.publish(accepted("second")))
    await asyncio.sleep(0)
    assert not second.done() and seen == []  # the second waits behind the first
    release.set()
    await asyncio.gather(first, second)
    assert seen == ["first", "second"]


async def test_post_delivers_from_synchronous_code() -> None:
    bus = InProcessMessageBus()
    seen: list[Message] = []
    bus.subscribe(OrderAccepted, seen.append)
    bus.post(accepted())
    assert seen == []  # delivery happens on the loop, not inside post
    await asyncio.sleep(0)
    assert seen == [accepted()]


def test_post_without_a_running_loop_fails_loudly() -> None:
    bus = InProcessMessageBus()
    with pytest.raises(RuntimeError):
        bus.post(accepted())


async def test_unsubscribe_stops_delivery_even_mid_delivery() -> None:
    bus = InProcessMessageBus()
    seen: list[str] = []
    later = None

    def first(_: Message) -> None:
        seen.append("first")
        assert later is not None
        bus.unsubscribe(later)

    bus.subscribe(OrderAccepted, first)
    later = bus.subscribe(OrderAccepted, lambda _: seen.append("later"))
    await bus.publish(accepted())
    await bus.publish(accepted())
    assert seen == ["first", "first"]
    bus.unsubscribe(later)  # a second unsubscribe is ignored


async def test_check_wire_refuses_what_could_not_cross_a_process() -> None:
    bus = InProcessMessageBus(codec=core_codec(), check_wire=True)
    seen: list[Message] = []
    bus.subscribe(Message, seen.append)
    command = CancelOrder(venue="binance", symbol="BTC/USDT", client_order_id="c", ts_init=0)
    await bus.publish(command)
    assert seen == [command]

    class LocalOnly(OrderFilled):
        pass

    local = LocalOnly(
        client_order_id="c",
        venue="binance",
        symbol="BTC/USDT",
        venue_order_id="1",
        trade_id="1",
        side=OrderSide.BUY,
        last_px=D(1),
        last_qty=D(1),
        fee=D(0),
        fee_asset="USDT",
        ts_event=0,
        ts_init=0,
    )
    with pytest.raises(Exception, match="not registered"):
        await bus.publish(local)
    assert seen == [command]


async def test_subscribe_refuses_non_message_types() -> None:
    bus = InProcessMessageBus()
    with pytest.raises(TypeError):
        bus.subscribe(int, print)  # type: ignore[type-var]
    with pytest.raises(TypeError):
        await bus.publish("hello")  # type: ignore[arg-type]
