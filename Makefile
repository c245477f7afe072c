# Charter: the two commands are `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Parallel test processes; "auto" means one per core.
JOBS   ?= auto

.PHONY: install run test worker beat bench lint format migrate clean

# (Re)install the project into .venv whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@scripts/ensure-venv "$(PYTHON)" "$(VENV)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)
	@scripts/ensure-system-libs

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
test: install
	@scripts/ensure-chromium
	$(BIN)/pytest -n $(JOBS) $(PYTEST_ARGS)

## The full stack's moving parts (set DATABASE_URL and REDIS_URL first).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

## make bench: benchmarks, each printing ratios against baselines measured in the same run
bench: install
	$(BIN)/python -m bench $(BENCH)

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
