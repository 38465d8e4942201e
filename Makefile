# dechaff — one entry point. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Rust build profile of the extension: release (fat LTO) by default, `make dev PROFILE=dev-opt` to iterate.
PROFILE ?= release
RUST_SRC := $(shell find src -name '*.rs') Cargo.toml
PY_SRC := $(shell find python -name '*.py' -o -name '*.pyi' -o -name '*.toml')

.DEFAULT_GOAL := help
.PHONY: help venv build dev demo test test-rust test-python lint format bench bench-rust bench-html bench-cli bench-scaling fuzz-smoke clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "maturin>=1.5,<2" "trafilatura>=2.0" "pytest>=8" "hypothesis>=6.100" "ruff==0.17.6" "mypy==2.4.1" typing_extensions
	# the optional extras the tests and type checks cover: cli (tqdm, orjson, zstandard), warc, parquet, remote, fast
	$(PIP) install --quiet "tqdm>=4.60" "orjson>=3.9" "zstandard>=0.22" "fastwarc>=2.0" "warcio>=1.7" "pyarrow>=14" "fsspec>=2023.1" "resiliparse>=2.0"
	touch $@

venv: $(VENV)/.deps ## Create the virtualenv with build and test tools

$(VENV)/.built-$(PROFILE): $(VENV)/.deps $(RUST_SRC) $(PY_SRC)
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --quiet --profile $(PROFILE)
	# bytecode for the editable package, as pip writes it for an installed wheel: without it every
	# run compiles the sources again when PYTHONDONTWRITEBYTECODE is set (0.09 s of each CLI start)
	$(PY) -m compileall -q python/dechaff
	rm -f $(VENV)/.built-*
	touch $@

build: $(VENV)/.built-$(PROFILE) ## Build the Rust extension into the venv (editable install)

dev: ## Fast rebuild for local iteration (optimised, no LTO)
	$(MAKE) build PROFILE=dev-opt

demo: build ## Clean the sample dump in examples/ and print the stats
	@mkdir -p build/demo
	$(VENV)/bin/dechaff clean examples/sample.jsonl -o build/demo/sample.cleaned.jsonl
	@echo "cleaned records: build/demo/sample.cleaned.jsonl"

test-rust: ## cargo test (engine unit tests + shared cases)
	cargo test --quiet

test-python: build ## pytest: unit, property, shared cases, seeds, CLI
	$(PY) -m pytest -q

lint: build ## ruff, mypy (package + stub checked by stubtest), cargo fmt --check, clippy
	$(VENV)/bin/ruff check python tests benchmarks
	$(VENV)/bin/ruff format --check python tests benchmarks
	$(PY) -m mypy
	$(PY) -m mypy.stubtest dechaff._core
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --features python --lib -- -D warnings

test: build test-rust test-python lint ## Everything CI runs: build, cargo test, pytest, lint

.PHONY: test-integrations
test-integrations: build ## pytest tests/integration (datatrove, Ray Data, Arrow); installs those extras first
	$(PY) -c 'import sys, tomllib; x = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]; print("\n".join(sorted({r for e in sys.argv[1:] for r in x[e]})))' datatrove ray arrow > $(VENV)/.integration-requirements.txt
	$(PIP) install --quiet -r $(VENV)/.integration-requirements.txt
	$(PY) -m pytest -q tests/integration

format: venv ## Format Python and Rust sources
	$(VENV)/bin/ruff format python tests benchmarks
	$(VENV)/bin/ruff check --fix python tests benchmarks
	cargo fmt

bench: build ## Quality tables (text, page, languages; need ../shared/bench), the speed table, per-stage Rust benches
	cd benchmarks && ../$(PY) quality_text.py
	cd benchmarks && ../$(PY) quality_page.py
	cd benchmarks && ../$(PY) quality_lang.py
	$(PIP) install --quiet ahocorasick-rs
	$(PY) benchmarks/bench_speed.py --repeat 5
	$(PY) benchmarks/bench_results.py
	$(MAKE) bench-rust
	$(MAKE) bench-scaling

bench-scaling: venv ## What two cores give here: the engine on 1 and 2 threads beside two separate processes (~2 min)
	$(PY) benchmarks/bench_scaling.py

bench-rust: ## Criterion benches per engine stage, in MB/s of input (benches/stages.rs; about a minute)
	cargo bench --bench stages

bench-html: build ## HTML mode against other extractors on both dev sets (slow: installs the peers)
	$(PY) -c 'import tomllib; x = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]; print("\n".join(sorted(set(x["fast"] + x["bench"]))))' > $(VENV)/.bench-requirements.txt
	$(PIP) install --quiet -r $(VENV)/.bench-requirements.txt
	$(PY) benchmarks/quality.py --jobs 2

bench-cli: build ## Bulk CLI throughput and memory on a generated 200 MB .jsonl.zst dump
	$(PIP) install --quiet tqdm zstandard orjson
	$(PY) benchmarks/bench_cli.py

fuzz-smoke: ## Run each fuzz target for 60 s (cargo-fuzz; crashes in fuzz/artifacts, see docs/robustness.md)
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	@status=0; for t in normalise clean_article clean_page rules records; do fuzz/run.sh $$t 60 || status=1; done; exit $$status

clean: ## Remove build products and the venv
	rm -rf target build $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
