"""The webhooks' hot path on PostgreSQL: one statement per webhook, no health-check round trip before it,
and a connection the server dropped costs nothing but a resend."""

import secrets

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from messaging_support import post_signed

from owlie_portal.messaging.models import Message, OptOut, OptOutEvent, StatusCallback
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")


@pytest.fixture
def tenant(transactional_db):
    # transactional_db: outside a test transaction, as in production (no savepoint around the statement).
    return Tenant.objects.create(name="Hot path", external_ref="HOT-1", status=Tenant.Status.ACTIVE,
                                 subaccount_sid="AC" + secrets.token_hex(16), auth_token=secrets.token_hex(16))


def _stop(tenant, n: int) -> dict:
    return {"MessageSid": f"SM{n:032x}", "AccountSid": tenant.subaccount_sid, "From": f"+1415555{n:04d}",
            "To": "+14155550100", "Body": "STOP", "NumSegments": "1", "SmsStatus": "received"}


def test_a_stop_and_a_status_callback_are_one_statement_each(tenant):
    client = Client()
    post_signed(client, "inbound", _stop(tenant, 1), tenant.auth_token)  # the account's token is now cached
    Message.objects.create(sid="SM" + "a" * 32, tenant=tenant, to_number="+14155550123", status="accepted")

    with CaptureQueriesContext(connection) as stop:
        assert post_signed(client, "inbound", _stop(tenant, 2), tenant.auth_token).status_code == 200
    with CaptureQueriesContext(connection) as status:
        assert post_signed(client, "status", {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered",
                                              "AccountSid": tenant.subaccount_sid}, tenant.auth_token).status_code == 204

    assert (len(stop), len(status)) == (1, 1), [q["sql"][:80] for q in [*stop, *status]]
    assert OptOut.objects.get(recipient="+14155550002").opted_out
    assert Message.objects.get(sid="SM" + "a" * 32).status == "delivered"
    assert StatusCallback.objects.filter(message_sid="SM" + "a" * 32, status="delivered").exists()


def test_a_webhook_on_a_connection_the_server_dropped_is_resent_and_recorded_once(tenant):
    client = Client()
    post_signed(client, "inbound", _stop(tenant, 1), tenant.auth_token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")},
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.health_check_done = False  # the next request reuses the kept connection (CONN_MAX_AGE > 0)

    answer = post_signed(client, "inbound", _stop(tenant, 2), tenant.auth_token)

    assert answer.status_code == 200
    assert OptOutEvent.objects.filter(message_sid=f"SM{2:032x}").count() == 1
    assert OptOut.objects.get(recipient="+14155550002").opted_out


def test_a_replayed_status_callback_inserts_nothing_and_moves_nothing(tenant):
    client = Client()
    sid = "SM" + "b" * 32
    Message.objects.create(sid=sid, tenant=tenant, to_number="+14155550123", status="accepted")
    sent = {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": tenant.subaccount_sid}
    delivered = {**sent, "MessageStatus": "delivered"}
    for params in (sent, delivered, sent, delivered):
        assert post_signed(client, "status", params, tenant.auth_token).status_code == 204

    assert Message.objects.get(sid=sid).status == "delivered"
    assert StatusCallback.objects.filter(message_sid=sid).count() == 2
