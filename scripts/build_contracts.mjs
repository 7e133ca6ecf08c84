// Compiles src/tradewind/chain/contracts/*.sol with solc-js (offline, the npm `solc` package),
// resolving "@openzeppelin/..." imports from node_modules, and writes one
// src/tradewind/chain/contracts/build/<ContractName>.json per contract defined there:
// {contractName, sourceName, abi, bytecode, deployedBytecode, compiler}. Fails loudly (exit 1)
// on any compiler error. `make` decides when to rerun it (sources newer than build/.built).
//
// The protocols' own contracts come from their npm packages (see NPM_ARTIFACTS): published
// artifacts are copied UNMODIFIED (Uniswap's periphery embeds the keccak of the pair/pool
// creation code, so recompiling would break routing); Chainlink ships sources only, so its
// MockV3Aggregator is compiled here from @chainlink/contracts with the same solc-js.
import { createRequire } from "node:module";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(repo, "package.json"));
const solc = require("solc");

const contractsDir = join(repo, "src", "tradewind", "chain", "contracts");
const buildDir = join(contractsDir, "build");
const nodeModules = join(repo, "node_modules");

// Pinned so bytecode does not change with the compiler's default and runs on any EVM chain
// that has Cancun (Arbitrum and Base both do; anvil's default hardfork is newer).
const EVM_VERSION = "cancun";

function fail(message) {
  console.error(`build_contracts: ${message}`);
  process.exit(1);
}

const sourceFiles = readdirSync(contractsDir)
  .filter((name) => name.endsWith(".sol"))
  .sort();
if (sourceFiles.length === 0) fail(`no .sol files in ${contractsDir}`);

const sources = {};
for (const name of sourceFiles) {
  sources[name] = { content: readFileSync(join(contractsDir, name), "utf8") };
}

// Sources compiled from npm packages: [contract name, source unit under node_modules].
const NPM_SOURCES = [
  ["MockV3Aggregator", "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"],
];
for (const [, unit] of NPM_SOURCES) {
  sources[unit] = { content: readFileSync(join(nodeModules, unit), "utf8") };
}

// Published artifacts copied as they are: [name written, path under node_modules].
const NPM_ARTIFACTS = [
  ["WETH9", "@uniswap/v2-periphery/build/WETH9.json"],
  ["UniswapV2Factory", "@uniswap/v2-core/build/UniswapV2Factory.json"],
  ["UniswapV2Pair", "@uniswap/v2-core/build/UniswapV2Pair.json"],
  ["UniswapV2Router02", "@uniswap/v2-periphery/build/UniswapV2Router02.json"],
  ["UniswapV3Factory", "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"],
  ["UniswapV3Pool", "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"],
  ["SwapRouter", "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"],
  ["QuoterV2", "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"],
  [
    "NonfungiblePositionManager",
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
  ],
  // Across: the Ethereum_SpokePool variant (admin = its owner, no L1/L2 messenger), written as
  // "SpokePool"; deployed behind ERC1967Proxy (the implementation disables initialisers).
  ["SpokePool", "@across-protocol/contracts/dist/evm/artifacts/Ethereum_SpokePool.sol/Ethereum_SpokePool.json"],
  ["ERC1967Proxy", "@across-protocol/contracts/dist/evm/artifacts/ERC1967Proxy.sol/ERC1967Proxy.json"],
];

function hex0x(value) {
  if (typeof value !== "string" || value.length === 0) return "0x";
  return value.startsWith("0x") ? value : `0x${value}`;
}

// solc asks for every import it cannot find among `sources`; only npm packages are served,
// and never a path that escapes node_modules.
function findImports(path) {
  if (!path.startsWith("@")) return { error: `import not found: ${path}` };
  const full = resolve(nodeModules, path);
  if (!full.startsWith(nodeModules + sep)) return { error: `import escapes node_modules: ${path}` };
  if (!existsSync(full)) return { error: `import not found in node_modules: ${path}` };
  return { contents: readFileSync(full, "utf8") };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    // The Across-shaped deposit and fill events carry 13-14 fields: too deep for the legacy
    // code generator's stack, so compile through the IR pipeline.
    viaIR: true,
    evmVersion: EVM_VERSION,
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
    },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const diagnostics = output.errors ?? [];
for (const d of diagnostics) {
  const text = d.formattedMessage ?? d.message;
  (d.severity === "error" ? console.error : console.warn)(text);
}
const errors = diagnostics.filter((d) => d.severity === "error");
if (errors.length > 0) fail(`${errors.length} compiler error(s)`);

mkdirSync(buildDir, { recursive: true });
const written = new Set();
const wanted = new Map(NPM_SOURCES.map(([name, unit]) => [unit, name]));
for (const sourceName of [...sourceFiles, ...wanted.keys()]) {
  const contracts = output.contracts?.[sourceName] ?? {};
  for (const [contractName, artifact] of Object.entries(contracts)) {
    const bytecode = artifact.evm?.bytecode?.object ?? "";
    if (bytecode.length === 0) continue; // interfaces and abstract contracts
    if (wanted.has(sourceName) && wanted.get(sourceName) !== contractName) continue;
    if (written.has(contractName)) fail(`contract name ${contractName} defined twice`);
    const body = {
      contractName,
      sourceName,
      abi: artifact.abi,
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${artifact.evm.deployedBytecode.object}`,
      compiler: {
        version: solc.version(),
        evmVersion: EVM_VERSION,
        optimizerRuns: 200,
        viaIR: true,
      },
    };
    const target = join(buildDir, `${contractName}.json`);
    writeFileSync(`${target}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
    renameSync(`${target}.tmp`, target);
    written.add(contractName);
  }
}
if (written.size === 0) fail("no deployable contract in the sources");

for (const [name, path] of NPM_ARTIFACTS) {
  const full = join(nodeModules, path);
  if (!existsSync(full)) fail(`${path} is missing: run npm ci`);
  const raw = JSON.parse(readFileSync(full, "utf8"));
  const bytecode = hex0x(raw.bytecode);
  if (bytecode.length <= 2) fail(`${path}: no bytecode`);
  if (written.has(name)) fail(`contract name ${name} defined twice`);
  const body = {
    contractName: name,
    sourceName: `npm:${path}`,
    abi: raw.abi,
    bytecode,
    deployedBytecode: hex0x(raw.deployedBytecode ?? raw.evm?.deployedBytecode?.object),
    compiler: "published artifact (unmodified)",
  };
  const target = join(buildDir, `${name}.json`);
  writeFileSync(`${target}.tmp`, `${JSON.stringify(body)}\n`);
  renameSync(`${target}.tmp`, target);
  written.add(name);
}

// Drop artifacts of contracts that no longer exist so the loader never serves stale code.
for (const name of readdirSync(buildDir)) {
  if (name.endsWith(".json") && !written.has(name.slice(0, -".json".length))) {
    rmSync(join(buildDir, name));
  }
}
writeFileSync(join(buildDir, ".built"), "");
console.log(`build_contracts: ${[...written].sort().join(", ")} -> ${buildDir}`);
