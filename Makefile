# Two set-up commands (each installs what it needs into .venv on first use):
#   make run    # the main job: reform scenarios compared on the embedded Ningxia data
#   make test   # the test suite
# Other arguments: make run ARGS="scenario=full_reform seed=3"  (a single run)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?= experiment=compare

.PHONY: run test test-fast lint bench notebooks demo load-test install clean

$(BIN)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "zonesim needs Python >= 3.12 (pyenv: the .python-version file selects 3.12)")'
	$(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON) -m uv venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(PYTHON) -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e ".[test,cluster,notebooks,demo,ema]"
	$(BIN)/zonesim-demo-assets || echo "warning: no dashboard assets (needs npm); zonesim-demo will not work offline"
	$(BIN)/python -m sim.runner.warm  # compile the model's kernels once, not in every worker of the first run
	@touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/zonesim $(ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile

# unit and mechanism tests only (no end-to-end commands, sweeps, browsers or long runs): the
# developer loop; `make test` runs everything, as CI does
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow" -p no:playwright --ignore=tests/browser

# lint and format checks (CI runs them; `.venv/bin/ruff format .` formats)
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed
	$(BIN)/zonesim-bench

notebooks: $(BIN)/.installed
	$(BIN)/zonesim-notebooks --html

demo: $(BIN)/.installed
	$(BIN)/zonesim-demo

# a classroom's load on the dashboard: SESSIONS browser sessions (headless Chromium) pressing
# "+1 year" at once; waits, server memory and exceptions (not part of make test)
SESSIONS ?= 10
load-test: $(BIN)/.installed
	$(BIN)/python -m sim.demo.loadtest --sessions $(SESSIONS)

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
