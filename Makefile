# Koppelkiek: `make run` and `make test` are the contract (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export KOPPELKIEK_PUBLIC_URL ?= http://$(HOST):$(PORT)
VENDOR := koppelkiek/static/vendor/socket.io.min.js

.PHONY: run test install assets init demo lint bench translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(VENDOR): node_modules/.package-lock.json
	mkdir -p $(dir $(VENDOR))
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)

install: $(VENV)/.installed assets

# gzip and brotli copies of the static files, served by WhiteNoise (koppelkiek/assets.py).
STATIC := $(filter-out %.gz %.br,$(wildcard koppelkiek/static/*.* koppelkiek/static/vendor/*.*))
koppelkiek/static/.compressed: $(VENDOR) $(STATIC) | $(VENV)/.installed
	$(BIN)/python -m whitenoise.compress --quiet koppelkiek/static
	touch $@

assets: $(VENDOR) koppelkiek/static/.compressed

init: install
	$(BIN)/koppelkiek init

run: init
	$(BIN)/koppelkiek demo --if-empty
	$(BIN)/koppelkiek serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	status=0; for b in intake leaderboard fanout event_loop; do \
	  $(BIN)/python benchmarks/$$b.py || status=1; done; exit $$status

lint: install
	$(BIN)/ruff check .

# Update the catalogues after changing user-facing text: extract, merge, then fill in nl and en.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o koppelkiek/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i koppelkiek/translations/messages.pot -d koppelkiek/translations --no-fuzzy-matching --omit-header
	$(BIN)/pybabel compile -d koppelkiek/translations

clean:
	rm -rf $(VENV) node_modules $(dir $(VENDOR)) build dist *.egg-info
