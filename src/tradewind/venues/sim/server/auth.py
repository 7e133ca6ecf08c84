"""API keys and Binance's request signing rules (HMAC-SHA256 over query string + body).

Binance signs ``totalParams``: the query string concatenated with the request body, with the
``signature`` parameter removed from wherever it appears. We verify over the raw bytes the client
sent, so any encoding the client chose (the SDK, CCXT, curl) verifies as it would at Binance.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from tradewind.venues.sim.engine import SimError

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
# A request may be at most this far ahead of the server clock (Binance: 1000 ms).
MAX_CLOCK_AHEAD_MS = 1_000

_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{64}$")
_SIGNATURE_PARAM = re.compile(r"(^|&)signature=([^&]*)")


@dataclass(frozen=True, slots=True)
class ApiCredential:
    """An API key pair bound to one exchange account."""

    api_key: str
    api_secret: str
    account_id: str


def new_credential(account_id: str) -> ApiCredential:
    """A fresh Binance-shaped key pair (64 alphanumerics each)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    key = "".join(secrets.choice(alphabet) for _ in range(64))
    secret = "".join(secrets.choice(alphabet) for _ in range(64))
    return ApiCredential(key, secret, account_id)


def credential_from_seed(seed: str, account_id: str) -> ApiCredential:
    """A deterministic key pair, so the demo prints the same key every run."""
    key = hashlib.sha256(f"key:{seed}".encode()).hexdigest()
    secret = hashlib.sha256(f"secret:{seed}".encode()).hexdigest()
    return ApiCredential(key, secret, account_id)


class ApiKeyStore:
    """Looks up the account behind an ``X-MBX-APIKEY`` header."""

    def __init__(self) -> None:
        self._by_key: dict[str, ApiCredential] = {}

    def add(self, credential: ApiCredential) -> None:
        self._by_key[credential.api_key] = credential

    def all(self) -> list[ApiCredential]:
        return list(self._by_key.values())

    def of_account(self, account_id: str) -> ApiCredential | None:
        """The first key pair of ``account_id``, or None."""
        return next((c for c in self._by_key.values() if c.account_id == account_id), None)

    def resolve(self, api_key: str | None) -> ApiCredential:
        if not api_key or not _KEY_FORMAT.fullmatch(api_key):
            raise SimError(-2014, "API-key format invalid.", 401)
        credential = self._by_key.get(api_key)
        if credential is None:
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return credential


def _strip_signature(raw: str) -> tuple[str, str | None]:
    match = _SIGNATURE_PARAM.search(raw)
    if match is None:
        return raw, None
    start, end = match.span()
    remainder = raw[:start] + raw[end:]
    if match.group(1) == "" and remainder.startswith("&"):
        remainder = remainder[1:]
    return remainder, match.group(2)


def verify_signed_request(
    credential: ApiCredential,
    raw_query: str,
    raw_body: str,
    params: dict[str, str],
    now_ms: int,
) -> None:
    """Apply Binance's SIGNED rules; raise the exact SimError Binance would answer."""
    timestamp_raw = params.get("timestamp")
    if not timestamp_raw:
        raise SimError(
            -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
        )
    try:
        timestamp = int(timestamp_raw)
    except ValueError as exc:
        raise SimError(
            -1100,
            "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.",
        ) from exc
    recv_window = DEFAULT_RECV_WINDOW_MS
    if "recvWindow" in params:
        try:
            recv_window = int(params["recvWindow"])
        except ValueError as exc:
            raise SimError(
                -1100,
                "Illegal characters found in parameter 'recvWindow'; "
                "legal range is '^[0-9]{1,20}$'.",
            ) from exc
        if recv_window > MAX_RECV_WINDOW_MS or recv_window <= 0:
            raise SimError(-1131, "recvWindow must be less than 60000")
    query_part, sig_in_query = _strip_signature(raw_query)
    body_part, sig_in_body = _strip_signature(raw_body)
    signature = sig_in_query if sig_in_query is not None else sig_in_body
    if not signature:
        raise SimError(
            -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
        )
    payload = query_part + body_part
    expected = hmac.new(
        credential.api_secret.encode(), payload.encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise SimError(-1022, "Signature for this request is not valid.")
    if timestamp > now_ms + MAX_CLOCK_AHEAD_MS or now_ms - timestamp > recv_window:
        raise SimError(-1021, "Timestamp for this request is outside of the recvWindow.")


def sign_query(secret: str, query: str) -> str:
    """HMAC-SHA256 hex of a query string, as a Binance client computes it."""
    return hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
