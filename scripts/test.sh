#!/usr/bin/env bash
# Runs every test: sets up the environment and trains the model first when needed (once; all tests
# share it). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k language`.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/train.sh
exec "$PY" -m pytest "$@"
