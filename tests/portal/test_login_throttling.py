"""django-axes locks a username out after repeated wrong passwords, even when the right one follows."""

import pytest


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_login_out(client, support_user, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(5):
        client.post("/admin/login/", {"username": support_user.username, "password": "wrong"})

    response = client.post("/admin/login/?next=/admin/",
                            {"username": support_user.username, "password": "owlie-pass-123"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_right_password_logs_in_before_the_limit(client, support_user):
    client.post("/admin/login/", {"username": support_user.username, "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/",
                           {"username": support_user.username, "password": "owlie-pass-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(support_user.pk)
