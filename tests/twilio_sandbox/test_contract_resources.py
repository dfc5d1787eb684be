"""Contract: every exchange of the number, message, service, usage and trigger operations matches the spec."""

from contract import assert_exchanges_match_spec
from resource_helpers import buy, fast_delivery, rest_error, subaccount, wait_status  # noqa: F401

SENDER = "+14155550101"


def test_numbers_and_available_numbers_match_the_spec(sandbox, parent_client, contract_log):
    sub = subaccount(parent_client)
    parent_client.available_phone_numbers.list()
    parent_client.available_phone_numbers("US").fetch()
    parent_client.available_phone_numbers("US").local.list(area_code=415, sms_enabled=True, contains="555", limit=3)
    parent_client.available_phone_numbers("US").toll_free.list(limit=2)
    parent_client.available_phone_numbers("GB").mobile.list(limit=2)
    number = buy(parent_client, sandbox.parent_sid, phone_number=SENDER, sms_url="https://example.com/sms",
                 friendly_name="main", voice_caller_id_lookup=True)
    buy(parent_client, sandbox.parent_sid, area_code="212")
    parent_client.incoming_phone_numbers.list(phone_number="415", friendly_name="main", origin="twilio", limit=5)
    list(parent_client.incoming_phone_numbers.stream(page_size=1))
    parent_client.incoming_phone_numbers(number.sid).fetch()
    parent_client.incoming_phone_numbers(number.sid).update(sms_method="GET", voice_url="https://example.com/v",
                                                            status_callback_method="POST")
    parent_client.incoming_phone_numbers(number.sid).update(account_sid=sub.sid)
    parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers(number.sid).delete()
    rest_error(lambda: buy(parent_client, sandbox.parent_sid, phone_number="+15005550000"))
    assert_exchanges_match_spec(contract_log)


def test_messages_match_the_spec(sandbox, parent_client, contract_log, fast_delivery):
    number = buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    message = parent_client.messages.create(to="+14155559999", from_=SENDER, body="hi",
                                            status_callback="http://127.0.0.1:9/cb")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    parent_client.messages.create(to="+14155559999", messaging_service_sid=service.sid, body="✓ unicode",
                                  media_url=["https://example.com/a.png"])
    wait_status(parent_client, sandbox.parent_sid, message.sid, "delivered")
    sandbox.control("inbound", From="+14155559999", To=SENDER, Body="STOP")
    parent_client.messages.list(to="+14155559999", from_=SENDER, limit=5)
    list(parent_client.messages.stream(page_size=1))
    from datetime import datetime, timezone
    parent_client.messages.list(date_sent=datetime.now(timezone.utc))
    parent_client.messages(message.sid).fetch()
    parent_client.messages(message.sid).update(body="")
    parent_client.messages(message.sid).delete()
    rest_error(lambda: parent_client.messages.create(to="+15005550001", from_=SENDER, body="x"))
    assert_exchanges_match_spec(contract_log)


def test_services_match_the_spec(sandbox, parent_client, contract_log):
    number = buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    service = parent_client.messaging.v1.services.create(
        friendly_name="svc", inbound_request_url="https://example.com/in", inbound_method="POST",
        status_callback="https://example.com/s", sticky_sender=True, scan_message_content="inherit",
        validity_period=600, use_inbound_webhook_on_number=False)
    parent_client.messaging.v1.services.create(friendly_name="other")
    list(parent_client.messaging.v1.services.stream(page_size=1))
    parent_client.messaging.v1.services(service.sid).fetch()
    parent_client.messaging.v1.services(service.sid).update(friendly_name="renamed", area_code_geomatch=False)
    pool = parent_client.messaging.v1.services(service.sid).phone_numbers
    pool.create(phone_number_sid=number.sid)
    pool.create(phone_number_sid=number.sid)  # already a member: 200
    pool.list()
    pool(number.sid).fetch()
    pool(number.sid).delete()
    parent_client.messaging.v1.services(service.sid).delete()
    assert_exchanges_match_spec(contract_log)


def test_usage_and_triggers_match_the_spec(sandbox, parent_client, contract_log):
    sandbox.control("usage/seed", months="2", seed="3")
    records = parent_client.usage.records
    records.list(category="sms", start_date="2024-01-01", end_date="2030-01-01", include_subaccounts=True)
    for variant in ("daily", "monthly", "yearly", "today", "yesterday", "this_month", "last_month", "all_time"):
        getattr(records, variant).list(limit=3)
    trigger = parent_client.usage.triggers.create(callback_url="https://example.com/t", trigger_value="10",
                                                  usage_category="sms", recurring="daily", trigger_by="count",
                                                  callback_method="POST", friendly_name="t")
    parent_client.usage.triggers.create(callback_url="https://example.com/t", trigger_value="10",
                                        usage_category="sms")
    parent_client.usage.triggers.list(recurring="daily", trigger_by="count", usage_category="sms")
    parent_client.usage.triggers(trigger.sid).fetch()
    parent_client.usage.triggers(trigger.sid).update(friendly_name="renamed", callback_method="GET")
    parent_client.usage.triggers(trigger.sid).delete()
    assert_exchanges_match_spec(contract_log)
