"""The Dockerfile, checked as far as this machine can without a Docker engine: hadolint (make lint runs it
too), and that what the image runs and what the Kubernetes manifests expect of it exist."""
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def instructions(name):
    return [line.split(None, 1)[1] for line in DOCKERFILE.replace("\\\n", " ").splitlines()
            if line.split(None, 1)[:1] == [name]]


def test_hadolint_finds_nothing():
    result = subprocess.run([HADOLINT, str(PROJECT_ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_3_10_slim_with_the_projects_own_scripts_and_the_model_baked_in():
    assert re.search(r"PYTHON_IMAGE=python:3\.10-slim", DOCKERFILE)
    runs = " ".join(instructions("RUN"))
    assert "scripts/setup.sh" in runs and "scripts/train.sh" in runs  # the pinned packages, pip check, the model
    assert "/opt/wegwijs/models/wegwijs.tar.gz" in DOCKERFILE


def test_it_runs_as_a_user_without_privileges_after_the_build_steps():
    users = instructions("USER")
    assert users and users[-1].strip() not in ("root", "0")
    assert DOCKERFILE.rindex("USER ") > DOCKERFILE.rindex("RUN ")
    # The manifests run the pods as this user (securityContext runAsUser).
    for manifest in (PROJECT_ROOT / "deploy" / "kubernetes").glob("*.yaml"):
        for user in re.findall(r"runAsUser: (\d+)", manifest.read_text(encoding="utf-8")):
            assert user == users[-1].strip(), manifest.name


def test_the_three_entry_points_exist():
    assert instructions("ENTRYPOINT") == ['["rasa"]']
    for module in ("actions.server", "bot", "deploy.scaleout"):
        assert importlib.util.find_spec(module) is not None, module
    cmd = " ".join(instructions("CMD"))
    for path in ("deploy/endpoints.yml", "credentials.yml", "logging.yml"):
        assert path in cmd and (PROJECT_ROOT / path).exists(), path
    assert "--enable-api" not in cmd  # Rasa's HTTP API only with a token, which the deployment gives


def test_the_manifests_use_the_images_layout():
    manifests = [d for f in (PROJECT_ROOT / "deploy" / "kubernetes").glob("*.yaml")
                 for d in yaml.safe_load_all(f.read_text(encoding="utf-8")) if d]
    containers = [c for d in manifests for c in _containers(d)]
    assert containers
    for container in containers:
        assert container.get("workingDir", "/opt/wegwijs") == "/opt/wegwijs"
        assert container["image"].endswith("/wegwijs:1.0.0")


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for path in (".git", ".venv", "models", "var", "tests/browser/node_modules"):
        assert path in ignored, path


def _containers(document):
    if isinstance(document, dict):
        if "image" in document and "name" in document:
            yield document
        for value in document.values():
            yield from _containers(value)
    elif isinstance(document, list):
        for value in document:
            yield from _containers(value)
