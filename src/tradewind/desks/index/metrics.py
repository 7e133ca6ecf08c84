"""The index desk's Prometheus metrics, read from its state when Prometheus scrapes.

Exported (prefix ``tradewind_index_``): ``orders{symbol,side,status}`` (index orders by state),
``invoices_total{symbol,side}`` (invoices issued: one per ended order), ``mints_total{symbol}``
(buy invoices that minted tokens), ``minted{symbol}`` (index tokens minted, a float for charts),
``open_batches`` (solver batches in flight). Served with the gateway's ``/metrics`` by
``tradewind serve``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tradewind.core.enums import OrderSide
from tradewind.desks.index.reports import IndexOrderStatus
from tradewind.desks.index.views import DeskViews

__all__ = ["IndexDeskCollector"]


class IndexDeskCollector(Collector):
    """Counts of the desk's orders, invoices and mints, from ``state`` at scrape time."""

    def __init__(self, state: DeskViews) -> None:
        self.state = state

    def collect(self) -> Iterable[Metric]:
        state = self.state
        by_state: Counter[tuple[str, str, str]] = Counter(
            (order.symbol, str(order.side), str(order.status)) for order in state.orders()
        )
        # every (symbol, side) of a definition shows every status, zeros included, so a rate or
        # a panel never misses a series that has not happened yet
        for symbol in state.definitions:
            for side_name in (str(s) for s in OrderSide):
                for status in IndexOrderStatus:
                    by_state.setdefault((symbol, side_name, str(status)), 0)
        orders = GaugeMetricFamily(
            "tradewind_index_orders",
            "Index orders by symbol, side and status.",
            labels=["symbol", "side", "status"],
        )
        for key, count in sorted(by_state.items()):
            orders.add_metric(list(key), float(count))
        yield orders

        invoices = CounterMetricFamily(
            "tradewind_index_invoices",
            "Invoices issued (one per ended index order).",
            labels=["symbol", "side"],
        )
        mints = CounterMetricFamily(
            "tradewind_index_mints", "Buy invoices that minted index tokens.", labels=["symbol"]
        )
        minted = GaugeMetricFamily(
            "tradewind_index_minted", "Index tokens minted in total.", labels=["symbol"]
        )
        issued: Counter[tuple[str, str]] = Counter()
        mint_count: Counter[str] = Counter()
        minted_qty: dict[str, float] = {}
        for symbol in state.definitions:
            mint_count[symbol] = 0
            minted_qty[symbol] = 0.0
            for side_name in (str(s) for s in OrderSide):
                issued[(symbol, side_name)] = 0
        for invoice in state.invoices():
            issued[(invoice.symbol, str(invoice.side))] += 1
            if invoice.side is OrderSide.BUY and invoice.quantity > 0:
                mint_count[invoice.symbol] += 1
                minted_qty[invoice.symbol] = minted_qty.get(invoice.symbol, 0.0) + float(
                    invoice.quantity
                )
        for (symbol, side), count in sorted(issued.items()):
            invoices.add_metric([symbol, side], float(count))
        for symbol, count in sorted(mint_count.items()):
            mints.add_metric([symbol], float(count))
            minted.add_metric([symbol], minted_qty.get(symbol, 0.0))
        yield invoices
        yield mints
        yield minted

        batches = GaugeMetricFamily("tradewind_index_open_batches", "Solver batches in flight.")
        batches.add_metric([], float(len(state.open_batches())))
        yield batches
