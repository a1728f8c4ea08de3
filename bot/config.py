"""Settings, read from `WEGWIJS_*` environment variables in this one place.

Every setting has a safe local default (loopback addresses, SQLite files under `var/`), so a new user
needs nothing but the set-up script. docs/operations.md documents each variable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

from bot.handoff.office_hours import OfficeHours, OfficeHoursError
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.limits import ChannelLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "wegwijs-development-only-not-secret"


class SettingsError(ValueError):
    """A setting has a value the assistant cannot run with."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"  # or "production": then every secret must be set
    secret_key: str = DEVELOPMENT_SECRET_KEY
    default_language: str = "nl"
    content_dir: Path = PROJECT_ROOT / "data" / "content"
    nlu_data_dir: Path = PROJECT_ROOT / "data" / "nlu"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'wegwijs.db'}"
    tracker_store_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    web_host: str = "127.0.0.1"
    web_port: int = 5056
    rasa_url: str = "http://127.0.0.1:5005"
    log_level: str = "INFO"
    content_max_age_days: int = 365
    telegram_token: str = ""  # secret; the Telegram channel is disabled without it
    telegram_secret: str = ""  # secret; the webhook's secret token
    telegram_api_url: str = "https://api.telegram.org/bot"
    whatsapp_token: str = ""  # secret; the WhatsApp channel is disabled without its four settings
    whatsapp_app_secret: str = ""  # secret; checks X-Hub-Signature-256
    whatsapp_verify_token: str = ""  # secret; Meta's webhook verification handshake
    whatsapp_phone_number_id: str = ""
    whatsapp_api_url: str = "https://graph.facebook.com/v19.0"
    rasa_token: str = ""  # secret; Rasa's HTTP API token (rasa run --auth-token), used by the console
    office_hours: str = "mon-fri 09:00-17:00"  # when colleagues answer handoffs (bot/handoff/office_hours.py)
    time_zone: str = "Europe/Amsterdam"
    closed_days: Tuple[str, ...] = ()  # the municipality's own closing days (ISO dates), besides holidays
    handoff_reply_minutes: int = 60  # what newcomers are told: a colleague usually replies within this
    rate_limit_per_sender: int = 30  # messages a minute from one conversation, per channel and server
    rate_limit_per_ip: int = 120  # requests a minute from one address to a channel or the console login
    retention_conversation_days: int = 90  # messages of conversations idle this long are deleted
    retention_handoff_days: int = 365  # finished handoffs (with staff replies) are deleted after this
    retention_complaint_days: int = 730  # complaints lose their story and sender after this (counts stay)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from the environment (or the given mapping, for tests)."""
        env = os.environ if env is None else env
        defaults = cls()
        var_dir = Path(env.get("WEGWIJS_VAR_DIR", defaults.var_dir))
        environment = env.get("WEGWIJS_ENV", defaults.environment)
        if environment not in ("development", "production"):
            raise SettingsError(f"WEGWIJS_ENV={environment!r} is not development or production")
        secret_key = env.get("WEGWIJS_SECRET_KEY", "")
        if not secret_key:
            if environment == "production":
                raise SettingsError("WEGWIJS_SECRET_KEY must be set in production")
            secret_key = DEVELOPMENT_SECRET_KEY
        settings = cls(
            environment=environment,
            secret_key=secret_key,
            default_language=env.get("WEGWIJS_DEFAULT_LANGUAGE", defaults.default_language),
            content_dir=Path(env.get("WEGWIJS_CONTENT_DIR", defaults.content_dir)),
            nlu_data_dir=Path(env.get("WEGWIJS_NLU_DATA_DIR", defaults.nlu_data_dir)),
            var_dir=var_dir,
            database_url=env.get("WEGWIJS_DATABASE_URL", f"sqlite:///{var_dir / 'wegwijs.db'}"),
            tracker_store_url=env.get("WEGWIJS_TRACKER_STORE_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            web_host=env.get("WEGWIJS_WEB_HOST", defaults.web_host),
            web_port=_port(env, "WEGWIJS_WEB_PORT", defaults.web_port),
            rasa_url=env.get("WEGWIJS_RASA_URL", defaults.rasa_url).rstrip("/"),
            log_level=env.get("WEGWIJS_LOG_LEVEL", defaults.log_level).upper(),
            content_max_age_days=_positive_int(env, "WEGWIJS_CONTENT_MAX_AGE_DAYS", defaults.content_max_age_days),
            telegram_token=env.get("WEGWIJS_TELEGRAM_TOKEN", ""),
            telegram_secret=env.get("WEGWIJS_TELEGRAM_SECRET", ""),
            telegram_api_url=env.get("WEGWIJS_TELEGRAM_API_URL", defaults.telegram_api_url),
            whatsapp_token=env.get("WEGWIJS_WHATSAPP_TOKEN", ""),
            whatsapp_app_secret=env.get("WEGWIJS_WHATSAPP_APP_SECRET", ""),
            whatsapp_verify_token=env.get("WEGWIJS_WHATSAPP_VERIFY_TOKEN", ""),
            whatsapp_phone_number_id=env.get("WEGWIJS_WHATSAPP_PHONE_NUMBER_ID", ""),
            whatsapp_api_url=env.get("WEGWIJS_WHATSAPP_API_URL", defaults.whatsapp_api_url),
            rasa_token=env.get("WEGWIJS_RASA_TOKEN", "") or _token_file(var_dir, environment),
            office_hours=env.get("WEGWIJS_OFFICE_HOURS", defaults.office_hours),
            time_zone=env.get("WEGWIJS_TIME_ZONE", defaults.time_zone),
            closed_days=tuple(d.strip() for d in env.get("WEGWIJS_CLOSED_DAYS", "").split(",") if d.strip()),
            handoff_reply_minutes=_positive_int(env, "WEGWIJS_HANDOFF_REPLY_MINUTES", defaults.handoff_reply_minutes),
            rate_limit_per_sender=_positive_int(env, "WEGWIJS_RATE_LIMIT_PER_SENDER", defaults.rate_limit_per_sender),
            rate_limit_per_ip=_positive_int(env, "WEGWIJS_RATE_LIMIT_PER_IP", defaults.rate_limit_per_ip),
            retention_conversation_days=_positive_int(env, "WEGWIJS_RETENTION_CONVERSATION_DAYS",
                                                      defaults.retention_conversation_days),
            retention_handoff_days=_positive_int(env, "WEGWIJS_RETENTION_HANDOFF_DAYS",
                                                 defaults.retention_handoff_days),
            retention_complaint_days=_positive_int(env, "WEGWIJS_RETENTION_COMPLAINT_DAYS",
                                                   defaults.retention_complaint_days),
        )
        if environment == "production" and not settings.rasa_token:
            raise SettingsError("WEGWIJS_RASA_TOKEN must be set in production (it guards Rasa's HTTP API)")
        try:
            settings.office_hours_schedule()
        except OfficeHoursError as error:
            raise SettingsError(f"WEGWIJS_OFFICE_HOURS / WEGWIJS_TIME_ZONE / WEGWIJS_CLOSED_DAYS: {error}") from error
        if settings.default_language not in SUPPORTED_LANGUAGES:
            raise SettingsError(
                f"WEGWIJS_DEFAULT_LANGUAGE={settings.default_language!r} is not one of {SUPPORTED_LANGUAGES}"
            )
        return settings

    def channel_limits(self) -> ChannelLimits:
        return ChannelLimits(self.rate_limit_per_sender, self.rate_limit_per_ip)

    def office_hours_schedule(self) -> OfficeHours:
        return OfficeHours.from_settings(self.office_hours, self.time_zone, self.closed_days)

    def __repr__(self) -> str:  # never print the secret
        return f"Settings(environment={self.environment!r}, database_url=<hidden>, ...)"


def _token_file(var_dir: Path, environment: str) -> str:
    """The token `make run` made for this machine (var/rasa-token), so the CLI in another terminal can use
    Rasa's API. Development only: in production the token is always set explicitly."""
    path = var_dir / "rasa-token"
    if environment == "production" or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8").strip()


def _positive_int(env: Mapping[str, str], name: str, default: int, maximum: Optional[int] = None) -> int:
    value = env.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0 or (maximum is not None and number > maximum):
        limit = f" up to {maximum}" if maximum is not None else ""
        raise SettingsError(f"{name}={value!r} must be a positive whole number{limit}")
    return number


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    return _positive_int(env, name, default, maximum=65535)
