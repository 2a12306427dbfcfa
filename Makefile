# svclab: two commands from a fresh clone — `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
SVCLAB_BACKEND ?= embedded
STATE_DIR ?= $(CURDIR)/.svclab/lab
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup test lab down bench exercises grade clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "svclab needs Python 3.11, found " + sys.version.split()[0]'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(VENV)/bin/kubectl version --client >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# The whole suite, and every lesson re-executed by nbval against a fresh seeded embedded cluster.
test: setup
	SVCLAB_FRESH=1 SVCLAB_SEED=0 $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-sanitize-with notebooks/nbval-sanitize.cfg tests notebooks

KUBECONFIG_FILE := $(if $(filter kind,$(SVCLAB_BACKEND)),$(STATE_DIR)/kind-svclab.kubeconfig,$(STATE_DIR)/kubeconfig)

lab: setup
ifeq ($(SVCLAB_BACKEND),kind)
	$(VENV)/bin/svclab kind up --state-dir $(STATE_DIR)
else
	$(VENV)/bin/svclab up --state-dir $(STATE_DIR)
endif
	@echo "export KUBECONFIG=$(KUBECONFIG_FILE)  # for a terminal of your own"
	SVCLAB_BACKEND=$(SVCLAB_BACKEND) SVCLAB_STATE_DIR=$(STATE_DIR) KUBECONFIG=$(KUBECONFIG_FILE) \
	  $(VENV)/bin/jupyter lab --port $(LAB_PORT) $(if $(DISPLAY),,--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root,) --notebook-dir notebooks

bench: setup
	$(PY) -m bench.run

down: setup
	$(VENV)/bin/svclab down --state-dir $(STATE_DIR)

clean:
	rm -rf .svclab .pytest_cache build *.egg-info
