"""EVM wallet importer: ERC-20 Transfer logs decoded from real ABI encoding, native transfers,
gas fees, and the node-facing flow against a scripted web3 stand-in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak
from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from tradewind.portfolio.importers.errors import ImportInputError, SourcePayloadError
from tradewind.portfolio.importers.evm_import import EvmWalletImporter
from tradewind.portfolio.importers.evm_logs import (
    TRANSFER_TOPIC,
    TokenInfo,
    address_topic,
    decode_transfer_log,
    native_transfer,
)
from tradewind.portfolio.ledger import EntryKind, Movement

CHAIN = 8453
ME = "0x1111111111111111111111111111111111111111"
BOB = "0x2222222222222222222222222222222222222222"
SPENDER = "0x3333333333333333333333333333333333333333"
USDC = TokenInfo("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USDC", 6)
NFT = TokenInfo("0x4444444444444444444444444444444444444444", "NFT", 0)
TOKENS = {USDC.address: USDC, NFT.address: NFT}
ACCOUNT = f"evm:{CHAIN}:{ME}"
GWEI = 10**9


def _hash(n: int) -> HexBytes:
    return HexBytes(n.to_bytes(32, "big"))


def transfer_log(
    token: TokenInfo, sender: str, recipient: str, value: int, *, block: int, tx: int, index: int
) -> AttributeDict:  # type: ignore[type-arg]
    """A log as web3 returns it: HexBytes topics, ABI-encoded uint256 data."""
    return AttributeDict(
        {
            "address": token.address,
            "topics": [
                HexBytes(keccak(text="Transfer(address,address,uint256)")),
                HexBytes(address_topic(sender)),
                HexBytes(address_topic(recipient)),
            ],
            "data": HexBytes(encode(["uint256"], [value])),
            "blockNumber": block,
            "transactionHash": _hash(tx),
            "logIndex": index,
            "removed": False,
        }
    )


def test_transfer_topic_is_the_keccak_of_the_event_signature() -> None:
    assert TRANSFER_TOPIC == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def test_decodes_an_abi_encoded_erc20_transfer() -> None:
    # 1,234.567891 USDC = 1234567891 in 6-decimal units.
    log = transfer_log(USDC, BOB, ME, 1_234_567_891, block=7, tx=0xAB, index=3)
    transfer = decode_transfer_log(log, TOKENS)
    assert (transfer.sender, transfer.recipient) == (BOB, ME)
    assert transfer.amount == Decimal("1234.567891")
    assert (transfer.block_number, transfer.log_index) == (7, 3)
    assert transfer.tx_hash == "0x" + "00" * 31 + "ab"


def test_decodes_hex_string_fields_as_some_providers_return_them() -> None:
    log = dict(transfer_log(USDC, ME, BOB, 5, block=1, tx=1, index=0))
    log["topics"] = ["0x" + bytes(t).hex() for t in log["topics"]]
    log["data"] = "0x" + bytes(log["data"]).hex()
    assert decode_transfer_log(log, TOKENS).value == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"address": "0x5555555555555555555555555555555555555555"}, "not a configured token"),
        ({"data": HexBytes(b"")}, "data of 0 bytes"),
        ({"data": HexBytes(encode(["uint256", "uint256"], [1, 2]))}, "data of 64 bytes"),
        ({"topics": "erc721"}, "4 topics"),
        ({"topics": "bad pad"}, "not a padded address"),
        ({"topics": "other event"}, "not a Transfer"),
        ({"blockNumber": None}, "blockNumber"),
    ],
)
def test_malformed_or_foreign_logs_are_rejected_by_name(
    change: dict[str, Any], message: str
) -> None:
    log = dict(transfer_log(USDC, BOB, ME, 1, block=1, tx=0xCD, index=9))
    topics = list(log["topics"])
    if change.get("topics") == "erc721":
        change = {"topics": [*topics, HexBytes(encode(["uint256"], [42]))]}  # tokenId indexed
    elif change.get("topics") == "bad pad":
        change = {"topics": [topics[0], HexBytes(b"\x01" * 32), topics[2]]}
    elif change.get("topics") == "other event":
        change = {
            "topics": [HexBytes(keccak(text="Approval(address,address,uint256)")), *topics[1:]]
        }
    log.update(change)
    with pytest.raises(SourcePayloadError, match=message) as caught:
        decode_transfer_log(log, TOKENS)
    assert "log 9 of tx 0x" in str(caught.value)


def test_native_transfer_fee_includes_an_l2_l1_fee() -> None:
    tx = {"hash": _hash(1), "from": ME, "to": BOB, "value": 10**18, "blockNumber": 5}
    receipt = {"gasUsed": 21_000, "effectiveGasPrice": 2 * GWEI, "status": 1, "l1Fee": hex(1000)}
    native = native_transfer(tx, receipt)
    assert native.gas_fee_wei == 21_000 * 2 * GWEI + 1000
    assert native.succeeded and native.recipient == BOB


class FakeEth:
    """The slice of web3's AsyncEth the importer calls, answering from scripted chain data."""

    def __init__(
        self,
        chain_id: int,
        blocks: dict[int, dict[str, Any]],
        logs: list[Any],
        receipts: dict[str, dict[str, Any]],
    ) -> None:
        self._chain_id = chain_id
        self.blocks = blocks
        self.logs = logs
        self.receipts = receipts
        self.log_queries: list[dict[str, Any]] = []

    @property
    def chain_id(self) -> Any:
        async def value() -> int:
            return self._chain_id

        return value()

    async def get_logs(self, params: dict[str, Any]) -> list[Any]:
        self.log_queries.append(params)
        wanted = {a.lower() for a in params["address"]}
        topics = params["topics"]
        result = []
        for log in self.logs:
            if not params["fromBlock"] <= log["blockNumber"] <= params["toBlock"]:
                continue
            if log["address"].lower() not in wanted:
                continue
            if all(
                t is None or "0x" + bytes(log["topics"][i]).hex() == t for i, t in enumerate(topics)
            ):
                result.append(log)
        return result

    async def get_block(self, number: int, full_transactions: bool = False) -> dict[str, Any]:
        block = self.blocks[number]
        return block if full_transactions else {**block, "transactions": []}

    async def get_transaction_receipt(self, tx_hash: Any) -> dict[str, Any]:
        key = tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()
        return self.receipts[key]


