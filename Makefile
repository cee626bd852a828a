# The README's two commands: `make demo` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

DEMO_OUT   := out/demo
DEMO_WORDS := god lord jesus christ king queen david solomon saul moses aaron egypt israel jerusalem \
              gold silver brass iron water wine bread oil father mother son daughter brother sister

demo: $(BIN)/.installed
	$(BIN)/symw2v check derivations/
	$(BIN)/python -m symw2v.kernels.generate
	mkdir -p $(DEMO_OUT)
	$(BIN)/symw2v train --epochs 1 -o $(DEMO_OUT)/vectors.bin
	$(BIN)/symw2v eval $(DEMO_OUT)/vectors.bin --top 6 -w god -w king -w david -w gold -w water -w mother
	$(BIN)/symw2v plot $(DEMO_OUT)/vectors.bin $(DEMO_WORDS) -o $(DEMO_OUT)/word_vectors.png

test: $(BIN)/.installed
	$(BIN)/ruff check symw2v tests benchmarks
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) build *.egg-info
