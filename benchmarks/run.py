"""Wegwijs against Rasa's own starter assistant, measured in one run on the same machine.

    .venv/bin/python -m benchmarks.run            # everything (trains the starter assistant: minutes)
    .venv/bin/python -m benchmarks.run --quick    # shorter load phases, no training-time comparison

Both assistants are spoken to through the REST channel with the same realistic traffic: held-out messages
in all eight languages, and (for Wegwijs) a share of case lookups. Printed side by side, with the ratio
Wegwijs / stock: messages per second at saturation, p50/p95 latency for 1, 20 and 50 concurrent users,
the Rasa server's memory after load, model load time and training time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

from bot.config import PROJECT_ROOT
from bot.devservers import Servers, free_port
from bot.nlu.evaluation import format_table
from bot.nlu.training_data import read_examples

WORK = PROJECT_ROOT / "benchmarks" / ".work"
RASA = str(Path(sys.executable).parent / "rasa")
CONCURRENCY = (1, 20, 50)
CASE_LOOKUP = ["/check_case_status", "INB-100001", "17-05-1990"]
# The load comes from one address, so the per-address and per-sender limits (meant for the public) are set to
# fit it: the benchmark measures the assistant, not its rate limiter. Said in the output.
BENCHMARK_LIMITS = {"WEGWIJS_RATE_LIMIT_PER_IP": "10000000", "WEGWIJS_RATE_LIMIT_PER_SENDER": "100000"}
MAX_ERROR_CAUSES = 5


# --- traffic ----------------------------------------------------------------------------------------


def conversations(seed: int = 0, case_lookup_share: float = 0.1) -> List[List[str]]:
    """Conversations of 4 held-out messages in one language; some end with a case lookup."""
    rng = random.Random(seed)
    by_language: Dict[str, List[str]] = {}
    for example in read_examples([PROJECT_ROOT / "tests" / "data" / "nlu_heldout"]):
        by_language.setdefault(example.language, []).append(example.text)
    result = []
    for _ in range(400):
        texts = by_language[rng.choice(sorted(by_language))]
        conversation = rng.sample(texts, 4)
        if rng.random() < case_lookup_share:
            conversation += CASE_LOOKUP
        result.append(conversation)
    return result


@dataclass
class LoadResult:
    users: int
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    error_causes: Dict[str, int] = field(default_factory=dict)  # "HTTP 429: ..." -> how often

    def failed(self, cause: str) -> None:
        self.errors += 1
        self.error_causes[cause] = self.error_causes.get(cause, 0) + 1

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _user(session, url, traffic, deadline, result, rng) -> None:
    while time.monotonic() < deadline:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in rng.choice(traffic):
            if time.monotonic() >= deadline:
                return
            start = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    body = await response.read()
                    cause = None if response.status == 200 else f"HTTP {response.status}: {body[:120]!r}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                cause = f"{type(error).__name__}: {error}"[:160]
            if cause is None:
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
            else:
                result.failed(cause)


async def _load(base_url: str, traffic, users: int, seconds: float, seed: int) -> LoadResult:
    result = LoadResult(users, seconds)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        deadline = time.monotonic() + seconds
        url = f"{base_url}/webhooks/rest/webhook"
        await asyncio.gather(
            *(_user(session, url, traffic, deadline, result, random.Random(seed + i)) for i in range(users))
        )
    return result


def run_load(base_url: str, traffic, users: int, seconds: float, seed: int = 0) -> LoadResult:
    return asyncio.run(_load(base_url, traffic, users, seconds, seed))


# --- processes --------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def timed(command: Sequence[str], cwd: Path, env: Optional[dict] = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def model_load_seconds(model: Path, cwd: Path) -> float:
    """Time for Rasa to load a model in a fresh process (imports excluded, the same for both)."""
    code = (
        "import time, logging; from rasa.core.agent import Agent; "
        "t = time.perf_counter(); Agent.load(%r); print(time.perf_counter() - t)" % str(model)
    )
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def prepare_stock(scale_to: int) -> Path:
    """Rasa's starter project (what `rasa init` writes), its NLU data scaled up to `scale_to` examples."""
    import rasa.cli

    stock = WORK / "stock"
    if not (stock / "config.yml").exists():
        shutil.rmtree(stock, ignore_errors=True)
        shutil.copytree(Path(rasa.cli.__file__).parent / "initial_project", stock)
    examples = [(e.intent, e.text) for e in read_examples([stock / "data" / "nlu.yml"])]
    fillers = ["", "please", "now", "today", "really", "so", "well", "hey", "ok", "just", "actually", "again"]
    blocks: Dict[str, List[str]] = {}
    i = 0
    while sum(len(v) for v in blocks.values()) < scale_to:
        intent, text = examples[i % len(examples)]
        variant = f"{text} {fillers[(i // len(examples)) % len(fillers)]} {i // (len(examples) * len(fillers)) or ''}"
        blocks.setdefault(intent, [])
        variant = " ".join(variant.split())
        if variant not in blocks[intent]:
            blocks[intent].append(variant)
        i += 1
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in blocks.items():
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {t}" for t in texts]
    (stock / "data" / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stock


def start_stock(stock: Path, model: Path) -> subprocess.Popen:
    port = free_port()
    process = subprocess.Popen(
        [RASA, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port), "--enable-api"],
        cwd=stock, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/status", timeout=2)
            process.url = url  # type: ignore[attr-defined]
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the stock assistant did not start")


# --- report -----------------------------------------------------------------------------------------


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def report(results: Dict[str, Dict[str, float]]) -> str:
    ours, stock = results["wegwijs"], results.get("stock", {})
    rows = [("metric", "wegwijs", "stock rasa", "wegwijs/stock")]
    for key, label in [
        ("throughput_50", "messages/s at saturation (50 users)"),
        *[(f"p50_{u}", f"p50 latency ms, {u} users") for u in CONCURRENCY],
        *[(f"p95_{u}", f"p95 latency ms, {u} users") for u in CONCURRENCY],
        ("errors", "errors"),
        ("rasa_rss_mb", "Rasa server memory after load (MB)"),
        ("other_rss_mb", "action server + web app memory (MB)"),
        ("model_load_s", "model load time (s)"),
        ("training_s", "training time (s)"),
    ]:
        if key in ours:
            theirs = stock.get(key)
            rows.append((label, f"{ours[key]:.1f}", "" if theirs is None else f"{theirs:.1f}",
                         "" if theirs is None else ratio(ours[key], theirs)))
    return format_table(rows)


def progress(line: str) -> None:
    print(line, flush=True)


def measure(
    name: str, assistant_url: str, pid: int, traffic, seconds: float, causes: Dict[str, int]
) -> Dict[str, float]:
    """Warm-up, then a load phase per concurrency; a line per phase as it goes. Error causes go to `causes`."""
    figures: Dict[str, float] = {"errors": 0}
    run_load(assistant_url, traffic, 5, min(seconds, 5))  # warm-up
    for users in CONCURRENCY:
        result = run_load(assistant_url, traffic, users, seconds)
        figures[f"p50_{users}"] = result.percentile(50)
        figures[f"p95_{users}"] = result.percentile(95)
        figures[f"throughput_{users}"] = result.throughput
        figures["errors"] += result.errors
        for cause, count in result.error_causes.items():
            causes[f"{name}: {cause}"] = causes.get(f"{name}: {cause}", 0) + count
        progress(f"  {name}, {users} users: {result.throughput:.1f} msg/s, p50 {result.percentile(50):.0f} ms, "
                 f"p95 {result.percentile(95):.0f} ms, {result.errors} errors")
    figures["rasa_rss_mb"] = rss_mb(pid)
    return figures


def error_report(causes: Dict[str, int]) -> str:
    """The most frequent causes of failed requests, for the operator to act on."""
    ordered = sorted(causes.items(), key=lambda item: -item[1])[:MAX_ERROR_CAUSES]
    return "\n".join(f"  {count} x {cause}" for cause, count in ordered)


def train_with_progress(command: Sequence[str], cwd: Path, label: str, every: float = 30.0) -> float:
    """Runs a training command, printing a line every `every` seconds so a long run is never silent."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            process.wait(timeout=every)
            break
        except subprocess.TimeoutExpired:
            progress(f"  {label}: still training ({time.perf_counter() - start:.0f} s)")
    if process.returncode:
        raise RuntimeError(f"{label}: training failed (exit {process.returncode})")
    return time.perf_counter() - start


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s load phases and no training comparison")
    parser.add_argument("--seconds", type=float, help="seconds per load phase (default 30, quick 10)")
    parser.add_argument("--skip-stock", action="store_true", help="measure Wegwijs only")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    seconds = args.seconds or (10 if args.quick else 30)
    WORK.mkdir(parents=True, exist_ok=True)
    results: Dict[str, Dict[str, float]] = {}

    ours_examples = len(read_examples([PROJECT_ROOT / "data" / "nlu"]))
    traffic = conversations()

    # Wegwijs: the full set-up (language detection, NLG endpoint, action server, SQL tracker store).
    model = PROJECT_ROOT / "models" / "wegwijs.tar.gz"
    subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "train.sh")], check=True, stdout=subprocess.DEVNULL)
    progress(f"Wegwijs: training if needed, then {len(CONCURRENCY)} load phases of {seconds:.0f} s ...")
    servers_dir = WORK / f"wegwijs-{uuid.uuid4().hex[:6]}"
    servers = Servers(servers_dir, extra_env=BENCHMARK_LIMITS)
    servers.directory.mkdir(parents=True)
    progress(f"Wegwijs: starting the servers (rate limits set to fit the load: {', '.join(BENCHMARK_LIMITS)}) ...")
    servers.start()
    causes: Dict[str, int] = {}
    try:
        subprocess.run(
            [sys.executable, "-m", "bot", "cases", "import", str(PROJECT_ROOT / "data" / "demo" / "cases.csv")],
            cwd=PROJECT_ROOT, env=servers.env(), check=True, stdout=subprocess.DEVNULL,
        )
        rasa_pid, *others = [p.pid for p in reversed(servers.processes)]
        results["wegwijs"] = measure("wegwijs", servers.rasa_url, rasa_pid, traffic, seconds, causes)
        results["wegwijs"]["other_rss_mb"] = sum(rss_mb(pid) for pid in others)
    finally:
        servers.stop()
    results["wegwijs"]["model_load_s"] = model_load_seconds(model, PROJECT_ROOT)

    if not args.skip_stock:
        stock = prepare_stock(ours_examples)
        stock_model = stock / "models" / "scaled.tar.gz"
        if not args.quick or not stock_model.exists():
            progress("Stock Rasa: training the starter assistant (minutes) ...")
            results.setdefault("stock", {})["training_s"] = train_with_progress(
                [RASA, "train", "--force", "--fixed-model-name", "scaled", "--out", "models"], stock, "stock"
            )
        progress("Stock Rasa: starting ...")
        process = start_stock(stock, stock_model)
        try:
            results.setdefault("stock", {}).update(measure("stock", process.url, process.pid, traffic, seconds, causes))
        finally:
            process.terminate()
            process.wait(timeout=30)
        results["stock"]["model_load_s"] = model_load_seconds(stock_model, stock)
        if not args.quick:
            progress("Wegwijs: timing a full training run ...")
            env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
            results["wegwijs"]["training_s"] = timed(
                [RASA, "train", "--force", "--data", "data/nlu", "data/rules", "data/stories",
                 "--out", str(WORK / "models"), "--fixed-model-name", "wegwijs"], PROJECT_ROOT, env,
            )

    print(f"\nWegwijs {ours_examples} training examples; stock starter data scaled to the same size.")
    print(f"Load: {seconds:.0f} s per phase, {os.cpu_count()} cores; Wegwijs's rate limits set to fit the load.\n")
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    if causes:
        print(f"\nFAILED: {sum(causes.values())} requests failed. Most frequent causes:\n{error_report(causes)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
