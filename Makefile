# communs — the usual Pelican targets, plus setup and tests.
# Every target creates the virtual environment it needs (.venv) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CONTENT ?= content
OUTPUT ?= output
PORT ?= 8000
JOBS ?= auto

.PHONY: help install serve validate html publish test test-lowest bench clean

help:
	@echo "make serve     installe tout et lance l'annuaire de démonstration"
	@echo "make test      installe tout et lance la suite de tests"
	@echo "make validate  vérifie les fiches de $(CONTENT)/"
	@echo "make html      construit le site avec pelicanconf.py dans $(OUTPUT)/"
	@echo "make publish   construit le site avec publishconf.py"
	@echo "make bench     mesure la validation d'un annuaire synthétique"

NODE_STAMP := node_modules/.package-lock.json
# System packages come from Debian when missing (as root, or through sudo).
APT_INSTALL := $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(APT_INSTALL) nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# Until the static site lands, serving the demo means checking it and summarising it.
serve: $(STAMP)
	$(BIN)/communs validate --content $(CONTENT) --stats

validate: $(STAMP)
	$(BIN)/communs validate --content $(CONTENT)

html: $(STAMP)
	$(BIN)/pelican $(CONTENT) -s pelicanconf.py -o $(OUTPUT)

publish: $(STAMP)
	$(BIN)/pelican $(CONTENT) -s publishconf.py -o $(OUTPUT)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

# Run the suite against the lowest versions pyproject.toml allows (in a separate venv).
test-lowest: $(NODE_STAMP)
	$(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python scripts/lowest_requirements.py > .venv-lowest/requirements.txt
	.venv-lowest/bin/python -m pip install --quiet -r .venv-lowest/requirements.txt
	.venv-lowest/bin/python -m pip install --quiet --no-deps -e .
	.venv-lowest/bin/python -m pytest -n $(JOBS) -q

bench: $(STAMP)
	$(BIN)/python scripts/bench_validate.py

clean:
	rm -rf $(OUTPUT) .pytest_cache .hypothesis
