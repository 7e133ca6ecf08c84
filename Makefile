# Two entry points: `make demo` and `make test`. Both create or update .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint bench services clean

NODE_STAMP := node_modules/.installed
CONTRACTS_STAMP := src/tradewind/chain/contracts/build/.built
# Modules setup.py compiles with Cython (pyproject.toml [tool.tradewind] compiled-modules): an
# edit to one recompiles it in place, so the tests never run a stale build. The list is read
# from pyproject.toml, the one place it is kept.
COMPILED_SOURCES := setup.py $(wildcard $(shell $(PYTHON) -c 'import tomllib; c = tomllib.load(open("pyproject.toml", "rb")); print(*("src/" + m.replace(".", "/") + "." + e for m in c["tool"]["tradewind"]["compiled-modules"] for e in ("py", "pxd")))'))
COMPILED_STAMP := build/.compiled

$(STAMP): pyproject.toml setup.py
	@echo "[1/3] Python environment in $(VENV) (first time: about a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "[1/3] installing Tradewind and its Python dependencies"
	@# plain here; the next step compiles in place, once (setup.py reads TRADEWIND_PURE_PYTHON)
	@TRADEWIND_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

$(COMPILED_STAMP): $(STAMP) $(COMPILED_SOURCES)
	@echo "compiling the matching engine (Cython; plain Python if that fails)"
	@mkdir -p build
	@$(BIN)/python setup.py build_ext --inplace --parallel 2 > build/compile.log 2>&1
	@grep "WARNING: tradewind" build/compile.log || true
	@touch $(COMPILED_STAMP)

# anvil (local EVM nodes) and solc-js + OpenZeppelin come from npm, pinned by package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@echo "[2/3] npm ci: anvil (local EVM nodes), solc, OpenZeppelin"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

$(CONTRACTS_STAMP): $(NODE_STAMP) scripts/build_contracts.mjs $(wildcard src/tradewind/chain/contracts/*.sol)
	@echo "[3/3] compiling the Solidity contracts"
	@node scripts/build_contracts.mjs

install: $(STAMP) $(COMPILED_STAMP) $(CONTRACTS_STAMP)

demo: $(STAMP) $(COMPILED_STAMP) $(CONTRACTS_STAMP)
	$(BIN)/tradewind demo

test: $(STAMP) $(COMPILED_STAMP) $(CONTRACTS_STAMP)
	@$(MAKE) --no-print-directory lint
	@$(BIN)/python scripts/ensure_services.py
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench
	$(BIN)/python -m ruff format --check src tests bench
	$(BIN)/python -m mypy src/tradewind
	$(BIN)/lint-imports --no-cache

bench: $(STAMP) $(COMPILED_STAMP)
	$(BIN)/python bench/bench_matching_engine.py
	$(BIN)/python bench/bench_rest_roundtrip.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
	find src -name '*.so' -delete
