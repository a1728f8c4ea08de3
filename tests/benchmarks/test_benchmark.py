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
