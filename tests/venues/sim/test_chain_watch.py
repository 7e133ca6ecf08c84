"""The simulated exchange credits token transfers to its deposit addresses seen on an EVM node.

A real ``tradewind sim`` process watches a real anvil "base" node (one of each per module); each
test uses fresh sim accounts, so their deposit addresses are fresh too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
import requests
from eth_utils import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract.async_contract import AsyncContract

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.contracts import ContractsNotBuiltError, load_artifact
from tradewind.chain.nodes import BASE, AnvilNode, AnvilNotInstalledError, find_anvil
from tradewind.common.sim_chain_config import (
    ChainOptionError,
    SimChainConfig,
    merge_chain_options,
)
from tradewind.venues.sim.deposits import STATUS_SUCCESS, DepositBook, DepositRecord
from tradewind.venues.sim.process import SimEndpoints, SimProcess
from tradewind.venues.sim.server.auth import sign_query

T = TypeVar("T")
CONFIRMATIONS = 3
DEPLOYER = ANVIL_DEV_ACCOUNTS[0].address
USDC = Decimal(10) ** 6
_ids = itertools.count(1)


# -- options and the deposit book (no processes) ------------------------------------------------


def test_command_line_options_lay_over_the_config_section() -> None:
    token = "0x" + "ab" * 20
    configured = {
        "base": SimChainConfig(rpc_url="http://127.0.0.1:1", token=token, confirmations=5)
    }
    merged = merge_chain_options(
        configured,
        ["base=http://127.0.0.1:8545", "arbitrum=http://127.0.0.1:8546"],
        [f"arbitrum={token}"],
        2,
    )
    assert sorted(merged) == ["ARBITRUM", "BASE"]
    assert merged["BASE"].rpc_url == "http://127.0.0.1:8545"
    assert merged["BASE"].token == to_checksum_address(token)
    assert {c.confirmations for c in merged.values()} == {2}
    assert merge_chain_options({}) == {}


@pytest.mark.parametrize(
    ("chain", "token", "confirmations", "message"),
    [
        (["base"], [], None, "NETWORK=VALUE"),
        (["solana=http://x:1"], [], None, "not an EVM deposit network"),
        (["base=http://x:1"], [], None, "--chain-token base="),
        ([], ["base=0x" + "ab" * 20], None, "--chain base="),
        (["base=ftp://x"], ["base=0x" + "ab" * 20], None, "http(s) URL"),
        (["base=http://x:1"], ["base=0x12"], None, "EVM address"),
        (["base=http://x:1", "BASE=http://y:1"], [], None, "given twice"),
        (["base=http://x:1"], ["base=0x" + "ab" * 20], 0, "confirmations"),
        ([], [], 3, "needs a watched network"),
    ],
)
def test_bad_chain_options_are_refused_by_name(
    chain: list[str], token: list[str], confirmations: int | None, message: str
) -> None:
    with pytest.raises(ChainOptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        merge_chain_options({}, chain, token, confirmations)


def _record(log_index: int | None, status: int) -> DepositRecord:
    return DepositRecord(
        deposit_id="d",
        account_id="a",
        coin="USDC",
        network="BASE",
        amount=Decimal(1),
        address="0x" + "00" * 20,
        tx_id="0xabc",
        insert_time=1,
        status=status,
        confirmations=status,
        required_confirmations=1,
        log_index=log_index,
    )


def test_the_deposit_book_keys_token_logs_by_transaction_and_log_index() -> None:
    book = DepositBook()
    assert book.record(_record(0, 0))
    assert book.record(_record(1, STATUS_SUCCESS))
    assert not book.record(_record(1, STATUS_SUCCESS))  # credited: never again
    assert [r.key for r in book.history("a")] in (["0xabc:0", "0xabc:1"], ["0xabc:1", "0xabc:0"])
    assert book.discard_pending("0xabc:1") is None  # a credited deposit stays
    dropped = book.discard_pending("0xabc:0")
    assert dropped is not None and dropped.log_index == 0
    assert [r.key for r in book.history("a")] == ["0xabc:1"]


# -- a real sim process on a real node -----------------------------------------------------------


def _run(make: Callable[[], Awaitable[T]]) -> T:
    async def runner() -> T:
        return await make()

    return asyncio.run(runner())


@pytest.fixture(scope="module")
def base_node() -> Iterator[AnvilNode]:
    try:
        path = find_anvil()
        load_artifact("MockUSDC")
    except (AnvilNotInstalledError, ContractsNotBuiltError) as exc:
        pytest.skip(f"{exc}")
    node = AnvilNode(BASE.name, BASE.chain_id, anvil_path=path).start_blocking()
    try:
        yield node
    finally:
        node.stop_blocking()


@pytest.fixture(scope="module")
def token_address(base_node: AnvilNode) -> str:
    async def deploy() -> str:
        w3 = AsyncWeb3(AsyncHTTPProvider(base_node.rpc_url))
        artifact = load_artifact("MockUSDC")
        factory = w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
        tx_hash = await factory.constructor().transact({"from": DEPLOYER})
        receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
        await w3.provider.disconnect()
        return to_checksum_address(receipt["contractAddress"])

    return _run(deploy)


@pytest.fixture(scope="module")
def sim(
    base_node: AnvilNode, token_address: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimEndpoints]:
    database: Path = tmp_path_factory.mktemp("sim-chain") / "sim.sqlite"
    process = SimProcess(
        database=database,
        admin=True,
        market=False,
        extra_args=(
            "--chain",
            f"base={base_node.rpc_url}",
            "--chain-token",
            f"base={token_address}",
            "--confirmations",
            str(CONFIRMATIONS),
        ),
    )
    with process as endpoints:
        yield endpoints


@pytest.fixture
async def w3(base_node: AnvilNode) -> AsyncIterator[AsyncWeb3[Any]]:
    client: AsyncWeb3[Any] = AsyncWeb3(AsyncHTTPProvider(base_node.rpc_url))
    try:
        yield client
    finally:
        await client.provider.disconnect()


@pytest.fixture
def usdc(w3: AsyncWeb3[Any], token_address: str) -> AsyncContract:
    return w3.eth.contract(address=token_address, abi=load_artifact("MockUSDC").abi_list())


class SimUser:
    """A fresh sim account and signed calls to its REST endpoints."""

    def __init__(self, sim: SimEndpoints) -> None:
        self.sim = sim
        account_id = f"chain-{next(_ids)}-{time.monotonic_ns() % 100_000}"
        created = requests.post(
            f"{sim.rest_url}/admin/v1/accounts",
            json={"account_id": account_id, "balances": {"USDT": "1"}},
            timeout=10,
        ).json()
        self.account_id = account_id
        self.api_key: str = created["apiKey"]
        self.api_secret: str = created["secretKey"]

    async def get(self, path: str, **params: Any) -> Any:
        params["timestamp"] = int(time.time() * 1000)
        query = urlencode(params)
        query += "&signature=" + sign_query(self.api_secret, query)
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{self.sim.rest_url}{path}?{query}", headers={"X-MBX-APIKEY": self.api_key}
            ) as response,
        ):
            assert response.status == 200, await response.text()
            return await response.json()

    async def deposit_address(self) -> str:
        body = await self.get("/sapi/v1/capital/deposit/address", coin="USDC", network="BASE")
        assert set(body) == {"address", "coin", "tag", "url"}
        return to_checksum_address(body["address"])

    async def history(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self.get("/sapi/v1/capital/deposit/hisrec", coin="USDC")
        return rows

    async def usdc_balance(self) -> Decimal:
        account = await self.get("/api/v3/account")
        for balance in account["balances"]:
            if balance["asset"] == "USDC":
                return Decimal(balance["free"])
        return Decimal(0)


async def wait_for(
    probe: Callable[[], Awaitable[T]], ready: Callable[[T], bool], what: str, timeout_s: float = 30
) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if ready(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.1)


async def send_usdc(usdc: AsyncContract, w3: AsyncWeb3[Any], to: str, amount: Decimal) -> str:
    """Mint through the token's faucet straight to ``to`` (a ``Transfer`` from 0x0)."""
    tx_hash = await usdc.functions.faucet(to, int(amount * USDC)).transact({"from": DEPLOYER})
    await w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.02)
    return "0x" + bytes(tx_hash).hex()


