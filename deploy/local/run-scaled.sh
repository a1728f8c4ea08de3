#!/usr/bin/env bash
# The scale-out set-up on one machine (deploy/README.md): N Rasa servers and N action servers behind nginx,
# the web app beside them, PostgreSQL for conversations and the app database, Redis as Rasa's lock store.
# PostgreSQL and Redis must be running. Health-checks every process before it says it is ready; Ctrl-C
# stops everything it started.
#
#   export WEGWIJS_TRACKER_STORE_URL=postgresql://wegwijs:secret@127.0.0.1:5432/wegwijs
#   export WEGWIJS_DATABASE_URL=$WEGWIJS_TRACKER_STORE_URL      # or a database of its own
#   bash deploy/local/run-scaled.sh                               # WEGWIJS_SCALE=3 for three of each
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"
cd "$ROOT"

: "${WEGWIJS_TRACKER_STORE_URL:?set WEGWIJS_TRACKER_STORE_URL to a PostgreSQL URL (postgresql://user:password@host:5432/db)}"
: "${WEGWIJS_DATABASE_URL:?set WEGWIJS_DATABASE_URL to a PostgreSQL URL (it may be the tracker store database)}"
for url in "$WEGWIJS_TRACKER_STORE_URL" "$WEGWIJS_DATABASE_URL"; do
  case "$url" in
    postgresql*) ;;
    *) echo "Several servers need a database server: WEGWIJS_TRACKER_STORE_URL and WEGWIJS_DATABASE_URL must be postgresql://... URLs." >&2
       exit 1 ;;
  esac
done

SCALE="${WEGWIJS_SCALE:-2}"                              # Rasa servers, and as many action servers
PUBLIC_LISTEN="${WEGWIJS_PUBLIC_LISTEN:-127.0.0.1:8080}"  # nginx, public: channels, console, widget
RASA_API_PORT="${WEGWIJS_RASA_API_PORT:-5005}"            # nginx, internal: Rasa's HTTP API (console, CLI)
ACTIONS_LB_PORT="${WEGWIJS_ACTIONS_LB_PORT:-5055}"        # nginx, internal: the action servers
RASA_BASE_PORT="${WEGWIJS_RASA_BASE_PORT:-5010}"          # Rasa servers on 5011, 5012, ...
ACTIONS_BASE_PORT="${WEGWIJS_ACTIONS_BASE_PORT:-5060}"    # action servers on 5061, 5062, ...
export WEGWIJS_WEB_HOST="${WEGWIJS_WEB_HOST:-127.0.0.1}"
export WEGWIJS_WEB_PORT="${WEGWIJS_WEB_PORT:-5056}"
NGINX="${WEGWIJS_NGINX:-/usr/sbin/nginx}"
command -v "$NGINX" >/dev/null || { echo "nginx not found at $NGINX (Debian: apt-get install nginx; set WEGWIJS_NGINX)" >&2; exit 1; }

# What deploy/endpoints.yml reads (Rasa refuses to start when one is unset), and the same settings for all.
export WEGWIJS_ACTION_ENDPOINT_URL="${WEGWIJS_ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTIONS_LB_PORT/webhook}"
export WEGWIJS_NLG_URL="${WEGWIJS_NLG_URL:-http://$WEGWIJS_WEB_HOST:$WEGWIJS_WEB_PORT/nlg}"
export WEGWIJS_REDIS_HOST="${WEGWIJS_REDIS_HOST:-127.0.0.1}"
export WEGWIJS_REDIS_PORT="${WEGWIJS_REDIS_PORT:-6379}"
export WEGWIJS_REDIS_DB="${WEGWIJS_REDIS_DB:-1}"
export WEGWIJS_REDIS_PASSWORD="${WEGWIJS_REDIS_PASSWORD:-}"
export WEGWIJS_REDIS_KEY_PREFIX="${WEGWIJS_REDIS_KEY_PREFIX:-wegwijs}"
export WEGWIJS_RASA_URL="${WEGWIJS_RASA_URL:-http://127.0.0.1:$RASA_API_PORT}"
export SQL_POOL_SIZE="${SQL_POOL_SIZE:-10}" SQL_MAX_OVERFLOW="${SQL_MAX_OVERFLOW:-20}"  # per Rasa server
export SANIC_HOST="${SANIC_HOST:-127.0.0.1}"  # the action servers' interface
# Rasa and the web app see nginx as the client; nginx puts the real address in X-Real-IP (the assistant's
# own per-address limits use it). Safe because only nginx can reach the servers (they listen on loopback).
export SANIC_REAL_IP_HEADER="${SANIC_REAL_IP_HEADER:-X-Real-IP}"

