import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The rate limits count in the cache; a count left by another test must not leak in."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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


@pytest.mark.parametrize(
    "typed", ["138 5991 2345", "+86 138-5991-2345", "0086 13859912345", " 13859912345 "]
)
def test_a_customer_logs_in_with_the_mobile_number_however_it_is_typed(client, typed):
    user = UserFactory(username="13859912345", phone="+8613859912345")

    response = _login(client, typed, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_shows_a_chinese_error(client):
    UserFactory(username="zhangwei")

    response = _login(client, "zhangwei", "wrong")

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_locks_after_five_failures_from_one_address_only(client, settings):
    UserFactory(username="target")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "target", f"guess-{n}", ip="10.0.1.1")

    locked = _login(client, "target", PASSWORD, ip="10.0.1.1")
    # The real user, from their own address, is not locked out by the stranger's guesses.
    elsewhere = _login(client, "target", PASSWORD, ip="10.0.9.9")

    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert elsewhere.status_code == 302


def test_guesses_from_many_addresses_do_not_lock_the_real_user_out(client, settings):
    UserFactory(username="manager2")
    for n in range(settings.AXES_FAILURE_LIMIT * 2):
        _login(client, "manager2", f"guess-{n}", ip=f"10.0.3.{n}")

    assert _login(client, "manager2", PASSWORD, ip="10.0.3.200").status_code == 302


def test_an_address_is_refused_after_its_own_limit_of_failures_across_accounts(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    UserFactory(username="innocent")
    for n in range(8):
        _login(client, f"nobody{n}", "guess", ip="10.0.2.1")

    response = _login(client, "innocent", PASSWORD, ip="10.0.2.1")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert _login(client, "innocent", PASSWORD, ip="10.0.2.2").status_code == 302


def test_fewer_failures_than_the_address_limit_lock_nobody_else(client, settings):
    UserFactory(username="colleague")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"nobody{n}", "guess", ip="10.0.4.1")

    assert _login(client, "colleague", PASSWORD, ip="10.0.4.1").status_code == 302


def test_the_address_comes_from_the_trusted_proxy_count(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="behind")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"),
            {"username": "behind", "password": f"guess-{n}"},
            REMOTE_ADDR="10.9.9.9",  # the proxy
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.7",  # spoofed part, then the real one
        )

    from_attacker = client.post(
        reverse("accounts:login"),
        {"username": "behind", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    from_user = client.post(
        reverse("accounts:login"),
        {"username": "behind", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )

    assert from_attacker.status_code == 429
    assert from_user.status_code == 302


def test_a_ten_thousand_character_username_is_a_message_not_an_error(client):
    response = _login(client, "x" * 10_000, "whatever")

    assert response.status_code == 200
    assert "用户名最多150个字符" in response.content.decode()
    assert 'value="' + "x" * 100 in response.content.decode()


def test_password_reset_mail_is_limited_per_account_and_per_address(client, mailoutbox, settings):
    UserFactory(username="flooded", email="flooded@example.com")
    UserFactory(username="other", email="other@example.com")
    url = reverse("accounts:password_reset")
    for _ in range(settings.PASSWORD_RESET_PER_ACCOUNT + 2):
        client.post(url, {"email": "flooded@example.com"}, REMOTE_ADDR=f"10.1.0.{_}")

    assert len(mailoutbox) == settings.PASSWORD_RESET_PER_ACCOUNT
    refused = client.post(url, {"email": "flooded@example.com"}, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 200
    assert "已经发送了多封密码重置邮件" in refused.content.decode()

    for n in range(settings.PASSWORD_RESET_PER_ADDRESS + 1):
        client.post(url, {"email": f"nobody{n}@example.com"}, REMOTE_ADDR="10.1.2.2")
    client.post(url, {"email": "other@example.com"}, REMOTE_ADDR="10.1.2.2")
    assert len(mailoutbox) == settings.PASSWORD_RESET_PER_ACCOUNT
    client.post(url, {"email": "other@example.com"}, REMOTE_ADDR="10.1.3.3")
    assert len(mailoutbox) == settings.PASSWORD_RESET_PER_ACCOUNT + 1


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
