# `make test` and `make demo` set up .venv themselves: torch 2.13.0 first (the CPU build that
# lies on this disk), then the project, so pip never resolves a multi-GB CUDA torch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0

.PHONY: test demo bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "torch==$(TORCH_VERSION)"
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

test: $(VENV)/.installed
	KERAS_BACKEND=torch $(BIN)/python -m pytest -q -n 2 tests

demo: $(VENV)/.installed
	$(BIN)/python examples/mnist_mlp.py

bench: $(VENV)/.installed
	KERAS_BACKEND=torch $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
