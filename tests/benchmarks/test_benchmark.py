"""The benchmark's own logic (its figures come from `make benchmark`, never from a timed test)."""
from benchmarks.run import CASE_LOOKUP, LoadResult, conversations, report
from bot.config import PROJECT_ROOT
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.nlu.training_data import read_examples


def test_traffic_is_mixed_and_repeatable():
    traffic = conversations(seed=1)
    assert traffic == conversations(seed=1)
    lookups = [c for c in traffic if c[-len(CASE_LOOKUP):] == CASE_LOOKUP]
    assert 0.05 < len(lookups) / len(traffic) < 0.2
    language_of = {e.text: e.language for e in read_examples([PROJECT_ROOT / "tests" / "data" / "nlu_heldout"])}
    assert {language_of[c[0]] for c in traffic} == set(SUPPORTED_LANGUAGES)
    assert len({t for c in traffic for t in c[:4]}) > 300  # many different messages


def test_percentiles_and_ratios():
    result = LoadResult(users=1, seconds=2, latencies_ms=[float(i) for i in range(1, 101)])
    assert result.percentile(50) in (50.0, 51.0)
    assert result.percentile(95) in (95.0, 96.0)
    assert result.throughput == 50
    text = report({"wegwijs": {"throughput_50": 60.0}, "stock": {"throughput_50": 40.0}})
    assert "1.50x" in text


def test_failed_requests_keep_their_causes_and_fail_the_run(monkeypatch, capsys, tmp_path):
    """A benchmark with errors prints why and exits non-zero (it once printed 0.0 msg/s and exited 0)."""
    import benchmarks.run as run
    from benchmarks.run import error_report

    result = LoadResult(users=1, seconds=1)
    for _ in range(3):
        result.failed("HTTP 429: b'too many requests'")
    result.failed("ClientConnectorError: refused")
    assert result.errors == 4 and result.error_causes["HTTP 429: b'too many requests'"] == 3
    assert error_report(result.error_causes).splitlines()[0].strip() == "3 x HTTP 429: b'too many requests'"

    class FakeServers:
        def __init__(self, directory, extra_env):
            assert extra_env == run.BENCHMARK_LIMITS  # the load is not throttled by the assistant's own limits
            self.directory, self.processes, self.rasa_url = directory, [], "http://127.0.0.1:9"

        def start(self):
            self.processes = [type("P", (), {"pid": 1})(), type("P", (), {"pid": 2})()]

        def stop(self):
            pass

        def env(self):
            return {}

    def failing_measure(name, url, pid, traffic, seconds, causes):
        causes[f"{name}: HTTP 500: b''"] = 7
        return {"errors": 7}

    monkeypatch.setattr(run, "Servers", FakeServers)
    monkeypatch.setattr(run, "measure", failing_measure)
    monkeypatch.setattr(run, "rss_mb", lambda pid: 1.0)
    monkeypatch.setattr(run, "model_load_seconds", lambda model, cwd: 0.1)
    monkeypatch.setattr(run.subprocess, "run", lambda *a, **k: None)
    monkeypatch.setattr(run, "WORK", tmp_path)
    assert run.main(["--skip-stock", "--seconds", "1"]) == 1
    assert "7 x wegwijs: HTTP 500" in capsys.readouterr().err
