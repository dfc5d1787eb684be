"""Wrong passwords lock out one username on one address — never other users — with a page saying how
long, and administrators can unlock a user from the admin."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


def _fail_five_times(client, username):
    for _ in range(5):
        client.post("/admin/login/", {"username": username, "password": "wrong"})


def test_five_wrong_passwords_lock_that_user_out_with_a_page_saying_for_how_long(client, support_user, settings):
    settings.AXES_FAILURE_LIMIT = 5
    _fail_five_times(client, support_user.username)

    response = client.post(LOGIN, {"username": support_user.username, "password": "owlie-pass-123"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Login locked" in page and "for <strong>1 hour</strong>" in page and support_user.username in page
    assert "Other users are not affected" in page and 'href="/static/' in page  # the admin's styled page


def test_a_locked_out_colleague_on_the_same_address_does_not_lock_out_another_user(
        client, support_user, admin_user_role):
    _fail_five_times(client, support_user.username)

    response = client.post(LOGIN, {"username": admin_user_role.username, "password": "owlie-pass-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user_role.pk)


def test_an_administrator_unlocks_a_locked_out_user_from_the_users_list(client, support_user, admin_user_role):
    _fail_five_times(client, support_user.username)
    client.force_login(admin_user_role)

    response = client.post("/admin/auth/user/", {"action": "unlock_login", "_selected_action": [support_user.pk]},
                           follow=True)
    assert "Unlocked sam-support" in response.content.decode()
    client.logout()

    login = client.post(LOGIN, {"username": support_user.username, "password": "owlie-pass-123"})
    assert login.status_code == 302 and client.session["_auth_user_id"] == str(support_user.pk)


def test_support_staff_cannot_unlock_logins(client, support_user, manager_user):
    _fail_five_times(client, manager_user.username)
    client.force_login(support_user)

    response = client.post("/admin/auth/user/", {"action": "unlock_login", "_selected_action": [manager_user.pk]})

    assert response.status_code == 403


def test_the_right_password_logs_in_before_the_limit(client, support_user):
    client.post("/admin/login/", {"username": support_user.username, "password": "wrong"})
    response = client.post(LOGIN, {"username": support_user.username, "password": "owlie-pass-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(support_user.pk)


def test_behind_a_trusted_proxy_the_client_address_is_the_one_the_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the peer it saw; anything left of it the client wrote and could have forged.
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.0.0.2",
                                    HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert get_client_ip_address(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(request) == "10.0.0.2"  # without a trusted proxy the header is ignored


def test_behind_a_proxy_two_clients_are_locked_out_separately(client, support_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post("/admin/login/", {"username": support_user.username, "password": "wrong"},
                    REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")

    response = client.post(LOGIN, {"username": support_user.username, "password": "owlie-pass-123"},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert response.status_code == 302  # the same user from another client behind the same proxy
