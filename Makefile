# Wegwijs: `make run` to try the assistant, `make test` to run every test.
.PHONY: run test setup train chat evaluate benchmark clean

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

setup:
	bash scripts/setup.sh

train: setup
	bash scripts/train.sh

chat:
	.venv/bin/python -m bot chat

evaluate: train
	.venv/bin/python -m bot nlu evaluate
	.venv/bin/python -m bot language evaluate

benchmark: train
	.venv/bin/python -m benchmarks.run

clean:
	rm -rf models var results .pytest_cache
