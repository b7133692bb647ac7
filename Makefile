# The only entry point: `make demo`, `make test`, `make bench`, `make lint`.
# Every target creates/uses .venv and installs what it needs, so a fresh clone needs nothing else.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest test-postgres ansible-test bench bench-charts bench-publish conformance venv clean dist test-dist

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check terrateam_core terrateam_emulator pulumi_terrateam
	$(VENV)/bin/mypy terrateam_core pulumi_terrateam terrateam_emulator
	$(PY) scripts/unasync.py --check
	$(PY) scripts/version.py --check

# mypy --strict (pyproject.toml [tool.mypy]) over the three Python packages.
typecheck: venv
	$(VENV)/bin/mypy terrateam_core pulumi_terrateam terrateam_emulator

# Everything but the long runs marked `slow` (full-size load tests, the demo: `make demo`).
pytest: venv
	bash scripts/ensure-chromium.sh
	$(PY) -m pytest -n 2 --dist loadgroup -m "not slow" --ignore=tests/dist

# The emulator contract suite and the reliability tests again, on a private PostgreSQL cluster.
# Two pytest workers, each on its own database (the pytest plugin names them <db>_gw0, <db>_gw1).
test-postgres: venv
	bash scripts/test-postgres.sh

ansible-test: venv
	bash scripts/ansible-test.sh

test: lint pytest test-postgres ansible-test test-dist

# What users install, in dist/: the wheel and sdist (python -m build) and the Ansible collection
# tarball (ansible-galaxy collection build); the collection's version must be the toolkit's.
dist: venv
	bash scripts/dist.sh

# The artifacts of `make dist` installed into fresh venvs (uv), outside the checkout: the wheel
# alone and with each extra, the collection tarball with ansible-galaxy, and the lowest
# dependency versions pyproject.toml allows (tests/dist).
test-dist: dist
	$(PY) -c 'import uv' 2>/dev/null || $(PY) -m pip install -q uv
	TERRATEAM_DIST_TESTS=1 $(PY) -m pytest -n 2 -p no:randomly tests/dist

# The demo needs the emulator, Pulumi and Ansible extras, not the dev toolchain; pip shows
# its progress (a first install downloads a few hundred MB).
DEMO_STAMP := $(VENV)/.demo-installed

$(DEMO_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "demo: installing terrateam-toolkit[emulator,pulumi,ansible] into $(VENV)"
	$(PY) -m pip install --upgrade --progress-bar on pip
	$(PY) -m pip install --progress-bar on -e '.[emulator,pulumi,ansible]'
	touch $@

demo: $(DEMO_STAMP)
	bash scripts/demo.sh

# Every bench/ script, its figures to bench/results/<name>.json, one SVG chart per figure beside.
bench: venv
	bash scripts/bench.sh

# The charts again from the results already in bench/results/ (no benchmark is run).
bench-charts: venv
	$(PY) bench/charts.py

# The charts docs/performance.md shows: bench/results/ → docs/performance/*.svg (committed).
bench-publish: venv
	$(PY) bench/charts.py --out docs/performance

# Measure a Terrateam server against the contract (docs/conformance.md): set TERRATEAM_BASE_URL,
# TERRATEAM_API_KEY (and TERRATEAM_INSTALLATION_ID); without them, a local emulator is measured.
conformance: venv
	bash scripts/conformance.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
