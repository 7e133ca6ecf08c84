"""OTC escrow in a 2-of-3 Safe: both legs settle in one transaction, or both are refunded after
the deadline; settlement with one leg funded is refused and pays nothing."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from tradewind.chain.contracts import load_artifact
from tradewind.chain.eip712 import DigestSigner
from tradewind.chain.safe_contracts import send_and_wait
from tradewind.custody.errors import OtcError
from tradewind.custody.otc import NATIVE, DealState, Leg, OtcDeal, OtcEscrow

from .conftest import SafeChain, owner_keys


def _token(chain: SafeChain) -> str:
    artifact = load_artifact("MockUSDC")
    factory = chain.w3.eth.contract(abi=artifact.abi_list(), bytecode=artifact.bytecode)
    receipt = send_and_wait(chain.w3, chain.executor, factory.constructor(), "deploy MockUSDC")
    return str(receipt["contractAddress"])


def _parties(chain: SafeChain) -> tuple[LocalAccount, LocalAccount, LocalAccount, str]:
    desk, counterparty, arbiter = owner_keys(3, "otc")
    for party in (desk, counterparty):
        chain.w3.eth.send_transaction(
            {"from": chain.executor.address, "to": party.address, "value": 5 * 10**18}
        )
    usdc = _token(chain)
    token = chain.w3.eth.contract(address=usdc, abi=load_artifact("MockUSDC").abi_list())
    send_and_wait(chain.w3, chain.executor, token.functions.faucet(desk.address, 10**12), "faucet")
    return desk, counterparty, arbiter, usdc


def _deal(
    chain: SafeChain,
    deal_id: str,
    usdc: str,
    desk: LocalAccount,
    cp: LocalAccount,
    arbiter: LocalAccount,
) -> tuple[OtcEscrow, OtcDeal]:
    escrow = OtcEscrow(chain.w3, chain.stack)
    deal = escrow.propose(
        deal_id,
        Leg(desk.address, usdc, 3_000 * 10**6),  # desk sells 3,000 USDC
        Leg(cp.address, NATIVE, 10**18),  # for 1 ETH
        arbiter.address,
        escrow.chain_time_s() + 3600,
        chain.executor,
    )
    return escrow, deal


def _signers(*accounts: LocalAccount) -> list[DigestSigner]:
    return [DigestSigner(bytes(a.key)) for a in accounts]


def _advance(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def test_deal_settles_both_legs_in_one_transaction(safe_chain: SafeChain, tmp_path) -> None:
    desk, cp, arbiter, usdc = _parties(safe_chain)
    escrow, deal = _deal(safe_chain, "deal-1", usdc, desk, cp, arbiter)
    deal.save(tmp_path / "deal.json")
    assert OtcDeal.load(tmp_path / "deal.json") == deal
    escrow.fund(deal, desk)
    assert escrow.status(deal) is DealState.PARTLY_FUNDED
    # One leg in: settling would pay one side only, so it is refused and nothing moves.
    with pytest.raises(OtcError, match="not fully funded"):
        escrow.settlement_tx(deal)
    with pytest.raises(OtcError, match="not a party"):
        escrow.fund(deal, arbiter)
    escrow.fund(deal, cp)
    assert escrow.status(deal) is DealState.FUNDED
    cp_eth = safe_chain.w3.eth.get_balance(cp.address)
    desk_eth = safe_chain.w3.eth.get_balance(desk.address)
    closed = escrow.close(
        deal, escrow.settlement_tx(deal), _signers(desk, cp), safe_chain.executor, DealState.SETTLED
    )
    assert closed.state is DealState.SETTLED
    assert escrow.balance(usdc, cp.address) == 3_000 * 10**6
    assert escrow.balance(usdc, deal.escrow) == 0
    assert safe_chain.w3.eth.get_balance(desk.address) - desk_eth == 10**18
    assert safe_chain.w3.eth.get_balance(cp.address) == cp_eth
    with pytest.raises(OtcError, match="already settled"):
        escrow.refund_tx(closed)


def test_deal_refunds_after_the_deadline_and_not_before(safe_chain: SafeChain) -> None:
    desk, cp, arbiter, usdc = _parties(safe_chain)
    escrow, deal = _deal(safe_chain, "deal-2", usdc, desk, cp, arbiter)
    escrow.fund(deal, desk)
    escrow.fund(deal, cp)
    with pytest.raises(OtcError, match="before its deadline"):
        escrow.refund_tx(deal)
    _advance(safe_chain.w3, 3600)
    with pytest.raises(OtcError, match="past its deadline"):
        escrow.settlement_tx(deal)
    with pytest.raises(OtcError, match="funding closed"):
        escrow.fund(deal, desk)
    # The counterparty went silent: desk and arbiter refund both legs.
    cp_eth = safe_chain.w3.eth.get_balance(cp.address)
    closed = escrow.close(
        deal,
        escrow.refund_tx(deal),
        _signers(desk, arbiter),
        safe_chain.executor,
        DealState.REFUNDED,
    )
    assert closed.state is DealState.REFUNDED
    assert escrow.balance(usdc, desk.address) == 10**12
    assert safe_chain.w3.eth.get_balance(cp.address) - cp_eth == 10**18
    assert escrow.balance(NATIVE, deal.escrow) == 0


def test_one_sided_refund_and_bad_deals(safe_chain: SafeChain) -> None:
    desk, cp, arbiter, usdc = _parties(safe_chain)
    escrow, deal = _deal(safe_chain, "deal-3", usdc, desk, cp, arbiter)
    escrow.fund(deal, desk)
    _advance(safe_chain.w3, 7200)
    escrow.close(
        deal, escrow.refund_tx(deal), _signers(cp, arbiter), safe_chain.executor, DealState.REFUNDED
    )
    assert escrow.balance(usdc, desk.address) == 10**12
    with pytest.raises(OtcError, match="three different addresses"):
        escrow.propose(
            "d",
            Leg(desk.address, usdc, 1),
            Leg(cp.address, NATIVE, 1),
            desk.address,
            escrow.chain_time_s() + 10,
            safe_chain.executor,
        )
    with pytest.raises(OtcError, match="not in the future"):
        escrow.propose(
            "d",
            Leg(desk.address, usdc, 1),
            Leg(cp.address, NATIVE, 1),
            arbiter.address,
            1,
            safe_chain.executor,
        )
    with pytest.raises(OtcError, match="amount must be > 0"):
        Leg(desk.address, usdc, 0)