[ -f "$MODEL" ] || bash scripts/train.sh
mkdir -p var/log/scaled var/scaled

# Rasa's HTTP API never runs without a token (as in scripts/run.sh): unless set, one per machine in
# var/rasa-token. In production (WEGWIJS_ENV=production) it must be set.
if [ -z "${WEGWIJS_RASA_TOKEN:-}" ]; then
  if [ "${WEGWIJS_ENV:-development}" = production ]; then
    echo "WEGWIJS_RASA_TOKEN must be set in production." >&2; exit 1
  fi
  [ -s var/rasa-token ] || (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > var/rasa-token)
  WEGWIJS_RASA_TOKEN="$(cat var/rasa-token)"
fi
export WEGWIJS_RASA_TOKEN
# The other secrets the same way: the action servers' token (Rasa sends it, deploy/endpoints.yml; one per
# run unless set) and the key that signs web chat sessions and hashes identifiers (made once per machine).
# Both must be set in production.
for secret in WEGWIJS_ACTION_SERVER_TOKEN:action-server-token WEGWIJS_SECRET_KEY:secret-key; do
  name="${secret%%:*}" file="var/${secret#*:}"
  if [ -z "${!name:-}" ]; then
    if [ "${WEGWIJS_ENV:-development}" = production ]; then
      echo "$name must be set in production." >&2; exit 1
    fi
    if [ "$name" = WEGWIJS_ACTION_SERVER_TOKEN ] || [ ! -s "$file" ]; then
      (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$file")
    fi
    export "$name=$(cat "$file")"
  fi
done
# The widget's sites: WEGWIJS_WIDGET_ORIGINS="https://a.example.nl https://b.example.nl" (or comma-separated);
# by default the public listener's and the web app's own. Never `*`: Rasa's HTTP API is on.
origins="${WEGWIJS_WIDGET_ORIGINS:-http://$PUBLIC_LISTEN http://$WEGWIJS_WEB_HOST:$WEGWIJS_WEB_PORT}"
read -r -a CORS <<<"$(printf '%s' "$origins" | tr ',' ' ')"
for origin in "${CORS[@]}"; do
  [ "$origin" != "*" ] || { echo "WEGWIJS_WIDGET_ORIGINS=* is refused while Rasa's HTTP API is on: name the sites." >&2; exit 1; }
done

# Is PostgreSQL and Redis there? Then migrate the app database and create the tracker tables once.
"$PY" - <<'PY'
import os, sys
import redis
try:
    redis.Redis(host=os.environ["WEGWIJS_REDIS_HOST"], port=int(os.environ["WEGWIJS_REDIS_PORT"]),
                password=os.environ["WEGWIJS_REDIS_PASSWORD"] or None, socket_connect_timeout=3).ping()
except Exception as error:
    sys.exit(f"Redis does not answer at {os.environ['WEGWIJS_REDIS_HOST']}:{os.environ['WEGWIJS_REDIS_PORT']}: {error}")
PY
"$PY" -W ignore -m deploy.scaleout prepare
# Retention (WEGWIJS_RETENTION_*): now, and every day while running (below), as scripts/run.sh does.
"$PY" -m bot retention run

rasa_addresses=() actions_addresses=()
for i in $(seq 1 "$SCALE"); do
  rasa_addresses+=("127.0.0.1:$((RASA_BASE_PORT + i))")
  actions_addresses+=("127.0.0.1:$((ACTIONS_BASE_PORT + i))")
done
join() { local IFS=,; echo "$*"; }
"$PY" -m deploy.scaleout nginx --dir var/scaled/nginx --rasa "$(join "${rasa_addresses[@]}")" \
  --actions "$(join "${actions_addresses[@]}")" --web "$WEGWIJS_WEB_HOST:$WEGWIJS_WEB_PORT" \
  --public "$PUBLIC_LISTEN" --actions-listen "127.0.0.1:$ACTIONS_LB_PORT" \
  --rasa-api-listen "127.0.0.1:$RASA_API_PORT" --access-log "${WEGWIJS_NGINX_ACCESS_LOG:-off}" >/dev/null
"$NGINX" -t -q -p "$ROOT/var/scaled/nginx" -c "$ROOT/var/scaled/nginx/nginx.conf" -e "$ROOT/var/scaled/nginx/error.log"

logging_sdk=() logging_rasa=()
if [ -f logging.yml ]; then
  logging_sdk=(--logging-config_file logging.yml) logging_rasa=(--logging-config-file logging.yml)
fi

pids=()
stop_all() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "Wegwijs (scale-out) stopped."
}
trap stop_all EXIT
trap 'exit 130' INT   # Ctrl-C: leave through the EXIT trap, which stops everything
trap 'exit 143' TERM

