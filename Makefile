# pvw: the two promises are `make demo` and `make test`; the rest are steps of them.
# Environments live inside the repo: .venv (pipeline, from uv.lock), .venv-superset
# (Superset, pinned in superset/requirements.txt), .venv-tools (uv itself).
# Both are compiled to bytecode at install: this machine sets PYTHONDONTWRITEBYTECODE, so
# without it every process (pvw, dbt, Great Expectations, Superset) compiles what it imports
# again, seconds each time (docs/bench.md).

PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV := .venv-tools/bin/uv
PVW := .venv/bin/pvw

.PHONY: demo test install run serve generate publish lint unit integration browser dbt-docs clean chromium bench

demo: install ## install, generate, run, publish, serve (Ctrl-C stops)
	$(PVW) demo

test: install chromium lint ## everything: lint, unit, dbt, integration, browser
	.venv/bin/python -m pytest tests

install: .venv/.installed .venv-superset/.installed

$(UV):
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

.venv-superset/.installed: $(UV) superset/requirements.txt
	test -x .venv-superset/bin/python || $(UV) venv .venv-superset --python $(PYTHON)
	$(UV) pip install --compile-bytecode --python .venv-superset/bin/python -r superset/requirements.txt
	touch $@

chromium: ## Debian's Chromium for the browser tests (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium (apt-get)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

generate: install
	$(PVW) generate

run: install
	$(PVW) run

serve: install
	$(PVW) serve

publish: install
	$(PVW) publish

bench: install ## the benchmark of issue 7 at national scale (docs/bench.md)
	$(PVW) bench --scale national

unit: .venv/.installed
	.venv/bin/python -m pytest tests/unit

integration: install
	.venv/bin/python -m pytest tests/integration

browser: install chromium
	.venv/bin/python -m pytest tests/browser

lint: .venv/.installed
	.venv/bin/ruff check orchestration expectations tests superset/superset_config.py superset/import_assets.py superset/apply_roles.py

clean: ## remove build outputs (keeps environments and $$PVW_HOME)
	rm -rf target logs artifacts .pytest_cache