async def user_stream(
    user: SimUser,
) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
    session = aiohttp.ClientSession()
    async with session.post(
        f"{user.sim.rest_url}/api/v3/userDataStream", headers={"X-MBX-APIKEY": user.api_key}
    ) as response:
        listen_key = (await response.json())["listenKey"]
    ws = await session.ws_connect(f"{user.sim.ws_url}/ws/{listen_key}")
    return session, ws


@pytest.mark.e2e
async def test_a_transfer_is_credited_once_after_the_confirmation_depth(
    sim: SimEndpoints, base_node: AnvilNode, w3: AsyncWeb3[Any], usdc: AsyncContract
) -> None:
    user = SimUser(sim)
    other = SimUser(sim)
    address = await user.deposit_address()
    assert address != await other.deposit_address()
    session, ws = await user_stream(user)
    try:
        await base_node.set_automine(True)
        tx_id = await send_usdc(usdc, w3, address, Decimal("125.5"))
        pending = await wait_for(user.history, lambda rows: len(rows) == 1, "a pending deposit")
        assert pending[0]["status"] == 0
        assert pending[0]["txId"] == tx_id
        assert await user.usdc_balance() == 0

        await base_node.mine(CONFIRMATIONS - 1)
        rows = await wait_for(
            user.history, lambda rows: rows and rows[0]["status"] == 1, "the credit"
        )
        assert await user.usdc_balance() == Decimal("125.5")
        row = rows[0]
        assert row["confirmTimes"] == f"{CONFIRMATIONS}/{CONFIRMATIONS}"
        assert (row["coin"], row["network"], Decimal(row["amount"])) == (
            "USDC",
            "BASE",
            Decimal("125.5"),
        )
        assert row["address"].lower() == address.lower()

        update = None
        while update is None:
            message = await asyncio.wait_for(ws.receive(), 10)
            payload = json.loads(message.data)
            if payload.get("e") == "balanceUpdate":
                update = payload
        assert (update["a"], Decimal(update["d"])) == ("USDC", Decimal("125.5"))

        # More blocks and more polls: still one deposit, credited once.
        await base_node.mine(5)
        await asyncio.sleep(1.2)
        assert len(await user.history()) == 1
        assert await user.usdc_balance() == Decimal("125.5")
        assert await other.usdc_balance() == 0 and await other.history() == []
    finally:
        await ws.close()
        await session.close()


