"""The command line, run as a user would."""
import subprocess
import sys

from bot.config import PROJECT_ROOT


def run_cli(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120
    )


def test_language_detect_prints_one_code_per_line():
    result = run_cli("language", "detect",
                     stdin="Hoe lang heb ik nog voor mijn inburgering?\nok\n\nДякую, до побачення\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0] == "nl"
    assert lines[2] == "und"
    assert lines[3] == "uk"


def test_language_evaluate_prints_both_detectors():
    result = run_cli("language", "evaluate")
    assert result.returncode == 0, result.stderr
    assert "detector" in result.stdout and "langdetect" in result.stdout


def test_ask_explains_when_the_assistant_is_not_running():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "hallo"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={"WEGWIJS_RASA_URL": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "make run" in result.stderr
    assert "Traceback" not in result.stderr


def test_content_status_lists_every_language():
    result = run_cli("content", "status", "--details")
    assert result.returncode == 0, result.stderr
    for language in ("nl", "en", "ar", "tr", "ti", "fa", "so", "uk"):
        assert f"\n{language} " in "\n" + result.stdout


def test_content_status_shows_what_still_needs_a_native_speaker():
    """Every entry of a translation nobody has checked is counted (the table) and named (--details): answers
    marked `reviewed: false`, and the labels and notices they are built from; Dutch and English need nobody."""
    import re

    from bot.content.catalogue import Catalogue

    catalogue = Catalogue.load(PROJECT_ROOT / "data" / "content")
    table = run_cli("content", "status")
    details = run_cli("content", "status", "--details")
    assert table.returncode == 0 and details.returncode == 0, table.stderr + details.stderr
    counts = {line.split()[0]: int(line.split()[3]) for line in table.stdout.splitlines()[1:] if line.strip()}
    named = {m.group(1): m.group(2).split(", ") for m in re.finditer(r"^(\w+) unreviewed: (.+)$", details.stdout, re.M)}
    assert counts["nl"] == counts["en"] == 0 and "nl" not in named and "en" not in named
    for language in ("ar", "tr", "ti", "fa", "so", "uk"):
        unchecked = sorted(n for n, e in catalogue.entries[language].items() if not e.reviewed)
        assert counts[language] == len(named[language]) == len(unchecked), language
        assert sorted(named[language]) == unchecked
        # labels and notices carry no `checked` date, but a native speaker must read them too
        assert {"label_source", "notice_unreviewed_translation", "utter_objection_asylum"} <= set(named[language])


def test_a_bad_setting_is_reported_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "status"], capture_output=True, text=True, cwd=PROJECT_ROOT,
        env={"WEGWIJS_WEB_PORT": "web", "PATH": "/usr/bin:/bin"}, timeout=60,
    )
    assert result.returncode == 2
    assert "WEGWIJS_WEB_PORT" in result.stderr and "Traceback" not in result.stderr


def test_cases_import_on_a_new_database_creates_its_tables_first(tmp_path):
    import os

    env = {**os.environ, "WEGWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "WEGWIJS_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "cases", "import", str(PROJECT_ROOT / "data" / "demo" / "cases.csv")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout and "Traceback" not in result.stderr
