# Koppelkiek: `make run` and `make test` are the contract (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export KOPPELKIEK_PUBLIC_URL ?= http://$(HOST):$(PORT)
VENDOR_DIR := koppelkiek/static/vendor
# Browser libraries from npm (package-lock.json), copied in; never committed.
VENDOR := $(VENDOR_DIR)/socket.io.min.js $(VENDOR_DIR)/browser-image-compression.js \
	$(VENDOR_DIR)/leaflet.js $(VENDOR_DIR)/leaflet.css $(VENDOR_DIR)/chart.umd.min.js \
	$(VENDOR_DIR)/idb-keyval.js $(VENDOR_DIR)/d3-force.js

.PHONY: run test install assets init demo lint bench afternoon translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(VENDOR): node_modules/.package-lock.json
	mkdir -p $(VENDOR_DIR)
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR_DIR)/
	cp node_modules/browser-image-compression/dist/browser-image-compression.js $(VENDOR_DIR)/
	mkdir -p $(VENDOR_DIR)/images
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR_DIR)/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR_DIR)/images/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR_DIR)/
	cp node_modules/idb-keyval/dist/umd.js $(VENDOR_DIR)/idb-keyval.js
	# d3-force's UMD build extends a global d3 with its three dependencies, so they go in one file.
	cat node_modules/d3-dispatch/dist/d3-dispatch.min.js node_modules/d3-quadtree/dist/d3-quadtree.min.js \
	  node_modules/d3-timer/dist/d3-timer.min.js node_modules/d3-force/dist/d3-force.min.js > $(VENDOR_DIR)/d3-force.js

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
	status=0; for b in intake leaderboard fanout event_loop scoring hostile; do \
	  $(BIN)/python benchmarks/$$b.py || status=1; done; exit $$status

# The 1,000-phone afternoon, twice: photos of ~1 MB, then ~0.3 MB as phones send after scaling.
afternoon: install
	$(BIN)/python benchmarks/afternoon.py --photo-kb 1000
	$(BIN)/python benchmarks/afternoon.py --photo-kb 300

lint: install
	$(BIN)/ruff check .

# Update the catalogues after changing user-facing text: extract, merge, then fill in every
# language. The catalogues keep their headers: Plural-Forms tells ar and pl how to count.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o koppelkiek/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i koppelkiek/translations/messages.pot -d koppelkiek/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -f -d koppelkiek/translations

clean:
	rm -rf $(VENV) node_modules $(VENDOR_DIR) build dist *.egg-info
