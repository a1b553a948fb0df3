import pytest

from app import create_app
from app.config import ConfigError, database_uri, flask_config, from_environment


def test_it_uses_defaults_without_environment():
    settings = from_environment({})
    assert settings["IDLE_TIMEOUT_MINUTES"] == 30
    assert settings["ABSOLUTE_TIMEOUT_HOURS"] == 12
    assert settings["TIMEZONE"] == "Europe/Copenhagen"


def test_it_overrides_from_stepcare_variables_with_types():
    settings = from_environment({"STEPCARE_IDLE_TIMEOUT_MINUTES": "15", "STEPCARE_TIMEZONE": "UTC"})
    assert settings["IDLE_TIMEOUT_MINUTES"] == 15
    assert settings["TIMEZONE"] == "UTC"


def test_it_names_the_variable_when_a_number_is_not_a_number():
    with pytest.raises(ConfigError, match="STEPCARE_IDLE_TIMEOUT_MINUTES"):
        from_environment({"STEPCARE_IDLE_TIMEOUT_MINUTES": "half an hour"})


def test_it_reads_secrets_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    settings = from_environment({"STEPCARE_SECRET_KEY_FILE": str(secret)})
    assert settings["SECRET_KEY"] == "s" * 40


def test_it_names_an_unreadable_secret_file(tmp_path):
    with pytest.raises(ConfigError, match="STEPCARE_SECRET_KEY_FILE"):
        from_environment({"STEPCARE_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_it_takes_database_url_from_the_conventional_variable():
    settings = from_environment({"DATABASE_URL": "postgresql://u@localhost/db"})
    assert settings["DATABASE_URL"] == "postgresql://u@localhost/db"


def test_it_uses_psycopg3_for_postgresql_urls(tmp_path):
    uri = database_uri("postgres://u:p@localhost:5432/clinic", str(tmp_path))
    assert uri == "postgresql+psycopg://u:p@localhost:5432/clinic"


def test_it_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    assert database_uri(None, str(tmp_path)) == f"sqlite:///{tmp_path}/stepcare.db"


@pytest.mark.parametrize("bad", ["not a url", "mysql://u@h/db", "postgresql://u@localhost"])
def test_it_names_database_url_when_it_is_malformed(tmp_path, bad):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        database_uri(bad, str(tmp_path))


def test_it_refuses_production_without_a_real_secret_key(tmp_path):
    settings = from_environment({"STEPCARE_ENV": "production"})
    with pytest.raises(ConfigError, match="secret key"):
        flask_config(settings, str(tmp_path))


def test_it_refuses_production_with_a_short_secret_key(tmp_path):
    settings = from_environment({"STEPCARE_ENV": "production", "STEPCARE_SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="at least 32"):
        flask_config(settings, str(tmp_path))


def test_it_uses_host_prefixed_secure_cookies_in_production(tmp_path):
    settings = from_environment(
        {"STEPCARE_ENV": "production", "STEPCARE_SECRET_KEY": "k" * 40}
    )
    config = flask_config(settings, str(tmp_path))
    assert config["SESSION_COOKIE_NAME"] == "__Host-stepcare"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_it_keeps_a_generated_development_key_in_the_instance_folder(tmp_path):
    first = flask_config(from_environment({}), str(tmp_path))["SECRET_KEY"]
    second = flask_config(from_environment({}), str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_it_takes_test_config_in_the_factory(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("t.db")
