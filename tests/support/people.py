"""The people in the tests: a newcomer in the web chat channel, and staff (accounts, a console client)."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from typing import Callable, Iterable, Optional, TypeVar

import requests

from bot.config import Settings
from bot.devservers import ROOT, Servers
from bot.dialogue.replies import opening_arguments

PASSWORD = "correct horse battery"
TEAM = [("ahmed", "Ahmed Bakker", "contact_person"), ("sanne", "Sanne de Vries", "contact_person"),
        ("coco", "Coco Coordinator", "coordinator")]
T = TypeVar("T")


def add_staff(servers: Servers, accounts: Iterable[tuple] = TEAM) -> None:
    """Console accounts, made with the real command line (`python -m bot staff add`)."""
    for username, name, role in accounts:
        subprocess.run([sys.executable, "-m", "bot", "staff", "add", username, "--name", name, "--role", role,
                        "--password-stdin"], input=PASSWORD + "\n", text=True, cwd=ROOT, env=servers.env(),
                       check=True, capture_output=True)


class WebUser:
    """A newcomer in the website widget's channel, over plain HTTP."""

    def __init__(self, servers: Servers) -> None:
        self.base = f"{servers.rasa_url}/webhooks/webchat"
        answer = requests.post(f"{self.base}/session", timeout=30)
        assert answer.status_code == 200, f"no web chat session: {answer.status_code} {answer.text}"
        self.session = answer.json()["session"]

    def say(self, text: str, language: Optional[str] = None) -> list:
        body = {"session": self.session, "message": text, **({"language": language} if language else {})}
        answer = requests.post(f"{self.base}/webhook", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()["messages"]

    def history(self) -> dict:
        answer = requests.get(f"{self.base}/history", params={"session": self.session}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class ConsoleClient:
    """A staff member's browser session, talking plain HTTP to the console."""

    def __init__(self, servers: Servers, username: str) -> None:
        self.base = f"{servers.web_url}/console"
        self.http = requests.Session()
        form = self.http.get(f"{self.base}/login", timeout=30)
        answer = self.http.post(f"{self.base}/login", data={"username": username, "password": PASSWORD,
                                                            "csrf": csrf_of(form.text)}, timeout=30)
        assert answer.status_code == 200 and "Log out" in answer.text, answer.text
        self.csrf = csrf_of(answer.text)

    def get(self, path: str, **params: str) -> str:
        answer = self.http.get(f"{self.base}{path}", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.text

    def post(self, path: str, **data: str) -> requests.Response:
        return self.http.post(f"{self.base}{path}", data={"csrf": self.csrf, **data}, timeout=60)


def newest_handoff(html: str) -> int:
    return max(int(i) for i in re.findall(r"/console/handoffs/(\d+)", html))


def wait_until(check: Callable[[], T], timeout: float = 20) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def handoff_reply(office_hours: str = Settings().office_hours) -> tuple:
    """(response, arguments) a newcomer is told when a handoff is stored now: a colleague answers soon, or
    when they are back."""
    hours = Settings.from_env({"WEGWIJS_OFFICE_HOURS": office_hours}).office_hours_schedule()
    now = dt.datetime.now(dt.timezone.utc)
    if hours.is_open(now):
        return "utter_handoff_colleague", {"minutes": "60"}
    return "utter_handoff_after_hours", opening_arguments(hours.next_opening(now))


def handoff_text(catalogue, language: str, office_hours: str = Settings().office_hours) -> str:
    response, arguments = handoff_reply(office_hours)
    return catalogue.render(response, language, arguments).text