class FakeWeb3:
    def __init__(self, eth: FakeEth) -> None:
        self.eth = eth


def _chain() -> FakeEth:
    """Blocks 10-12 of a small chain (block time 12 s from 1,700,000,000 s):

    block 10  tx1  BOB -> ME 0.5 ETH (native deposit)                    ; gas paid by BOB
    block 11  tx2  ME -> BOB 0.1 ETH, gas 21000 x 3 gwei                 ; withdrawal + fee
              tx3  ME calls USDC.transfer(BOB, 25 USDC), gas 50000 x 3 gwei
    block 12  tx4  SPENDER moves 10 USDC from ME to BOB (transferFrom)   ; no gas for ME
              tx5  BOB -> ME 100 USDC                                    ; deposit
              tx6  ME's approval (failed native send of 1 ETH), gas 30000 x 3 gwei ; fee only
    """
    h = {n: "0x" + bytes(_hash(n)).hex() for n in range(1, 7)}

    def tx(n: int, sender: str, to: str, value: int, block: int) -> dict[str, Any]:
        return {"hash": _hash(n), "from": sender, "to": to, "value": value, "blockNumber": block}

    blocks = {
        10: {"timestamp": 1_700_000_000, "transactions": [tx(1, BOB, ME, 5 * 10**17, 10)]},
        11: {
            "timestamp": 1_700_000_012,
            "transactions": [tx(2, ME, BOB, 10**17, 11), tx(3, ME, USDC.address, 0, 11)],
        },
        12: {
            "timestamp": 1_700_000_024,
            "transactions": [
                tx(4, SPENDER, USDC.address, 0, 12),
                tx(5, BOB, USDC.address, 0, 12),
                tx(6, ME, BOB, 10**18, 12),
            ],
        },
    }
    receipts = {
        h[1]: {
            "from": BOB,
            "gasUsed": 21_000,
            "effectiveGasPrice": 3 * GWEI,
            "status": 1,
            "blockNumber": 10,
        },
        h[2]: {
            "from": ME,
            "gasUsed": 21_000,
            "effectiveGasPrice": 3 * GWEI,
            "status": 1,
            "blockNumber": 11,
        },
        h[3]: {
            "from": ME,
            "gasUsed": 50_000,
            "effectiveGasPrice": 3 * GWEI,
            "status": 1,
            "blockNumber": 11,
        },
        h[4]: {
            "from": SPENDER,
            "gasUsed": 60_000,
            "effectiveGasPrice": 3 * GWEI,
            "status": 1,
            "blockNumber": 12,
        },
        h[6]: {
            "from": ME,
            "gasUsed": 30_000,
            "effectiveGasPrice": 3 * GWEI,
            "status": 0,
            "blockNumber": 12,
        },
    }
    logs = [
        transfer_log(USDC, ME, BOB, 25_000_000, block=11, tx=3, index=0),
        transfer_log(USDC, ME, BOB, 10_000_000, block=12, tx=4, index=0),
        transfer_log(USDC, BOB, ME, 100_000_000, block=12, tx=5, index=1),
    ]
    return FakeEth(CHAIN, blocks, logs, receipts)


