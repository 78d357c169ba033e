"""Settings come from the environment and fail at start, naming the variable."""

import pytest

from app.settings import Settings, SettingsError

BASE = {"BRIDGE_ADMIN_PASSWORD": "s3cret"}


def test_defaults():
    settings = Settings.from_env(BASE)
    assert settings.prefect_api_url == "http://127.0.0.1:4200/api"
    assert (settings.maximum_page_limit, settings.fallback_page_limit, settings.port) == (100, 100, 8080)
    assert settings.auth_enabled and settings.admin_username == "admin"
    assert settings.default_owner == "airflow"  # Airflow's [operators] default_owner


def test_prefect_cloud_url_and_key():
    url = "https://api.prefect.cloud/api/accounts/a/workspaces/w/"
    settings = Settings.from_env(BASE | {"PREFECT_API_URL": url, "PREFECT_API_KEY": "pnu_x"})
    assert settings.prefect_api_url == url.rstrip("/")
    assert "pnu_x" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"PREFECT_API_URL": "ftp://x"}, "PREFECT_API_URL"),
        ({"BRIDGE_PORT": "eighty"}, "BRIDGE_PORT"),
        ({"BRIDGE_PREFECT_TIMEOUT": "-1"}, "BRIDGE_PREFECT_TIMEOUT"),
        ({"BRIDGE_MAPPING_FILE": "/no/such/file.toml"}, "BRIDGE_MAPPING_FILE"),
        ({"BRIDGE_FALLBACK_PAGE_LIMIT": "500"}, "BRIDGE_FALLBACK_PAGE_LIMIT"),
        ({"BRIDGE_DEFAULT_OWNER": "   "}, "BRIDGE_DEFAULT_OWNER"),
        ({"BRIDGE_WORKERS": "0"}, "BRIDGE_WORKERS"),
        ({"BRIDGE_THREADS": "many"}, "BRIDGE_THREADS"),
        ({"BRIDGE_TLS_CERTFILE": "/no/such/cert.pem", "BRIDGE_TLS_KEYFILE": "/no/such/key.pem"}, "BRIDGE_TLS_CERTFILE"),
        ({"BRIDGE_TLS_MINIMUM_VERSION": "TLSv1.0"}, "BRIDGE_TLS_MINIMUM_VERSION"),
    ],
)
def test_bad_settings_name_their_variable(environ, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(BASE | environ)


def test_auth_needs_a_password_unless_turned_off():
    with pytest.raises(SettingsError, match="BRIDGE_ADMIN_PASSWORD"):
        Settings.from_env({})
    assert Settings.from_env({"BRIDGE_AUTH": "false"}).auth_enabled is False


def test_secrets_never_appear_in_errors():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PREFECT_API_KEY": "pnu_secret", "BRIDGE_PORT": "x", "BRIDGE_ADMIN_PASSWORD": "pw_secret"})
    assert "pnu_secret" not in str(caught.value) and "pw_secret" not in str(caught.value)


def test_config_is_exposed_only_when_asked():
    assert Settings.from_env(BASE).expose_config is False
    assert Settings.from_env(BASE | {"BRIDGE_EXPOSE_CONFIG": "true"}).expose_config is True
    with pytest.raises(SettingsError, match="BRIDGE_EXPOSE_CONFIG"):
        Settings.from_env(BASE | {"BRIDGE_EXPOSE_CONFIG": "maybe"})


def test_tls_files_go_together(tmp_path):
    pem = tmp_path / "file.pem"
    pem.write_text("-")
    with pytest.raises(SettingsError, match="BRIDGE_TLS_CERTFILE and BRIDGE_TLS_KEYFILE go together"):
        Settings.from_env(BASE | {"BRIDGE_TLS_CERTFILE": str(pem)})
    with pytest.raises(SettingsError, match="BRIDGE_TLS_CLIENT_CA_FILE needs BRIDGE_TLS_CERTFILE"):
        Settings.from_env(BASE | {"BRIDGE_TLS_CLIENT_CA_FILE": str(pem)})
    both = Settings.from_env(BASE | {"BRIDGE_TLS_CERTFILE": str(pem), "BRIDGE_TLS_KEYFILE": str(pem)})
    assert (both.tls_certfile, both.tls_minimum_version) == (pem, "TLSv1.2")
