#!/usr/bin/env bash
# Runs the assistant on loopback with SQLite storage: sets up and trains first when needed, starts the
# action server, the web app (NLG, staff console, widget) and the Rasa server, and stops all three on Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/train.sh
mkdir -p var
# Before anything else runs: the key that signs web chat sessions and hashes case numbers and senders.
# Unless set, a random one made once for this machine in var/secret-key (this user only), kept across runs.
if [ -z "${WEGWIJS_SECRET_KEY:-}" ]; then
  [ -s var/secret-key ] || (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' > var/secret-key)
  WEGWIJS_SECRET_KEY="$(cat var/secret-key)"
fi
export WEGWIJS_SECRET_KEY
# The application database: migrations, then the demo cases (docs/cases.md); both change nothing when done.
"$PY" -m bot db upgrade
"$PY" -m bot cases import data/demo/cases.csv
# Retention (WEGWIJS_RETENTION_*): now, and every day while running (below).
"$PY" -m bot retention run
# A demo console account (coordinator, and contact person of demo case INB-100001), made once; its
# password is random and kept in var/demo-staff.txt. Real accounts: python -m bot staff add.
if [ ! -f var/demo-staff.txt ]; then
  password="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')"
  if printf '%s\n' "$password" | "$PY" -m bot staff add demo --name "Sanne de Vries" --role coordinator \
      --password-stdin; then
    (umask 077 && printf 'username: demo\npassword: %s\n' "$password" > var/demo-staff.txt)
  fi
fi
chmod 600 var/demo-staff.txt 2>/dev/null || true  # written by an older version, readable by others

# Rasa's HTTP API (used by the staff console and `bot ask`) is never open without a token: unless set, one
# per run, kept in var/rasa-token (readable by this user only) for the CLI in other terminals.
if [ -z "${WEGWIJS_RASA_TOKEN:-}" ]; then
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > var/rasa-token)
  WEGWIJS_RASA_TOKEN="$(cat var/rasa-token)"
fi
export WEGWIJS_RASA_TOKEN
# The action server answers only calls with this token, which Rasa sends (endpoints.yml): unless set, one
# per run, in var/action-server-token (this user only).
if [ -z "${WEGWIJS_ACTION_SERVER_TOKEN:-}" ]; then
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' > var/action-server-token)
  WEGWIJS_ACTION_SERVER_TOKEN="$(cat var/action-server-token)"
fi
export WEGWIJS_ACTION_SERVER_TOKEN
RASA_PORT=5005 ACTIONS_PORT=5055
WEB_PORT="${WEGWIJS_WEB_PORT:-5056}"
# The sites whose pages may call Rasa (the widget): by default the web app's own demo page. Never `*`: Rasa's
# HTTP API is on, and a browser on any site could then call it.
origins="${WEGWIJS_WIDGET_ORIGINS:-http://127.0.0.1:$WEB_PORT http://localhost:$WEB_PORT}"
read -r -a CORS <<<"$(printf '%s' "$origins" | tr ',' ' ')"
for origin in "${CORS[@]}"; do
  if [ "$origin" = "*" ]; then
    echo "WEGWIJS_WIDGET_ORIGINS=* is refused while Rasa's HTTP API is on: name the sites that embed the widget." >&2
    exit 1
  fi
done
mkdir -p var/log
pids=()
stop_all() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "Wegwijs stopped."
}
trap stop_all EXIT
trap 'exit 130' INT TERM  # Ctrl-C: stop everything (the EXIT trap) without "stopped unexpectedly"

SANIC_HOST=127.0.0.1 "$PY" -m actions.server --port "$ACTIONS_PORT" \
  --logging-config_file logging.yml >var/log/actions.log 2>&1 &
pids+=($!)
"$PY" -m bot serve >var/log/web.log 2>&1 &
pids+=($!)
retention_every_day >>var/log/retention.log 2>&1 &
pids+=($!)
"$VENV/bin/rasa" run --model "$MODEL" --endpoints endpoints.yml --credentials credentials.yml \
  --interface 127.0.0.1 --port "$RASA_PORT" --enable-api --auth-token="$WEGWIJS_RASA_TOKEN" \
  --cors "${CORS[@]}" --logging-config-file logging.yml >var/log/rasa.log 2>&1 &
pids+=($!)

wait_for "The action server" "http://127.0.0.1:$ACTIONS_PORT/health" var/log/
wait_for "The web app" "http://127.0.0.1:$WEB_PORT/health" var/log/
wait_for "The Rasa server" "http://127.0.0.1:$RASA_PORT/" var/log/

cat <<MSG

Wegwijs is running (logs in var/log/). Chat with it:
  - in this terminal:  make chat          (or: .venv/bin/python -m bot chat)
  - over HTTP:         curl -s http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
                         -d '{"sender": "me", "message": "Hallo"}'
  - one question:      .venv/bin/python -m bot ask "How long do I have to integrate?"
  - the website widget, on a demo page:  http://127.0.0.1:$WEB_PORT/widget/demo
Staff console: http://127.0.0.1:$WEB_PORT/console/ (demo login in var/demo-staff.txt)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A Wegwijs process stopped unexpectedly: see var/log/." >&2
exit 1
