"""Starts the scale-out set-up (deploy/README.md) on free loopback ports: N Rasa servers and N action servers
behind nginx, the web app, PostgreSQL for conversations and the app database, Redis as Rasa's lock store.

The same processes, flags and configuration as deploy/local/run-scaled.sh (deploy/endpoints.yml, the nginx
template rendered by deploy/scaleout.py); PostgreSQL and Redis must be running. Used by
tests/integration/test_scale_out.py and benchmarks/load.py.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.devservers import MODEL, ROOT, VENV_BIN, free_port
from deploy.scaleout import ENDPOINTS, NginxSettings, nginx_command, write_nginx_config

NGINX = os.environ.get("WEGWIJS_NGINX", "/usr/sbin/nginx")
REDIS_HOST = os.environ.get("WEGWIJS_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("WEGWIJS_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("WEGWIJS_TEST_REDIS_DB", "7"))  # a Redis db of the tests' own (flushed)


def nginx_path() -> Optional[str]:
    """Debian's nginx, or the one on the PATH; None when there is none."""
    if os.access(NGINX, os.X_OK):
        return NGINX
    return shutil.which("nginx")


def redis_client(db: int = REDIS_DB):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=3, socket_connect_timeout=3)


@dataclass
class ScaledServers:
    directory: Path
    database_url: str  # the application database (PostgreSQL)
    tracker_store_url: str  # Rasa's conversations (PostgreSQL)
    scale: int = 2  # Rasa servers, and as many action servers
    redis_db: int = REDIS_DB
    nginx: str = field(default_factory=lambda: nginx_path() or NGINX)
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    action_server_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    webhook_rate: str = NginxSettings.webhook_rate
    login_rate: str = NginxSettings.login_rate
    # None: deploy/endpoints.yml as it is; e.g. "redis" to try Rasa's own RedisLockStore instead.
    lock_store_type: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    rasa_ports: List[int] = field(default_factory=list)
    actions_ports: List[int] = field(default_factory=list)
    web_port: int = field(default_factory=free_port)
    public_port: int = field(default_factory=free_port)  # nginx, public
    actions_lb_port: int = field(default_factory=free_port)  # nginx, internal: the action servers
    rasa_api_port: int = field(default_factory=free_port)  # nginx, internal: Rasa's HTTP API
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: Dict[str, List[str]] = field(default_factory=dict)  # how each process was started, to restart it

    def __post_init__(self) -> None:
        self.rasa_ports = self.rasa_ports or [free_port() for _ in range(self.scale)]
        self.actions_ports = self.actions_ports or [free_port() for _ in range(self.scale)]

    # --- addresses ------------------------------------------------------------------------------

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def rasa_api_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_api_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def nginx_dir(self) -> Path:
        return self.directory / "nginx"

    # --- configuration --------------------------------------------------------------------------

    def env(self) -> Dict[str, str]:
        """The same WEGWIJS_* settings for every process, plus what deploy/endpoints.yml reads."""
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            SANIC_HOST="127.0.0.1",
            # Behind nginx: the client's address (for the per-address limits) is in X-Real-IP, which nginx
            # sets itself. Only right where nothing but nginx can reach the servers.
            SANIC_REAL_IP_HEADER="X-Real-IP",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            SQL_POOL_SIZE="10",
            SQL_MAX_OVERFLOW="20",
            WEGWIJS_VAR_DIR=str(self.directory),
            WEGWIJS_SECRET_KEY=self.secret_key,
            WEGWIJS_DATABASE_URL=self.database_url,
            WEGWIJS_TRACKER_STORE_URL=self.tracker_store_url,
            WEGWIJS_WEB_HOST="127.0.0.1",
            WEGWIJS_WEB_PORT=str(self.web_port),
            WEGWIJS_RASA_URL=self.rasa_api_url,
            WEGWIJS_RASA_TOKEN=self.rasa_token,
            WEGWIJS_ACTION_SERVER_TOKEN=self.action_server_token,
            WEGWIJS_ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_lb_port}/webhook",
            WEGWIJS_NLG_URL=f"{self.web_url}/nlg",
            WEGWIJS_REDIS_HOST=REDIS_HOST,
            WEGWIJS_REDIS_PORT=str(REDIS_PORT),
            WEGWIJS_REDIS_DB=str(self.redis_db),
            WEGWIJS_REDIS_PASSWORD="",
            WEGWIJS_REDIS_KEY_PREFIX="wegwijs",
        )
        env.update(self.extra_env)
        return env

    def write_endpoints(self) -> Path:
        text = ENDPOINTS.read_text(encoding="utf-8")
        if self.lock_store_type:
            text = text.replace("type: bot.rasa_components.lock_store.AtomicRedisLockStore",
                                f"type: {self.lock_store_type}")
        path = self.directory / "endpoints.yml"
        path.write_text(text, encoding="utf-8")
        return path

    def write_nginx(self) -> Path:
        settings = NginxSettings(
            rasa=[f"127.0.0.1:{port}" for port in self.rasa_ports],
            actions=[f"127.0.0.1:{port}" for port in self.actions_ports],
            web=[f"127.0.0.1:{self.web_port}"],
            public_listen=f"127.0.0.1:{self.public_port}",
            actions_listen=f"127.0.0.1:{self.actions_lb_port}",
            rasa_api_listen=f"127.0.0.1:{self.rasa_api_port}",
            webhook_rate=self.webhook_rate,
            login_rate=self.login_rate,
            access_log=str((self.nginx_dir / "access.log").resolve()),
            worker_processes="1",
        )
        return write_nginx_config(self.nginx_dir, settings)

    # --- processes ------------------------------------------------------------------------------

    def _spawn(self, name: str, args: List[str]) -> None:
        self.commands[name] = args
        log = open(self.directory / f"{name}.log", "ab")
        # A session of its own: stop() can end the process with everything it started (nginx's workers).
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def start(self, timeout: float = 300.0) -> "ScaledServers":
        self.directory.mkdir(parents=True, exist_ok=True)
        endpoints = self.write_endpoints()
        self.write_nginx()
        python = sys.executable
        prepared = subprocess.run(
            [python, "-m", "deploy.scaleout", "prepare"], cwd=ROOT, env=self.env(), capture_output=True, text=True
        )
        if prepared.returncode != 0:
            raise RuntimeError(f"preparing the databases failed:\n{prepared.stdout}\n{prepared.stderr}")
        try:
            # The widget's sites (never `*`: Rasa's HTTP API is on); by default the web app's own.
            origins = self.env().get("WEGWIJS_WIDGET_ORIGINS", "").replace(",", " ").split() or [self.web_url]
            if "*" in origins:
                raise ValueError("WEGWIJS_WIDGET_ORIGINS=* is refused while Rasa's HTTP API is on: name the sites")
            # The project's logging (no message text in the logs), when it has one.
            logging_config = ROOT / "logging.yml"
            sdk_logging = ["--logging-config_file", str(logging_config)] if logging_config.exists() else []
            rasa_logging = ["--logging-config-file", str(logging_config)] if logging_config.exists() else []
            for i, port in enumerate(self.actions_ports):
                self._spawn(
                    f"actions{i + 1}",
                    [python, "-m", "actions.server", "--port", str(port), *sdk_logging],
                )
            self._spawn("web", [python, "-m", "bot", "serve"])
            for i, port in enumerate(self.rasa_ports):
                self._spawn(
                    f"rasa{i + 1}",
                    [
                        str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
                        "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                        "--port", str(port), "--enable-api", f"--auth-token={self.rasa_token}",
                        "--cors", *origins, *rasa_logging,
                    ],
                )
            self._spawn("nginx", nginx_command(self.nginx, self.nginx_dir))
            deadline = time.monotonic() + timeout
            for port in self.actions_ports:
                self._wait_for(f"http://127.0.0.1:{port}/health", deadline)
            self._wait_for(f"{self.web_url}/health", deadline)
            for url in self.rasa_urls:
                self._wait_for(f"{url}/", deadline)
            self._wait_for(f"{self.public_url}/", deadline)  # nginx, and a Rasa server behind it
            self._wait_for(f"http://127.0.0.1:{self.actions_lb_port}/health", deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for(self, url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early (code {process.returncode}); logs in {self.directory}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise RuntimeError(f"{url} did not answer in time; logs in {self.directory}")

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def stop_one(self, name: str) -> None:
        """Stop one process (e.g. "rasa2"), as if its machine went down."""
        process = self.processes.pop(name)
        _end(process)

    def kill_one(self, name: str) -> None:
        """End one process at once (SIGKILL), as a crash would: no shutdown of its own."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)

    def restart_one(self, name: str, timeout: float = 300.0) -> None:
        """Start a stopped or killed process again as it was started, and wait until it answers."""
        self._spawn(name, self.commands[name])
        self._wait_for(self.health_url(name), time.monotonic() + timeout)

    def health_url(self, name: str) -> str:
        number = int(name[-1]) - 1 if name[-1].isdigit() else 0
        if name.startswith("rasa"):
            return f"{self.rasa_urls[number]}/"
        if name.startswith("actions"):
            return f"http://127.0.0.1:{self.actions_ports[number]}/health"
        return f"{self.web_url}/health" if name == "web" else f"{self.public_url}/"

    def stop(self) -> None:
        # nginx first (nothing new reaches the servers), then the rest at once.
        if "nginx" in self.processes:
            _end(self.processes.pop("nginx"))
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in list(self.processes.values()):
            _end(process)
        self.processes.clear()

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "ScaledServers":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _end(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM, wait, then SIGKILL the process and its session (nothing is left behind)."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    try:  # whatever it started in its session (nginx's workers when the master was killed)
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
