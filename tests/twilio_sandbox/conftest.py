"""Fixtures for the sandbox's own tests: one server per session, reset before each test."""

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib, which puts no test folder on
# sys.path; this one holds the shared helper ``contract`` that contract tests
# import as ``from contract import assert_exchanges_match_spec``. No module
# here is named like a package, so nothing real is shadowed.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from contract import assert_exchanges_match_spec  # noqa: E402
from twilio_sandbox.testing import running_sandbox  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_server():
    with running_sandbox(record_exchanges=True) as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server):
    """The running sandbox, back to just the parent (no faults, empty stats and exchange log)."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.sandbox.faults.clear()


@pytest.fixture
def parent_client(sandbox):
    return sandbox.client()


@pytest.fixture
def contract_log(sandbox):
    """Every request/response of this test, for ``contract.assert_exchanges_match_spec``."""
    return sandbox.exchange_log


@pytest.fixture
def assert_matches_spec():
    """The contract checker as a fixture, for tests that prefer not to import ``contract``."""
    return assert_exchanges_match_spec
