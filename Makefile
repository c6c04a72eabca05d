# The project's vocabulary: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
MODEL := models/cp-assistant.tar.gz
LANGUAGES := en zh_Hant es fr pl pt ro ru
CATALOGS := $(foreach l,$(LANGUAGES),locales/$(l)/LC_MESSAGES/messages.mo)
TRAINING_INPUTS := config.yml domain.yml bot/nlu.py bot/crisis_meaning.py $(shell find data bot/knowledge/crisis_examples -name '*.yml')
# Rasa 3.6 runs on Python 3.10 only: take python3.10 from PATH, else from pyenv.
PYTHON310 := $(shell for p in $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10 $$(command -v python3.10); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help run test benchmark staff-user staff-token train evaluate triage-eval validate i18n-extract i18n-update i18n-compile clean

help:
	@echo "make run       set up, train if needed, start the assistant on http://127.0.0.1:5005/webhooks/chat/"
	@echo "make test      set up, train if needed, run every test"
	@echo "make evaluate  per-language NLU scores on the held-out sets (writes docs/nlu-evaluation.md)"
	@echo "make triage-eval  per-language triage recall and false alarms (writes docs/triage-evaluation.md)"
	@echo "make benchmark   latency, throughput, memory, start and training time vs stock rasa init (docs/performance.md)"
	@echo "make staff-user NAME=anna   create a staff account (asks for the password)"
	@echo "make staff-token NAME=anna  print a new token for the staff JSON API"
	@echo "make train | validate | i18n-update | i18n-compile | clean"

$(BIN)/.installed: requirements.txt
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found (Rasa 3.6 needs 3.10, not 3.11+). Install it, e.g. 'pyenv install 3.10', and retry." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==24.3.1
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# The widget's browser assets (socket.io client) and the accessibility checker for the tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile -D messages -i $< -o $@ -l $*

i18n-compile: $(CATALOGS)

# After editing English text in locales/messages.pot: merge it into every catalog for translators.
i18n-update: $(BIN)/.installed
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --ignore-obsolete --width 100
	PYTHONPATH=. $(BIN)/python scripts/fill_english_catalog.py

$(MODEL): $(TRAINING_INPUTS) $(BIN)/.installed
	$(BIN)/rasa train --fixed-model-name cp-assistant --out models

train: $(MODEL)

validate: $(BIN)/.installed
	$(BIN)/python -m pytest -q tests/test_training_data.py

run: $(CATALOGS) $(MODEL) node_modules/.installed
	$(BIN)/python -m bot.launcher

evaluate: $(CATALOGS) $(MODEL)
	$(BIN)/python -m bot.evaluate $(MODEL)

# Ours against a stock `rasa init` assistant, in one run (about 15 minutes): docs/performance.md.
benchmark: $(CATALOGS) $(MODEL) node_modules/.installed
	$(BIN)/python -m bot.benchmark

triage-eval: $(CATALOGS) $(MODEL)
	status=0; for set in tests/triage tests/triage/unseen tests/triage/fresh tests/triage/fresh2 tests/triage/fresh3 tests/triage/fresh4 tests/triage/fresh5; do \
	  $(BIN)/python -m bot.evaluate_triage $(MODEL) $$set || status=1; done; exit $$status

test: $(CATALOGS) $(MODEL) node_modules/.installed
	./scripts/install-test-packages.sh
	$(BIN)/python -m pytest -q tests
	$(BIN)/rasa test core --e2e --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out results

staff-user: $(BIN)/.installed
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=username" >&2; exit 1; }
	$(BIN)/python -m bot.staff_cli create-user "$(NAME)"

staff-token: $(BIN)/.installed
	@test -n "$(NAME)" || { echo "usage: make staff-token NAME=username" >&2; exit 1; }
	@$(BIN)/python -m bot.staff_cli create-token "$(NAME)"

clean:
	rm -rf models results .rasa node_modules $(CATALOGS)
