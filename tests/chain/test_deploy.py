"""Deployment to local chains, the registry file (round trip and load errors), ``chain up``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from web3 import AsyncHTTPProvider, AsyncWeb3

from tradewind.chain.anvil_dev_keys import ANVIL_DEV_ACCOUNTS
from tradewind.chain.cli import chain_app
from tradewind.chain.contracts import (
    DEFAULT_ADMIN_ROLE,
    MINTER_ROLE,
    OPERATOR_ROLE,
    load_artifact,
)
from tradewind.chain.deploy import InvalidDeploymentPlanError, LocalChains, deploy_all
from tradewind.chain.nodes import AnvilNode
from tradewind.chain.registry import (
    ChainDeployment,
    DeploymentRegistry,
    InvalidRegistryError,
    MissingRegistryError,
    UnknownChainError,
    UnknownDeploymentError,
)

Client = Any  # conftest.ChainClient


async def _has_role(client: Client, chain: str, key: str, role: bytes, who: str) -> bool:
    answer: bool = await client.contract(chain, key).functions.hasRole(role, who).call()
    return answer


async def test_layout_of_the_local_deployment(chains: LocalChains, chain_client: Client) -> None:
    registry = chains.registry
    assert set(registry.chains) == {"arbitrum", "base"}
    arb, base = registry.chain("arbitrum"), registry.chain("base")
    assert (arb.chain_id, base.chain_id) == (42161, 8453)
    assert arb.rpc_url == chains.nodes["arbitrum"].rpc_url
    common = {
        "MockUSDC",
        "WETH9",
        "SpokePool",
        "SpokePool:IMPL",
        "IndexToken:TW10",
        "IndexToken:TW3",
    }
    dex = {
        "UniswapV2Factory",
        "UniswapV2Router02",
        "UniswapV3Factory",
        "SwapRouter",
        "QuoterV2",
        "NonfungiblePositionManager",
    }
    assert common | {"CollateralVault"} | dex <= set(arb.contracts)
    assert {"UniswapV3Pool:WETHUSDC3000", "UniswapV2Pair:WBTCUSDC"} <= set(arb.contracts)
    assert {"MockV3Aggregator:WETHUSD", "MockERC20:WBTC"} <= set(arb.contracts)
    assert set(base.contracts) == common
    for chain in registry:
        w3 = chain_client.w3(chain.name)
        for key, address in chain.contracts.items():
            code = await w3.eth.get_code(address)
            assert len(code) > 0, key
            runtime = load_artifact(key.split(":")[0]).deployed_bytecode
            if len(runtime) > 2 and key != "SpokePool":  # the pool's address is its proxy
                assert code.hex().removeprefix("0x")[:200] == runtime.removeprefix("0x")[:200], key
        # the published Across SpokePool behind its proxy, owned by the admin (the "hub")
        spoke = chain_client.contract(chain.name, "SpokePool")
        assert await spoke.functions.owner().call() == registry.admin_address
        assert await spoke.functions.chainId().call() == chain.chain_id


async def test_roles_go_to_admin_desk_and_relayer(
    chains: LocalChains, chain_client: Client
) -> None:
    admin, desk, relayer = chains.deployer.address, chains.desk.address, chains.relayer.address
    user = chains.users[0].address
    registry = chains.registry
    assert (registry.admin_address, registry.desk_address, registry.relayer_address) == (
        admin,
        desk,
        relayer,
    )
    for chain in ("arbitrum", "base"):
        for symbol in ("TW10", "TW3"):
            key = f"IndexToken:{symbol}"
            assert await _has_role(chain_client, chain, key, MINTER_ROLE, desk)
            assert not await _has_role(chain_client, chain, key, MINTER_ROLE, user)
            assert await _has_role(chain_client, chain, key, DEFAULT_ADMIN_ROLE, admin)
    assert await _has_role(chain_client, "arbitrum", "CollateralVault", OPERATOR_ROLE, desk)
    vault = chain_client.contract("arbitrum", "CollateralVault")
    usdc = registry.chain("arbitrum").address("MockUSDC")
    assert await vault.functions.tokenAllowed(usdc).call() is True


async def test_deploy_all_to_fresh_nodes_for_another_desk(
    anvil_arbitrum: AnvilNode, anvil_base: AnvilNode
) -> None:
    desk = "0x" + "ab" * 20
    nodes = {"arbitrum": anvil_arbitrum, "base": anvil_base}
    registry = await deploy_all(
        nodes,
        deployer_key=ANVIL_DEV_ACCOUNTS[5].private_key,
        desk_address=desk,
        index_symbols=("ABC",),
    )
    assert registry.desk_address == registry.relayer_address  # relayer defaults to the desk
    assert registry.admin_address == ANVIL_DEV_ACCOUNTS[5].address
    base = registry.chain("base")
    assert set(base.contracts) == {
        "MockUSDC",
        "WETH9",
        "SpokePool",
        "SpokePool:IMPL",
        "IndexToken:ABC",
    }
    w3 = AsyncWeb3(AsyncHTTPProvider(anvil_base.rpc_url))
    try:
        token = w3.eth.contract(
            address=base.index_token("ABC"), abi=load_artifact("IndexToken").abi_list()
        )
        assert await token.functions.hasRole(MINTER_ROLE, registry.desk_address).call()
        assert await token.functions.symbol().call() == "ABC"
    finally:
        await w3.provider.disconnect()


async def test_deploying_again_over_a_live_registry_sends_nothing(
    anvil_arbitrum: AnvilNode, anvil_base: AnvilNode
) -> None:
    nodes = {"arbitrum": anvil_arbitrum, "base": anvil_base}
    args: dict[str, Any] = {
        "deployer_key": ANVIL_DEV_ACCOUNTS[0].private_key,
        "desk_address": ANVIL_DEV_ACCOUNTS[1].address,
        "index_symbols": ("ABC",),
    }
    first = await deploy_all(nodes, **args)
    heads = [await node.block_number() for node in nodes.values()]
    again = await deploy_all(nodes, existing=first, **args)
    assert again == first
    assert [await node.block_number() for node in nodes.values()] == heads


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"desk_address": "0x1234"}, "desk_address"),
        ({"relayer_address": "nope"}, "relayer_address"),
        ({"deployer_key": "0x1234"}, "private key"),
        ({"vault_chain": "optimism"}, "optimism"),
        ({"index_chains": ("base", "zora")}, "zora"),
        ({"index_symbols": ("TW10", "TW10")}, "duplicate"),
        ({"index_symbols": ("tw10",)}, "upper-case"),
    ],
)
async def test_bad_deployment_plans_are_refused_before_any_transaction(
    anvil_arbitrum: AnvilNode, anvil_base: AnvilNode, kwargs: dict[str, Any], match: str
) -> None:
    args: dict[str, Any] = {
        "deployer_key": ANVIL_DEV_ACCOUNTS[0].private_key,
        "desk_address": ANVIL_DEV_ACCOUNTS[1].address,
        **kwargs,
    }
    with pytest.raises(InvalidDeploymentPlanError, match=match):
        await deploy_all({"arbitrum": anvil_arbitrum, "base": anvil_base}, **args)
    assert await anvil_arbitrum.block_number() == 0
    assert await anvil_base.block_number() == 0


# -- registry -----------------------------------------------------------------------------------


def test_registry_round_trips_through_its_file(chains: LocalChains, tmp_path: Path) -> None:
    path = tmp_path / "nested" / "registry.json"
    chains.registry.save(path)
    loaded = DeploymentRegistry.load(path)
    assert loaded == chains.registry
    assert loaded.to_json() == chains.registry.to_json()
    assert loaded.by_chain_id(8453).name == "base"
    assert loaded.chain("base").index_token("TW10") == chains.registry.chain("base").address(
        "IndexToken:TW10"
    )
    assert [p.name for p in path.parent.iterdir()] == ["registry.json"]  # no temp files left


def _valid() -> dict[str, Any]:
    return {
        "version": 1,
        "admin_address": ANVIL_DEV_ACCOUNTS[0].address,
        "desk_address": ANVIL_DEV_ACCOUNTS[1].address,
        "relayer_address": ANVIL_DEV_ACCOUNTS[2].address,
        "chains": {
            "arbitrum": {
                "chain_id": 42161,
                "rpc_url": "http://127.0.0.1:8545",
                "contracts": {"MockUSDC": "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
            },
            "base": {"chain_id": 8453, "rpc_url": "http://127.0.0.1:8546", "contracts": {}},
        },
    }


def test_registry_checksums_addresses_on_load(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_valid()))
    registry = DeploymentRegistry.load(path)
    assert registry.chain("arbitrum").address("MockUSDC") == (
        "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    )
    with pytest.raises(UnknownDeploymentError, match="SpokePool"):
        registry.chain("base").address("SpokePool")
    with pytest.raises(UnknownChainError, match="optimism"):
        registry.chain("optimism")
    with pytest.raises(UnknownChainError):
        registry.by_chain_id(1)


def _set(doc: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    *parents, last = dotted.split(".")
    target = doc
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("dotted", "value", "match"),
    [
        ("version", 2, "version"),
        ("chains", {}, "chains"),
        ("chains", [], "chains"),
        ("extra", 1, "unknown fields"),
        ("desk_address", "0x123", "desk_address"),
        ("relayer_address", _DELETE, "relayer_address is missing"),
        ("chains.base.chain_id", 42161, "also 'arbitrum'"),
        ("chains.base.chain_id", "8453", "chain_id"),
        ("chains.base.chain_id", True, "chain_id"),
        ("chains.base.rpc_url", "127.0.0.1:8546", "rpc_url"),
        ("chains.base.rpc_url", _DELETE, "rpc_url is missing"),
        ("chains.base.contracts", ["0x"], "contracts"),
        ("chains.base.contracts", {"SpokePool": "0xnothex"}, "SpokePool"),
        ("chains.base.contracts", {"bad key!": ANVIL_DEV_ACCOUNTS[0].address}, "bad key"),
        ("chains.base.gas", 1, "unknown fields"),
        (
            "chains.Base Chain",
            {"chain_id": 1, "rpc_url": "http://x:1", "contracts": {}},
            "chain name",
        ),
    ],
)
def test_malformed_registry_files_name_the_field(
    tmp_path: Path, dotted: str, value: Any, match: str
) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(_set(_valid(), dotted, value)))
    with pytest.raises(InvalidRegistryError, match=match) as raised:
        DeploymentRegistry.load(path)
    assert str(path) in str(raised.value)


def test_missing_or_unparsable_registry_files(tmp_path: Path) -> None:
    with pytest.raises(MissingRegistryError, match="tradewind chain up"):
        DeploymentRegistry.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InvalidRegistryError, match="not JSON"):
        DeploymentRegistry.load(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    with pytest.raises(InvalidRegistryError, match="JSON object"):
        DeploymentRegistry.load(listed)


def test_registry_values_are_immutable() -> None:
    registry = DeploymentRegistry.from_json(_valid())
    with pytest.raises(TypeError):
        registry.chain("arbitrum").contracts["MockUSDC"] = "0x0"  # type: ignore[index]
    with pytest.raises(TypeError):
        registry.chains["x"] = registry.chain("base")  # type: ignore[index]
    with pytest.raises(InvalidRegistryError, match="not that chain"):
        DeploymentRegistry(
            chains={"base": ChainDeployment("arbitrum", 1, "http://x:1")},
            admin_address=ANVIL_DEV_ACCOUNTS[0].address,
            desk_address=ANVIL_DEV_ACCOUNTS[0].address,
            relayer_address=ANVIL_DEV_ACCOUNTS[0].address,
        )


# -- tradewind chain up ---------------------------------------------------------------------------


def test_chain_help_lists_up() -> None:
    result = CliRunner().invoke(chain_app, ["--help"])
    assert result.exit_code == 0
    assert "up" in result.output
    bad = CliRunner().invoke(chain_app, ["up", "--desk-address", "nope"])
    assert bad.exit_code == 2
    assert "not an address" in bad.output


async def test_chain_up_deploys_writes_the_registry_and_stops_its_nodes_on_sigint(
    tmp_path: Path, anvil_path: Path
) -> None:
    registry_path = tmp_path / "registry.json"
    env = {**os.environ, "TRADEWIND_ANVIL": str(anvil_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradewind.chain.cli",
            "up",
            "--registry",
            str(registry_path),
            "--index",
            "TW10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        while not registry_path.exists():  # bounded by the test timeout
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            await asyncio.sleep(0.1)
        registry = DeploymentRegistry.load(registry_path)
        assert set(registry.chain("base").contracts) == {
            "MockUSDC",
            "WETH9",
            "SpokePool",
            "SpokePool:IMPL",
            "IndexToken:TW10",
        }
        w3 = AsyncWeb3(AsyncHTTPProvider(registry.chain("base").rpc_url))
        try:
            assert await w3.eth.chain_id == 8453
            assert await w3.eth.get_code(registry.chain("base").index_token("TW10"))
        finally:
            await w3.provider.disconnect()
        proc.send_signal(signal.SIGINT)
        output, _ = await asyncio.to_thread(proc.communicate, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert "chains stopped" in output
    assert registry.chain("base").rpc_url in output
    assert ANVIL_DEV_ACCOUNTS[1].private_key.removeprefix("0x") not in output
    pids = [int(part.split("=")[1]) for part in output.split() if part.startswith("pid=")]
    assert len(pids) >= 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
