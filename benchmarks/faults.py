"""Faults under load: what the scale-out set-up loses when one of its parts fails.

    .venv/bin/python -m benchmarks.faults            # about 3 minutes; needs PostgreSQL, Redis and nginx

Steady load goes through nginx to the scale-out set-up (2 Rasa servers, 2 action servers, the web app,
PostgreSQL, Redis; bot/devservers/scaled.py). Meanwhile, one after another with steady load in between:
a Rasa server is killed (SIGKILL) and started again, an action server is killed and started again,
PostgreSQL is restarted, and Redis stops answering for 10 s (CLIENT PAUSE).

The simulated users behave as the chat apps do: a message that was not accepted (an error or no answer in
time) is sent again, up to RETRIES times, a second apart. Afterwards every conversation is read back from
Rasa and counted, per message sent: answered (the sender got the assistant's answer), answered after a
retry, not accepted in the end, processed twice (two user events for it in the conversation), lost (never
in the conversation although the sender was told it was accepted, or given up on), and conversations whose
messages are out of order. Exit 1 when any message was lost or processed twice.

PostgreSQL and Redis are the machine's own services (their restart and pause affect everything using
them): run this on a test machine only. `--postgres-restart` says how to restart PostgreSQL (default:
Debian's `pg_ctlcluster <version> main restart` for the cluster on port 5432).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

from benchmarks.load import BENCH_REDIS_DB, LIFTED_LIMITS, conversations
from bot.nlu.evaluation import format_table

RETRIES = 20
RETRY_PAUSE_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 30
STEADY_SECONDS = 15
REDIS_PAUSE_SECONDS = 10


@dataclass
class Sent:
    sender: str
    text: str
    attempts: int = 0
    accepted: bool = False  # a 200 came back
    answered: bool = False  # with at least one message of the assistant's


@dataclass
class Users:
    """Simulated users, each sending its conversations one message at a time, resending what failed."""

    url: str
    traffic: List[List[str]]
    users: int
    think: float
    sent: List[Sent] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    async def run(self, stop: asyncio.Event) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=self.users)) as session:
            await asyncio.gather(*(self._user(session, random.Random(i), stop) for i in range(self.users)))

    async def _user(self, session: aiohttp.ClientSession, rng: random.Random, stop: asyncio.Event) -> None:
        while not stop.is_set():
            sender = f"fault-{uuid.uuid4().hex[:12]}"
            for text in rng.choice(self.traffic):
                if stop.is_set():
                    return
                message = Sent(sender, text)
                self.sent.append(message)
                await self._deliver(session, message)
                await asyncio.sleep(rng.uniform(0.5, 1.5) * self.think)

    async def _deliver(self, session: aiohttp.ClientSession, message: Sent) -> None:
        while message.attempts < RETRIES and not message.accepted:
            message.attempts += 1
            try:
                async with session.post(self.url, json={"sender": message.sender, "message": message.text}) as answer:
                    body = await answer.read()
                    if answer.status == 200:
                        message.accepted = True
                        message.answered = bool(json.loads(body or b"[]"))
                        return
                    self.errors[f"HTTP {answer.status}"] += 1
            except asyncio.TimeoutError:
                self.errors["timeout"] += 1
            except aiohttp.ClientError as problem:
                self.errors[type(problem).__name__] += 1
            await asyncio.sleep(RETRY_PAUSE_SECONDS)


# --- the faults ---------------------------------------------------------------------------------------


def postgres_restart_command() -> List[str]:
    """Debian's way to restart the cluster on port 5432."""
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, cluster, port = line.split()[:3]
        if port == "5432":
            return ["pg_ctlcluster", version, cluster, "restart"]
    raise SystemExit("no PostgreSQL cluster on port 5432 (pg_lsclusters); give --postgres-restart")


def faults(servers, postgres_restart: Sequence[str]) -> List[tuple]:
    """(name, what to do) in the order they happen."""
    from bot.devservers.scaled import REDIS_HOST, REDIS_PORT

    def rasa_crash() -> None:
        servers.kill_one("rasa1")
        time.sleep(2)
        servers.restart_one("rasa1")

    def action_server_crash() -> None:
        servers.kill_one("actions1")
        time.sleep(2)
        servers.restart_one("actions1")

    def postgres_restart_now() -> None:
        subprocess.run(list(postgres_restart), check=True, capture_output=True)

    def redis_pause() -> None:
        subprocess.run(["redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "CLIENT", "PAUSE",
                        str(REDIS_PAUSE_SECONDS * 1000), "ALL"], check=True, capture_output=True)
        time.sleep(REDIS_PAUSE_SECONDS)

    return [("a Rasa server killed and started again", rasa_crash),
            ("an action server killed and started again", action_server_crash),
            ("PostgreSQL restarted", postgres_restart_now),
            (f"Redis not answering for {REDIS_PAUSE_SECONDS} s", redis_pause)]


