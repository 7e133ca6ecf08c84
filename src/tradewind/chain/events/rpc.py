"""The few JSON-RPC reads the follower makes, as raw JSON (no web3 result formatting, which
costs more than the decoding itself when following thousands of logs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web3 import AsyncWeb3
from web3.types import RPCEndpoint

from tradewind.chain.events.errors import FollowerRpcError

__all__ = ["BlockHeader", "FollowerRpc"]

_BATCH = 200


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A block's number, hash, parent hash (0x-hex lower case) and timestamp (s)."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int


def _header(raw: Mapping[str, Any]) -> BlockHeader:
    return BlockHeader(
        number=int(raw["number"], 16),
        hash=str(raw["hash"]).lower(),
        parent_hash=str(raw["parentHash"]).lower(),
        timestamp=int(raw["timestamp"], 16),
    )


class FollowerRpc:
    """Chain id, head, block headers (batched) and logs of one node."""

    def __init__(self, w3: AsyncWeb3[Any]) -> None:
        self._provider = w3.provider

    async def _call(self, method: str, params: Sequence[Any]) -> Any:
        response = await self._provider.make_request(RPCEndpoint(method), list(params))
        error = response.get("error")
        if error:
            raise FollowerRpcError(method, error)
        return response.get("result")

    async def chain_id(self) -> int:
        return int(await self._call("eth_chainId", []), 16)

    async def head(self) -> int:
        return int(await self._call("eth_blockNumber", []), 16)

    async def header(self, number: int) -> BlockHeader | None:
        raw = await self._call("eth_getBlockByNumber", [hex(number), False])
        return None if raw is None else _header(raw)

    async def headers(self, numbers: Sequence[int]) -> dict[int, BlockHeader]:
        """Headers by number; numbers above the head are absent from the result."""
        found: dict[int, BlockHeader] = {}
        for start in range(0, len(numbers), _BATCH):
            chunk = numbers[start : start + _BATCH]
            if len(chunk) == 1:
                header = await self.header(chunk[0])
                if header is not None:
                    found[header.number] = header
                continue
            replies = await self._provider.make_batch_request(
                [(RPCEndpoint("eth_getBlockByNumber"), [hex(n), False]) for n in chunk]
            )
            if not isinstance(replies, list):
                raise FollowerRpcError("eth_getBlockByNumber", replies.get("error"))
            for reply in replies:
                if reply.get("error"):
                    raise FollowerRpcError("eth_getBlockByNumber", reply["error"])
                raw = reply.get("result")
                if raw is not None:
                    header = _header(raw)
                    found[header.number] = header
        return found

    async def logs(
        self, start: int, end: int, addresses: Sequence[str], topics: Sequence[str]
    ) -> list[Mapping[str, Any]]:
        """Logs of blocks ``start..end`` from ``addresses`` whose first topic is in ``topics``."""
        params = {
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "address": list(addresses),
            "topics": [list(topics)],
        }
        result = await self._call("eth_getLogs", [params])
        if not isinstance(result, list):
            raise FollowerRpcError("eth_getLogs", f"expected a list, got {type(result).__name__}")
        return result
