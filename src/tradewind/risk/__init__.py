"""Risk: pure measures (VaR/ES, correlation, drawdown, exposure) and the pre-trade risk engine.

var, correlation, exposure   pure functions (floats for statistics, Decimal for exposure)
limits                       RiskLimits, the [risk] table of the node config
engine                       RiskEngine: pre-trade checks and ACTIVE / REDUCING / HALTED
"""
