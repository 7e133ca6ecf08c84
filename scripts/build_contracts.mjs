// Compiles src/tradewind/chain/contracts/*.sol with solc-js (offline, the npm `solc` package),
// resolving "@openzeppelin/..." imports from node_modules, and writes one
// src/tradewind/chain/contracts/build/<ContractName>.json per contract defined there:
// {contractName, sourceName, abi, bytecode, deployedBytecode, compiler}. Fails loudly (exit 1)
// on any compiler error. `make` decides when to rerun it (sources newer than build/.built).
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
for (const sourceName of sourceFiles) {
  const contracts = output.contracts?.[sourceName] ?? {};
  for (const [contractName, artifact] of Object.entries(contracts)) {
    const bytecode = artifact.evm?.bytecode?.object ?? "";
    if (bytecode.length === 0) continue; // interfaces and abstract contracts
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

// Drop artifacts of contracts that no longer exist so the loader never serves stale code.
for (const name of readdirSync(buildDir)) {
  if (name.endsWith(".json") && !written.has(name.slice(0, -".json".length))) {
    rmSync(join(buildDir, name));
  }
}
writeFileSync(join(buildDir, ".built"), "");
console.log(`build_contracts: ${[...written].sort().join(", ")} -> ${buildDir}`);
