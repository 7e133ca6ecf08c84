"""Prometheus metrics of the transaction managers of one process.

Exported (prefix ``tradewind_chain_``): ``tx_sent_total{chain_id}`` (first broadcasts of an
intent), ``tx_confirmed_total{chain_id}``, ``tx_failed_total{chain_id,reason}`` (``rejected``
by the node, ``reverted`` on chain, ``nonce_consumed`` by another transaction) and
``gas_price_gwei{chain_id}`` (the max fee per gas of the last transaction signed; a float for
charts, the manager itself keeps wei as integers).

One ``TxMetrics`` serves every manager of a process (one per chain); pass it to each
``TransactionManager(metrics=...)`` and serve ``registry`` with the process's ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from tradewind.common.metrics import new_registry

__all__ = ["TxMetrics"]

_GWEI = 10**9


class TxMetrics:
    """Counters of sent, confirmed and failed transactions, and the last gas price, per chain."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else new_registry()
        self._sent = Counter(
            "tradewind_chain_tx_sent",
            "Transactions broadcast for the first time.",
            ["chain_id"],
            registry=self.registry,
        )
        self._confirmed = Counter(
            "tradewind_chain_tx_confirmed",
            "Transactions confirmed (successful, at the required depth).",
            ["chain_id"],
            registry=self.registry,
        )
        self._failed = Counter(
            "tradewind_chain_tx_failed",
            "Transactions that failed: rejected, reverted or nonce consumed.",
            ["chain_id", "reason"],
            registry=self.registry,
        )
        self._gas_price = Gauge(
            "tradewind_chain_gas_price_gwei",
            "Max fee per gas of the last transaction signed, in gwei.",
            ["chain_id"],
            registry=self.registry,
        )

    def sent(self, chain_id: int, max_fee_per_gas_wei: int) -> None:
        self._sent.labels(str(chain_id)).inc()
        self._gas_price.labels(str(chain_id)).set(max_fee_per_gas_wei / _GWEI)

    def confirmed(self, chain_id: int) -> None:
        self._confirmed.labels(str(chain_id)).inc()

    def failed(self, chain_id: int, reason: str) -> None:
        self._failed.labels(str(chain_id), reason).inc()
