"""Whole conversations, measured: plays tests/data/dialogues/<lang>.yml against the running assistant.

Each dialogue is a few turns; each turn says what the user types and which responses are acceptable. A turn
succeeds when one of the assistant's responses to it is acceptable, it answered in the conversation's
language, and no person was called in unasked. Per language: turn success, conversation success,
wrong-language replies, fallbacks and unwanted handoffs. The dialogues are written apart from the
training data and never trained on.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml

FALLBACK_RESPONSES = frozenset({"utter_fallback", "utter_fallback_human", "utter_did_you_mean"})
HANDOFF_RESPONSES = frozenset({
    "utter_handoff_contact_person", "utter_handoff_colleague", "utter_handoff_after_hours", "utter_fallback_human",
})
RETRY_PAUSE_SECONDS = 5.0  # on 429: the assistant's own rate limit; wait and send again
MAX_RETRIES = 30


@dataclass(frozen=True)
class Turn:
    user: str
    expect: Sequence[str]
    language: Optional[str] = None  # the reply language from this turn on, when the user switches


@dataclass(frozen=True)
class Dialogue:
    name: str
    language: str
    turns: Sequence[Turn]


@dataclass
class TurnResult:
    turn: Turn
    responses: List[str]
    reply_language: Optional[str]
    expected_language: str

    @property
    def wrong_language(self) -> bool:
        return self.reply_language != self.expected_language

    @property
    def unwanted_handoff(self) -> bool:
        return any(r in HANDOFF_RESPONSES and r not in self.turn.expect for r in self.responses)

    @property
    def succeeded(self) -> bool:
        acceptable = any(r in self.turn.expect for r in self.responses)
        return acceptable and not self.wrong_language and not self.unwanted_handoff


@dataclass
class LanguageReport:
    dialogues: int = 0
    dialogues_succeeded: int = 0
    turns: int = 0
    turns_succeeded: int = 0
    wrong_language: int = 0
    fallbacks: int = 0
    unwanted_handoffs: int = 0
    failures: List[str] = field(default_factory=list)

    def add(self, dialogue: Dialogue, results: Sequence[TurnResult]) -> None:
        self.dialogues += 1
        self.dialogues_succeeded += all(r.succeeded for r in results)
        for number, result in enumerate(results, start=1):
            self.turns += 1
            self.turns_succeeded += result.succeeded
            self.wrong_language += result.wrong_language
            self.fallbacks += any(r in FALLBACK_RESPONSES for r in result.responses)
            self.unwanted_handoffs += result.unwanted_handoff
            if not result.succeeded:
                self.failures.append(
                    f"{dialogue.language} '{dialogue.name}' turn {number} {result.turn.user!r}: got "
                    f"{result.responses} in {result.reply_language}, wanted {list(result.turn.expect)}"
                )

    @property
    def turn_success(self) -> float:
        return self.turns_succeeded / self.turns if self.turns else 0.0

    @property
    def conversation_success(self) -> float:
        return self.dialogues_succeeded / self.dialogues if self.dialogues else 0.0


def load_dialogues(directory: Path) -> List[Dialogue]:
    """Every dialogue of every <lang>.yml in `directory`."""
    dialogues = []
    for path in sorted(Path(directory).glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = raw["language"]
        for item in raw["dialogues"]:
            turns = [Turn(str(t["user"]), tuple(t["expect"]), t.get("language")) for t in item["turns"]]
            dialogues.append(Dialogue(str(item["name"]), language, turns))
    return dialogues


class RestPlayer:
    """Plays a dialogue over the REST channel; reads the response names from Rasa's HTTP API."""

    def __init__(self, rasa_url: str, token: str, timeout: float = 60.0) -> None:
        self.rasa_url, self.token, self.timeout = rasa_url.rstrip("/"), token, timeout

    def _call(self, url: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        for _ in range(MAX_RETRIES):
            request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read() or b"null")
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                time.sleep(RETRY_PAUSE_SECONDS)
        raise RuntimeError(f"{url}: still rate-limited after {MAX_RETRIES} tries")

    def turn(self, sender: str, text: str) -> tuple:
        """(response names of the assistant's answer to `text`, the reply language afterwards)."""
        self._call(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        query = urllib.parse.urlencode({"token": self.token})
        tracker = self._call(f"{self.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}")
        events = tracker.get("events") or []
        last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
        responses = [
            (e.get("metadata") or {}).get("utter_action") or "(text)"
            for e in events[last_user + 1:] if e.get("event") == "bot"
        ]
        slots = tracker.get("slots") or {}
        return responses, slots.get("language") or slots.get("language_guess")

    def play(self, dialogue: Dialogue) -> List[TurnResult]:
        sender = f"eval-{dialogue.language}-{uuid.uuid4().hex[:10]}"
        results, language = [], dialogue.language
        for turn in dialogue.turns:
            language = turn.language or language
            responses, reply_language = self.turn(sender, turn.user)
            results.append(TurnResult(turn, responses, reply_language, language))
        return results


def evaluate(dialogues: Sequence[Dialogue], player: RestPlayer, workers: int = 4) -> Dict[str, LanguageReport]:
    """Plays every dialogue (a few at a time) and reports per language."""
    reports: Dict[str, LanguageReport] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for dialogue, results in zip(dialogues, pool.map(player.play, dialogues)):
            reports.setdefault(dialogue.language, LanguageReport()).add(dialogue, results)
    return reports


def format_report(reports: Dict[str, LanguageReport]) -> str:
    from bot.nlu.evaluation import format_table

    rows = [["language", "turns", "turn success", "conversations", "conversation success", "wrong language",
             "fallbacks", "unwanted handoffs"]]
    for language, report in sorted(reports.items()):
        rows.append([language, str(report.turns), f"{report.turn_success:.2f}", str(report.dialogues),
                     f"{report.conversation_success:.2f}", str(report.wrong_language), str(report.fallbacks),
                     str(report.unwanted_handoffs)])
    return format_table(rows)
