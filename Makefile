# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.storywatch-installed
WORKDIR ?= storywatch-data

.PHONY: install system-deps demo demo-headless test test-fast lint lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,scale]'
	touch $(STAMP)

install: $(STAMP) system-deps

# What pip cannot install: Pango and the DejaVu fonts for the exec report's PDF (WeasyPrint).
# As root it installs them on Debian/Ubuntu; otherwise it prints the command to run.
SYSTEM_PACKAGES := fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0
system-deps:
	@if ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list | grep -qi dejavu; then \
	    echo "Pango and DejaVu fonts are installed."; \
	elif [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
	    echo "The PDF report needs: sudo apt-get install $(SYSTEM_PACKAGES)"; \
	fi

demo: install
	$(VENV)/bin/storywatch demo --workdir $(WORKDIR)

demo-headless: install
	$(VENV)/bin/storywatch demo --headless --workdir $(WORKDIR)

test: install
	$(PY) -m pytest

# The inner loop: no model load, no browser, no long subprocess crawls, no shared data;
# `make test` (CI) still runs everything.
test-fast: install
	$(PY) -m pytest -m "not model and not browser and not slow and not shared_data"

lint: install
	$(VENV)/bin/ruff check .

lock:
	{ head -2 requirements.lock; $(PY) -m pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu/torch==\1/'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) $(WORKDIR)
