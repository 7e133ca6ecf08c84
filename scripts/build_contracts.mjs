// placeholder replaced by the chain build: compiles src/tradewind/chain/contracts/*.sol with solc-js
import { mkdirSync, writeFileSync } from "node:fs";
mkdirSync("src/tradewind/chain/contracts/build", { recursive: true });
writeFileSync("src/tradewind/chain/contracts/build/.built", "");
