#!/usr/bin/env bash
# Trains models/wegwijs.tar.gz, but only when config, domain or training data changed since the last
# training (the content catalogue is not part of the model: answers change without retraining).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

inputs=(config.yml domain.yml data/nlu data/rules data/stories bot/language bot/nlu bot/rasa_components)
fingerprint="$(find "${inputs[@]}" -type f \( -name '*.yml' -o -name '*.py' \) -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
stamp="$ROOT/models/.fingerprint"
if [ "${1:-}" != "--force" ] && [ -f "$MODEL" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ]; then
  echo "Model is up to date: $MODEL"
  exit 0
fi

echo "Training the model (config, domain or data changed) ..."
start=$(date +%s)
"$VENV/bin/rasa" train --config config.yml --domain domain.yml --data data/nlu data/rules data/stories \
  --out models --fixed-model-name wegwijs --force --quiet
echo "$fingerprint" > "$stamp"
echo "Trained $MODEL in $(( $(date +%s) - start )) s."
