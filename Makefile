# The two commands: `make run` (the system with demo data) and `make test` (the whole suite).
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := var/uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint browser pdfdeps gettext messages bench clean

run: $(VENV)/.synced pdfdeps
	$(PY) -m rental.devserver

test: $(VENV)/.synced browser pdfdeps gettext
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

# What WeasyPrint needs to print the contract PDF: the libraries it loads (Pango, HarfBuzz and its
# subsetter, fontconfig, GObject) and the Noto CJK fonts it embeds, found through fontconfig.
PDF_LIBS := libgobject-2.0.so.0 libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 \
	libharfbuzz-subset.so.0 libfontconfig.so.1
PDF_DEBS := libglib2.0-0 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
	libfontconfig1 fontconfig fonts-noto-cjk
pdfdeps:
	@missing=""; for lib in $(PDF_LIBS); do /sbin/ldconfig -p 2>/dev/null | grep -q "[[:space:]]$$lib " || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ] || ! fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_DEBS) >/dev/null) \
			|| echo "Could not install $(PDF_DEBS) with apt-get."; \
		fi; \
	fi
	@missing=""; for lib in $(PDF_LIBS); do /sbin/ldconfig -p 2>/dev/null | grep -q "[[:space:]]$$lib " || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ] || ! fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then \
		echo "The contract PDF needs Pango, HarfBuzz and the Noto CJK fonts (missing:$${missing:- Noto Serif CJK SC}). Install Debian's $(PDF_DEBS)."; \
		exit 1; \
	fi

# GNU gettext: `make messages` extracts the strings with it, and a test checks that the catalogue
# is what it extracts (tests/core/test_translations.py).
gettext:
	@if ! command -v xgettext >/dev/null || ! command -v msgmerge >/dev/null; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) \
			|| echo "Could not install gettext with apt-get."; \
		fi; \
	fi
	@if ! command -v xgettext >/dev/null; then \
		echo "No xgettext found: install GNU gettext (Debian's 'gettext')."; \
		exit 1; \
	fi

$(UV):
	$(PYTHON) -m venv var/uv
	var/uv/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

messages: $(VENV)/.synced gettext
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages_py

bench: $(VENV)/.synced pdfdeps
	for script in bench/availability.py bench/reserve.py bench/sla_sweep.py bench/pdf.py bench/api.py; do $(PY) $$script || exit 1; done

clean:
	-$(PY) -m rental.core.embedded_db stop
	rm -rf $(VENV) var
