# The Wegwijs image: the Rasa server, the action server and the web app (NLG, console, widget) from one image,
# with the trained model baked in. Build: docker build -t registry.example.nl/wegwijs/wegwijs:1.0.0 .
# How to run each part: docs/deployment-image.md.
#
# Python 3.10: Rasa 3.6 supports nothing newer. Upstream support for 3.10 ended in October 2026, so take the
# base from a vendor that still patches 3.10 (see the docs) and rebuild when it publishes fixes.
ARG PYTHON_IMAGE=python:3.10-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEGWIJS_VENV=/opt/venv \
    WEGWIJS_VAR_DIR=/tmp/wegwijs \
    HOME=/tmp/wegwijs \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /opt/wegwijs

# The pinned packages first (their layer is reused while only code or data change), by the project's own
# set-up script: Python 3.10 found, a virtual environment, requirements + constraints, pip check.
COPY requirements.txt constraints.txt ./
COPY scripts/ scripts/
COPY tests/browser/package.json tests/browser/package-lock.json tests/browser/
RUN bash scripts/setup.sh
ENV PATH=/opt/venv/bin:$PATH

# The project, then the model trained from its own data with fixed seeds (nothing downloaded at run time).
COPY . .
RUN bash scripts/train.sh \
    && python -m compileall -q bot actions \
    && useradd --system --uid 1001 --home-dir /opt/wegwijs --shell /usr/sbin/nologin wegwijs \
    && mkdir -p /tmp/wegwijs && chown wegwijs /tmp/wegwijs

USER 1001
EXPOSE 5005 5055 5056
# The Rasa server by default (Rasa's own images do the same), with the channels only: its HTTP API is for the
# console and needs a token (add --enable-api --auth-token=...; deploy/kubernetes/rasa-values.yaml does).
# The other parts set their command:
#   action server: python -m actions.server --port 5055 --logging-config_file /opt/wegwijs/logging.yml
#   web app:       python -m bot serve
#   migrations:    python -m deploy.scaleout prepare        retention: python -m bot retention run
ENTRYPOINT ["rasa"]
CMD ["run", "--port", "5005", "--model", "/opt/wegwijs/models/wegwijs.tar.gz", \
     "--endpoints", "deploy/endpoints.yml", "--credentials", "credentials.yml", \
     "--logging-config-file", "logging.yml"]
