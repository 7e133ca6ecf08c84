"""Per-connection admission of client messages: the checks that need memory.

    FixSession    one WebSocket connection: target comp id, clock window, sequence numbers,
                  accounts it has proven to act for
    ReplayGuard   per-account memory of recently admitted signed messages (shared by sessions)

A session's client ``seq_num`` starts at 1 and strictly increases (gaps allowed). A message is
admitted only when every check passes; a refused message (NAK) changes nothing: the sequence
number is not used up, no tokens are spent, no digest is remembered, the handler never sees it.

Why both a sequence and a replay memory: the sequence stops a message being replayed on its own
connection; a copy replayed on a new connection is still inside the +-60 s clock window, so each
account remembers the EIP-191 digests of its admitted signed messages for 2 windows. The digest
(not the signature bytes) is remembered because an ECDSA signature has a second valid encoding.
"""

from __future__ import annotations

from collections import deque
from itertools import count

from tradewind.core.clock import Clock
from tradewind.gateway.fixjson.limits import GatewayLimits
from tradewind.gateway.fixjson.messages import ClientMessage, parse_client_message
from tradewind.gateway.fixjson.protocols import AccountKey
from tradewind.gateway.fixjson.rate_limit import UnsignedBudget, WeightedRateLimiter
from tradewind.gateway.fixjson.rejections import MessageRejected, RejectReason

__all__ = ["FixSession", "ReplayGuard"]

_session_ids = count(1)


class ReplayGuard:
    """Digests of admitted signed messages per account, each kept ``retention_ns``."""

    def __init__(self, *, retention_ns: int) -> None:
        self._retention_ns = retention_ns
        self._seen: dict[AccountKey, set[bytes]] = {}
        self._expiry: deque[tuple[int, AccountKey, bytes]] = deque()

    def seen(self, account: AccountKey, digest: bytes, now_ns: int) -> bool:
        self._forget_expired(now_ns)
        return digest in self._seen.get(account, ())

    def remember(self, account: AccountKey, digest: bytes, now_ns: int) -> None:
        self._forget_expired(now_ns)
        self._seen.setdefault(account, set()).add(digest)
        self._expiry.append((now_ns + self._retention_ns, account, digest))

    def __len__(self) -> int:
        return len(self._expiry)

    def _forget_expired(self, now_ns: int) -> None:
        # Retention is constant, so the deque is in expiry order.
        while self._expiry and self._expiry[0][0] <= now_ns:
            _, account, digest = self._expiry.popleft()
            digests = self._seen.get(account)
            if digests is not None:
                digests.discard(digest)
                if not digests:
                    del self._seen[account]


class FixSession:
    """The admission state of one client connection; ``comp_id`` is the server's own comp id
    (clients must target it). Clock in ns; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        comp_id: str,
        limits: GatewayLimits,
        clock: Clock,
        rate_limiter: WeightedRateLimiter,
        replay_guard: ReplayGuard,
        unsigned_budget: UnsignedBudget | None = None,
        peer: str = "unknown",
    ) -> None:
        self.session_id = next(_session_ids)
        self.peer = peer
        """The client's source address (unsigned messages are limited per address)."""
        self._unsigned_budget = unsigned_budget
        self.comp_id = comp_id
        self.limits = limits
        self._clock = clock
        self._rate_limiter = rate_limiter
        self._replay_guard = replay_guard
        self.last_seq_num = 0
        self.client_comp_id: str | None = None
        self.accounts: set[AccountKey] = set()
        """Accounts this session has sent an admitted signed message for."""

    def admit(self, raw: str | bytes) -> ClientMessage:
        """Parse and check a frame; on success the message counts as received (sequence,
        replay memory, rate tokens, account binding updated). Raises ``MessageRejected``
        (nothing changed)."""
        message = parse_client_message(raw, max_bytes=self.limits.max_frame_bytes)
        header = message.standard_header
        if header.target_comp_id != self.comp_id:
            raise MessageRejected(
                RejectReason.WRONG_TARGET, f"target_comp_id must be {self.comp_id!r}"
            )
        allowed = self.limits.allowed_chain_ids
        if allowed is not None and message.chain_id not in allowed:
            raise MessageRejected(
                RejectReason.BAD_CHAIN_ID, f"chain_id {message.chain_id} is not served here"
            )
        now_ns = self._clock.now_ns()
        if abs(header.timestamp - now_ns) > self.limits.timestamp_window_ns:
            window_s = self.limits.timestamp_window_ns / 1e9
            raise MessageRejected(
                RejectReason.STALE_TIMESTAMP, f"timestamp is more than {window_s:g} s from now"
            )
        self._check_sequence(header.seq_num)
        account = AccountKey(message.chain_id, message.address)
        digest = message.digest
        if digest is not None and self._replay_guard.seen(account, digest, now_ns):
            raise MessageRejected(RejectReason.REPLAYED, "this signed message was already received")
        if message.signer is not None:
            within_rate = self._rate_limiter.try_take(account, message.msg_type)
        elif self._unsigned_budget is not None:
            within_rate = self._unsigned_budget.try_take(self.peer, message.msg_type)
        else:
            within_rate = self._rate_limiter.try_take(
                ("session", self.session_id), message.msg_type
            )
        if not within_rate:
            raise MessageRejected(RejectReason.RATE_LIMITED, "too many messages, slow down")
        # Every check passed: from here on the message counts.
        self.last_seq_num = header.seq_num
        self.client_comp_id = header.sender_comp_id
        if digest is not None:
            self._replay_guard.remember(account, digest, now_ns)
            self.accounts.add(account)
        return message

    def _check_sequence(self, seq_num: int) -> None:
        if self.last_seq_num == 0 and seq_num != 1:
            raise MessageRejected(
                RejectReason.SEQ_NOT_INCREASING, f"a session starts at seq_num 1, got {seq_num}"
            )
        if seq_num <= self.last_seq_num:
            raise MessageRejected(
                RejectReason.SEQ_NOT_INCREASING,
                f"seq_num {seq_num} is not above the last received {self.last_seq_num}",
            )
