# Two entry points: `make demo` and `make test`. Both create or update .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench services clean

NODE_STAMP := node_modules/.installed
CONTRACTS_STAMP := src/tradewind/chain/contracts/build/.built

$(STAMP): pyproject.toml
	@echo "[1/3] Python environment in $(VENV) (first time: about a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "[1/3] installing Tradewind and its Python dependencies"
	@$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

# anvil (local EVM nodes) and solc-js + OpenZeppelin come from npm, pinned by package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@echo "[2/3] npm ci: anvil (local EVM nodes), solc, OpenZeppelin"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

$(CONTRACTS_STAMP): $(NODE_STAMP) scripts/build_contracts.mjs $(wildcard src/tradewind/chain/contracts/*.sol)
	@echo "[3/3] compiling the Solidity contracts"
	@node scripts/build_contracts.mjs

install: $(STAMP) $(CONTRACTS_STAMP)

demo: $(STAMP) $(CONTRACTS_STAMP)
	$(BIN)/tradewind demo

test: $(STAMP) $(CONTRACTS_STAMP)
	@$(BIN)/python scripts/ensure_services.py
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench
	$(BIN)/python -m ruff format --check src tests bench
	$(BIN)/python -m mypy src/tradewind

bench: $(STAMP)
	$(BIN)/python bench/bench_matching_engine.py
	$(BIN)/python bench/bench_rest_roundtrip.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
