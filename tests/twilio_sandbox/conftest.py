"""Fixtures for the sandbox's own tests: one server per session, reset before each test."""

import pytest

from twilio_sandbox.testing import running_sandbox


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
