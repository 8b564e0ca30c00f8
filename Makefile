# Two commands: `make run` (serve the embedded default, seeded) and `make test` (the whole suite).
# Works on a fresh machine with only Python 3.11+: uv is bootstrapped into .tools/ by pip.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test reliability bench bench-scale lint openapi migration browser-deps compose-deps bench-deps screenshots

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	touch $@

run: .venv/.synced
	.venv/bin/casino-club serve --seed --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests (Playwright's own browser download cannot work here), plus
# Korean and emoji fonts so screenshots and visual checks render real glyphs, not boxes.
BROWSER_PKGS := chromium fonts-noto-cjk fonts-noto-color-emoji
browser-deps:
	@missing=""; for p in $(BROWSER_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing$$missing and not root: browser tests will report it"; fi; \
	fi

# Desktop (1366x900) and mobile (390x844) screenshots of every player and admin page in screenshots/.
screenshots: .venv/.synced browser-deps
	.venv/bin/python scripts/screenshots.py

# Debian's docker-compose so tests/ops can run `docker-compose config` on compose.yaml (no daemon needed).
compose-deps:
	@if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; \
	  else echo "no docker compose and not root: the compose config check will be skipped"; fi; \
	fi

# Debian's wrk: the load generator of `make bench`, whose harness test runs in the suite.
bench-deps:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk missing and not root: the wrk harness test will be skipped"; fi; \
	fi

test: .venv/.synced browser-deps compose-deps bench-deps lint
	.venv/bin/pytest $(PYTEST_ARGS)

reliability: .venv/.synced
	CASINO_RELIABILITY_LONG=1 .venv/bin/pytest tests/reliability $(PYTEST_ARGS)

# wrk harness on SQLite and (with CASINO_TEST_DATABASE_URL / CASINO_TEST_REDIS_URL) PostgreSQL; see bench/README.md.
# BENCH_ARGS passes flags, e.g. make bench BENCH_ARGS="--backend sqlite --seconds 10".
BENCH_ARGS ?=
bench: .venv/.synced bench-deps
	.venv/bin/python -m bench.wrk_bench $(BENCH_ARGS)

# The older benches (PostgreSQL + Redis): scale-out 1 vs 2 instances and history pages at 10^4 vs 10^6 rows.
bench-scale: .venv/.synced
	.venv/bin/python -m bench.scale_bench
	.venv/bin/python -m bench.history_bench

lint: .venv/.synced
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy src
	.venv/bin/lint-imports

openapi: .venv/.synced
	.venv/bin/casino-club openapi -o openapi.json

migration: .venv/.synced
	./scripts/new-migration.sh "$(m)"
