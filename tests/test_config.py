import pytest

from bot.config import Settings, SettingsError


def test_defaults_are_local_and_sqlite():
    settings = Settings.from_env({})
    assert settings.web_host == "127.0.0.1"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.tracker_store_url.startswith("sqlite:///")
    assert settings.default_language == "nl"


def test_reads_wegwijs_variables(tmp_path):
    settings = Settings.from_env(
        {
            "WEGWIJS_VAR_DIR": str(tmp_path),
            "WEGWIJS_WEB_PORT": "6000",
            "WEGWIJS_DEFAULT_LANGUAGE": "en",
            "WEGWIJS_DATABASE_URL": "postgresql://localhost/wegwijs",
        }
    )
    assert settings.web_port == 6000
    assert settings.default_language == "en"
    assert settings.database_url == "postgresql://localhost/wegwijs"
    assert settings.tracker_store_url == f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.mark.parametrize(
    "env", [{"WEGWIJS_WEB_PORT": "web"}, {"WEGWIJS_WEB_PORT": "70000"}, {"WEGWIJS_DEFAULT_LANGUAGE": "de"}]
)
def test_rejects_bad_values_clearly(env):
    with pytest.raises(SettingsError):
        Settings.from_env(env)


# --- secrets (issue 16: no public development key, a minimum length, the action server's token) --------

KEY = "k" * 40


def production(**extra):
    env = {"WEGWIJS_ENV": "production", "WEGWIJS_SECRET_KEY": KEY, "WEGWIJS_RASA_TOKEN": "r" * 40,
           "WEGWIJS_ACTION_SERVER_TOKEN": "a" * 40}
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.parametrize("environment", ["development", "production"])
def test_the_once_published_development_key_is_refused_everywhere(tmp_path, environment):
    from bot.security import PUBLIC_KEYS

    (known,) = PUBLIC_KEYS
    with pytest.raises(SettingsError, match="publicly known"):
        Settings.from_env({**production(WEGWIJS_SECRET_KEY=known), "WEGWIJS_ENV": environment,
                           "WEGWIJS_VAR_DIR": str(tmp_path)})
    (tmp_path / "secret-key").write_text(known)  # not even from var/
    with pytest.raises(SettingsError, match="publicly known"):
        Settings.from_env({"WEGWIJS_VAR_DIR": str(tmp_path)})


@pytest.mark.parametrize("environment", ["development", "production"])
def test_secrets_have_a_minimum_length_everywhere(tmp_path, environment):
    for name in ("WEGWIJS_SECRET_KEY", "WEGWIJS_ACTION_SERVER_TOKEN"):
        with pytest.raises(SettingsError, match=f"{name} must be at least 32 characters"):
            Settings.from_env({**production(**{name: "short-but-not-empty"}), "WEGWIJS_ENV": environment,
                               "WEGWIJS_VAR_DIR": str(tmp_path)})


def test_without_a_key_development_uses_var_or_a_random_one_never_a_fixed_string(tmp_path):
    from bot.security import PUBLIC_KEYS

    settings = Settings.from_env({"WEGWIJS_VAR_DIR": str(tmp_path)})
    assert settings.secret_key not in PUBLIC_KEYS and len(settings.secret_key) >= 32
    assert Settings().secret_key not in PUBLIC_KEYS
    (tmp_path / "secret-key").write_text("m" * 48 + "\n")  # what `make run` made
    (tmp_path / "action-server-token").write_text("t" * 43 + "\n")
    settings = Settings.from_env({"WEGWIJS_VAR_DIR": str(tmp_path)})
    assert (settings.secret_key, settings.action_server_token) == ("m" * 48, "t" * 43)
    assert "m" * 48 not in repr(settings)


def test_production_needs_its_own_secret_key_and_action_server_token(tmp_path):
    (tmp_path / "secret-key").write_text("m" * 48)  # var/ files are for development only
    (tmp_path / "action-server-token").write_text("t" * 43)
    assert Settings.from_env(production()).action_server_token == "a" * 40
    with pytest.raises(SettingsError, match="WEGWIJS_SECRET_KEY must be set in production"):
        Settings.from_env(production(WEGWIJS_SECRET_KEY=None, WEGWIJS_VAR_DIR=str(tmp_path)))
    with pytest.raises(SettingsError, match="WEGWIJS_ACTION_SERVER_TOKEN must be set in production"):
        Settings.from_env(production(WEGWIJS_ACTION_SERVER_TOKEN=None, WEGWIJS_VAR_DIR=str(tmp_path)))


def test_rest_integration_keys_are_names_with_long_keys_of_their_own():
    keys = Settings.from_env({"WEGWIJS_REST_INTEGRATION_KEYS": f"partner:{'p' * 32}, crm2:{'c' * 40}"})
    assert keys.rest_integration_keys == (("partner", "p" * 32), ("crm2", "c" * 40))
    assert Settings.from_env({}).rest_integration_keys == ()
    for wrong in (f"Part-ner:{'p' * 32}", "partner:short", f"a:{'p' * 32},a:{'q' * 32}", f"a:{'p' * 32},b:{'p' * 32}",
                  f":{'p' * 32}"):
        with pytest.raises(SettingsError, match="WEGWIJS_REST_INTEGRATION_KEYS"):
            Settings.from_env({"WEGWIJS_REST_INTEGRATION_KEYS": wrong})


def test_web_chat_sessions_and_the_failure_budget_are_settings():
    settings = Settings.from_env({"WEGWIJS_WEBCHAT_SESSION_HOURS": "2", "WEGWIJS_VERIFICATION_FAILURE_BUDGET": "5",
                                  "WEGWIJS_VERIFICATION_FAILURE_WINDOW_MINUTES": "3",
                                  "WEGWIJS_WEBCHAT_SESSIONS_PER_IP_HOUR": "7"})
    assert (settings.webchat_session_hours, settings.verification_failure_budget,
            settings.verification_failure_window_minutes, settings.webchat_sessions_per_ip_hour) == (2, 5, 3, 7)
    assert Settings.from_env({}).webchat_session_hours == 12
    with pytest.raises(SettingsError):
        Settings.from_env({"WEGWIJS_WEBCHAT_SESSION_HOURS": "0"})
