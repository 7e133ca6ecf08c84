"""The handlers behind each Binance Spot REST path, with Binance's weights and security types."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from tradewind.common.sim_chain_config import SUPPORTED_NETWORKS
from tradewind.venues.sim.deposits import DEFAULT_NETWORK
from tradewind.venues.sim.engine import SimError
from tradewind.venues.sim.server import wire
from tradewind.venues.sim.server.rate_limits import depth_weight
from tradewind.venues.sim.server.rest import (
    Endpoint,
    RequestContext,
    Security,
    fixed,
    per_symbol,
)

if TYPE_CHECKING:
    from tradewind.venues.sim.exchange import SimExchange

RESP_TYPES = ("ACK", "RESULT", "FULL")


def _symbol(x: SimExchange, params: Any, required: bool = True) -> str | None:
    raw = params.get("symbol")
    if raw is None or raw == "":
        if required:
            raise wire.missing("symbol")
        return None
    symbol = str(raw).upper()
    if symbol not in x.engine.specs:
        raise SimError(-1121, "Invalid symbol.")
    return symbol


def _symbols_list(x: SimExchange, params: Any) -> list[str] | None:
    """``symbol=X`` or ``symbols=["X","Y"]``; None means all."""
    single = _symbol(x, params, required=False)
    if single is not None:
        return [single]
    raw = params.get("symbols")
    if not raw:
        return None
    try:
        names = orjson.loads(raw)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise SimError(
            -1100, "Illegal characters found in parameter 'symbols'; legal range is '[\"X\",...]'."
        ) from exc
    out = []
    for name in names:
        if name.upper() not in x.engine.specs:
            raise SimError(-1121, "Invalid symbol.")
        out.append(name.upper())
    return out


def _depth_weight(params: Any) -> int:
    try:
        return depth_weight(int(params.get("limit") or 100))
    except ValueError:
        return 5


def build_endpoints(x: SimExchange) -> list[Endpoint]:
    """Every REST route the simulated exchange answers."""

    # -- general -----------------------------------------------------------------------------
    async def ping(ctx: RequestContext) -> Any:
        return {}

    async def server_time(ctx: RequestContext) -> Any:
        return {"serverTime": ctx.now_ms}

    async def exchange_info(ctx: RequestContext) -> Any:
        symbols = _symbols_list(x, ctx.params)
        return x.exchange_info(symbols, ctx.now_ms)

    # -- market data -------------------------------------------------------------------------
    async def depth(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        limit = wire.parse_limit(ctx.params, 100, 5000)
        snapshot = x.engine.depth(symbol, limit)
        return {
            "lastUpdateId": snapshot.last_update_id,
            "bids": wire.levels_json(snapshot.bids),
            "asks": wire.levels_json(snapshot.asks),
        }

    async def trades(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        limit = wire.parse_limit(ctx.params, 500, 1000)
        return [wire.public_trade_json(t) for t in x.market_data.recent_trades(symbol, limit)]

    async def agg_trades(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        limit = wire.parse_limit(ctx.params, 500, 1000)
        aggs = x.market_data.agg_trades(
            symbol,
            from_id=wire.parse_int(ctx.params, "fromId"),
            start_time=wire.parse_int(ctx.params, "startTime"),
            end_time=wire.parse_int(ctx.params, "endTime"),
            limit=limit,
        )
        return [wire.agg_trade_json(a) for a in aggs]

    async def klines(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        interval = wire.require(ctx.params, "interval")
        limit = wire.parse_limit(ctx.params, 500, 1000)
        rows = x.market_data.klines(
            symbol,
            interval,
            start_time=wire.parse_int(ctx.params, "startTime"),
            end_time=wire.parse_int(ctx.params, "endTime"),
            limit=limit,
            now_ms=ctx.now_ms,
        )
        return [wire.kline_row(k) for k in rows]

    async def avg_price(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        price = x.engine.avg_price(symbol) or x.engine.last_price(symbol) or _mid(symbol)
        return {
            "mins": x.engine.specs[symbol].avg_price_mins,
            "price": wire.fmt(price),
            "closeTime": ctx.now_ms,
        }

    def _mid(symbol: str) -> Decimal:
        # Before the first trade Binance still answers avgPrice; the book mid is the honest proxy.
        bid, ask = x.engine.best_bid_ask(symbol)
        if bid and ask:
            quote = Decimal(1).scaleb(-x.engine.specs[symbol].quote_asset_precision)
            return ((bid[0] + ask[0]) / 2).quantize(quote)
        return Decimal(0)

    def _one_or_many(ctx: RequestContext, render: Any) -> Any:
        symbols = _symbols_list(x, ctx.params)
        if ctx.params.get("symbol"):
            assert symbols is not None
            return render(symbols[0])
        return [render(s) for s in (symbols or sorted(x.engine.specs))]

    async def ticker_24hr(ctx: RequestContext) -> Any:
        def render(symbol: str) -> Any:
            body = wire.ticker_24hr_json(x.market_data.ticker_24hr(symbol, ctx.now_ms))
            bid, ask = x.engine.best_bid_ask(symbol)
            if bid:
                body["bidPrice"], body["bidQty"] = wire.fmt(bid[0]), wire.fmt(bid[1])
            if ask:
                body["askPrice"], body["askQty"] = wire.fmt(ask[0]), wire.fmt(ask[1])
            return body

        return _one_or_many(ctx, render)

    async def ticker_price(ctx: RequestContext) -> Any:
        def render(symbol: str) -> Any:
            price = x.engine.last_price(symbol) or Decimal(0)
            return {"symbol": symbol, "price": wire.fmt(price)}

        return _one_or_many(ctx, render)

    async def book_ticker(ctx: RequestContext) -> Any:
        def render(symbol: str) -> Any:
            bid, ask = x.engine.best_bid_ask(symbol)
            zero = "0.00000000"
            return {
                "symbol": symbol,
                "bidPrice": wire.fmt(bid[0]) if bid else zero,
                "bidQty": wire.fmt(bid[1]) if bid else zero,
                "askPrice": wire.fmt(ask[0]) if ask else zero,
                "askQty": wire.fmt(ask[1]) if ask else zero,
            }

        return _one_or_many(ctx, render)

    # -- trading -----------------------------------------------------------------------------
    def _resp_type(ctx: RequestContext, order_type: str) -> str:
        raw = ctx.params.get("newOrderRespType")
        if raw is None or raw == "":
            # Binance: MARKET and LIMIT default to FULL, other types to ACK.
            return "FULL" if order_type in ("MARKET", "LIMIT") else "ACK"
        if raw.upper() not in RESP_TYPES:
            raise SimError(
                -1100,
                "Illegal characters found in parameter 'newOrderRespType'; "
                "legal range is 'ACK, RESULT, FULL'.",
            )
        return raw.upper()

    async def new_order(ctx: RequestContext) -> Any:
        order = wire.parse_new_order(ctx.params)
        if order.symbol not in x.engine.specs:
            raise SimError(-1121, "Invalid symbol.")
        resp_type = _resp_type(ctx, order.type.value)
        result = x.engine.place(ctx.account, order)
        return wire.new_order_response(result.order, result.fills, resp_type, ctx.now_ms)

    async def test_order(ctx: RequestContext) -> Any:
        order = wire.parse_new_order(ctx.params)
        if order.symbol not in x.engine.specs:
            raise SimError(-1121, "Invalid symbol.")
        return {}

    def _order_ref(ctx: RequestContext) -> tuple[int | None, str | None]:
        order_id = wire.parse_int(ctx.params, "orderId")
        client_id = ctx.params.get("origClientOrderId") or None
        if order_id is None and client_id is None:
            raise SimError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        return order_id, client_id

    async def get_order(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        order_id, client_id = _order_ref(ctx)
        view = x.engine.get_order(ctx.account, symbol, order_id=order_id, client_order_id=client_id)
        return wire.order_json(view)

    async def cancel_order(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        order_id, client_id = _order_ref(ctx)
        view = x.engine.cancel(
            ctx.account,
            symbol,
            order_id=order_id,
            client_order_id=client_id,
            new_client_order_id=wire.parse_client_order_id(ctx.params, "newClientOrderId"),
        )
        return wire.cancel_response(view, ctx.now_ms)

    async def open_orders(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params, required=False)
        return [wire.order_json(o) for o in x.engine.open_orders(ctx.account, symbol)]

    async def cancel_open_orders(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        return [
            wire.cancel_response(o, ctx.now_ms) for o in x.engine.cancel_all(ctx.account, symbol)
        ]

    async def all_orders(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        orders = x.engine.all_orders(
            ctx.account,
            symbol,
            order_id=wire.parse_int(ctx.params, "orderId"),
            start_time=wire.parse_int(ctx.params, "startTime"),
            end_time=wire.parse_int(ctx.params, "endTime"),
            limit=wire.parse_limit(ctx.params, 500, 1000),
        )
        return [wire.order_json(o) for o in orders]

    async def my_trades(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        assert symbol is not None
        fills = x.engine.my_trades(
            ctx.account,
            symbol,
            order_id=wire.parse_int(ctx.params, "orderId"),
            from_id=wire.parse_int(ctx.params, "fromId"),
            start_time=wire.parse_int(ctx.params, "startTime"),
            end_time=wire.parse_int(ctx.params, "endTime"),
            limit=wire.parse_limit(ctx.params, 500, 1000),
        )
        return [wire.my_trade_json(f) for f in fills]

    async def account(ctx: RequestContext) -> Any:
        return x.account_json(
            ctx.account, ctx.now_ms, omit_zero=ctx.params.get("omitZeroBalances") == "true"
        )

    async def account_commission(ctx: RequestContext) -> Any:
        symbol = _symbol(x, ctx.params)
        maker, taker = x.engine.account_commissions(ctx.account)
        zero = wire.fmt(Decimal(0))
        return {
            "symbol": symbol,
            "standardCommission": {
                "maker": wire.fmt(maker),
                "taker": wire.fmt(taker),
                "buyer": zero,
                "seller": zero,
            },
            "specialCommission": {"maker": zero, "taker": zero, "buyer": zero, "seller": zero},
            "taxCommission": {"maker": zero, "taker": zero, "buyer": zero, "seller": zero},
            "discount": {
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": zero,
            },
        }

    # -- user data stream --------------------------------------------------------------------
    async def new_listen_key(ctx: RequestContext) -> Any:
        listen_key = secrets.token_urlsafe(45)[:60]
        x.streams.register_listen_key(listen_key, ctx.account)
        return {"listenKey": listen_key}

    def _listen_key(ctx: RequestContext) -> str:
        key = wire.require(ctx.params, "listenKey")
        if x.streams.listen_key_owner(key) != ctx.account:
            raise SimError(-1125, "This listenKey does not exist.")
        return key

    async def keepalive_listen_key(ctx: RequestContext) -> Any:
        _listen_key(ctx)
        return {}

    async def close_listen_key(ctx: RequestContext) -> Any:
        x.streams.close_listen_key(_listen_key(ctx))
        return {}

    # -- capital (sapi) ----------------------------------------------------------------------
    async def deposit_address(ctx: RequestContext) -> Any:
        coin = wire.require(ctx.params, "coin").upper()
        address, _network = x.deposits.address(ctx.account, coin, ctx.params.get("network") or None)
        return {"address": address, "coin": coin, "tag": "", "url": ""}

    async def deposit_history(ctx: RequestContext) -> Any:
        coin = ctx.params.get("coin")
        records = x.deposits.history(
            ctx.account,
            coin=coin.upper() if coin else None,
            status=wire.parse_int(ctx.params, "status"),
            start_time=wire.parse_int(ctx.params, "startTime"),
            end_time=wire.parse_int(ctx.params, "endTime"),
            limit=wire.parse_limit(ctx.params, 1000, 1000),
        )
        return [
            {
                "id": r.deposit_id,
                "amount": wire.fmt(r.amount),
                "coin": r.coin,
                "network": r.network,
                "status": r.status,
                "address": r.address,
                "addressTag": "",
                "txId": r.tx_id,
                "insertTime": r.insert_time,
                "completeTime": r.insert_time,
                "transferType": 0,
                "confirmTimes": f"{r.confirmations}/{r.required_confirmations}",
                "unlockConfirm": r.required_confirmations,
                "walletType": 0,
            }
            for r in records
        ]

    async def coin_config(ctx: RequestContext) -> Any:
        # what CCXT's fetchCurrencies (called by fetchBalance, fetchDeposits, ...) reads:
        # every asset the sim trades or credits, with its deposit networks
        listed = x.exchange_info(None, ctx.now_ms)["symbols"]
        held = x.engine.balances(ctx.account)
        coins = sorted(
            {s["baseAsset"] for s in listed}
            | {s["quoteAsset"] for s in listed}
            | set(SUPPORTED_NETWORKS)
            | set(held)
        )
        zero = wire.fmt(Decimal(0))
        answer = []
        for coin in coins:
            free, locked = held.get(coin, (Decimal(0), Decimal(0)))
            networks = SUPPORTED_NETWORKS.get(coin, ())
            default = DEFAULT_NETWORK.get(coin, networks[0] if networks else "")
            answer.append(
                {
                    "coin": coin, "name": coin, "free": wire.fmt(free),
                    "locked": wire.fmt(locked), "freeze": zero, "withdrawing": zero,
                    "ipoing": zero, "ipoable": zero, "storage": zero, "isLegalMoney": False,
                    "trading": True, "depositAllEnable": bool(networks),
                    "withdrawAllEnable": False,
                    "networkList": [
                        {
                            "network": network, "coin": coin, "name": network,
                            "isDefault": network == default, "depositEnable": True,
                            "withdrawEnable": False, "withdrawFee": zero,
                            "withdrawMin": zero, "withdrawMax": zero,
                            "withdrawIntegerMultiple": "0.00000001", "minConfirm": 1,
                            "unLockConfirm": 0, "depositDesc": "", "withdrawDesc":
                            "withdrawals are not simulated", "specialTips": "",
                            "sameAddress": False, "busy": False,
                        }
                        for network in networks
                    ],
                }
            )  # fmt: skip
        return answer

    async def withdraw_history(ctx: RequestContext) -> Any:
        # the sim simulates no withdrawals; the history is empty, not missing
        return []

    api = "/api/v3"
    return [
        Endpoint("GET", f"{api}/ping", Security.NONE, fixed(1), ping),
        Endpoint("GET", f"{api}/time", Security.NONE, fixed(1), server_time),
        Endpoint("GET", f"{api}/exchangeInfo", Security.NONE, fixed(20), exchange_info),
        Endpoint("GET", f"{api}/depth", Security.NONE, _depth_weight, depth),
        Endpoint("GET", f"{api}/trades", Security.NONE, fixed(25), trades),
        Endpoint("GET", f"{api}/aggTrades", Security.NONE, fixed(4), agg_trades),
        Endpoint("GET", f"{api}/klines", Security.NONE, fixed(2), klines),
        Endpoint("GET", f"{api}/avgPrice", Security.NONE, fixed(2), avg_price),
        Endpoint("GET", f"{api}/ticker/24hr", Security.NONE, per_symbol(2, 80), ticker_24hr),
        Endpoint("GET", f"{api}/ticker/price", Security.NONE, per_symbol(2, 4), ticker_price),
        Endpoint("GET", f"{api}/ticker/bookTicker", Security.NONE, per_symbol(2, 4), book_ticker),
        Endpoint("POST", f"{api}/order", Security.SIGNED, fixed(1), new_order, True, True),
        Endpoint("POST", f"{api}/order/test", Security.SIGNED, fixed(1), test_order),
        Endpoint("GET", f"{api}/order", Security.SIGNED, fixed(4), get_order),
        Endpoint("DELETE", f"{api}/order", Security.SIGNED, fixed(1), cancel_order, False, True),
        Endpoint("GET", f"{api}/openOrders", Security.SIGNED, per_symbol(6, 80), open_orders),
        Endpoint(
            "DELETE",
            f"{api}/openOrders",
            Security.SIGNED,
            fixed(1),
            cancel_open_orders,
            False,
            True,
        ),
        Endpoint("GET", f"{api}/allOrders", Security.SIGNED, fixed(20), all_orders),
        Endpoint("GET", f"{api}/myTrades", Security.SIGNED, fixed(20), my_trades),
        Endpoint("GET", f"{api}/account", Security.SIGNED, fixed(20), account),
        Endpoint(
            "GET", f"{api}/account/commission", Security.SIGNED, fixed(20), account_commission
        ),
        Endpoint("POST", f"{api}/userDataStream", Security.API_KEY, fixed(2), new_listen_key),
        Endpoint("PUT", f"{api}/userDataStream", Security.API_KEY, fixed(2), keepalive_listen_key),
        Endpoint("DELETE", f"{api}/userDataStream", Security.API_KEY, fixed(2), close_listen_key),
        Endpoint(
            "GET", "/sapi/v1/capital/deposit/address", Security.SIGNED, fixed(10), deposit_address
        ),
        Endpoint(
            "GET", "/sapi/v1/capital/deposit/hisrec", Security.SIGNED, fixed(1), deposit_history
        ),
        Endpoint("GET", "/sapi/v1/capital/config/getall", Security.SIGNED, fixed(10), coin_config),
        Endpoint(
            "GET", "/sapi/v1/capital/withdraw/history", Security.SIGNED, fixed(1), withdraw_history
        ),
    ]
