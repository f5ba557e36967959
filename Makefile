# Every target creates the virtualenv itself: a fresh clone needs only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

STAGE ?= dev

.PHONY: run demo races synth test test-unit test-integration test-e2e lint bench reconcile clean

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 (packaging) requires pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)  ## start moto server, resources, demo data and the API on :8000
	$(BIN)/python scripts/local_stack.py

demo: $(STAMP)  ## walk the escrow lifecycle over HTTP against a running `make run`
	$(BIN)/python scripts/demo.py

races: $(STAMP)  ## money races over HTTP, 20 tries each, against `QUOTA_DEPOSITS=1000/60 make run`
	$(BIN)/python scripts/races.py $(ARGS)

test: $(STAMP)  ## lint, types and the whole suite (unit, integration, e2e, browser, infra) on two workers
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile --ignore=tests/infra --ignore=tests/e2e/test_fuzz.py
	$(BIN)/python -m pytest tests/infra tests/e2e/test_fuzz.py  # one CDK synth; schemathesis needs one process

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)  ## AWS calls per operation, the cold-start proxy, the cold path vs a bare app, the Lambda package size, contact screening figures
	$(BIN)/python bench/run.py
	$(BIN)/python bench/screening.py

reconcile: $(STAMP)  ## ledger clearing vs the gateway's balance transactions (ARGS="--from 2026-11-01 --to 2026-11-02")
	$(BIN)/python scripts/reconcile.py $(ARGS)

synth: $(STAMP)  ## CloudFormation template of STAGE (dev|prod) into cdk.out, without npm; then cfn-lint
	CDK_OUTDIR=$(CURDIR)/cdk.out $(BIN)/python infra/app.py -c stage=$(STAGE) $(if $(FRONTEND_ORIGIN),-c frontendOrigin=$(FRONTEND_ORIGIN))
	$(BIN)/cfn-lint cdk.out/tasklane-$(STAGE).template.json

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