@pytest.mark.e2e
async def test_a_transfer_dropped_before_the_depth_is_never_credited(
    sim: SimEndpoints, base_node: AnvilNode, w3: AsyncWeb3[Any], usdc: AsyncContract
) -> None:
    user = SimUser(sim)
    address = await user.deposit_address()
    snapshot = await base_node.snapshot()
    await send_usdc(usdc, w3, address, Decimal("40"))
    await wait_for(user.history, lambda rows: len(rows) == 1, "the pending deposit")
    await base_node.revert(snapshot)  # the transfer's block is gone
    await base_node.mine(CONFIRMATIONS + 2)
    await wait_for(user.history, lambda rows: rows == [], "the pending deposit to be dropped")
    await asyncio.sleep(1.2)  # a few more polls past the depth
    assert await user.history() == []
    assert await user.usdc_balance() == 0


@pytest.mark.e2e
async def test_hisrec_rows_have_binance_shape_through_pending_and_success(
    sim: SimEndpoints, base_node: AnvilNode, w3: AsyncWeb3[Any], usdc: AsyncContract
) -> None:
    user = SimUser(sim)
    address = await user.deposit_address()
    tx_id = await send_usdc(usdc, w3, address, Decimal("7.25"))
    rows = await wait_for(user.history, lambda rows: len(rows) == 1, "the pending deposit")
    expected_keys = {
        "id",
        "amount",
        "coin",
        "network",
        "status",
        "address",
        "addressTag",
        "txId",
        "insertTime",
        "completeTime",
        "transferType",
        "confirmTimes",
        "unlockConfirm",
        "walletType",
    }
    pending = rows[0]
    assert set(pending) == expected_keys
    done_at, required = pending["confirmTimes"].split("/")
    assert int(required) == CONFIRMATIONS and int(done_at) < CONFIRMATIONS
    assert pending["unlockConfirm"] == CONFIRMATIONS
    await base_node.mine(CONFIRMATIONS)
    rows = await wait_for(user.history, lambda rows: rows[0]["status"] == 1, "the credit")
    credited = rows[0]
    assert set(credited) == expected_keys
    assert credited["id"] == pending["id"] and credited["insertTime"] == pending["insertTime"]
    assert (credited["txId"], credited["amount"]) == (tx_id, "7.25000000")
    assert isinstance(credited["insertTime"], int)


@pytest.mark.e2e
async def test_a_restarted_sim_credits_what_it_missed_and_nothing_twice(
    base_node: AnvilNode,
    token_address: str,
    w3: AsyncWeb3[Any],
    usdc: AsyncContract,
    tmp_path: Path,
) -> None:
    process = SimProcess(
        database=tmp_path / "sim.sqlite",
        admin=True,
        market=False,
        extra_args=(
            "--chain",
            f"base={base_node.rpc_url}",
            "--chain-token",
            f"base={token_address}",
            "--confirmations",
            "1",
        ),
    )
    endpoints = await asyncio.to_thread(process.start)
    try:
        user = SimUser(endpoints)
        address = await user.deposit_address()
        await send_usdc(usdc, w3, address, Decimal("10"))
        await wait_for(user.usdc_balance, lambda b: b == Decimal(10), "the first credit")
        process.stop()
        await send_usdc(usdc, w3, address, Decimal("5"))  # while the exchange is down
        await base_node.mine(2)
        user.sim = await asyncio.to_thread(process.start)
        await wait_for(user.usdc_balance, lambda b: b == Decimal(15), "the missed credit")
        await base_node.mine(2)
        await asyncio.sleep(1.2)
        assert await user.usdc_balance() == Decimal(15)
        rows = await user.history()
        assert sorted(Decimal(r["amount"]) for r in rows) == [Decimal(5), Decimal(10)]
        assert {r["status"] for r in rows} == {1}
    finally:
        process.stop()
