import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_login_with_the_right_password_lands_on_the_home_page(client):
    user = UserFactory(username="zhangwei")

    response = _login(client, "zhangwei", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_shows_a_chinese_error(client):
    UserFactory(username="zhangwei")

    response = _login(client, "zhangwei", "wrong")

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_locks_after_five_failures_even_from_many_addresses(client, settings):
    UserFactory(username="target")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "target", f"guess-{n}", ip=f"10.0.1.{n}")

    # The right password from yet another address is still refused: the account is locked.
    response = _login(client, "target", PASSWORD, ip="10.0.9.9")

    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_address_locks_after_five_failures_across_accounts(client, settings):
    UserFactory(username="innocent")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"nobody{n}", "guess", ip="10.0.2.1")

    response = _login(client, "innocent", PASSWORD, ip="10.0.2.1")

    assert response.status_code == 429
    other_address = _login(client, "innocent", PASSWORD, ip="10.0.2.2")
    assert other_address.status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, mailoutbox):
    UserFactory(username="forgetful", email="forgetful@example.com")

    client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})

    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-2026", "new_password2": "a-new-long-password-2026"},
    )
    assert response.status_code == 302
    assert _login(client, "forgetful", "a-new-long-password-2026").status_code == 302


def test_password_change_page_requires_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
