# The two commands: `make run` (the system with demo data) and `make test` (the whole suite).
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := var/uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint browser messages bench clean

run: $(VENV)/.synced
	$(PY) -m rental.devserver

test: $(VENV)/.synced browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m rental.testrun

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Debian's Chromium and CJK fonts for the browser tests (Playwright cannot download browsers here).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftoppm ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null) \
			|| echo "Could not install chromium, fonts-noto-cjk and poppler-utils with apt-get."; \
		fi; \
	fi
	@if [ ! -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then \
		echo "No Chromium found: the browser tests need it. Install Debian's 'chromium' and 'fonts-noto-cjk' (apt-get install chromium fonts-noto-cjk) or set CHROMIUM=/path/to/chromium."; \
		exit 1; \
	fi

$(UV):
	$(PYTHON) -m venv var/uv
	var/uv/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

messages: $(VENV)/.synced
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages_py

bench: $(VENV)/.synced
	for script in bench/availability.py bench/reserve.py bench/sla_sweep.py; do $(PY) $$script || exit 1; done

clean:
	-$(PY) -m rental.core.embedded_db stop
	rm -rf $(VENV) var
