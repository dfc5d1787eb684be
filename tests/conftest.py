"""Shared fixtures: the Twilio sandbox over real HTTP, a real Celery worker, users per role.

PostgreSQL and Redis are used when DATABASE_URL / CELERY_BROKER_URL are set (CI); otherwise SQLite and
an in-memory broker shared by the test process and its in-process worker.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connections

from owlie_portal.celery import app as celery_app
from twilio_sandbox.testing import running_sandbox

# --import-mode=importlib puts no test folder on sys.path; `import factories` needs this one.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Worker threads must not keep connections open between tasks: the test database is flushed after
# each transactional test and dropped at the end of the session.
# Logins in tests check hundreds of passwords: a fast hasher (tests only) keeps them from dominating.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
django_settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
connections["default"].settings_dict["CONN_MAX_AGE"] = 0
if connections["default"].vendor == "sqlite":
    # Worker threads and the live server write while the test reads: Django's in-memory test database
    # (shared cache) answers "database table is locked" at once, where a file waits out the busy timeout.
    # One file per test process, so parallel runs in one checkout never clobber each other's database.
    connections["default"].settings_dict["TEST"]["NAME"] = str(
        Path(tempfile.gettempdir()) / f"owlie-test-{os.getpid()}.sqlite3")

if not django_settings.BROKER_IS_REDIS:
    celery_app.conf.broker_url = "memory://"
    celery_app.conf.broker_transport_options = {"polling_interval": 0.01}


@pytest.fixture(scope="session")
def sandbox_server():
    with running_sandbox() as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server, settings):
    """A fresh sandbox (only the parent account) that the portal's settings point at."""
    sandbox_server.reset()
    sandbox_server.sandbox.faults.clear()
    settings.TWILIO_BASE_URL = sandbox_server.url
    settings.TWILIO_ACCOUNT_SID = sandbox_server.parent_sid
    settings.TWILIO_AUTH_TOKEN = sandbox_server.parent_token
    settings.TWILIO_HTTP_TIMEOUT = 5.0
    yield sandbox_server
    sandbox_server.sandbox.faults.clear()


def _purge_budget_leases() -> None:
    if django_settings.TWILIO_REDIS_URL:
        import redis

        client = redis.Redis.from_url(django_settings.TWILIO_REDIS_URL)
        for key in client.scan_iter("owlie:twilio-inflight:*"):
            client.delete(key)


@pytest.fixture
def celery_worker(transactional_db, sandbox):
    """A real Celery worker (thread pool) consuming from the real broker for the length of one test."""
    _purge_budget_leases()
    celery_app.control.purge() if django_settings.BROKER_IS_REDIS else None
    with start_worker(celery_app, pool="threads", concurrency=10, perform_ping_check=False,
                      loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


def _wait_until(predicate, *, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture
def wait_until():
    return _wait_until


@pytest.fixture
def sandbox_tenants(sandbox, db):
    """`sandbox_tenants(n)`: n active tenants whose subaccounts really exist in the sandbox."""
    from factories import TenantFactory

    def make(count: int, **fields):
        client = sandbox.client()
        tenants = []
        for _ in range(count):
            tenant = TenantFactory.build(**fields)
            account = client.api.v2010.accounts.create(friendly_name=tenant.twilio_friendly_name())
            tenant.subaccount_sid, tenant.auth_token = account.sid, account.auth_token
            tenant.friendly_name = account.friendly_name
            tenant.save()
            tenants.append(tenant)
        return tenants

    return make


@pytest.fixture
def make_user(django_user_model):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from owlie_portal.tenants.roles import roles_sync

    roles_sync(apps)  # a transactional test's flush empties the groups the migration made

    def make(username: str, role: str | None = None, *, superuser: bool = False, password: str = "owlie-pass-123"):
        user = django_user_model.objects.create_user(username=username, password=password, is_staff=True,
                                                     is_superuser=superuser)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def support_user(make_user):
    return make_user("sam-support", "Support staff")


@pytest.fixture
def manager_user(make_user):
    return make_user("alex-manager", "Account managers")


@pytest.fixture
def admin_user_role(make_user):
    return make_user("ada-admin", "Administrators")
