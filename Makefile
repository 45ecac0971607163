# Friday Digest — `make demo` and `make test` each install what they need into .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MJML_JS := $(VENV)/node_modules/.bin/mjml

.PHONY: demo demo-serve test lint bench install clean browser-deps chromium env-vars mutants lock sam-check templates package-check

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/digest demo --out out

# The demo, then its archive (:8000) and pages (:3000) served until Ctrl-C, with addresses to open.
demo-serve: $(STAMP)
	$(BIN)/digest demo --out out --serve

test: $(STAMP) lint browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check functions tests benchmarks
	$(BIN)/mypy

# The browser tests (tests/browser) screenshot editions in headless Chromium (Debian's package) and
# compare mjml-python with the reference MJML (npm mjml 4, in .venv/node_modules). Both installs are
# best effort: when one fails, `make test` goes on and those tests skip, saying why.
browser-deps: $(MJML_JS) chromium

$(MJML_JS): | $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix $(VENV) mjml@4 --no-audit --no-fund --loglevel=error \
	    --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 --fetch-timeout=30000 \
	  || echo "warning: npm install mjml failed: the MJML reference tests will skip"; \
	else echo "note: no npm: the MJML reference tests will skip"; fi

chromium:
	@command -v chromium >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  { apt-get update -qq -o Acquire::Retries=1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium fonts-liberation >/dev/null; } \
	  || echo "warning: apt-get install chromium failed: the browser tests will skip"; \
	else echo "note: no chromium (apt-get needs root): the browser tests will skip"; fi

# The layouts compiled ahead of time (digest/render/precompiled.py): after editing layouts/*.j2 or
# the Jinja2 environments; tests/unit/test_precompiled.py fails until they are up to date.
templates: $(STAMP)
	cd functions && ../$(BIN)/python -m digest.render.precompiled ../layouts

# The --env-vars file for `sam local invoke` (docs/deploy.md, "Running functions locally"): every
# variable that names a resource, for every function, set to the local stack's names.  The stack is
# at AWS_ENDPOINT_URL (a moto server listening on 0.0.0.0); the container reaches it through
# host.docker.internal, or pass ENV_VARS_FLAGS=--docker-network-host with --docker-network host.
ENV_VARS_FILE ?= env.local.json
env-vars: $(STAMP)
	$(BIN)/digest stack env-vars --out $(ENV_VARS_FILE) $(ENV_VARS_FLAGS)

# Mutation testing of the pure core (tests/mutants.py, docs/mutation.md); not part of `make test`.
# A fixed-seed sample per module by default; MUTANTS_ARGS=--all runs every mutant.
MUTANTS_ARGS ?=
mutants: $(STAMP)
	$(BIN)/python tests/mutants.py --jobs 2 $(MUTANTS_ARGS)

bench: $(STAMP)
	$(if $(PYTHON312_DIR),PATH="$(PYTHON312_DIR):$$PATH") $(BIN)/python benchmarks/run.py $(BENCH)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

# The Lambda packages' hash-locked requirements: one functions/requirements/GROUP.lock per GROUP.txt,
# resolved for the runtime (CPython 3.12, manylinux2014 aarch64, wheels only).  Run after editing a
# .txt (tests/infra/test_packages.py fails until the lock covers it); lambda_package.py installs the
# lock with --require-hashes.
LOCK_FLAGS := --python-version 3.12 --python-platform aarch64-manylinux2014 --only-binary :all: \
	--generate-hashes --custom-compile-command "make lock" --quiet
lock: $(STAMP)
	cd functions/requirements && for group in *.txt; do \
	  ../../$(BIN)/uv pip compile "$$group" $(LOCK_FLAGS) -o "$${group%.txt}.lock" || exit 1; \
	done

# `sam validate --lint` and `sam build` as a deployer runs them (docs/deploy.md), with the SAM CLI in
# its own venv (.venv/sam: its pins differ from the project's).  The build compiles bytecode with
# CPython 3.12: from PATH, else from pyenv.
SAM_CLI_VERSION ?= 1.170.0
PYTHON312_DIR ?= $(shell for p in $$(command -v python3.12) $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12; do \
	"$$p" -c '' 2>/dev/null && { dirname "$$p"; break; }; done)
sam-check: $(STAMP)
	@test -x $(VENV)/sam/bin/sam || { $(PYTHON) -m venv $(VENV)/sam && \
	  $(VENV)/sam/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION); }
	SAM_CLI_TELEMETRY=0 $(VENV)/sam/bin/sam validate --lint
	SAM_CLI_TELEMETRY=0 PATH="$(PYTHON312_DIR):$$PATH" $(VENV)/sam/bin/sam build

# The packages run: every group built for x86_64 from the same lock with the same pruning, then each
# handler imported, clustering and extraction run and every client made with only the package on
# sys.path, under Python 3.12 (tests/infra/check_package_builds.py).  Not in `make test`: it builds
# eight packages (minutes).  Run it after editing a group, its lock or lambda_package.py's pruning.
package-check: $(STAMP)
	PATH="$(PYTHON312_DIR):$$PATH" $(BIN)/python -m pytest tests/infra/check_package_builds.py -q
