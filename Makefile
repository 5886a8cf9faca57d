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

.PHONY: install demo test bench clean browser

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

# The console's browser tests drive Debian's chromium (Playwright cannot download a browser here). Installed once
# where apt-get and root are available; elsewhere those tests skip and say why.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		(timeout 300 apt-get install -y -q chromium >/dev/null 2>&1 || (timeout 300 apt-get update -q >/dev/null 2>&1 && \
		 timeout 300 apt-get install -y -q chromium >/dev/null 2>&1)) || echo "chromium not installed: browser tests will skip"; \
	fi

# Two pytest workers (pytest-xdist), each test module kept on one worker so its module fixtures (a topology, a
# chaos campaign) start once: much of the suite waits on subprocesses, so two workers halve it even on two cores.
# TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.run

.PHONY: chaos
# kill -9 and restart each component (runtime, gate, tools, everything with nats-server) and restart nats-server
# during 100 claim runs each; prints runs lost, duplicate effects, audit chain and orphans per scenario, writes
# bench/results/chaos.json and fails unless all are zero. CHAOS_ARGS="--runs 20 --seed 3 --scenario kill-gate".
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

clean:
	rm -rf .warden

.PHONY: eval
# Offline evals against the stored baseline (evals/baselines/main.json): exit 0 pass, 10 quality, 20 safety, 30 error.
eval: $(STAMP)
	$(BIN)/warden eval run claims-safety claims-decisions pii-egress --baseline main

# AgentDojo banking and slack with the gate off and on (evals/agentdojo/): agentdojo and its model SDKs get their own
# virtualenv outside the repo, which sees Warden and its packages through a .pth (rewritten each run: the repo may move).
AGENTDOJO_VERSION := 0.1.35
AGENTDOJO_VENV ?= $(HOME)/.cache/warden/venv-agentdojo-$(AGENTDOJO_VERSION)
.PHONY: eval-agentdojo
$(AGENTDOJO_VENV)/.installed: | $(STAMP)
	$(BIN)/python -m venv $(AGENTDOJO_VENV)
	$(AGENTDOJO_VENV)/bin/python -m pip install --progress-bar off --quiet "agentdojo==$(AGENTDOJO_VERSION)"
	@touch $@

eval-agentdojo: $(AGENTDOJO_VENV)/.installed
	@$(BIN)/python -c "import sysconfig; print('$(CURDIR)'); print(sysconfig.get_paths()['purelib'])" \
		> "$$($(AGENTDOJO_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/warden.pth"
	$(AGENTDOJO_VENV)/bin/python -W ignore -m evals.agentdojo.run