for i in $(seq 1 "$SCALE"); do
  "$PY" -m actions.server --port "$((ACTIONS_BASE_PORT + i))" "${logging_sdk[@]}" \
    >"var/log/scaled/actions$i.log" 2>&1 &
  pids+=($!)
done
"$PY" -m bot serve >var/log/scaled/web.log 2>&1 &
pids+=($!)
retention_every_day >>var/log/scaled/retention.log 2>&1 &
pids+=($!)
for i in $(seq 1 "$SCALE"); do
  "$VENV/bin/rasa" run --model "$MODEL" --endpoints deploy/endpoints.yml --credentials credentials.yml \
    --interface 127.0.0.1 --port "$((RASA_BASE_PORT + i))" --enable-api --auth-token="$WEGWIJS_RASA_TOKEN" \
    --cors "${CORS[@]}" "${logging_rasa[@]}" >"var/log/scaled/rasa$i.log" 2>&1 &
  pids+=($!)
done
"$NGINX" -p "$ROOT/var/scaled/nginx" -c "$ROOT/var/scaled/nginx/nginx.conf" -e "$ROOT/var/scaled/nginx/error.log" \
  >var/log/scaled/nginx.log 2>&1 &
pids+=($!)

for i in $(seq 1 "$SCALE"); do wait_for "Action server $i" "http://127.0.0.1:$((ACTIONS_BASE_PORT + i))/health" var/log/scaled/; done
wait_for "The web app" "http://$WEGWIJS_WEB_HOST:$WEGWIJS_WEB_PORT/health" var/log/scaled/
for i in $(seq 1 "$SCALE"); do wait_for "Rasa server $i" "http://127.0.0.1:$((RASA_BASE_PORT + i))/" var/log/scaled/; done
wait_for "nginx (public)" "http://$PUBLIC_LISTEN/" var/log/scaled/
wait_for "nginx (action servers)" "http://127.0.0.1:$ACTIONS_LB_PORT/health" var/log/scaled/
wait_for "nginx (Rasa API)" "http://127.0.0.1:$RASA_API_PORT/" var/log/scaled/

cat <<MSG

Wegwijs (scale-out: $SCALE Rasa servers, $SCALE action servers, the web app, nginx) is running.
  public (nginx):     http://$PUBLIC_LISTEN/webhooks/webchat/, /webhooks/telegram/, /webhooks/whatsapp/, /console/, /widget/
  Rasa API (nginx, internal, token):  http://127.0.0.1:$RASA_API_PORT   (the console and \`python -m bot ask\` use it;
                                      also the REST channel for trusted callers on this machine)
  action servers (nginx, internal):   http://127.0.0.1:$ACTIONS_LB_PORT/webhook
Logs in var/log/scaled/ and var/scaled/nginx/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" 2>/dev/null || true
echo "A Wegwijs process stopped unexpectedly: see var/log/scaled/." >&2
exit 1
