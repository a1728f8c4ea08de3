"""Load benchmark: many simulated users against the one-machine and the scale-out set-up.

    .venv/bin/python -m benchmarks.load                          # both set-ups, 50 users, 60 s each (make load)
    .venv/bin/python -m benchmarks.load --setup scaled --soak-minutes 10   # soak: steady load, sampled

Each simulated user has conversations of 4-6 held-out messages (tests/data/nlu_heldout/) in one of the
eight languages, a new sender per conversation, through the REST channel (`/webhooks/rest/webhook`):

- `one`: the one-machine set-up (bot/devservers/local.py: one Rasa server, one action server, the web app,
  SQLite), spoken to directly;
- `scaled`: the scale-out set-up (bot/devservers/scaled.py: 2 Rasa servers and 2 action servers behind
  nginx, the web app, PostgreSQL, Redis; deploy/README.md), spoken to through nginx's public port. Needs
  PostgreSQL on 127.0.0.1:5432 (a database of its own, dropped afterwards), Redis on 127.0.0.1:6379 (db 9,
  flushed) and nginx.

Printed: messages per second, p50/p95/p99 latency, errors by kind, and per process the peak memory
(VmHWM from /proc/<pid>/status: the highest resident size in the process's life, model loading included)
and the CPU seconds it used during the measurement. All simulated users come from one address, so the
benchmark lifts the per-address limits (nginx's and the assistant's own); the load generator shares the
machine with the servers.

`--soak-minutes N` (N defaults to 10) keeps a steady load instead: the users pause about `--think` seconds
(2 by default: about half of what the scale-out set-up manages on 2 cores) between messages. Every 30 s it
samples throughput, latency, errors, how busy the machine's CPUs were and every process's memory (VmRSS),
prints the samples, and says whether memory or the error rate grew (mean of the first third of the
samples against the last third).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Collection, Dict, List, Optional, Sequence

import aiohttp

from bot.config import PROJECT_ROOT
from bot.nlu.training_data import read_examples

HELD_OUT = PROJECT_ROOT / "tests" / "data" / "nlu_heldout"
LIFTED_LIMITS = {"WEGWIJS_RATE_LIMIT_PER_IP": "1000000", "WEGWIJS_RATE_LIMIT_PER_SENDER": "1000000"}
BENCH_REDIS_DB = 9
SAMPLE_SECONDS = 30


# --- traffic ----------------------------------------------------------------------------------------


def conversations(seed: int = 0, count: int = 600, leave_out: Collection[str] = ()) -> List[List[str]]:
    """Conversations of 4-6 held-out messages, each in one language; every language about as often.
    `leave_out`: intents whose messages are not sent."""
    rng = random.Random(seed)
    by_language: Dict[str, List[str]] = {}
    for example in read_examples([HELD_OUT]):
        if example.intent not in leave_out:
            by_language.setdefault(example.language, []).append(example.text)
    languages = sorted(by_language)
    return [rng.sample(by_language[languages[i % len(languages)]], rng.randint(4, 6)) for i in range(count)]


# --- measuring --------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: List[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    def record(self, latency_ms: float, error: Optional[str]) -> None:
        if error:
            self.errors[error] += 1
        else:
            self.latencies_ms.append(latency_ms)

    @property
    def answered(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Load:
    """Simulated users posting to one URL; what they measure goes to `self.tally` (swappable)."""

    def __init__(self, url: str, traffic: List[List[str]], users: int, think: float, seed: int = 0) -> None:
        self.url, self.traffic, self.users, self.think, self.seed = url, traffic, users, think, seed
        self.tally = Tally()
        self._stop = asyncio.Event()
        self._tasks: List[asyncio.Task] = []
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.users)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), connector=connector)
        self._tasks = [asyncio.ensure_future(self._user(random.Random(self.seed * 1000 + i)))
                       for i in range(self.users)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session:
            await self._session.close()

    async def _user(self, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, 1))  # not all at the same instant
        while not self._stop.is_set():
            sender = f"load-{uuid.uuid4().hex[:12]}"
            for text in rng.choice(self.traffic):
                if self._stop.is_set():
                    return
                start = time.perf_counter()
                error: Optional[str] = None
                try:
                    async with self._session.post(self.url, json={"sender": sender, "message": text}) as answer:
                        await answer.read()
                        if answer.status != 200:
                            error = f"HTTP {answer.status}"
                except asyncio.TimeoutError:
                    error = "timeout"
                except aiohttp.ClientError as problem:
                    error = type(problem).__name__
                self.tally.record((time.perf_counter() - start) * 1000, error)
                if self.think:
                    try:
                        await asyncio.wait_for(self._stop.wait(), timeout=rng.uniform(0.5, 1.5) * self.think)
                    except asyncio.TimeoutError:
                        pass


# --- processes --------------------------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> List[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (all CPUs; /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _service_cpu_seconds() -> Dict[str, Dict[int, float]]:
    """CPU seconds so far of the database servers' processes on this machine, by service and pid."""
    services: Dict[str, Dict[int, float]] = {"postgresql": {}, "redis": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        service = "postgresql" if comm.startswith("postgres") else "redis" if comm.startswith("redis") else None
        if service:
            services[service][int(entry.name)] = _cpu_seconds(int(entry.name))
    return services


def _service_cpu_used(before: Dict[str, Dict[int, float]]) -> Dict[str, float]:
    after = _service_cpu_seconds()
    return {name: sum(cpu - before[name].get(pid, 0.0) for pid, cpu in pids.items()) for name, pids in after.items()}


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Process:
    name: str
    pid: int

    def pids(self) -> List[int]:
        return [self.pid] + _children(self.pid)  # nginx: master and workers

    def peak_mb(self) -> float:
        return sum(_status_kb(p, "VmHWM") for p in self.pids()) / 1024

    def rss_mb(self) -> float:
        return sum(_status_kb(p, "VmRSS") for p in self.pids()) / 1024

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(p) for p in self.pids())


