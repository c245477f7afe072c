# Charter: the two commands are `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two install stamps, each named after pyproject.toml's checksum: what running needs (`make run`,
# the worker, beat) and, on top of it, the [dev] extras (pytest, Playwright, ruff: ~500 MB more)
# that only `make test`, `make lint` and `make bench` need.
SUM       := $(shell cksum pyproject.toml | cut -d' ' -f1)
STAMP     := $(VENV)/.installed-run-$(SUM)
DEV_STAMP := $(VENV)/.installed-dev-$(SUM)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Parallel test processes; "auto" means one per core.
JOBS   ?= auto

.PHONY: install install-dev run test worker beat bench lint format migrate clean

# (Re)install the project into .venv whenever pyproject.toml changes: the runtime only...
$(STAMP): pyproject.toml
	@scripts/ensure-venv "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@rm -f $(VENV)/.installed-run-* $(VENV)/.installed-[0-9]*
	@touch $(STAMP)

# ...and with the [dev] extras for the suite and the tools.
$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-dev-*
	@touch $(DEV_STAMP)

install: $(STAMP)
	@scripts/ensure-system-libs

install-dev: install $(DEV_STAMP)

## make run: install, migrate, load demo data, serve on http://127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Charter is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo login:  demo / charter-demo   (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install, then run the whole suite (parallel)
test: install-dev
	@scripts/ensure-chromium
	$(BIN)/pytest -n $(JOBS) $(PYTEST_ARGS)

## The full stack's moving parts (set DATABASE_URL and REDIS_URL first).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

## make bench: benchmarks, each printing ratios against baselines measured in the same run
bench: install-dev
	$(BIN)/python -m bench $(BENCH)

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
