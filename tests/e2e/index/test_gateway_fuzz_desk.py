"""A few hundred random and mutated frames against a running desk's FIX/JSON gateway.

Garbage bytes and JSON, valid messages bent after signing, signed by the wrong key, unsigned,
stale, mistargeted, out of sequence, replayed (on the same and on a new session), bad amounts,
unknown indexes, cancels of unknown orders, orders beyond the account's collateral, from the
user and from a pool of other keys. Every frame must be answered by one ACK or NAK (an ACKed
order or cancel by its rejection), the NAK naming the check that failed; no handler may fail;
the journal and the user's collateral stay exactly as they were (a rejected order journals
nothing), and a valid order afterwards is accepted and its copy on a new session refused.

The seed is ``GATEWAY_FUZZ_SEED`` (default below), the frame count ``GATEWAY_FUZZ_FRAMES``; a
failure names the seed and the frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradewind.desks.index.runtime import IndexDeskRuntime
from tradewind.gateway.fixjson.client import FixJsonClient
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.signing import sign_message
from tradewind.gateway.fixjson.wire_types import iso_from_ns

from .conftest import USER, USER_KEY
from .desk_process import post_deposit

pytestmark = [pytest.mark.e2e]

SEED = int(os.environ.get("GATEWAY_FUZZ_SEED", "1337"))
FRAMES = int(os.environ.get("GATEWAY_FUZZ_FRAMES", "300"))
CHAIN = 42161
DEPOSIT = Decimal(1000)
# other accounts (never funded): signers of valid-looking messages the desk must refuse
POOL_KEYS = tuple("0x" + format(0xF00D0000 + n, "064x") for n in range(12))
SYMBOLS = ("TW10", "TW3")
_S = 1_000_000_000

Outcome = str
"""``NAK:<reason>``, ``ACK:rejected`` (order/cancel refused by the desk), ``ACK:quote``,
``ACK:quote_rejected`` or ``ACK`` (a quote cancel, answered by its ACK only)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame to send, what it is, and the outcomes it may have."""

    kind: str
    data: str | bytes
    allowed: frozenset[Outcome]
    seq_num: int | None = None


def _nak(*reasons: str) -> frozenset[Outcome]:
    return frozenset(f"NAK:{reason}" for reason in reasons)


class FuzzGateway:
    """Builds frames for the main session's current sequence number and sends them."""

    def __init__(self, runtime: IndexDeskRuntime, rng: random.Random) -> None:
        self.runtime = runtime
        self.rng = rng
        # unconnected clients: they only number, stamp and sign messages for their key
        self.signers = [FixJsonClient(runtime.ws_url, key, chain_id=CHAIN)
                        for key in (USER_KEY, *POOL_KEYS)]  # fmt: skip
        self.keys = dict(zip((s.address for s in self.signers), (USER_KEY, *POOL_KEYS),
                             strict=True))  # fmt: skip
        self.session: FixJsonClient | None = None
        self.last_seq = 0
        self.first_frames: list[str] = []  # admitted signed seq 1 frames, to replay later
        self.admitted: list[str] = []  # admitted on the current session
        self.outcomes: Counter[Outcome] = Counter()
        self.sent = 0
        self.order_ids = 0

    # -- sessions ------------------------------------------------------------------------------
    async def new_session(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.session = FixJsonClient(self.runtime.ws_url, USER_KEY, chain_id=CHAIN)
        await self.session.connect()
        self.last_seq = 0
        self.admitted = []

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    # -- building ------------------------------------------------------------------------------
    def _next_seq(self) -> int:
        return self.last_seq + 1 + (self.rng.randrange(3) if self.last_seq else 0)

    def _coid(self, prefix: str) -> str:
        self.order_ids += 1
        return f"{prefix}-{self.order_ids}"

    def _body(
        self, signer: FixJsonClient, msg_type: str, fields: dict[str, Any], *, sign: bool = True
    ) -> dict[str, Any]:
        return signer.build(msg_type, fields, sign=sign, seq_num=self._next_seq())

    def _order_fields(
        self, amount: str, *, side: str = "1", symbol: str = "TW10"
    ) -> dict[str, Any]:
        return {"client_order_id": self._coid("fz"), "symbol": symbol, "side": side,
                "amount": amount}  # fmt: skip

    def _valid_rejected_order(self) -> tuple[dict[str, Any], str]:
        """A well-formed signed order the desk must refuse, and why."""
        signer = self.rng.choice(self.signers)
        roll = self.rng.randrange(6)
        if roll == 0:  # far beyond the collateral (the user) or any collateral (the pool)
            amount = str(self.rng.choice([DEPOSIT + 1, 10**6, 10**35]))
            return self._body(signer, "NewIndexOrder", self._order_fields(amount)), "collateral"
        if roll == 1:  # redeem tokens nobody holds
            fields = self._order_fields(str(self.rng.randint(1, 50)), side="2")
            return self._body(signer, "NewIndexOrder", fields), "tokens"
        if roll == 2:  # an index the desk does not run
            fields = self._order_fields("10", symbol=self.rng.choice(["NOPE", "TW11", "BTC"]))
            return self._body(signer, "NewIndexOrder", fields), "symbol"
        if roll == 3:  # more decimal places than collateral is kept at
            fields = self._order_fields("1." + "1" * self.rng.randint(9, 18))
            return self._body(signer, "NewIndexOrder", fields), "decimals"
        if roll == 4:  # a sell amount off the index's quantity step
            fields = self._order_fields("0.0001", side="2", symbol=self.rng.choice(SYMBOLS))
            return self._body(signer, "NewIndexOrder", fields), "step"
        fields = {"client_order_id": self._coid("none"), "symbol": self.rng.choice(SYMBOLS),
                  "amount": self.rng.choice(["1", "0.5", "100"])}  # fmt: skip
        return self._body(signer, "CancelIndexOrder", fields), "unknown order"

    def _quote(self) -> dict[str, Any]:
        signer = self.rng.choice(self.signers)
        fields = {"client_quote_id": self._coid("q"),
                  "symbol": self.rng.choice((*SYMBOLS, "NOPE")),
                  "side": self.rng.choice(["1", "2", "buy", "sell"]),
                  "amount": self.rng.choice(["1", "10.5", "1000", "0.001"])}  # fmt: skip
        return self._body(signer, "NewQuoteRequest", fields, sign=self.rng.random() < 0.5)

    def next_frame(self) -> Frame:
        roll = self.rng.random()
        if roll < 0.10:
            return self._garbage()
        if roll < 0.55:
            return self._mutated()
        if roll < 0.75:
            body, why = self._valid_rejected_order()
            return self._admissible("valid-rejected:" + why, body, frozenset({"ACK:rejected"}))
        if roll < 0.85:
            return self._admissible("quote", self._quote(),
                                    frozenset({"ACK:quote", "ACK:quote_rejected"}))  # fmt: skip
        if roll < 0.90:
            fields = {"client_quote_id": self._coid("cq"), "symbol": self.rng.choice(SYMBOLS)}
            body = self._body(self.rng.choice(self.signers), "CancelQuoteRequest", fields)
            return self._admissible("quote-cancel", body, frozenset({"ACK"}))
        return self._out_of_order()

    def _admissible(self, kind: str, body: dict[str, Any], allowed: frozenset[Outcome]) -> Frame:
        # an admissible message may still find its account's token bucket empty
        seq = body["standard_header"]["seq_num"]
        return Frame(kind, json.dumps(body), allowed | _nak("rate_limited"), seq)

    def _garbage(self) -> Frame:
        roll = self.rng.randrange(8)
        if roll == 7:  # lone surrogates: valid JSON text, no valid UTF-8 form
            text = self.rng.choice(['"\\ud800"', '{"\\udfff": 1}',
                                    '{"standard_header": {"msg_type": "\\ud800"}}'])  # fmt: skip
            return Frame("lone-surrogate", text, _nak("schema", "unknown_msg_type"))
        if roll == 0:
            data: str | bytes = self.rng.randbytes(self.rng.randint(1, 200))
            return Frame("random-bytes", data, _nak("malformed_json", "schema"))
        if roll == 1:
            text = "".join(self.rng.choice('{}[]":,0123456789abc \\') for _ in range(60))
            return Frame("random-text", text, _nak("malformed_json", "schema"))
        if roll == 2:
            value = self.rng.choice([1, -2.5, "text", None, True, [], [1, {"a": 2}]])
            return Frame("json-not-object", json.dumps(value), _nak("schema"))
        if roll == 3:
            depth = self.rng.randint(1000, 20000)
            # past the parser's recursion limit: malformed; within it: a list, not an object
            nested = "[" * depth + "]" * depth
            return Frame("deep-nesting", nested, _nak("malformed_json", "schema"))
        if roll == 4:
            blob = json.dumps({"standard_header": "x" * self.rng.randint(70_000, 200_000)})
            return Frame("too-large", blob, _nak("too_large"))
        if roll == 5:
            return Frame("nan", '{"standard_header": NaN}', _nak("malformed_json"))
        return Frame("duplicate-key", '{"chain_id": 1, "chain_id": 2}', _nak("malformed_json"))

    def _out_of_order(self) -> Frame:
        if not self.admitted or self.rng.random() < 0.3:
            # a valid message whose seq_num is not above the last one received
            body, _ = self._valid_rejected_order()
            seq = self.rng.randint(1, self.last_seq) if self.last_seq else 2 + self.rng.randrange(5)
            body = self._resign(body, seq=seq)
            return Frame("out-of-sequence", json.dumps(body), _nak("seq_not_increasing"), seq)
        # an admitted frame sent again on the same session
        return Frame(
            "replay-same-session", self.rng.choice(self.admitted),
            _nak("seq_not_increasing", "replayed"),
        )  # fmt: skip

    def _resign(self, body: dict[str, Any], *, seq: int) -> dict[str, Any]:
        body = copy.deepcopy(body)
        body["standard_header"]["seq_num"] = seq
        return sign_message(body, self.keys[body["address"]])

    def _mutated(self) -> Frame:
        """A signed order (or cancel) bent in one way the gateway must catch."""
        body, _ = self._valid_rejected_order()
        seq = body["standard_header"]["seq_num"]
        header = body["standard_header"]
        roll = self.rng.randrange(19)
        if roll == 0:
            body[self.rng.choice([k for k in body if k != "standard_trailer"])] = None
            return Frame("field-null", json.dumps(body),
                         _nak("schema", "bad_chain_id", "bad_address", "bad_amount",
                              "unknown_msg_type"), seq)  # fmt: skip
        if roll == 1:
            del body[self.rng.choice([k for k in body if k != "standard_trailer"])]
            return Frame("field-missing", json.dumps(body), _nak("schema"), seq)
        if roll == 2:
            body["extra"] = self.rng.choice([1, "x", {"y": []}])
            return Frame("field-extra", json.dumps(body), _nak("schema"), seq)
        if roll == 3:
            field = self.rng.choice(["amount", "client_order_id", "symbol", "chain_id"])
            if field == "amount":
                first = body["amount"][0]  # another leading digit: still a valid amount
                body["amount"] = ("2" if first != "2" else "3") + body["amount"][1:]
            elif field == "client_order_id":
                body["client_order_id"] += "x"
            elif field == "symbol":
                body["symbol"] = "TW3" if body["symbol"] != "TW3" else "TW10"
            else:
                body["chain_id"] += 1
            return Frame("changed-after-signing", json.dumps(body), _nak("bad_signature"), seq)
        if roll == 4:
            other = self.rng.choice([s for s in self.signers if s.address != body["address"]])
            forged = sign_message(body, self.keys[other.address])  # not the address's key
            return Frame("wrong-signer", json.dumps(forged), _nak("signer_mismatch"), seq)
        if roll == 5:
            del body["standard_trailer"]
            return Frame("unsigned", json.dumps(body), _nak("unsigned"), seq)
        if roll == 6:
            trailer = body["standard_trailer"]
            which = self.rng.choice(["signature", "public_key"])
            value = trailer[which]
            cut = self.rng.randrange(2, len(value))
            trailer[which] = self.rng.choice([
                value[:cut] + ("0" if value[cut] != "0" else "1") + value[cut + 1:],
                value[:-2], "0x", "nothex", value.upper(),
            ])  # fmt: skip
            return Frame("bad-trailer", json.dumps(body), _nak("bad_signature", "schema"), seq)
        if roll == 7:
            header["target_comp_id"] = self.rng.choice(["OTHER", "tradewind", "X"])
            return self._signed_again("wrong-target", body, _nak("wrong_target"))
        if roll == 8:
            skew = self.rng.choice([-1, 1]) * self.rng.randint(61, 10**6) * _S
            header["timestamp"] = iso_from_ns(time.time_ns() + skew)
            return self._signed_again("stale-timestamp", body, _nak("stale_timestamp"))
        if roll == 9:
            header["msg_type"] = self.rng.choice(["NewOrderSingle", "ACK", "", "x" * 70])
            return self._signed_again("unknown-msg-type", body, _nak("unknown_msg_type", "schema"))
        if roll == 10:
            body["address"] = body["address"].lower() if self.rng.random() < 0.5 else "0x1234"
            return self._signed_again("bad-address", body, _nak("bad_address"))
        if roll == 11:
            body["chain_id"] = self.rng.choice([0, -1, 2**53, 2**64])
            return self._signed_again("bad-chain-id", body, _nak("bad_chain_id", "schema"))
        if roll == 12:
            body["chain_id"] = self.rng.choice(["42161", 1.5, True])
            return self._signed_again("chain-id-type", body, _nak("schema"))
        if roll == 13:
            body["amount"] = self.rng.choice(
                ["-1", "0", "0.0", "NaN", "Infinity", "1e3", "abc", "", " 1", "1,5", "0x10",
                 "01", "1." + "1" * 19, "1" * 40, "+5"]
            )  # fmt: skip
            return self._signed_again("bad-amount", body, _nak("bad_amount"))
        if roll == 14:
            body["amount"] = self.rng.choice([5, 1.5, None, ["1"]])
            return self._signed_again("amount-type", body, _nak("schema"))
        if roll == 15:
            field = self.rng.choice(["symbol", "client_order_id"])
            bad = ["", "x" * 80, "a b", "é", "a/b", "1\n"]
            body[field] = self.rng.choice(bad + (["tw10", "TW-10"] if field == "symbol" else []))
            return self._signed_again("bad-" + field, body, _nak("schema"))
        if roll == 16:
            header["seq_num"] = self.rng.choice([0, -1, "1", 1.0, 2**63])
            return self._signed_again("bad-seq-num", body, _nak("schema"))
        if roll == 17:
            header["timestamp"] = self.rng.choice(
                ["2026-02-30T00:00:00Z", "2026-01-01T00:00:00+01:00", "yesterday", "", -1,
                 10**20, 1.5, True, None, "2026-01-01 00:00:00"]
            )  # fmt: skip
            return self._signed_again("bad-timestamp", body, _nak("schema"))
        header["sender_comp_id"] = self.rng.choice(["", "x" * 65, "a b", "\ud800", 7, None])
        return self._signed_again("bad-sender", body, _nak("schema"))

    def _signed_again(self, kind: str, body: dict[str, Any], allowed: frozenset[Outcome]) -> Frame:
        # signed after bending, so the signature is fine and the bent field is what fails
        key = self.keys.get(body.get("address"), USER_KEY)  # type: ignore[arg-type]
        with contextlib.suppress(ValueError):  # not signable (a float NaN): sent as it is
            body = sign_message(body, key)
        seq = body["standard_header"].get("seq_num")
        return Frame(kind, json.dumps(body), allowed, seq if isinstance(seq, int) else None)

    # -- sending -------------------------------------------------------------------------------
    async def send(self, frame: Frame) -> Outcome:
        """Send ``frame`` on the main session; its outcome (one ACK/NAK and, after an ACK, the
        desk's answer)."""
        session = self.session
        assert session is not None
        await session.send_raw(frame.data)
        self.sent += 1
        first = await session.wait_for(("ACK", "NAK"), timeout=10)
        if first.msg_type == "NAK":
            outcome = f"NAK:{first.reason.value}"
        else:
            assert first.ref_seq_num == frame.seq_num, (first, frame.kind)
            self.last_seq = first.ref_seq_num
            body = json.loads(frame.data)
            self.admitted.append(json.dumps(body))
            if first.ref_seq_num == 1 and "standard_trailer" in body:
                self.first_frames.append(json.dumps(body))
            outcome = await self._answer(session, body)
        self.outcomes[outcome] += 1
        return outcome

    async def _answer(self, session: FixJsonClient, body: dict[str, Any]) -> Outcome:
        msg_type = body["standard_header"]["msg_type"]
        if msg_type == "CancelQuoteRequest":
            return "ACK"
        if msg_type == "NewQuoteRequest":
            quote = await session.wait_for("IndexQuoteResponse", timeout=10)
            return "ACK:quote" if quote.status == "ok" else "ACK:quote_rejected"
        answer = await session.wait_for(msg_type, timeout=10)
        assert answer.client_order_id == body["client_order_id"], answer
        return f"ACK:{answer.status}"


async def _health(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


@pytest.fixture
def gateway_limits() -> GatewayLimits:
    """Every fuzzed frame must get its answer: the flood guards (NAK and frame rates) are
    another test's subject (test_gateway_flood.py)."""
    return GatewayLimits(
        nak_rate_capacity=1_000_000,
        frame_rate_capacity=1_000_000,
        address_frame_rate_capacity=1_000_000,
    )


async def test_fuzzed_frames_get_answers_and_change_nothing(
    desk_runtime: IndexDeskRuntime,
) -> None:
    runtime = desk_runtime
    await post_deposit(runtime.url, "fuzz-dep", CHAIN, USER, str(DEPOSIT))
    state = runtime.desk.state
    journal_before = await asyncio.to_thread(runtime.desk.journal.count)
    collateral_before = state.account(CHAIN, USER).collateral["USDT"]
    assert collateral_before.free == DEPOSIT

    rng = random.Random(SEED)
    fuzz = FuzzGateway(runtime, rng)
    await fuzz.new_session()
    replays_on_new_session = 0
    try:
        for index in range(FRAMES):
            if index and rng.random() < 0.04:
                await fuzz.new_session()
                if fuzz.first_frames and rng.random() < 0.7:
                    # a copy of an admitted signed message, on a session where its seq fits
                    frame = Frame("replay-new-session", rng.choice(fuzz.first_frames),
                                  _nak("replayed"), 1)  # fmt: skip
                    replays_on_new_session += 1
                else:
                    frame = fuzz.next_frame()
            else:
                frame = fuzz.next_frame()
            outcome = await fuzz.send(frame)
            assert outcome in frame.allowed, (
                f"seed {SEED} frame {index} ({frame.kind}): {outcome} not in "
                f"{sorted(frame.allowed)}; frame {str(frame.data)[:300]!r}"
            )
        assert fuzz.outcomes["NAK:internal"] == 0
        # nothing the fuzz sent reached the journal or moved money
        assert await asyncio.to_thread(runtime.desk.journal.count) == journal_before
        assert state.account(CHAIN, USER).collateral["USDT"] == collateral_before
        assert state.orders() == () and state.open_batches() == ()
        assert state.accounts() == ((CHAIN, USER),)
        assert (await _health(runtime.url))["status"] == "ok"
        # the fuzz covered what it is meant to: refusals of each kind and desk rejections
        naks = {o for o in fuzz.outcomes if o.startswith("NAK:")}
        assert {"NAK:malformed_json", "NAK:schema", "NAK:bad_signature", "NAK:signer_mismatch",
                "NAK:seq_not_increasing", "NAK:bad_amount"} <= naks, fuzz.outcomes  # fmt: skip
        assert fuzz.outcomes["ACK:rejected"] > 0, fuzz.outcomes
        assert fuzz.sent == FRAMES

        # the desk still takes a valid order, and refuses its copy on a new session
        await fuzz.new_session()
        session = fuzz.session
        assert session is not None
        fields = {"client_order_id": "after-fuzz", "symbol": "TW3", "side": "1", "amount": "100"}
        valid = json.dumps(session.build("NewIndexOrder", fields, seq_num=1))
        for _ in range(40):
            # a NAK uses nothing up, so the same frame may go again once tokens refilled
            await session.send_raw(valid)
            answer = await session.ack_or_nak(1)
            if answer.msg_type == "ACK":
                break
            assert answer.reason.value == "rate_limited", answer
            await asyncio.sleep(0.25)
        assert answer.msg_type == "ACK", answer
        accepted = await session.wait_for("NewIndexOrder", timeout=10)
        assert (accepted.client_order_id, accepted.status) == ("after-fuzz", "new"), accepted
        await fuzz.new_session()
        assert fuzz.session is not None
        await fuzz.session.send_raw(valid)
        refused = await fuzz.session.ack_or_nak(1)
        assert refused.msg_type == "NAK" and refused.reason.value == "replayed", refused
        view = state.account(CHAIN, USER).collateral["USDT"]
        assert view.reserved + view.spent + view.fees == Decimal(100)
    finally:
        await fuzz.close()
    print(f"seed {SEED}: {dict(sorted(fuzz.outcomes.items()))}, "
          f"replays on new sessions {replays_on_new_session}")  # fmt: skip
