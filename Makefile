# Runlens. `make run` and `make test` install what is missing on Debian/Ubuntu, then build.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export MLFLOW_DISABLE_TELEMETRY := true
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

# What Tauri needs to build, and what the tests drive (Xvfb, WebKitWebDriver, Chromium).
BUILD_PKGS := pkg-config build-essential libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev \
	libsoup-3.0-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev \
	xdg-utils
TEST_PKGS := xvfb xauth webkit2gtk-driver chromium imagemagick xdotool

UI_SRC := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/package-lock.json

.PHONY: help run test build bench fuzz dist deps-build deps-test ui check-rust test-rust test-python test-ui test-desktop clean

help:
	@echo "make run    build and start the desktop app on the default store"
	@echo "make test   run every test (installs what is missing)"
	@echo "make build  build the UI, target/release/runlens and target/release/runlens-desktop"
	@echo "make bench  measure Runlens against MLflow's own server; writes docs/benchmarks.md"
	@echo "make dist   build the Linux desktop bundle (.deb: the app and the runlens CLI) into dist/"
	@echo "make fuzz   fuzz the parsers, the path resolver and the request decoding (10 min each)"

# Installs the Debian packages that are not there yet (apt-get update only if needed).
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

deps-build:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then rerun make." >&2; exit 1; }
	$(call apt_install,$(BUILD_PKGS))
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

deps-test: deps-build $(VENV)/.installed tests/e2e/node_modules/.installed
	$(call apt_install,$(TEST_PKGS))
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

$(VENV)/.installed: tests/python/requirements.txt
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
	@touch $@

ui/dist/index.html: ui/node_modules/.installed $(UI_SRC)
	cd ui && npm run build

ui: ui/dist/index.html

build: deps-build ui
	$(CARGO) build --release -p runlens -p runlens-desktop

run: build
	$(TARGET_DIR)/release/runlens-desktop

check-rust: deps-build ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: deps-build ui
	$(CARGO) test --workspace
	$(CARGO) build --workspace --bins

test-python: test-rust deps-test
	$(VENV)/bin/python -m pytest -q tests/python

test-ui: test-rust deps-test
	cd ui && npm run check
	cd tests/e2e && node --test --test-concurrency=1 ui.test.mjs ui-*.test.mjs

test-desktop: test-rust deps-test
	cd tests/e2e && xvfb-run -a node --test desktop.test.mjs

test: check-rust test-rust test-python test-ui test-desktop

# Each fuzz target for ten minutes (make test gives each a few seconds); FUZZ_SECONDS to change.
FUZZ_SECONDS ?= 600
fuzz: deps-build ui
	RUNLENS_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --release --test integration fuzz -- --nocapture

# The Linux bundle through Tauri's bundler (offline): a .deb holding runlens-desktop, its
# desktop entry and icon, and the runlens CLI in /usr/bin.
dist: deps-build ui
	$(CARGO) build --release -p runlens
	ui/node_modules/.bin/tauri build --bundles deb --ci \
		--config '{"bundle": {"active": true, "linux": {"deb": {"files": {"/usr/bin/runlens": "$(TARGET_DIR)/release/runlens"}}}}}'
	mkdir -p dist && cp $(TARGET_DIR)/release/bundle/deb/*.deb dist/
	@ls -l dist/*.deb

bench: deps-build deps-test ui
	$(CARGO) build --release -p runlens -p runlens-desktop
	$(VENV)/bin/python bench/bench.py $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules tests/e2e/node_modules $(VENV)
