"""Starts the real Wegwijs servers (Rasa, action server, web app) on free loopback ports for tests."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "wegwijs.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Servers:
    directory: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: List[subprocess.Popen] = field(default_factory=list)
    database_url: Optional[str] = None  # default: a SQLite file in `directory`
    extra_env: Dict[str, str] = field(default_factory=dict)
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))  # Rasa's HTTP API
    # Random per set, as `make run` makes them: nothing signed or hashed with a public key, and an action
    # server that answers only this set's Rasa.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    action_server_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            SANIC_HOST="127.0.0.1",
            WEGWIJS_VAR_DIR=str(self.directory),
            WEGWIJS_DATABASE_URL=self.database_url or f"sqlite:///{self.directory / 'wegwijs.db'}",
            WEGWIJS_WEB_PORT=str(self.web_port),
            WEGWIJS_RASA_URL=self.rasa_url,
            WEGWIJS_RASA_TOKEN=self.rasa_token,
            WEGWIJS_SECRET_KEY=self.secret_key,
            WEGWIJS_ACTION_SERVER_TOKEN=self.action_server_token,
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        env.update(self.extra_env)
        return env

    def write_endpoints(self) -> Path:
        """The project's endpoints.yml, pointed at this set's ports."""
        text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        text = text.replace("127.0.0.1:5055", f"127.0.0.1:{self.actions_port}")
        text = text.replace("127.0.0.1:5056", f"127.0.0.1:{self.web_port}")
        path = self.directory / "endpoints.yml"
        path.write_text(text, encoding="utf-8")
        return path

    def cors_origins(self) -> List[str]:
        """The sites allowed to call Rasa from a browser: WEGWIJS_WIDGET_ORIGINS (space- or comma-separated), by
        default the web app's own (its widget demo page). Never `*`: Rasa's HTTP API is on."""
        origins = self.env().get("WEGWIJS_WIDGET_ORIGINS", "").replace(",", " ").split() or [self.web_url]
        if "*" in origins:
            raise ValueError("WEGWIJS_WIDGET_ORIGINS=* is refused while Rasa's HTTP API is on: name the sites")
        return origins

    def _spawn(self, name: str, args: List[str]) -> None:
        log = open(self.directory / f"{name}.log", "wb")
        self.processes.append(
            subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        )

    def start(self, timeout: float = 240.0) -> "Servers":
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, value in (("secret-key", self.secret_key), ("action-server-token", self.action_server_token)):
            descriptor = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(value + "\n")
        endpoints = self.write_endpoints()
        python = sys.executable
        subprocess.run([python, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=self.env(), check=True,
                       capture_output=True)
        self._spawn("actions", [python, "-m", "actions.server", "--port", str(self.actions_port),
                                "--logging-config_file", str(ROOT / "logging.yml")])
        self._spawn("web", [python, "-m", "bot", "serve"])
        self._spawn(
            "rasa",
            [
                str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
                "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                "--port", str(self.rasa_port), "--enable-api", f"--auth-token={self.rasa_token}",
                "--cors", *self.cors_origins(), "--logging-config-file", str(ROOT / "logging.yml"),
            ],
        )
        deadline = time.monotonic() + timeout
        for url in (
            f"http://127.0.0.1:{self.actions_port}/health",
            f"{self.web_url}/health",
            f"{self.rasa_url}/status?token={self.rasa_token}",
        ):
            self._wait_for(url, deadline)
        return self

    def _wait_for(self, url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"a server exited early; logs in {self.directory}")
            try:
                urllib.request.urlopen(url, timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{url} did not answer in time; logs in {self.directory}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def log(self, name: str) -> str:
        path: Optional[Path] = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path and path.exists() else ""
