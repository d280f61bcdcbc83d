# Deep Learning Essentials — the instructor's verbs. `make help` lists them.
# Every target installs the environment first (idempotent; see `install`).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# make test: test files run on this many pytest workers (the suite idles the CPU ~2/3 of
# the time: kernel starts, cell timeouts, sleeping red-team cases)
TEST_JOBS ?= 2
ROOT   ?= .
A      ?=
SRC    ?= incoming
# The stamp is keyed on the requirement files: editing them reinstalls.
REQ_HASH := $(shell cat requirements.txt requirements-nodeps.txt pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
STAMP    := $(VENV)/.install-$(REQ_HASH)
ASSIGN   := $(if $(A),--assignment $(A),)

export OMP_NUM_THREADS ?= 1
export HF_HUB_OFFLINE ?= 1

.PHONY: help install sandbox-setup demo test release solutions generate collect autograde feedback export \
        report checkpoints bench clean publish site site-setup data-setup db-setup

help:
	@echo "make install      create .venv and install everything (idempotent)"
	@echo "make demo         simulated class: release → collect → autograde → feedback → report (A=week03_cnn for another week)"
	@echo "make test         the full test suite (what CI runs)"
	@echo "make release      student copies into release/            (A=week01_tensors for one)"
	@echo "make solutions    executed worked solutions into solutions/"
	@echo "make checkpoints  regenerate docs/CHECKPOINTS.md"
	@echo "make generate     release + solutions + checkpoints"
	@echo "make collect SRC=folder-or-zip   import submissions into submitted/ (originals archived)"
	@echo "make autograde [JOBS=N] [A=...] [ENGINE=dask SCHEDULER=tcp://…]  grade submitted/ (parallel, sandboxed)"
	@echo "make feedback     per-student HTML in feedback/ (no hidden tests)"
	@echo "make export       grades.csv with a status column"
	@echo "make report       report/ (HTML + PNG) and the LMS CSV"
	@echo "make bench        timings into docs/BENCHMARKS.md (ONLY=class: only the class comparisons)"
	@echo "make site         the student course website into build/site/html (lectures executed, cached)"
	@echo "make publish DEST=folder   export the student course (public repository) with its site"
	@echo "make clean        remove build/ and caches (never submitted/ or the gradebook)"

install: $(STAMP) sandbox-setup site-setup data-setup db-setup

# PostgreSQL (a gradebook shared by several grading hosts, DLCOURSE_DB_URL; tests/test_postgres.py
# starts its own throw-away server). Installed when root with apt.
db-setup:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing postgresql (the shared-gradebook test)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "NOTE: the PostgreSQL gradebook test needs: sudo apt-get install -y postgresql"; \
	  fi; \
	fi

# Offline data of week 3 (Debian): Fashion-MNIST files, the colour-emoji font and Unicode's
# emoji-test.txt (the generated transfer-learning set). Installed when root with apt.
DATA_APT := dataset-fashion-mnist fonts-noto-color-emoji unicode-data
data-setup:
	@if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || \
	    [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || [ ! -f /usr/share/unicode/emoji/emoji-test.txt ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(DATA_APT) (week 3 offline data)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DATA_APT) >/dev/null; \
	  else \
	    echo "NOTE: week 3 needs: sudo apt-get install -y $(DATA_APT)"; \
	  fi; \
	fi

# The grading sandbox: bubblewrap (installed here when root with apt, else the command is
# printed) and the `dlcourse-sandbox` kernelspec that nbgrader_config.py selects, so plain
# `nbgrader autograde` grades sandboxed too. Runs every time (cheap, idempotent).
sandbox-setup: $(STAMP)
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the grading sandbox)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "NOTE: grading needs bubblewrap. Install it with: sudo apt-get install -y bubblewrap"; \
	  fi; \
	fi
	@$(PY) -m autograder.sandbox install-kernelspec >/dev/null
	@$(PY) -m autograder.sandbox check || true

# The course website's browser test (tests/test_site.py): Debian chromium and a Hangul font.
site-setup:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/truetype/nanum ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and fonts-nanum (the website's browser test)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	  else \
	    echo "NOTE: the website test needs: sudo apt-get install -y chromium fonts-nanum"; \
	  fi; \
	fi

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "ERROR: Python >= 3.11 is required (nbgrader 0.9.6 needs it); found: $$($(PYTHON) --version 2>&1). Use PYTHON=python3.11 make ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@if grep -qvE '^\s*(#|$$)' requirements-nodeps.txt; then \
	  $(PY) -m pip install -q --no-deps -r requirements-nodeps.txt; fi
	$(PY) -m pip install -q --no-deps -e .
	@rm -f $(VENV)/.install-*
	@touch $@
	@echo "installed: $(VENV) ($(REQ_HASH))"

demo: install
	$(PY) -m autograder demo --jobs $(JOBS) $(ASSIGN)

test: install
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadscope --no-loadscope-reorder

release: install
	$(PY) -m autograder release $(ASSIGN)

solutions: install
	$(PY) -m autograder solutions $(ASSIGN)

checkpoints: install
	$(PY) -m autograder checkpoints

generate: release solutions checkpoints

collect: install
	$(PY) -m autograder collect --root $(ROOT) $(SRC)

# ENGINE=dask: grade on Dask distributed (a LocalCluster of JOBS workers, or SCHEDULER=tcp://…);
# needs a server gradebook (DLCOURSE_DB_URL=postgresql+psycopg2://…): docs/INSTRUCTOR.md
ENGINE ?= local
autograde: install
	$(PY) -m autograder autograde --root $(ROOT) --jobs $(JOBS) --engine $(ENGINE) $(ASSIGN) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER),)

feedback: install
	$(PY) -m autograder feedback --root $(ROOT) $(ASSIGN)

export: install
	$(PY) -m autograder export --root $(ROOT)

report: install
	$(PY) -m autograder report --root $(ROOT)

bench: install
	$(PY) -m autograder bench $(if $(ONLY),--only $(ONLY))

site: install
	$(PY) -m autograder site

publish: install
	@test -n "$(DEST)" || { echo "usage: make publish DEST=../deep-learning-essentials (a clone of the student repository, or an empty folder)"; exit 2; }
	$(PY) -m autograder publish --dest "$(DEST)"

clean:
	rm -rf build .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
