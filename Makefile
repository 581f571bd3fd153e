# Two set-up commands (each installs what it needs into .venv on first use):
#   make run    # the main job: reform scenarios compared on the embedded Ningxia data
#   make test   # the test suite
# Other arguments: make run ARGS="scenario=full_reform seed=3"  (a single run)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?= experiment=compare

.PHONY: run test bench notebooks demo install clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "zonesim needs Python >= 3.12 (pyenv: the .python-version file selects 3.12)")'
	$(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON) -m uv venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(PYTHON) -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[test,cluster,notebooks,demo,ema]"
	$(BIN)/zonesim-demo-assets || echo "warning: no dashboard assets (needs npm); zonesim-demo will not work offline"
	@touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/zonesim $(ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(BIN)/.installed
	$(BIN)/zonesim-bench

notebooks: $(BIN)/.installed
	$(BIN)/zonesim-notebooks

demo: $(BIN)/.installed
	$(BIN)/zonesim-demo

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
