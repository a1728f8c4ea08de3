# Shared by the scripts: paths and the Python 3.10 virtual environment.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WEGWIJS_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
MODEL="$ROOT/models/wegwijs.tar.gz"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Rasa and TensorFlow chatter that helps nobody running the assistant.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
