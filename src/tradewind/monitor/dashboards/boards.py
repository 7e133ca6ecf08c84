"""The four Tradewind dashboards: index desk, risk, venues, chain. Each panel's PromQL reads only
series the processes export (tests/monitor/test_dashboards.py checks them against real scrapes)
or the recording rules of deploy/prometheus/rules/recording.yml.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from tradewind.monitor.dashboards.panels import (
    BAND_MAPPING,
    STATE_MAPPING,
    Query,
    datasource_variable,
    stat,
    state,
    timeseries,
)

__all__ = ["chain_dashboard", "index_desk_dashboard", "risk_dashboard", "venues_dashboard"]

RATE = "[$__rate_interval]"
_TAGS = ["tradewind", "generated"]


def _dashboard(uid: str, title: str, description: str) -> Dashboard:
    return (
        Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(_TAGS)
        .editable()
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("utc")
        .with_variable(datasource_variable())
    )


def index_desk_dashboard() -> Dashboard:
    """``tradewind serve``: gateway sessions and traffic, index orders, invoices and mints."""
    return (
        _dashboard(
            "tradewind-index-desk",
            "Tradewind / Index desk",
            "The index desk behind tradewind serve: FIX/JSON gateway, index orders, invoices, "
            "mints.",
        )
        .with_row(Row("Gateway"))
        .with_panel(stat("Open sessions", "short", Query("sum(tradewind_gateway_sessions)")))
        .with_panel(
            timeseries(
                "Messages in by type",
                "reqps",
                Query(
                    f"sum by (msg_type) (rate(tradewind_gateway_messages_in_total{RATE}))",
                    "{{msg_type}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Messages out by type",
                "reqps",
                Query(
                    f"sum by (msg_type) (rate(tradewind_gateway_messages_out_total{RATE}))",
                    "{{msg_type}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "NAKs by reason",
                "reqps",
                Query(f"sum by (reason) (rate(tradewind_gateway_naks_total{RATE}))", "{{reason}}"),
                Query(f"sum(rate(tradewind_gateway_dropped_frames_total{RATE}))", "dropped"),
            )
        )
        .with_row(Row("Index orders"))
        .with_panel(
            timeseries(
                "Index orders by status",
                "short",
                Query("sum by (status) (tradewind_index_orders)", "{{status}}"),
            )
        )
        .with_panel(
            timeseries(
                "Invoices and mints",
                "short",
                Query("sum by (side) (tradewind_index_invoices_total)", "invoices {{side}}"),
                Query("sum by (symbol) (tradewind_index_mints_total)", "mints {{symbol}}"),
            )
        )
        .with_panel(
            timeseries(
                "Index tokens minted",
                "short",
                Query("sum by (symbol) (tradewind_index_minted)", "{{symbol}}"),
            )
        )
        .with_panel(stat("Batches in flight", "short", Query("sum(tradewind_index_open_batches)")))
    )


def risk_dashboard() -> Dashboard:
    """Trading states per scope, every measure and its band, VaR against its limit, uptime."""
    return (
        _dashboard(
            "tradewind-risk",
            "Tradewind / Risk",
            "Risk trading states, measures and their bands (PMM monitoring framework), VaR, "
            "refusals, uptime.",
        )
        .with_row(Row("States"))
        .with_panel(
            state(
                "Trading state per scope",
                Query("max by (scope) (tradewind_node_trading_state)", "{{scope}}"),
                STATE_MAPPING,
                width=12,
            )
        )
        .with_panel(
            stat(
                "Uptime over 1 day",
                "percentunit",
                Query("tradewind:uptime:ratio_1d", "{{job}}"),
                steps=((None, "red"), (0.98, "orange"), (0.995, "green")),
                width=12,
                description="Critical under 98 %, warning from 98 % to 99.5 %.",
            )
        )
        .with_row(Row("Measures"))
        .with_panel(
            state(
                "Measure bands",
                Query("max by (name, scope) (tradewind_measure_band)", "{{name}} {{scope}}"),
                BAND_MAPPING,
                width=24,
            )
        )
        .with_panel(
            timeseries(
                "VaR 99 % 1-day, share of capital",
                "percentunit",
                Query('tradewind_measure{name=~"var_99.*", unit="ratio"}', "{{name}} {{scope}}"),
                steps=((None, "green"), (0.02, "orange"), (0.03, "red")),
                description="Limit 3 % of capital.",
            )
        )
        .with_panel(
            timeseries(
                "Ratio measures",
                "percentunit",
                Query('tradewind_measure{unit="ratio"}', "{{name}} {{scope}}"),
            )
        )
        .with_panel(
            timeseries(
                "Latency measures",
                "ms",
                Query('tradewind_measure{unit="ms"}', "{{name}} {{scope}}"),
                steps=((None, "green"), (500, "red")),
            )
        )
        .with_row(Row("Refusals and errors"))
        .with_panel(
            timeseries(
                "Orders refused by risk rule",
                "reqps",
                Query(
                    f"sum by (rule) (rate(tradewind_node_orders_refused_total{RATE}))", "{{rule}}"
                ),
            )
        )
        .with_panel(
            timeseries(
                "Strategy handler errors",
                "short",
                Query(f"sum(increase(tradewind_node_handler_errors_total{RATE}))", "errors"),
            )
        )
        .with_panel(
            stat(
                "Nodes running",
                "short",
                Query("sum(tradewind_node_running)"),
                steps=((None, "red"), (1, "green")),
            )
        )
    )


def venues_dashboard() -> Dashboard:
    """Order flow, rejects and latency per venue as the node sees it, and the sim's side."""
    return (
        _dashboard(
            "tradewind-venues",
            "Tradewind / Venues",
            "Orders, fills, rejects and latency per venue (node), and the simulated exchange.",
        )
        .with_row(Row("Node order flow"))
        .with_panel(
            timeseries(
                "Orders submitted and fills",
                "reqps",
                Query("tradewind:node_orders_submitted:rate5m", "submitted {{venue}}"),
                Query("tradewind:node_fills:rate5m", "fills {{venue}}"),
            )
        )
        .with_panel(
            timeseries(
                "Orders rejected",
                "reqps",
                Query(
                    f"sum by (venue) (rate(tradewind_node_orders_rejected_total{RATE}))",
                    "{{venue}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Command to ack latency",
                "s",
                Query("tradewind:node_command_ack_seconds:p99_5m", "p99 {{venue}}"),
                Query(
                    "histogram_quantile(0.5, sum by (venue, le) "
                    f"(rate(tradewind_node_command_ack_seconds_bucket{RATE})))",
                    "p50 {{venue}}",
                ),
                steps=((None, "green"), (0.3, "red")),
                description="Execution latency limit 300 ms.",
            )
        )
        .with_panel(
            timeseries(
                "Open orders",
                "short",
                Query("sum by (venue) (tradewind_node_open_orders)", "{{venue}}"),
            )
        )
        .with_panel(
            timeseries(
                "Book age",
                "s",
                Query(
                    "max by (venue, symbol) (tradewind_node_book_age_seconds)",
                    "{{venue}} {{symbol}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Books in sync",
                "short",
                Query("sum by (venue) (tradewind_node_books_synced)", "{{venue}}"),
            )
        )
        .with_row(Row("Simulated exchange"))
        .with_panel(
            timeseries(
                "REST requests by endpoint and status",
                "reqps",
                Query(
                    f"sum by (endpoint, status) (rate(tradewind_sim_rest_requests_total{RATE}))",
                    "{{endpoint}} {{status}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "REST latency p99",
                "s",
                Query("tradewind:sim_rest_request_seconds:p99_5m", "{{endpoint}}"),
            )
        )
        .with_panel(
            timeseries(
                "Orders accepted and rejected",
                "reqps",
                Query(
                    f"sum by (symbol) (rate(tradewind_sim_orders_accepted_total{RATE}))",
                    "accepted {{symbol}}",
                ),
                Query(
                    f"sum by (code) (rate(tradewind_sim_orders_rejected_total{RATE}))",
                    "rejected {{code}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Trades",
                "reqps",
                Query(f"sum by (symbol) (rate(tradewind_sim_trades_total{RATE}))", "{{symbol}}"),
            )
        )
        .with_panel(
            stat("WebSocket connections", "short", Query("sum(tradewind_sim_ws_connections)"))
        )
        .with_panel(
            timeseries(
                "Book depth (base units, 100 levels)",
                "short",
                Query("sum by (symbol, side) (tradewind_sim_book_depth)", "{{symbol}} {{side}}"),
            )
        )
    )


def chain_dashboard() -> Dashboard:
    """Transactions sent, confirmed and failed per chain, and gas prices."""
    return (
        _dashboard(
            "tradewind-chain",
            "Tradewind / Chain",
            "Transactions of the desk's key per chain, and the gas price it pays.",
        )
        .with_row(Row("Transactions"))
        .with_panel(
            timeseries(
                "Transactions sent and confirmed",
                "short",
                Query(
                    f"sum by (chain_id) (increase(tradewind_chain_tx_sent_total{RATE}))",
                    "sent {{chain_id}}",
                ),
                Query(
                    f"sum by (chain_id) (increase(tradewind_chain_tx_confirmed_total{RATE}))",
                    "confirmed {{chain_id}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Transactions failed by reason",
                "short",
                Query(
                    f"sum by (chain_id, reason) (increase(tradewind_chain_tx_failed_total{RATE}))",
                    "{{chain_id}} {{reason}}",
                ),
            )
        )
        .with_panel(
            timeseries(
                "Gas price (max fee per gas)",
                "short",
                Query("max by (chain_id) (tradewind_chain_gas_price_gwei)", "{{chain_id}} gwei"),
            )
        )
    )
