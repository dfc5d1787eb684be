"""Small things a person notices: dates without "p.m..", no 404 for the favicon, read-only pages' back
link not called "Close", and refused requests logged as one line."""

import datetime
import logging

import pytest
from django.template import Context, Template
from django.utils import timezone

from factories import TenantFactory
from owlie_portal.twilio_gateway.errors import TwilioTransientError


def test_dates_read_in_24_hours_and_end_without_a_doubled_period():
    moment = timezone.make_aware(datetime.datetime(2026, 11, 30, 16, 5), datetime.timezone.utc)
    rendered = Template("Requested at {{ moment }}.").render(Context({"moment": moment}))
    assert rendered == "Requested at 30 Nov 2026, 16:05."


@pytest.mark.django_db
def test_the_favicon_is_served_instead_of_a_404(client, support_user):
    client.force_login(support_user)
    favicon = client.get("/favicon.ico", follow=True)
    assert favicon.status_code == 200 and favicon.redirect_chain
    assert 'rel="icon"' in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_a_read_only_page_goes_back_to_the_list_without_the_word_close(client, manager_user):
    tenant = TenantFactory(name="Falcon Flights")
    client.force_login(manager_user)  # account managers may only view tenants
    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert "Back to the list" in page and ">Close<" not in page


@pytest.mark.django_db
def test_a_refused_request_is_logged_as_one_line_without_a_traceback(client, support_user, caplog):
    client.force_login(support_user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/admin/auth/user/")  # support staff do not manage users
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert "Forbidden" in record.getMessage() and record.exc_info is None


def test_a_twilio_failure_the_worker_recorded_is_not_logged_again_as_unexpected(caplog):
    trace = logging.getLogger("celery.app.trace")
    error = TwilioTransientError("Too Many Requests", code=20429, status=429)
    with caplog.at_level(logging.ERROR, logger="celery.app.trace"):
        try:
            raise error
        except TwilioTransientError:
            trace.error("Task %s raised unexpected: %r", "tenants.set_subaccount_status", error, exc_info=True)
            trace.error("Task %s raised unexpected: %r", "tenants.other", KeyError("bug"), exc_info=False)
    assert [r.getMessage() for r in caplog.records] == [
        "Task tenants.other raised unexpected: KeyError('bug')"]  # real bugs still reach the log
