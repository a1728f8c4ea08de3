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


def test_a_bad_setting_is_reported_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "status"], capture_output=True, text=True, cwd=PROJECT_ROOT,
        env={"WEGWIJS_WEB_PORT": "web", "PATH": "/usr/bin:/bin"}, timeout=60,
    )
    assert result.returncode == 2
    assert "WEGWIJS_WEB_PORT" in result.stderr and "Traceback" not in result.stderr
