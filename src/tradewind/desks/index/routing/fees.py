"""What routing a deposit costs: the bridge's relayer fee (a quote policy) and gas priced in USDC.

    BridgeFeeQuote(bps, fixed_units)   relayer fee asked for a bridge deposit, token base units
    GasPricing(eth_price, usdc_price)  gas paid in wei -> USDC

Gas conversion (documented rule, used for every routing record):

    gas_usdc = ceil_8dp( total_fee_wei / 10**18 * eth_usdt / usdc_usdt )

``eth_usdt`` comes from an ``EthPriceSource`` (the desk passes the venue's ETH/USDT mid);
``usdc_usdt`` from an optional ``UsdcPriceSource`` (the USDC/USDT mid), else USDC is taken at par
with USDT. The total of all steps is converted once, at one sampled price, and rounded UP to 8
decimal places: the user is charged at least what the desk paid, never a fraction less.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext

__all__ = [
    "COLLATERAL_PLACES",
    "BridgeFeeQuote",
    "EthPriceSource",
    "GasPrice",
    "GasPricing",
    "InvalidFeePolicyError",
    "UsdcPriceSource",
    "ceil_places",
    "units_to_decimal",
]

COLLATERAL_PLACES = 8
WEI_PER_ETH_EXP = 18
_BPS = 10_000

EthPriceSource = Callable[[], Awaitable[Decimal]]
"""The price of 1 ETH in USDT (e.g. the venue's ETH/USDT mid)."""
UsdcPriceSource = Callable[[], Awaitable[Decimal]]
"""The price of 1 USDC in USDT (e.g. the venue's USDC/USDT mid)."""


class InvalidFeePolicyError(ValueError):
    """A fee quote or a price that cannot be used (negative, not finite, zero price)."""


def ceil_places(value: Decimal, places: int = COLLATERAL_PLACES) -> Decimal:
    """``value`` rounded up (toward +inf) to ``places`` decimal places."""
    with localcontext() as ctx:
        ctx.prec = max(60, len(value.as_tuple().digits) + places + 5)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)


def units_to_decimal(units: int, decimals: int) -> Decimal:
    """Token base units as a Decimal amount (exact)."""
    return Decimal(units).scaleb(-decimals)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeFeeQuote:
    """The relayer fee the desk offers per bridge deposit: ``bps`` of the input amount (rounded
    up to a base unit) plus ``fixed_units`` token base units; never more than the input."""

    bps: int = 5
    fixed_units: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.bps, bool) or not isinstance(self.bps, int) or not 0 <= self.bps < _BPS:
            raise InvalidFeePolicyError(f"bridge fee bps must be 0..9999, got {self.bps!r}")
        if (
            isinstance(self.fixed_units, bool)
            or not isinstance(self.fixed_units, int)
            or self.fixed_units < 0
        ):
            raise InvalidFeePolicyError(
                f"bridge fixed fee must be >= 0 base units, got {self.fixed_units!r}"
            )

    def fee_for(self, input_units: int) -> int:
        """The relayer fee for a deposit of ``input_units``; raises when nothing would arrive."""
        if input_units <= 0:
            raise InvalidFeePolicyError(f"bridge input must be > 0 base units, got {input_units}")
        fee = -(-input_units * self.bps // _BPS) + self.fixed_units
        if fee >= input_units:
            raise InvalidFeePolicyError(
                f"a bridge fee of {fee} base units leaves nothing of {input_units}"
            )
        return fee


@dataclass(frozen=True, slots=True, kw_only=True)
class GasPrice:
    """The prices one routing record's gas was converted at (USDT per ETH, USDT per USDC)."""

    eth_usdt: Decimal
    usdc_usdt: Decimal

    def __post_init__(self) -> None:
        for name in ("eth_usdt", "usdc_usdt"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise InvalidFeePolicyError(f"{name} must be a positive Decimal, got {value!r}")

    def usdc_for_wei(self, fee_wei: int) -> Decimal:
        """``fee_wei`` of gas in USDC, rounded up to 8 places (see the module docstring)."""
        if fee_wei < 0:
            raise InvalidFeePolicyError(f"a gas fee is >= 0 wei, got {fee_wei}")
        with localcontext() as ctx:
            ctx.prec = 80
            value = units_to_decimal(fee_wei, WEI_PER_ETH_EXP) * self.eth_usdt / self.usdc_usdt
        return ceil_places(value)


class GasPricing:
    """Samples the prices gas is converted at: ETH/USDT, and USDC/USDT or par."""

    def __init__(
        self, eth_price: EthPriceSource, usdc_price: UsdcPriceSource | None = None
    ) -> None:
        self._eth_price = eth_price
        self._usdc_price = usdc_price

    async def sample(self) -> GasPrice:
        eth = await self._eth_price()
        usdc = await self._usdc_price() if self._usdc_price is not None else Decimal(1)
        return GasPrice(eth_usdt=eth, usdc_usdt=usdc)
