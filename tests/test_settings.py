"""A bad configuration value stops the process at settings import with a message naming the variable."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup()"
DEV_FERNET_KEY = "b3dsaWUtcG9ydGFsLWRldi1vbmx5LWtleS0wMDAwMDA="  # FIELD_ENCRYPTION_KEYS' development default


def setup_django(tmp_path: Path, **overrides: str | None) -> subprocess.CompletedProcess:
    """`django.setup()` in a fresh interpreter; an override of None removes the variable."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="owlie_portal.settings",
               CELERY_FILESYSTEM_QUEUE=str(tmp_path / "queue"))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the e2e conftest for Playwright only
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=60)


def test_default_settings_load_on_a_bare_machine(tmp_path):
    result = setup_django(tmp_path)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "overrides"),
    [
        ("FIELD_ENCRYPTION_KEYS", {"FIELD_ENCRYPTION_KEYS": "notakey"}),
        ("TWILIO_ACCOUNT_SID", {"TWILIO_ACCOUNT_SID": "XX123"}),
        ("SECRET_KEY", {"DEBUG": "false", "SECRET_KEY": None}),
        ("SECRET_KEY", {"DEBUG": "false", "SECRET_KEY": "short"}),
        ("CELERY_BROKER_URL", {"CELERY_BROKER_URL": "amqp://x"}),
        ("SANDBOX_PORT", {"SANDBOX_PORT": "eighty"}),
    ],
    ids=["bad-fernet-key", "bad-account-sid", "no-secret-key-in-production", "short-secret-key", "amqp-broker",
         "bad-sandbox-port"],
)
def test_bad_value_fails_fast_naming_the_variable(tmp_path, variable, overrides):
    if overrides.get("DEBUG") == "false":
        # Everything else production needs is valid, so the variable under test is the only problem.
        overrides = {"FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), **overrides}

    result = setup_django(tmp_path, **overrides)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line, result.stderr
    assert variable in last_line, result.stderr


def real_twilio(**overrides: str | None) -> dict[str, str | None]:
    """Real Twilio (TWILIO_BASE_URL set and empty) with every secret set to a value of our own."""
    return {
        "TWILIO_BASE_URL": "",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        **overrides,
    }


def test_real_twilio_with_own_secrets_loads(tmp_path):
    result = setup_django(tmp_path, **real_twilio())

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "overrides"),
    [
        ("SECRET_KEY", {"SECRET_KEY": None}),
        ("FIELD_ENCRYPTION_KEYS", {"FIELD_ENCRYPTION_KEYS": None}),
        ("FIELD_ENCRYPTION_KEYS", {"FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{DEV_FERNET_KEY}"}),
        ("TWILIO_ACCOUNT_SID", {"TWILIO_ACCOUNT_SID": None}),
        ("TWILIO_AUTH_TOKEN", {"TWILIO_AUTH_TOKEN": None}),
        ("TWILIO_AUTH_TOKEN", {"TWILIO_AUTH_TOKEN": "0" * 32}),
    ],
    ids=["dev-secret-key", "dev-fernet-key", "dev-fernet-key-among-others", "sandbox-parent-sid",
         "sandbox-parent-token", "sandbox-parent-token-set-explicitly"],
)
def test_real_twilio_refuses_to_start_on_a_development_default(tmp_path, variable, overrides):
    result = setup_django(tmp_path, **real_twilio(**overrides))

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line, result.stderr
    assert variable in last_line and "TWILIO_BASE_URL" in last_line, result.stderr


def test_unset_twilio_base_url_means_the_local_sandbox_on_sandbox_port(tmp_path):
    probe = ("import django; django.setup(); from django.conf import settings; "
             "print(settings.TWILIO_BASE_URL, settings.TWILIO_WEBHOOK_BASE_URL)")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="owlie_portal.settings", CELERY_FILESYSTEM_QUEUE=str(tmp_path),
               SANDBOX_PORT="9876", PORTAL_PORT="8123")
    for name in ("TWILIO_BASE_URL", "TWILIO_WEBHOOK_BASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)

    result = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["http://127.0.0.1:9876", "http://127.0.0.1:8123"]


def test_env_example_documents_every_variable_settings_reads():
    settings_source = (BASE_DIR / "owlie_portal" / "settings.py").read_text()
    read = set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.M))

    assert read, "found no env(...) reads in settings.py"
    assert read <= documented, f"missing from .env.example: {sorted(read - documented)}"
