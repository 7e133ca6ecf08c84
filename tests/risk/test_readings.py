from __future__ import annotations

from tradewind.node.node import TradingNode
from tradewind.risk.readings import Band, MeasureReading, Threshold


def test_threshold_bands_each_direction() -> None:
    assert Threshold("max", 0.03, warning=0.02).band(0.025) is Band.WARNING
    assert Threshold("max", 0.03).band(0.031) is Band.CRITICAL
    assert Threshold("min", 0.95, warning=0.97).band(0.96) is Band.WARNING
    assert Threshold("min", 0.95).band(0.94) is Band.CRITICAL
    assert Threshold("abs_max", 0.05).band(-0.06) is Band.CRITICAL
    assert Threshold("abs_max", 0.05).band(-0.04) is Band.OK
    assert Threshold("max", 1.0).band(None) is Band.UNKNOWN
    assert Threshold("max", 1.0).band(float("nan")) is Band.UNKNOWN


class _Source:
    def __init__(self, value: float) -> None:
        self.value = value

    def readings(self) -> list[MeasureReading]:
        return [
            MeasureReading(
                "concentration", "global", self.value, "ratio", Threshold("max", 0.25), 1
            )
        ]


def test_node_collects_readings_from_its_sources_live() -> None:
    node = TradingNode()
    source = _Source(0.1)
    node.add_measure_source(source)
    assert [r.band for r in node.measure_readings()] == [Band.OK]
    source.value = 0.3
    assert [r.band for r in node.measure_readings()] == [Band.CRITICAL]
