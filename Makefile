# Two commands matter (README.md): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist). The one that runs the Elasticsearch tests starts a server
# (about 1 GB); the default is the 2 cores CI has, not every core of a large machine.
TEST_WORKERS ?= 2
# Tests are handed out a few at a time, slow ones first (tests/conftest.py): the minutes-long
# tests spread over the workers instead of queueing on one. The browser tests and those of the
# real Elasticsearch are two groups, each kept on one worker, so that one live server and one
# Elasticsearch serve the run instead of one per worker (tests/conftest.py).
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: run test lint install install-dev lock test-deps stack-deps stack-up stack-down

# The stamp is written last, so an interrupted creation is redone from scratch.
$(VENV)/.created:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $@

# Installed from the lock files: every package, dependencies included, at the locked version
# and with its recorded hash (`make lock` writes them from requirements*.txt).
$(VENV)/.installed: requirements.lock | $(VENV)/.created
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock tests/browser/package-lock.json | $(VENV)/.created
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(MAKE) test-deps
	touch $@ $(VENV)/.installed

# After changing requirements.txt or requirements-dev.txt: lock both again (pip-tools, Python 3.11).
# The dev lock is constrained by the runtime lock, so tests run on the versions production installs.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: | $(VENV)/.created
	$(BIN)/pip install --quiet pip-tools
	$(PIP_COMPILE) --output-file=requirements.lock requirements.txt
	$(PIP_COMPILE) --constraint=requirements.lock --output-file=requirements-dev.lock requirements-dev.txt

# Programs the suite starts from Debian's packages when the machine lacks them: Chromium (driven by
# Playwright, which cannot download browsers here) with CJK fonts so screenshots show Chinese,
# Redis (the shared sign-in throttle across workers) and nginx (TLS and basic auth in front of the
# test Elasticsearch, tests/support/nginx_tls.py). axe-core comes from the npm registry.
test-deps:
	@test -x /usr/bin/chromium && test -x /usr/bin/redis-server && test -x /usr/sbin/nginx && fc-list | grep -q "Noto Sans CJK" || \
		{ $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
			chromium fonts-noto-cjk redis-server nginx; }
	cd tests/browser && npm ci --no-audit --no-fund --silent

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Install, migrate, seed the 云城区 2020 demo, and serve on the embedded defaults. A local demo is
# development: without SECRET_KEY, a private key is generated once into instance/secret_key.
run: export QINGDAN_ENV ?= development
run: install
	$(BIN)/flask --app catalog db upgrade
	$(BIN)/flask --app catalog seed yuncheng
	$(BIN)/flask --app catalog search drain --now
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) 'catalog:create_app()'

# What CI checks before the suite (.ci/run): lint (the rules in pyproject.toml), the format, and
# types (mypy: strict on search/ and catalog/services/).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The whole suite on SQLite (with the real Elasticsearch and the embedded engine), then every
# database-touching test again on PostgreSQL 15.
test: install-dev
	$(BIN)/python -m pytest $(PARALLEL)
	TEST_DATABASE=postgresql $(BIN)/python -m pytest $(PARALLEL)

# The production topology on this machine (docs/operations.md): PostgreSQL 15, three Elasticsearch
# nodes, Redis, gunicorn nodes, the search worker and nginx, on loopback. Needs root.
stack-deps:
	@command -v nginx >/dev/null && command -v wrk >/dev/null && command -v redis-server >/dev/null || \
		{ $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q nginx wrk redis-server; }

stack-up: install-dev stack-deps
	PYTHON=$(BIN)/python deploy/stack up

stack-down:
	PYTHON=$(BIN)/python deploy/stack down
