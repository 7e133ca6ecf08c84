"""Replay from a sequence number, through the FIX/JSON WebSocket client against the desk's gateway
(trading on a ``tradewind sim`` process): every pushed IndexOrderFill / MintInvoice carries the
account's ``report_seq_num``; a client back from a disconnection names the last one it read and
gets exactly the ones it missed, once, in order; a number in the future and one older than what
is kept are refused with a clear reason; the numbers survive a restart of the desk (restarted
here keeping fewer reports, to reach the "too old" case with a known count)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tradewind.desks.index.runtime import IndexDeskRuntime, post_local_deposit
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.venues.sim.process import SimEndpoints

from .conftest import USER, USER_KEY, desk_config, venue_settings
from .desk_process import DEPOSIT_TOKEN

pytestmark = [pytest.mark.e2e]

CHAIN = 42161
KEPT = 4
PUSHED = ("IndexOrderFill", "MintInvoice")


def _runtime(sim: SimEndpoints, account: Any, tmp_path: Path, **config: Any) -> IndexDeskRuntime:
    return IndexDeskRuntime(
        desk_config(tmp_path, **config),
        venue_settings(sim, account.api_key, account.api_secret),
        local_deposit_token=DEPOSIT_TOKEN,
    )


def _client(runtime: IndexDeskRuntime, comp_id: str) -> FixJsonClient:
    return FixJsonClient(runtime.ws_url, USER_KEY, chain_id=CHAIN, sender_comp_id=comp_id)


def _wire(message: Any) -> dict[str, Any]:
    """A pushed message without its per-connection header and signature."""
    body: dict[str, Any] = message.model_dump(exclude={"standard_header", "standard_trailer"})
    return {"msg_type": message.msg_type, **body}


async def _replay(client: FixJsonClient, request_id: str, seen: int) -> tuple[Any, list[Any]]:
    """The ReplayResponse to a replay after ``seen`` and the messages it announced."""
    seq = await client.replay_after(request_id, seen)
    ack = await client.ack_or_nak(seq)
    assert ack.msg_type == "ACK", ack
    answer = await client.wait_for("ReplayResponse", lambda m: m.request_id == request_id)
    replayed = [await client.wait_for(PUSHED) for _ in range(answer.count)]
    return answer, replayed


async def test_replay_from_a_sequence_number(
    sim: SimEndpoints, account: Any, tmp_path: Path
) -> None:
    async with _runtime(sim, account, tmp_path) as runtime:
        await post_local_deposit(
            runtime.url, token=runtime.local_deposit_token, deposit_id="dep-1", chain_id=CHAIN,
            address=USER, amount="1000",
        )  # fmt: skip
        async with _client(runtime, "OBSERVER") as observer:
            # a signed message subscribes the observer to the account's pushes
            seq = await observer.account_status("status-0")
            assert (await observer.ack_or_nak(seq)).msg_type == "ACK"
            await observer.wait_for("AccountStatus")

            # the client reads the first report of o-1, then drops off
            async with _client(runtime, "ALICE") as alice:
                seq = await alice.new_index_order("o-1", "TW10", "buy", "200")
                assert (await alice.ack_or_nak(seq)).msg_type == "ACK"
                first = await alice.wait_for(PUSHED)
                seen = first.report_seq_num
            assert seen == 1
            await observer.wait_for("MintInvoice", lambda m: m.client_order_id == "o-1", timeout=60)
            live = [m for m in observer.received if m.msg_type in PUSHED]
            numbers = [m.report_seq_num for m in live]
            assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > KEPT

            # back: the gap after `seen` is filled exactly once, in order, as it was pushed
            async with _client(runtime, "ALICE") as alice:
                answer, replayed = await _replay(alice, "r-1", seen)
                assert (answer.status, answer.reason, answer.count) == ("ok", None, len(live) - 1)
                assert [_wire(m) for m in replayed] == [_wire(m) for m in live[seen:]]
                assert replayed[-1].msg_type == "MintInvoice"

                # nothing missed: an empty replay
                answer, replayed = await _replay(alice, "r-2", numbers[-1])
                assert (answer.status, answer.count, replayed) == ("ok", 0, [])

                # a number in the future: refused, nothing follows (after half a second: the
                # account has spent 2 + 5 + 5 + 5 of its 20 rate tokens, refilled at 10 a
                # second, and a fast fill leaves almost no time in between)
                await asyncio.sleep(0.5)
                answer, replayed = await _replay(alice, "r-3", numbers[-1] + 1)
                assert (answer.status, answer.count) == ("rejected", 0)
                assert answer.reason == (
                    f"seq_num_in_future: report {numbers[-1] + 1} was never sent: this "
                    f"account's last report_seq_num is {numbers[-1]}"
                )

                # a replay from a time carries the same numbers (after a second: a replay
                # weighs 5 of the account's 20 rate tokens, 10 refilled per second)
                await asyncio.sleep(1)
                seq = await alice.replay("r-6", 0)
                ack = await alice.ack_or_nak(seq)
                assert ack.msg_type == "ACK", ack
                answer = await alice.wait_for("ReplayResponse", lambda m: m.request_id == "r-6")
                by_time = [await alice.wait_for(PUSHED) for _ in range(answer.count)]
                assert [_wire(m) for m in by_time] == [_wire(m) for m in live]

                # the replays went to the asking connection only, and nothing came twice
                await asyncio.sleep(0.3)
                got = [m.report_seq_num for m in alice.received if m.msg_type in PUSHED]
                assert got == numbers[1:] + numbers
                assert [m.report_seq_num for m in observer.received if m.msg_type in PUSHED] == [
                    m.report_seq_num for m in live
                ]

    # a restarted desk numbers from its journal: the same reports under the same numbers; it
    # keeps only the KEPT newest, so a replay from further back is refused, naming where a
    # replay can start; and the next report continues the count
    last = numbers[-1]
    oldest = last - KEPT + 1
    assert oldest > 1
    async with _runtime(sim, account, tmp_path, replay_reports_kept=KEPT) as runtime:
        async with _client(runtime, "ALICE") as alice:
            answer, replayed = await _replay(alice, "r-7", 0)
            assert (answer.status, answer.count, replayed) == ("rejected", 0, [])
            assert answer.reason == (
                f"seq_num_too_old: reports after 0 are not all kept: the oldest kept is {oldest}; "
                f"replay from last_report_seq_num {oldest - 1} or more, or from a time"
            )
            answer, replayed = await _replay(alice, "r-8", oldest - 1)
            assert (answer.status, answer.count) == ("ok", KEPT)
            assert [_wire(m) for m in replayed] == [_wire(m) for m in live[oldest - 1 :]]
            answer, replayed = await _replay(alice, "r-9", last + 1)
            assert (answer.status, answer.count, replayed) == ("rejected", 0, [])
            assert answer.reason.startswith("seq_num_in_future: ")
        await asyncio.sleep(1.5)  # the replays spent the account's rate tokens
        async with _client(runtime, "ALICE") as alice:
            seq = await alice.new_index_order("o-2", "TW10", "buy", "100")
            ack = await alice.ack_or_nak(seq)
            assert ack.msg_type == "ACK", ack
            await alice.wait_for("MintInvoice", lambda m: m.client_order_id == "o-2", timeout=60)
            pushed = [m for m in alice.received if m.msg_type in PUSHED]
        assert [m.report_seq_num for m in pushed] == list(range(last + 1, last + 1 + len(pushed)))