async def test_wallet_history_becomes_deposits_withdrawals_and_fees() -> None:
    eth = _chain()
    importer = EvmWalletImporter(
        FakeWeb3(eth), CHAIN, ME.upper().replace("0X", "0x"), [USDC], chunk_blocks=2
    )  # type: ignore[arg-type]
    txs = await importer.fetch(10, 12)
    assert importer.account == ACCOUNT
    summary = [(tx.kind, tx.movements, tx.fees, tx.timestamp_ms) for tx in txs]
    eth_fee = lambda gas: (Movement(ACCOUNT, "ETH", Decimal(-gas * 3 * GWEI).scaleb(-18)),)  # noqa: E731
    assert summary == [
        (EntryKind.DEPOSIT, (Movement(ACCOUNT, "ETH", Decimal("0.5")),), (), 1_700_000_000_000),
        (
            EntryKind.WITHDRAWAL,
            (Movement(ACCOUNT, "ETH", Decimal("-0.1")),),
            eth_fee(21_000),
            1_700_000_012_000,
        ),
        (
            EntryKind.WITHDRAWAL,
            (Movement(ACCOUNT, "USDC", Decimal("-25")),),
            eth_fee(50_000),
            1_700_000_012_000,
        ),
        (EntryKind.WITHDRAWAL, (Movement(ACCOUNT, "USDC", Decimal("-10")),), (), 1_700_000_024_000),
        (EntryKind.DEPOSIT, (Movement(ACCOUNT, "USDC", Decimal("100")),), (), 1_700_000_024_000),
        (EntryKind.FEE, (), eth_fee(30_000), 1_700_000_024_000),
    ]
    # 21000 gas x 3 gwei = 63,000 gwei = 0.000063 ETH
    assert txs[1].fees[0].amount == Decimal("-0.000063")
    assert all(tx.tx_hash and tx.tx_hash.startswith("0x") and tx.source == "evm" for tx in txs)
    # Chunks of 2 blocks, two directions each: [10, 11] and [12, 12].
    assert [(q["fromBlock"], q["toBlock"]) for q in eth.log_queries] == [
        (10, 11),
        (10, 11),
        (12, 12),
        (12, 12),
    ]


async def test_token_only_mode_still_charges_gas_of_own_token_sends() -> None:
    importer = EvmWalletImporter(FakeWeb3(_chain()), CHAIN, ME, [USDC])  # type: ignore[arg-type]
    txs = await importer.fetch(10, 12, native=False)
    assert [(tx.kind, tx.movements[0].amount, bool(tx.fees)) for tx in txs] == [
        (EntryKind.WITHDRAWAL, Decimal("-25"), True),
        (EntryKind.WITHDRAWAL, Decimal("-10"), False),  # transferFrom: the spender paid gas
        (EntryKind.DEPOSIT, Decimal("100"), False),
    ]


async def test_wrong_chain_and_bad_ranges_are_refused() -> None:
    importer = EvmWalletImporter(FakeWeb3(_chain()), 1, ME, [USDC])  # type: ignore[arg-type]
    with pytest.raises(ImportInputError, match="chain 8453"):
        await importer.fetch(10, 12)
    with pytest.raises(ImportInputError):
        await EvmWalletImporter(FakeWeb3(_chain()), CHAIN, ME, [USDC]).fetch(12, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        EvmWalletImporter(FakeWeb3(_chain()), CHAIN, "0x123", [USDC])  # type: ignore[arg-type]


async def test_against_a_local_anvil_node(chain_client: Any) -> None:
    """On anvil (base, 8453): faucet USDC to a user, the user sends some USDC and ether away,
    receives ether; the import must explain the on-chain balance changes exactly."""
    w3 = chain_client.w3("base")
    user = chain_client.local.users[0].address
    other = chain_client.local.users[1].address
    usdc = chain_client.contract("base", "MockUSDC")
    first = await w3.eth.block_number + 1
    eth_before = await w3.eth.get_balance(user)
    usdc_before = await usdc.functions.balanceOf(user).call()
    await chain_client.transact("base", usdc.functions.faucet(user, 250 * 10**6), other)
    await chain_client.transact("base", usdc.functions.transfer(other, 40 * 10**6), user)
    for sender, recipient, wei in ((other, user, 3 * 10**18), (user, other, 10**18)):
        tx_hash = await w3.eth.send_transaction({"from": sender, "to": recipient, "value": wei})
        await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.02)
    last = await w3.eth.block_number
    token = TokenInfo(usdc.address, "USDC", 6)
    txs = await EvmWalletImporter(w3, 8453, user, [token]).fetch(first, last)
    account = f"evm:8453:{user.lower()}"
    assert [tx.kind for tx in txs] == [
        EntryKind.DEPOSIT,
        EntryKind.WITHDRAWAL,
        EntryKind.DEPOSIT,
        EntryKind.WITHDRAWAL,
    ]
    assert all(tx.tx_hash and tx.tx_hash.startswith("0x") for tx in txs)
    total: dict[str, Decimal] = {}
    for tx in txs:
        for move in (*tx.movements, *tx.fees):
            assert move.account == account
            total[move.asset] = total.get(move.asset, Decimal(0)) + move.amount
    usdc_after = await usdc.functions.balanceOf(user).call()
    eth_after = await w3.eth.get_balance(user)
    assert total["USDC"] == Decimal(usdc_after - usdc_before) / 10**6 == Decimal(210)
    # Ether: +3 -1 and the gas of the user's two transactions, to the wei.
    assert total["ETH"] == Decimal(eth_after - eth_before) / 10**18
    assert Decimal(1) < total["ETH"] < Decimal(2)