def _role(pid: int) -> str:
    """What a process of the one-machine set-up is, from its command line."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return str(pid)
    for needle, role in (("actions.server", "actions"), ("bot serve", "web"), ("rasa run", "rasa")):
        if needle in command:
            return role
    return command.split(" -m ")[-1][:10] if " -m " in command else command[:10]


@dataclass
class SetUp:
    name: str
    url: str  # the REST channel's webhook
    processes: List[Process]
    stop: Callable[[], None]
    servers: Optional[object] = None  # the ScaledServers, for the fault run (benchmarks/faults.py)


def start_one(directory: Path) -> SetUp:
    from bot.devservers import Servers

    servers = Servers(directory, extra_env=dict(LIFTED_LIMITS)).start()
    processes = [Process(_role(p.pid), p.pid) for p in servers.processes]
    return SetUp("one machine (1 Rasa, 1 action server, web app, SQLite)",
                 f"{servers.rasa_url}/webhooks/rest/webhook", processes, servers.stop)


def start_scaled(directory: Path, stack: ExitStack, scale: int) -> SetUp:
    from bot.devservers.databases import postgres_database
    from bot.devservers.scaled import ScaledServers, nginx_path, redis_client

    if nginx_path() is None:
        raise SystemExit("the scale-out set-up needs nginx (Debian: apt-get install nginx)")
    redis = redis_client(BENCH_REDIS_DB)
    redis.ping()
    redis.flushdb()
    stack.callback(redis.flushdb)
    try:
        url = stack.enter_context(postgres_database())
    except BaseException as error:  # pytest's skip outside pytest: PostgreSQL does not answer
        raise SystemExit(f"the scale-out set-up needs PostgreSQL: {error}") from None
    servers = ScaledServers(directory, database_url=url, tracker_store_url=url, scale=scale,
                            redis_db=BENCH_REDIS_DB, webhook_rate="100000r/s", extra_env=dict(LIFTED_LIMITS))
    servers.start()
    order = [f"rasa{i + 1}" for i in range(scale)] + [f"actions{i + 1}" for i in range(scale)] + ["web", "nginx"]
    processes = [Process(name, servers.pid(name)) for name in order]
    return SetUp(f"scale-out ({scale} Rasa, {scale} action servers, web app, nginx, PostgreSQL, Redis)",
                 # REST is internal only (not on nginx's public port): straight at nginx's internal listener
                 f"{servers.rasa_api_url}/webhooks/rest/webhook", processes, servers.stop, servers)


# --- the two modes ----------------------------------------------------------------------------------


async def measure(setup: SetUp, traffic, users: int, seconds: float, warmup: float, think: float) -> Dict:
    load = Load(setup.url, traffic, users, think)
    await load.start()
    await asyncio.sleep(warmup)
    load.tally = Tally()  # the warm-up does not count
    cpu_before = {p.name: p.cpu_seconds() for p in setup.processes}
    machine_before, own_before, load_before = _machine_busy_seconds(), _own_cpu_seconds(), os.getloadavg()[0]
    services_before = _service_cpu_seconds()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    tally, elapsed = load.tally, time.monotonic() - started
    cpu = {p.name: p.cpu_seconds() - cpu_before[p.name] for p in setup.processes}
    machine_busy, own = _machine_busy_seconds() - machine_before, _own_cpu_seconds() - own_before
    services = _service_cpu_used(services_before)
    await load.stop()
    servers_cpu = sum(cpu.values())
    return {
        "setup": setup.name,
        "users": users,
        "seconds": round(elapsed, 1),
        "messages": tally.answered,
        "throughput": tally.answered / elapsed,
        "p50_ms": tally.percentile(50),
        "p95_ms": tally.percentile(95),
        "p99_ms": tally.percentile(99),
        "errors": tally.error_count,
        "error_kinds": dict(tally.errors),
        "processes": [{"name": p.name, "pid": p.pid, "peak_mb": round(p.peak_mb(), 1),
                       "cpu_s": round(cpu[p.name], 1)} for p in setup.processes],
        "cpu": {"available_s": round(elapsed * len(os.sched_getaffinity(0)), 1),
                "machine_busy_s": round(machine_busy, 1), "servers_s": round(servers_cpu, 1),
                "load_generator_s": round(own, 1),
                "postgresql_s": round(services["postgresql"], 1), "redis_s": round(services["redis"], 1),
                "other_s": round(max(0.0, machine_busy - servers_cpu - own - sum(services.values())), 1),
                "load_average_before": round(load_before, 2), "load_average_after": round(os.getloadavg()[0], 2)},
    }


def format_result(result: Dict) -> str:
    lines = [
        f"== {result['setup']}",
        f"   {result['users']} users, {result['seconds']} s measured (after warm-up)",
        f"   throughput      {result['throughput']:.1f} messages/s ({result['messages']} answered)",
        f"   latency         p50 {result['p50_ms']:.0f} ms   p95 {result['p95_ms']:.0f} ms   "
        f"p99 {result['p99_ms']:.0f} ms",
        f"   errors          {result['errors']}" + (f"  {result['error_kinds']}" if result["errors"] else ""),
        f"   {'process':<10}{'pid':>8}{'peak RSS (VmHWM) MB':>22}{'CPU s while measured':>23}",
    ]
    for p in result["processes"]:
        lines.append(f"   {p['name']:<10}{p['pid']:>8}{p['peak_mb']:>22.0f}{p['cpu_s']:>23.1f}")
    total = sum(p["peak_mb"] for p in result["processes"])
    lines.append(f"   {'total':<10}{'':>8}{total:>22.0f}{sum(p['cpu_s'] for p in result['processes']):>23.1f}")
    c = result["cpu"]
    lines.append(f"   CPU while measured: machine busy {c['machine_busy_s']} s of {c['available_s']} s; servers "
                 f"{c['servers_s']} s, PostgreSQL {c['postgresql_s']} s, Redis {c['redis_s']} s, load generator "
                 f"{c['load_generator_s']} s, anything else (other programs) {c['other_s']} s "
                 f"(load average {c['load_average_before']} -> {c['load_average_after']})")
    return "\n".join(lines)


@dataclass
class Sample:
    minute: float
    messages: int
    errors: int
    throughput: float
    p50_ms: float
    p95_ms: float
    rss_mb: Dict[str, float]
    machine_busy: float = 0.0  # share of all CPUs busy (any process) during the sample

    @property
    def error_rate(self) -> float:
        total = self.messages + self.errors
        return self.errors / total if total else 0.0


def growth(samples: Sequence[Sample]) -> Dict:
    """First third against last third: memory per process (MB), error rate, throughput."""
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]
    memory = {}
    for name in samples[0].rss_mb:
        before = statistics.mean(s.rss_mb[name] for s in first)
        after = statistics.mean(s.rss_mb[name] for s in last)
        # "Grew": more than 5% and more than 10 MB (allocator noise and caches stay below that).
        memory[name] = {"first_mb": round(before, 1), "last_mb": round(after, 1),
                        "grew": after > before * 1.05 and after - before > 10}

    def rate(part: Sequence[Sample]) -> float:
        errors, messages = sum(s.errors for s in part), sum(s.messages for s in part)
        return errors / (errors + messages) if errors + messages else 0.0

    first_rate, last_rate = rate(first), rate(last)
    return {
        "memory": memory,
        "memory_grew": any(m["grew"] for m in memory.values()),
        "error_rate_first": first_rate,
        "error_rate_last": last_rate,
        "error_rate_grew": last_rate > first_rate + 0.001,
        "throughput_first": statistics.mean(s.throughput for s in first),
        "throughput_last": statistics.mean(s.throughput for s in last),
    }


async def soak(setup: SetUp, traffic, users: int, minutes: float, think: float, interval: float) -> Dict:
    load = Load(setup.url, traffic, users, think, seed=1)
    await load.start()
    samples: List[Sample] = []
    started = time.monotonic()
    names = [p.name for p in setup.processes]
    print(f"soak: {users} users, about {think:g} s between a user's messages, {minutes:g} min, a sample every "
          f"{interval:g} s", flush=True)
    print(f"{'min':>5}{'msg/s':>8}{'p50':>7}{'p95':>7}{'errors':>8}{'cpu%':>6}  "
          + "".join(f"{n:>9}" for n in names) + "   (RSS MB)", flush=True)
    ticks = max(1, int(round(minutes * 60 / interval)))
    cpus = len(os.sched_getaffinity(0))
    busy_before = _machine_busy_seconds()
    for tick in range(1, ticks + 1):
        await asyncio.sleep(max(0.0, started + tick * interval - time.monotonic()))
        window, load.tally = load.tally, Tally()
        busy_now = _machine_busy_seconds()
        sample = Sample(
            minute=round(tick * interval / 60, 2), messages=window.answered, errors=window.error_count,
            throughput=window.answered / interval, p50_ms=window.percentile(50), p95_ms=window.percentile(95),
            rss_mb={p.name: round(p.rss_mb(), 1) for p in setup.processes},
            machine_busy=round((busy_now - busy_before) / (interval * cpus), 3),
        )
        busy_before = busy_now
        samples.append(sample)
        print(f"{sample.minute:>5.1f}{sample.throughput:>8.1f}{sample.p50_ms:>7.0f}{sample.p95_ms:>7.0f}"
              f"{sample.errors:>8}{sample.machine_busy:>6.0%}  "
              + "".join(f"{sample.rss_mb[n]:>9.0f}" for n in names), flush=True)
    await load.stop()
    verdict = growth(samples)
    return {"setup": setup.name, "users": users, "think_s": think, "minutes": minutes,
            "samples": [dict(asdict(s), error_rate=s.error_rate) for s in samples], "growth": verdict,
            "peak_mb": {p.name: round(p.peak_mb(), 1) for p in setup.processes}}


def format_growth(result: Dict) -> str:
    g = result["growth"]
    lines = [f"== soak verdict ({result['setup']}): first third vs last third of the samples"]
    for name, m in g["memory"].items():
        change = m["last_mb"] - m["first_mb"]
        lines.append(f"   {name:<10} RSS {m['first_mb']:>7.0f} -> {m['last_mb']:>7.0f} MB ({change:+.0f} MB)"
                     f"{'   GREW' if m['grew'] else ''}")
    lines.append(f"   memory grew: {'yes' if g['memory_grew'] else 'no'}")
    lines.append(f"   error rate {g['error_rate_first']:.2%} -> {g['error_rate_last']:.2%}; "
                 f"grew: {'yes' if g['error_rate_grew'] else 'no'}")
    lines.append(f"   throughput {g['throughput_first']:.1f} -> {g['throughput_last']:.1f} messages/s")
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    memory_kb = _status_kb_meminfo()
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {memory_kb / 1024 / 1024:.1f} GB RAM, {cpu}"


def _status_kb_meminfo() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=("one", "scaled", "both"), default=None,
                        help="which set-up (default: both; with --soak-minutes: scaled)")
    parser.add_argument("--users", type=int, default=50, help="simulated users at the same time (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per set-up (default 60)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring (default 10)")
    parser.add_argument("--think", type=float, default=None,
                        help="about this many seconds between a user's messages (default 0; soak: 2)")
    parser.add_argument("--scale", type=int, default=2, help="Rasa and action servers in the scale-out set-up")
    parser.add_argument("--soak-minutes", type=float, nargs="?", const=10.0, default=None,
                        help="soak instead: steady load for N minutes (default N: 10), sampled every 30 s")
    parser.add_argument("--sample-seconds", type=float, default=SAMPLE_SECONDS, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    soaking = args.soak_minutes is not None
    setup_choice = args.setup or ("scaled" if soaking else "both")
    think = args.think if args.think is not None else (2.0 if soaking else 0.0)
    traffic = conversations()
    print(f"machine: {machine()}", flush=True)
    results: List[Dict] = []
    chosen = ["one", "scaled"] if setup_choice == "both" else [setup_choice]
    for which in chosen:
        # The servers stop (and the database is dropped) before their directory goes.
        with tempfile.TemporaryDirectory(prefix=f"wegwijs-load-{which}-") as tmp, ExitStack() as stack:
            started = time.monotonic()
            setup = start_one(Path(tmp)) if which == "one" else start_scaled(Path(tmp), stack, args.scale)
            stack.callback(setup.stop)
            print(f"started {setup.name} in {time.monotonic() - started:.0f} s", flush=True)
            if soaking:
                result = asyncio.run(soak(setup, traffic, args.users, args.soak_minutes, think, args.sample_seconds))
                print(format_growth(result), flush=True)
            else:
                result = asyncio.run(measure(setup, traffic, args.users, args.seconds, args.warmup, think))
                print(format_result(result), flush=True)
            results.append(result)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
