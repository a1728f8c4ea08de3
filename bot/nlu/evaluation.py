"""Measures: language detection on short messages, and intent classification on held-out data."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

from bot.language.detection import SUPPORTED_LANGUAGES, LanguageDetector, plain_langdetect
from bot.nlu.training_data import read_examples


def read_language_id_set(directory: Path) -> Dict[str, List[str]]:
    """`<lang>.txt` files: one short message per line, labelled by the file name."""
    return {
        lang: [
            line.strip()
            for line in (directory / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for lang in SUPPORTED_LANGUAGES
        if (directory / f"{lang}.txt").exists()
    }


def evaluate_language_detection(detector: LanguageDetector, directory: Path) -> Dict[str, Dict[str, float]]:
    """Accuracy per language of the detector and of plain langdetect on the same messages."""
    report: Dict[str, Dict[str, float]] = {}
    totals = defaultdict(int)
    for language, messages in read_language_id_set(directory).items():
        ours = sum(detector.detect(m).language == language for m in messages)
        plain = sum(plain_langdetect(m) == language for m in messages)
        report[language] = {
            "messages": len(messages), "detector": ours / len(messages), "langdetect": plain / len(messages),
        }
        totals["messages"] += len(messages)
        totals["detector"] += ours
        totals["langdetect"] += plain
    if totals["messages"]:
        report["all"] = {
            "messages": totals["messages"],
            "detector": totals["detector"] / totals["messages"],
            "langdetect": totals["langdetect"] / totals["messages"],
        }
    return report


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells as aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in rows
    )


def _report_table(report: Dict[str, Dict[str, float]], columns: Sequence[str]) -> str:
    rows = [["language", *columns]]
    for language, figures in report.items():
        rows.append([
            language,
            *(f"{figures[c]:.3f}" if isinstance(figures[c], float) else str(figures[c]) for c in columns),
        ])
    return format_table(rows)


def format_language_report(report: Dict[str, Dict[str, float]]) -> str:
    return _report_table(report, ("messages", "detector", "langdetect"))


def intent_scores(gold: List[str], predicted: List[str]) -> Dict[str, float]:
    """Accuracy and macro-F1 over the gold intents (a fallback prediction counts as wrong)."""
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
    macro_f1 = f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    return {"examples": len(gold), "accuracy": round(accuracy, 4), "macro_f1": round(float(macro_f1), 4)}


def evaluate_nlu(model_path: Path, data_dir: Path) -> Dict[str, Dict[str, float]]:
    """Parse every held-out example with the trained model; scores per language and overall."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    examples = read_examples([data_dir])
    agent = Agent.load(str(model_path))

    async def parse_all() -> List[str]:
        return [((await agent.parse_message(e.text)).get("intent") or {}).get("name") or "" for e in examples]

    predicted = asyncio.run(parse_all())
    by_language = defaultdict(lambda: ([], []))
    for example, prediction in zip(examples, predicted):
        by_language[example.language][0].append(example.intent)
        by_language[example.language][1].append(prediction)
    report = {lang: intent_scores(*by_language[lang]) for lang in SUPPORTED_LANGUAGES if lang in by_language}
    report["all"] = intent_scores([e.intent for e in examples], predicted)
    return report


def format_nlu_report(report: Dict[str, Dict[str, float]]) -> str:
    return _report_table(report, ("examples", "accuracy", "macro_f1"))


DISTRESS_INTENT = "signal_distress"


def evaluate_distress(model_path: Path, directory: Path) -> Dict[str, Dict[str, float]]:
    """Per language: how many real crisis messages are taken for distress (recall, every one should be), and how
    many merely frustrated ones are (false alarms), from tests/data/distress/<lang>.yml."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    report: Dict[str, Dict[str, float]] = {}
    for path in sorted(Path(directory).glob("*.yml")):
        sets = yaml.safe_load(path.read_text(encoding="utf-8"))

        async def distress_share(texts: List[str]) -> float:
            hits = [((await agent.parse_message(t)).get("intent") or {}).get("name") == DISTRESS_INTENT for t in texts]
            return round(sum(hits) / len(hits), 4) if hits else 0.0

        report[path.stem] = {
            "crisis": len(sets["crisis"]), "recall": asyncio.run(distress_share(sets["crisis"])),
            "frustration": len(sets["frustration"]), "false_alarms": asyncio.run(distress_share(sets["frustration"])),
        }
    return report
