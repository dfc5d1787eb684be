"""Usage Triggers CRUD through the official client."""

from resource_helpers import rest_error


def create(client, **params):
    params.setdefault("callback_url", "https://example.com/trigger")
    params.setdefault("trigger_value", "100")
    params.setdefault("usage_category", "sms")
    return client.usage.triggers.create(**params)


def test_create_returns_the_trigger(sandbox, parent_client):
    trigger = create(parent_client, friendly_name="budget", recurring="monthly", trigger_by="price")
    assert trigger.sid.startswith("UT") and trigger.account_sid == sandbox.parent_sid
    assert (trigger.recurring, trigger.trigger_by, trigger.trigger_value) == ("monthly", "price", "100")
    assert trigger.callback_method == "POST" and trigger.current_value == "0"
    assert trigger.usage_record_uri.endswith("/Usage/Records/ThisMonth.json?Category=sms")


def test_plus_offset_is_added_to_the_current_value(sandbox, parent_client):
    assert create(parent_client, trigger_value="+30").trigger_value == "30"


def test_missing_required_parameter_is_400(sandbox, parent_client):
    error = rest_error(lambda: parent_client.usage.triggers.create(
        callback_url="https://example.com/t", trigger_value="1", usage_category=""))
    assert error.status == 400


def test_invalid_recurring_is_400(sandbox, parent_client):
    error = rest_error(lambda: create(parent_client, recurring="hourly"))
    assert error.status == 400


def test_list_filters(sandbox, parent_client):
    create(parent_client, recurring="daily", usage_category="sms")
    create(parent_client, recurring="monthly", usage_category="phonenumbers", trigger_by="count")
    triggers = parent_client.usage.triggers
    assert len(triggers.list()) == 2
    assert [t.recurring for t in triggers.list(recurring="daily")] == ["daily"]
    assert [t.usage_category for t in triggers.list(usage_category="phonenumbers")] == ["phonenumbers"]
    assert [t.trigger_by for t in triggers.list(trigger_by="count")] == ["count"]


def test_fetch_update_delete(sandbox, parent_client):
    trigger = create(parent_client)
    updated = parent_client.usage.triggers(trigger.sid).update(
        friendly_name="renamed", callback_url="https://example.com/new", callback_method="GET")
    assert (updated.friendly_name, updated.callback_url, updated.callback_method) == (
        "renamed", "https://example.com/new", "GET")
    assert parent_client.usage.triggers(trigger.sid).fetch().friendly_name == "renamed"
    assert parent_client.usage.triggers(trigger.sid).delete() is True
    error = rest_error(lambda: parent_client.usage.triggers(trigger.sid).fetch())
    assert (error.status, error.code) == (404, 20404)


def test_subaccount_triggers_are_separate(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="c")
    parent_client.api.v2010.accounts(sub.sid).usage.triggers.create(
        callback_url="https://example.com/t", trigger_value="5", usage_category="sms")
    assert parent_client.usage.triggers.list() == []
    assert len(sandbox.client(sub.sid, sub.auth_token).usage.triggers.list()) == 1
