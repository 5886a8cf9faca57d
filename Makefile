# Warden: the two quick-start commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1

# llama.cpp is compiled once per machine into a wheelhouse outside the repo, for a portable CPU target:
# a native build on a CPU with AMX crashes (SIGSEGV in ldtilecfg) where the kernel does not grant AMX state,
# and pip would reuse such a wheel from its cache on any other machine. Keep the version in step with pyproject.toml.
LLAMA_VERSION := 0.3.36
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
else
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif
WHEELHOUSE ?= $(HOME)/.cache/warden/wheels/llama-cpp-python-$(LLAMA_VERSION)-$(shell echo "$(LLAMA_CMAKE_ARGS)" | cksum | cut -d' ' -f1)
LLAMA_WHEEL := $(WHEELHOUSE)/.built

.PHONY: install demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LLAMA_WHEEL): | $(BIN)/python
	@echo "compiling llama.cpp $(LLAMA_VERSION) once for this machine (several minutes) into $(WHEELHOUSE)"
	@mkdir -p $(WHEELHOUSE)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel --progress-bar off --no-deps --no-cache-dir \
		"llama-cpp-python==$(LLAMA_VERSION)" -w $(WHEELHOUSE)
	@touch $@

$(STAMP): pyproject.toml $(LLAMA_WHEEL) | $(BIN)/python
	@echo "installing Warden and its dependencies"
	$(BIN)/python -m pip install --progress-bar off --find-links $(WHEELHOUSE) -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/warden demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf .warden

.PHONY: eval
# Offline evals against the stored baseline (evals/baselines/main.json): exit 0 pass, 10 quality, 20 safety, 30 error.
eval: $(STAMP)
	$(BIN)/warden eval run claims-safety claims-decisions pii-egress --baseline main
