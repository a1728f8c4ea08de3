"""Command line: `python -m bot <command>`. Run `python -m bot --help` for the list."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from bot.config import PROJECT_ROOT, Settings, SettingsError
from bot.models import STAFF_ROLES


def _detector(settings: Settings):
    """A detector trained on the NLU data, exactly as the Rasa component trains it."""
    from bot.language.detection import LanguageDetector, NgramModel
    from bot.nlu.training_data import read_examples

    examples = read_examples([settings.nlu_data_dir])
    return LanguageDetector(NgramModel.train((e.text, e.language) for e in examples))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.web import serve

    serve(settings)
    return 0


def cmd_language_detect(args: argparse.Namespace, settings: Settings) -> int:
    detector = _detector(settings)
    for line in sys.stdin:
        line = line.rstrip("\n")
        print(detector.detect(line).language if line.strip() else "und", flush=True)
    return 0


def cmd_language_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu.evaluation import evaluate_language_detection, format_language_report

    report = evaluate_language_detection(_detector(settings), Path(args.data))
    print(format_language_report(report))
    return 0


def cmd_content_status(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content.catalogue import Catalogue, content_status

    statuses = content_status(Catalogue.load(settings.content_dir), settings.content_max_age_days)
    print(f"{'language':<10}{'entries':>8}{'missing':>9}{'unreviewed':>12}{'out of date':>13}")
    for status in statuses:
        print(
            f"{status.language:<10}{status.entries:>8}{len(status.missing):>9}"
            f"{len(status.unreviewed):>12}{len(status.out_of_date):>13}"
        )
    if args.details:
        for status in statuses:
            for label, names in (("missing", status.missing), ("unreviewed", status.unreviewed),
                                 ("out of date", status.out_of_date)):
                if names:
                    print(f"\n{status.language} {label}: {', '.join(names)}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import upgrade

    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def cmd_cases_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cases import import_cases
    from bot.db import sessions_for, transaction, upgrade

    upgrade(settings.database_url)  # a new database gets its tables first (the migrations are idempotent)
    try:
        stream = open(args.file, encoding="utf-8-sig", newline="")
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    with stream, transaction(sessions_for(settings.database_url)) as session:
        report = import_cases(session, stream)
    for line, reason in report.errors:
        print(f"line {line}: {reason}", file=sys.stderr)
    print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} rejected"
    )
    return 1 if report.errors else 0


def cmd_cases_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cases import export_cases
    from bot.db import sessions_for, transaction

    with transaction(sessions_for(settings.database_url)) as session:
        if args.file:
            with open(args.file, "w", encoding="utf-8", newline="") as stream:
                count = export_cases(session, stream)
            print(f"{count} cases written to {args.file}", file=sys.stderr)
        else:
            export_cases(session, sys.stdout)
    return 0


def cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from bot.console.accounts import StaffError, create_staff
    from bot.db import sessions_for, transaction

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        with transaction(sessions_for(settings.database_url)) as session:
            staff = create_staff(session, args.username, args.name, args.role, password)
            print(f"Added {staff.username} ({staff.display_name}, {staff.role}).")
    except StaffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_staff_disable(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.accounts import StaffError, disable_staff
    from bot.db import sessions_for, transaction

    try:
        with transaction(sessions_for(settings.database_url)) as session:
            ended = disable_staff(session, args.username)
    except StaffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Disabled {args.username.strip().lower()}: {ended.sessions} session(s) ended, "
          f"{ended.handoffs} waiting handoff(s) back in the shared queue.")
    return 0


def cmd_retention_run(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import astuple

    from bot.db import make_engine, sessions_for
    from bot.privacy.erasure import RetentionPeriods, apply_retention
    from bot.privacy.rasa_client import RasaPrivacy

    periods = RetentionPeriods.from_settings(settings)
    report = apply_retention(sessions_for(settings.database_url), make_engine(settings.tracker_store_url),
                             settings.secret_key, periods, rasa=RasaPrivacy.from_settings(settings))
    days = "/".join(str(number) for number in astuple(periods))
    print(f"Retention ({days} days: WEGWIJS_RETENTION_*): {report}.")
    if report.counts.get("runs without Rasa"):
        print("note: Rasa did not answer; the old messages of current sessions go at the next run while it runs.")
    return 0


def cmd_telegram_poll(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.channels.telegram_poll import poll

    if not (settings.telegram_token and settings.telegram_secret):
        print("error: set WEGWIJS_TELEGRAM_TOKEN and WEGWIJS_TELEGRAM_SECRET first", file=sys.stderr)
        return 2
    try:
        asyncio.run(poll(settings))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_nlu_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.nlu.evaluation import evaluate_nlu, format_nlu_report

    report = evaluate_nlu(Path(args.model), Path(args.data))
    print(format_nlu_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def cmd_dialogue_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.dialogue.evaluation import RestPlayer, evaluate, format_report, load_dialogues

    dialogues = [d for d in load_dialogues(Path(args.data)) if not args.language or d.language in args.language]
    try:
        reports = evaluate(dialogues, RestPlayer(settings.rasa_url, settings.rasa_token))
    except OSError as error:
        print(f"error: no answer from the assistant at {settings.rasa_url} ({error}). Start it with `make run`.",
              file=sys.stderr)
        return 2
    print(format_report(reports))
    if args.failures:
        print("\n".join(f for report in reports.values() for f in report.failures))
    if args.json:
        figures = {lang: {"turn_success": r.turn_success, "conversation_success": r.conversation_success,
                          "turns": r.turns, "dialogues": r.dialogues, "wrong_language": r.wrong_language,
                          "fallbacks": r.fallbacks, "unwanted_handoffs": r.unwanted_handoffs}
                   for lang, r in reports.items()}
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import AssistantUnavailable, ask

    try:
        result = ask(settings.rasa_url, args.text, sender=args.sender, token=settings.rasa_token)
    except AssistantUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.client import chat

    return chat(settings.rasa_url)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Wegwijs command line")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "serve", help="run the web app (NLG endpoint, health, staff console)"
    ).set_defaults(func=cmd_serve)

    language = commands.add_parser("language", help="language detection tools").add_subparsers(
        dest="language_command", required=True
    )
    language.add_parser(
        "detect", help="read one message per line on stdin, print one language code (or und) per line"
    ).set_defaults(func=cmd_language_detect)
    evaluate = language.add_parser(
        "evaluate", help="accuracy on labelled short messages, next to plain langdetect"
    )
    evaluate.add_argument("--data", default=str(PROJECT_ROOT / "tests" / "data" / "language_id"))
    evaluate.set_defaults(func=cmd_language_evaluate)

    db = commands.add_parser("db", help="the application database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the database migrations").set_defaults(func=cmd_db_upgrade)

    cases = commands.add_parser("cases", help="newcomers' cases").add_subparsers(dest="cases_command", required=True)
    cases_import = cases.add_parser("import", help="load or update cases from a CSV file (idempotent)")
    cases_import.add_argument("file")
    cases_import.set_defaults(func=cmd_cases_import)
    cases_export = cases.add_parser("export", help="write all cases as CSV (to stdout or a file)")
    cases_export.add_argument("file", nargs="?")
    cases_export.set_defaults(func=cmd_cases_export)

    _add_staff_commands(commands)

    retention = commands.add_parser("retention", help="keep personal data only as long as configured")
    retention.add_subparsers(dest="retention_command", required=True).add_parser(
        "run", help="delete or anonymise what is older than the WEGWIJS_RETENTION_* periods, in both databases"
    ).set_defaults(func=cmd_retention_run)

    telegram = commands.add_parser("telegram", help="the Telegram channel").add_subparsers(
        dest="telegram_command", required=True
    )
    telegram.add_parser(
        "poll", help="fetch updates by long polling and pass them to the running assistant (no public URL needed)"
    ).set_defaults(func=cmd_telegram_poll)

    content = commands.add_parser("content", help="content catalogue tools").add_subparsers(
        dest="content_command", required=True
    )
    status = content.add_parser(
        "status", help="per language: missing, unreviewed (by a native speaker) and out-of-date entries"
    )
    status.add_argument("--details", action="store_true", help="list the entries by name")
    status.set_defaults(func=cmd_content_status)

    _add_evaluation_commands(commands)
    return parser


def _add_staff_commands(commands: argparse._SubParsersAction) -> None:
    """`staff add` and `staff disable`: console accounts."""
    staff = commands.add_parser("staff", help="console accounts").add_subparsers(dest="staff_command", required=True)
    staff_add = staff.add_parser("add", help="create a console account (asks for the password)")
    staff_add.add_argument("username")
    staff_add.add_argument("--name", required=True, help="full name, as on cases for contact persons")
    staff_add.add_argument("--role", choices=STAFF_ROLES, default="contact_person",
                           help="contact_person: the handoff queue; complaints: the complaints; coordinator: all")
    staff_add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    staff_add.set_defaults(func=cmd_staff_add)
    staff_disable = staff.add_parser("disable", help="end an account: no more logins, its sessions end now")
    staff_disable.add_argument("username")
    staff_disable.set_defaults(func=cmd_staff_disable)


def _add_evaluation_commands(commands: argparse._SubParsersAction) -> None:
    """`nlu evaluate`, `dialogue evaluate`, `ask` and `chat`: the assistant measured and tried."""
    nlu = commands.add_parser("nlu", help="NLU tools").add_subparsers(dest="nlu_command", required=True)
    nlu_eval = nlu.add_parser("evaluate", help="intent accuracy and macro-F1 per language on held-out data")
    nlu_eval.add_argument("--model", default=str(PROJECT_ROOT / "models" / "wegwijs.tar.gz"))
    nlu_eval.add_argument("--data", default=str(PROJECT_ROOT / "tests" / "data" / "nlu_heldout"))
    nlu_eval.add_argument("--json", help="also write the figures to this JSON file")
    nlu_eval.set_defaults(func=cmd_nlu_evaluate)

    ask = commands.add_parser("ask", help="send one message to the running assistant, print JSON")
    ask.add_argument("text")
    ask.add_argument("--sender", help="conversation id (default: a new one)")
    ask.set_defaults(func=cmd_ask)

    commands.add_parser("chat", help="chat with the running assistant in the terminal").set_defaults(
        func=cmd_chat
    )

    dialogue = commands.add_parser("dialogue", help="whole conversations").add_subparsers(
        dest="dialogue_command", required=True
    )
    dialogue_eval = dialogue.add_parser(
        "evaluate", help="play tests/data/dialogues against the running assistant; success per language"
    )
    dialogue_eval.add_argument("--data", default=str(PROJECT_ROOT / "tests" / "data" / "dialogues"))
    dialogue_eval.add_argument("--language", action="append", help="only these languages (repeatable)")
    dialogue_eval.add_argument("--failures", action="store_true", help="also list every failed turn")
    dialogue_eval.add_argument("--json", help="also write the figures to this JSON file")
    dialogue_eval.set_defaults(func=cmd_dialogue_evaluate)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from bot.privacy.log_redaction import install as redacted_logging

    redacted_logging(settings.log_level)
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
