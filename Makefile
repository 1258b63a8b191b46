# The two set-up commands: `make dashboard` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DB ?= tracker.db
PORT ?= 8501

.PHONY: install model sample dashboard test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# the default model bundle, built from data/labeled/ when none exists
model: install
	$(PY) -m tracker train --if-missing --quiet

# the bundled sample forum, loaded and classified (both steps are no-ops when already done)
sample: model
	$(PY) -m tracker --db $(DB) ingest --quiet data/sample/*.jsonl
	$(PY) -m tracker --db $(DB) classify --quiet

dashboard: sample
	TRACKER_DB=$(DB) $(VENV)/bin/streamlit run dashboard/app.py --server.address 127.0.0.1 \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false \
		--client.toolbarMode viewer

test: install
	$(PY) -m pytest

# every benchmark; each prints its figures beside a baseline measured in the same run
bench: model
	for b in language ingest ingest_dump classify prevalence accuracy learning_curve model_choices dashboard active_learning; do \
		$(PY) bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) rejects .pytest_cache
