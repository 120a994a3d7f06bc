# Every target installs what it needs from the lock file first; nothing is installed by hand.
SHELL := /bin/bash
PY_BOOT ?= python3
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced
export UV_PYTHON := 3.11
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench install browser fmt clean

$(TOOLS)/bin/uv:
	$(PY_BOOT) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/python app.py

lint: install
	$(VENV)/bin/ruff check coach tests bench eval app.py
	$(VENV)/bin/mypy

test: install lint browser
	$(VENV)/bin/pytest

bench: install
	$(VENV)/bin/python -m bench

# Debian's chromium + its driver for the end-to-end browser tests, and a CJK font so the screenshots show Chinese
# (root on these machines; skipped when already there)
browser:
	@(command -v chromium && command -v chromedriver && dpkg -s fonts-wqy-microhei) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null) || echo "chromium could not be installed: browser tests will fail"

fmt: install
	$(VENV)/bin/ruff check --fix coach tests bench eval app.py
	$(VENV)/bin/ruff format coach tests bench app.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
