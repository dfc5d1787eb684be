"""Production-like settings pass `manage.py check --deploy` with no warning at all."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The e2e conftest sets this for Playwright; check --deploy rightly rejects it (async.E001).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="owlie_portal.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="portal.example.com",
        CSRF_TRUSTED_ORIGINS="https://portal.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}",
        CELERY_FILESYSTEM_QUEUE=str(tmp_path / "queue"),
    )
    return env


def test_check_deploy_reports_no_issue_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    # Silencing a check is not fixing it.
    assert "System check identified no issues (0 silenced)." in output, output
