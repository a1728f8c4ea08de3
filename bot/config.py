"""Settings, read from `WEGWIJS_*` environment variables in this one place.

Every setting has a safe local default (loopback addresses, SQLite files under `var/`), so a new user
needs nothing but the set-up script. docs/operations.md documents each variable.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.handoff.office_hours import OfficeHours, OfficeHoursError
from bot.language.detection import SUPPORTED_LANGUAGES
from bot.limits import ChannelLimits
from bot.security import unusable_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Without WEGWIJS_SECRET_KEY (development only; `make run` makes var/secret-key once): a random key of this
# process. Never a fixed string: a public key would let anyone sign a web chat session.
_PROCESS_SECRET_KEY = secrets.token_urlsafe(32)
# WEGWIJS_REST_INTEGRATION_KEYS names: letters and digits only, so "rest-<name>-<id>" is unambiguous.
_INTEGRATION_NAME_RE = re.compile(r"^[a-z0-9]{1,20}$")


class SettingsError(ValueError):
    """A setting has a value the assistant cannot run with."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"  # or "production": then every secret must be set
    secret_key: str = _PROCESS_SECRET_KEY  # secret; WEGWIJS_SECRET_KEY, else var/secret-key (development)
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
    # Redis, when the scale-out set-up has one (deploy/endpoints.yml's lock store reads the same variables): it
    # also holds the handled chat-app updates every Rasa server shares (bot/channels/redelivery.py).
    redis_host: str = ""
    redis_port: int = 6379
    redis_db: int = 0
    redis_password: str = ""  # secret
    redis_key_prefix: str = "wegwijs"
    retention_conversation_days: int = 90  # every message older than this is deleted, in active conversations too
    retention_handoff_days: int = 365  # finished handoffs (with staff replies) are deleted after this
    retention_complaint_days: int = 730  # complaints lose their story and sender after this (counts stay)
    retention_attempt_days: int = 30  # case and complaint verification attempts (hashes) are deleted after this
    retention_audit_detail_days: int = 365  # the audit log's detail (e.g. an erasure's reason) is cleared after this
    retention_callback_days: int = 30  # a handoff's call-back number is cleared this long after it was asked for
    retention_staff_session_days: int = 1  # console sessions are deleted this long after they expired
    action_server_token: str = ""  # secret; Rasa sends it to the action server (actions/server.py)
    rest_integration_keys: Tuple[Tuple[str, str], ...] = ()  # (name, key): REST callers from elsewhere
    webchat_session_hours: int = 12  # a web chat session token expires this long after it was issued
    webchat_sessions_per_ip_hour: int = 60  # new web chat conversations an hour from one address
    verification_failure_budget: int = 30  # failed case/complaint checks, all senders together, per window
    verification_failure_window_minutes: int = 10

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from the environment (or the given mapping, for tests)."""
        env = os.environ if env is None else env
        defaults = cls()
        var_dir = Path(env.get("WEGWIJS_VAR_DIR", defaults.var_dir))
        environment = env.get("WEGWIJS_ENV", defaults.environment)
        if environment not in ("development", "production"):
            raise SettingsError(f"WEGWIJS_ENV={environment!r} is not development or production")
        settings = cls(
            environment=environment,
            **_secret_settings(env, var_dir, environment),
            **_security_limits(env, defaults),
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
            rasa_token=env.get("WEGWIJS_RASA_TOKEN", "") or _var_file(var_dir, "rasa-token", environment),
            office_hours=env.get("WEGWIJS_OFFICE_HOURS", defaults.office_hours),
            time_zone=env.get("WEGWIJS_TIME_ZONE", defaults.time_zone),
            closed_days=tuple(d.strip() for d in env.get("WEGWIJS_CLOSED_DAYS", "").split(",") if d.strip()),
            handoff_reply_minutes=_positive_int(env, "WEGWIJS_HANDOFF_REPLY_MINUTES", defaults.handoff_reply_minutes),
            rate_limit_per_sender=_positive_int(env, "WEGWIJS_RATE_LIMIT_PER_SENDER", defaults.rate_limit_per_sender),
            rate_limit_per_ip=_positive_int(env, "WEGWIJS_RATE_LIMIT_PER_IP", defaults.rate_limit_per_ip),
            redis_host=env.get("WEGWIJS_REDIS_HOST", ""),
            redis_port=_port(env, "WEGWIJS_REDIS_PORT", defaults.redis_port) if env.get("WEGWIJS_REDIS_PORT")
            else defaults.redis_port,
            redis_db=_non_negative_int(env, "WEGWIJS_REDIS_DB", defaults.redis_db),
            redis_password=env.get("WEGWIJS_REDIS_PASSWORD", ""),
            redis_key_prefix=env.get("WEGWIJS_REDIS_KEY_PREFIX", "") or defaults.redis_key_prefix,
            retention_conversation_days=_positive_int(env, "WEGWIJS_RETENTION_CONVERSATION_DAYS",
                                                      defaults.retention_conversation_days),
            retention_handoff_days=_positive_int(env, "WEGWIJS_RETENTION_HANDOFF_DAYS",
                                                 defaults.retention_handoff_days),
            retention_complaint_days=_positive_int(env, "WEGWIJS_RETENTION_COMPLAINT_DAYS",
                                                   defaults.retention_complaint_days),
            **_retention_settings(env, defaults),
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


def _secret_settings(env: Mapping[str, str], var_dir: Path, environment: str) -> Dict[str, Any]:
    """The secret key, the action server's token and the REST integration keys, checked.

    In development, a secret not in the environment comes from the file `make run` made in var/ (so the
    CLI in another terminal uses the same), else the secret key is random per process; in production every
    one must be set. A key that is too short or publicly known is refused everywhere.
    """
    production = environment == "production"
    secret_key = env.get("WEGWIJS_SECRET_KEY", "") or _var_file(var_dir, "secret-key", environment)
    if not secret_key:
        if production:
            raise SettingsError("WEGWIJS_SECRET_KEY must be set in production")
        secret_key = _PROCESS_SECRET_KEY
    action_token = env.get("WEGWIJS_ACTION_SERVER_TOKEN", "") or _var_file(var_dir, "action-server-token",
                                                                            environment)
    if production and not action_token:
        raise SettingsError("WEGWIJS_ACTION_SERVER_TOKEN must be set in production (it guards the action server)")
    for name, value in (("WEGWIJS_SECRET_KEY", secret_key), ("WEGWIJS_ACTION_SERVER_TOKEN", action_token)):
        problem = unusable_secret(value, name) if value else None
        if problem:
            raise SettingsError(problem)
    return {"secret_key": secret_key, "action_server_token": action_token,
            "rest_integration_keys": _integration_keys(env.get("WEGWIJS_REST_INTEGRATION_KEYS", ""))}


def _integration_keys(value: str) -> Tuple[Tuple[str, str], ...]:
    """`name:key,name:key` as ((name, key), ...); names are letters and digits, keys long and distinct."""
    keys = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        name, _, key = item.partition(":")
        name = name.strip()
        if not _INTEGRATION_NAME_RE.match(name):
            raise SettingsError(f"WEGWIJS_REST_INTEGRATION_KEYS: {name!r} is not a name of lower-case letters "
                                "and digits (up to 20), written name:key")
        problem = unusable_secret(key, f"WEGWIJS_REST_INTEGRATION_KEYS' key of {name!r}")
        if problem:
            raise SettingsError(problem)
        keys.append((name, key))
    names, values = [n for n, _ in keys], [k for _, k in keys]
    if len(set(names)) != len(names) or len(set(values)) != len(values):
        raise SettingsError("WEGWIJS_REST_INTEGRATION_KEYS: every integration needs a name and a key of its own")
    return tuple(keys)


def _security_limits(env: Mapping[str, str], defaults: "Settings") -> Dict[str, int]:
    return {
        "webchat_session_hours": _positive_int(env, "WEGWIJS_WEBCHAT_SESSION_HOURS",
                                               defaults.webchat_session_hours, maximum=24 * 30),
        "webchat_sessions_per_ip_hour": _positive_int(env, "WEGWIJS_WEBCHAT_SESSIONS_PER_IP_HOUR",
                                                      defaults.webchat_sessions_per_ip_hour),
        "verification_failure_budget": _positive_int(env, "WEGWIJS_VERIFICATION_FAILURE_BUDGET",
                                                     defaults.verification_failure_budget),
        "verification_failure_window_minutes": _positive_int(env, "WEGWIJS_VERIFICATION_FAILURE_WINDOW_MINUTES",
                                                             defaults.verification_failure_window_minutes),
    }


def _var_file(var_dir: Path, name: str, environment: str) -> str:
    """A secret `make run` made for this machine (var/<name>). Development only: in production every secret is
    set explicitly."""
    path = var_dir / name
    if environment == "production" or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8").strip()


def _retention_settings(env: Mapping[str, str], defaults: "Settings") -> Dict[str, int]:
    """The retention periods of verification attempts, audit details, call-back numbers and console sessions."""
    names = {"retention_attempt_days": "WEGWIJS_RETENTION_ATTEMPT_DAYS",
             "retention_audit_detail_days": "WEGWIJS_RETENTION_AUDIT_DETAIL_DAYS",
             "retention_callback_days": "WEGWIJS_RETENTION_CALLBACK_DAYS",
             "retention_staff_session_days": "WEGWIJS_RETENTION_STAFF_SESSION_DAYS"}
    periods = {field: _positive_int(env, name, getattr(defaults, field)) for field, name in names.items()}
    if periods["retention_attempt_days"] < 2:  # bot/attempts.py: lock-outs look back a day and last up to a day
        raise SettingsError("WEGWIJS_RETENTION_ATTEMPT_DAYS must be at least 2: lock-outs need the last two days")
    return periods


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


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "")
    if value == "":
        return default
    if not value.isdigit():
        raise SettingsError(f"{name}={value!r} must be a whole number, 0 or more")
    return int(value)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    return _positive_int(env, name, default, maximum=65535)
