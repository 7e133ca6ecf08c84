"""Backtester: the node's strategies on the TestClock against in-process venues with fill,
queue and latency models, recorded or synthetic data, and reports."""