# --- counting ---------------------------------------------------------------------------------------


@dataclass
class ReadBack:
    """A conversation's user messages as stored: all of them, and those left after rewinds."""

    stored: List[str]
    effective: List[str]


def read_back(rasa_api_url: str, token: str, sender: str) -> ReadBack:
    import urllib.request

    query = urllib.parse.urlencode({"token": token})
    url = f"{rasa_api_url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}"
    with urllib.request.urlopen(url, timeout=60) as answer:
        events = json.loads(answer.read()).get("events") or []
    stored: List[str] = []
    effective: List[str] = []
    for event in events:
        if event.get("event") == "user":
            stored.append(event.get("text"))
            effective.append(event.get("text"))
        elif event.get("event") == "rewind" and effective:  # undone: a typed answer replayed, a clarification
            effective.pop()
    return ReadBack(stored, effective)


def count(sent: List[Sent], read: Dict[str, ReadBack]) -> Dict[str, int]:
    figures = Counter(sent=len(sent))
    for message in sent:
        figures["answered"] += message.answered
        figures["answered after a retry"] += message.accepted and message.attempts > 1
        figures["not accepted in the end"] += not message.accepted
        figures["processed twice"] += read[message.sender].effective.count(message.text) > 1
        figures["lost"] += message.text not in read[message.sender].stored
    conversations_read = {sender: conversation.effective for sender, conversation in read.items()}
    by_sender: Dict[str, List[str]] = {}
    for message in sent:
        by_sender.setdefault(message.sender, []).append(message.text)
    figures["conversations"] = len(by_sender)
    # The order of each message's first appearance in the conversation against the order it was sent in.
    def in_order(sender: str, texts: List[str]) -> bool:
        seen = [t for t in dict.fromkeys(conversations_read[sender]) if t in texts]
        return seen == [t for t in texts if t in conversations_read[sender]]

    figures["conversations out of order"] = sum(not in_order(s, texts) for s, texts in by_sender.items())
    return dict(figures)


def run(users: int, think: float, postgres_restart: Sequence[str]) -> Dict[str, object]:
    from benchmarks.load import start_scaled

    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wegwijs-faults-")))
        print("Starting the scale-out set-up ...", flush=True)
        setup = start_scaled(directory, stack, 2)
        stack.callback(setup.stop)
        servers = setup.servers
        # Without "forget me": an erased conversation would count as lost.
        load = Users(setup.url, conversations(leave_out=("delete_my_data",)), users, think)
        timeline = asyncio.run(_under_load(load, faults(servers, postgres_restart)))
        print("Reading every conversation back ...", flush=True)
        read = {s: read_back(servers.rasa_api_url, servers.rasa_token, s) for s in {m.sender for m in load.sent}}
    examples = {"lost": [vars(m) for m in load.sent if m.text not in read[m.sender].stored][:5],
                "processed twice": [vars(m) for m in load.sent if read[m.sender].effective.count(m.text) > 1][:5]}
    return {"figures": count(load.sent, read), "errors": dict(load.errors), "timeline": timeline,
            "examples": examples}


async def _under_load(load: Users, planned: List[tuple]) -> List[str]:
    stop = asyncio.Event()
    users = asyncio.ensure_future(load.run(stop))
    timeline = []
    try:
        for name, fault in planned:
            await asyncio.sleep(STEADY_SECONDS)
            started = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(None, fault)
            timeline.append(f"{name}: {time.monotonic() - started:.0f} s")
            print(f"  {timeline[-1]}", flush=True)
        await asyncio.sleep(STEADY_SECONDS)
    finally:
        stop.set()
        await users
    return timeline


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10, help="simulated users at the same time (default 10)")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a user's messages (default 1)")
    parser.add_argument("--postgres-restart", help="the command that restarts PostgreSQL")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    restart = shlex.split(args.postgres_restart) if args.postgres_restart else postgres_restart_command()
    result = run(args.users, args.think, restart)
    figures = result["figures"]
    print("\nFaults, in this order:", "; ".join(result["timeline"]))
    print(format_table([("figure", "count")] + [(k, str(v)) for k, v in figures.items()]))
    print("Errors the users saw (then sent again):", result["errors"] or "none")
    print(f"Limits lifted for the load from one address: {', '.join(LIFTED_LIMITS)}; Redis db {BENCH_REDIS_DB}.")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if figures.get("lost") or figures.get("processed twice"):
        print("FAILED: messages were lost or processed twice.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
