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
