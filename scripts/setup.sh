#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 needs it) and the pinned packages. Does nothing when the
# environment already matches requirements.txt and constraints.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"

find_python310() {
  local candidate
  for candidate in python3.10 "$(command -v pyenv >/dev/null && echo "$(pyenv root)")"/versions/3.10.*/bin/python3.10 \
                   /usr/bin/python3.10 /usr/local/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

# axe-core (pinned in tests/browser/package-lock.json) for the browser tests' accessibility checks; only where
# npm is installed (without it those tests skip, or fail when WEGWIJS_REQUIRE_BROWSER=1). Again when the lock changes.
browser="$ROOT/tests/browser"
axe_stamp="$browser/node_modules/.wegwijs-lock"
axe_wanted="$(sha256sum "$browser/package-lock.json" | cut -d' ' -f1)"
if command -v npm >/dev/null && [ "$(cat "$axe_stamp" 2>/dev/null)" != "$axe_wanted" ]; then
  echo "Installing axe-core for the browser tests (npm ci) ..."
  npm ci --prefix "$browser" --no-audit --no-fund --silent
  echo "$axe_wanted" > "$axe_stamp"
fi

stamp="$VENV/.wegwijs-requirements"
wanted="$(cat "$ROOT/requirements.txt" "$ROOT/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

if ! python310="$(find_python310)"; then
  cat >&2 <<'MSG'
Wegwijs needs Python 3.10 (Rasa 3.6 does not install on 3.11 or newer), and none was found.
Install it, then run this again:
  - Debian/Ubuntu: sudo apt-get install python3.10 python3.10-venv   (or use the deadsnakes PPA)
  - pyenv:         pyenv install 3.10
  - macOS:         brew install python@3.10
MSG
  exit 1
fi

echo "Setting up $VENV with $("$python310" --version) ..."
rm -rf "$VENV"
"$python310" -m venv "$VENV"
"$PY" -m pip install --quiet --upgrade "pip==24.0"
"$PY" -m pip install --quiet -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt"
"$PY" -m pip check
echo "$wanted" > "$stamp"
echo "Python environment ready."
