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

# For the scripts that run the assistant (scripts/run.sh, deploy/local/run-scaled.sh); both keep the
# process ids they started in the array `pids`.

# wait_for NAME URL LOGS: until URL answers; stops the script when a started process died or time is up.
wait_for() {
  for _ in $(seq 1 240); do
    if "$PY" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$2" 2>/dev/null; then
      return 0
    fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "$1 did not start (or another process stopped): see $3" >&2; exit 1; }
    done
    sleep 1
  done
  echo "$1 did not answer in time: see $3" >&2
  exit 1
}

# retention_every_day: `python -m bot retention run` once a day, in the foreground (start it with &);
# stopping it also stops its sleep.
retention_every_day() {
  trap 'kill $! 2>/dev/null; exit 0' TERM INT
  while true; do sleep 86400 & wait $!; "$PY" -m bot retention run; done
}
