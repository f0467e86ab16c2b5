"""Sign-up, verification before the first reservation, and recovery by a code."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rental.accounts import verification
from rental.accounts.models import User, VerificationCode
from rental.notifications.models import Notification

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "individual",
    "name": "林小梅",
    "phone": "138 5991 2345",
    "email": "lin@example.com",
    "password1": "海边-kite-2026",
    "password2": "海边-kite-2026",
}


def _code(purpose="verify") -> str:
    sms = Notification.objects.filter(event=f"account.{purpose}", channel="sms").latest("pk")
    return re.search(r"\d{6}", sms.body).group(0)


def test_a_new_customer_signs_up_gets_a_code_by_sms_and_must_verify_before_reserving(client):
    response = client.post(reverse("accounts:signup"), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    user = User.objects.get()
    assert (user.username, user.phone, user.role) == ("13859912345", "+8613859912345", "customer")
    assert user.verification_required is True
    [sms] = Notification.objects.filter(event="account.verify")
    assert sms.channel == "sms" and sms.recipient == "+8613859912345"
    assert sms.body.startswith("【新思索租赁】您的验证码是")
    # Not yet verified: the reservation form sends them to the code page.
    assert client.get(reverse("contracts:reservation_new"))["Location"] == reverse(
        "accounts:verify"
    )

    wrong = client.post(reverse("accounts:verify"), {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert VerificationCode.objects.get().failed_attempts == 1

    ok = client.post(reverse("accounts:verify"), {"code": _code()})
    assert ok["Location"] == reverse("contracts:profile")
    user.refresh_from_db()
    assert user.verification_required is False and user.contact_verified_at is not None
    profile = client.get(reverse("contracts:profile")).content.decode()
    assert 'value="林小梅"' in profile
    assert client.get(reverse("contracts:reservation_new"))["Location"] == reverse(
        "contracts:profile"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0592 1234567", "请输入中国大陆手机号"),
        ("phone", "12345", "不是有效的电话号码"),
        ("password1", "12345678", "这个密码"),
    ],
)
def test_bad_sign_up_input_gets_a_clear_error_and_creates_nothing(client, field, value, message):
    data = {**GOOD, field: value}
    if field == "password1":
        data["password2"] = value

    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_number_signs_up_once(client):
    client.post(reverse("accounts:signup"), GOOD)
    client.logout()

    response = client.post(reverse("accounts:signup"), {**GOOD, "email": "other@example.com"})

    assert "此手机号已注册" in response.content.decode()
    assert User.objects.count() == 1


def test_codes_are_rate_limited_per_address(client):
    client.post(reverse("accounts:signup"), GOOD)

    response = client.post(reverse("accounts:verify_resend"), {"channel": "sms"}, follow=True)

    assert "秒后可再次获取" in response.content.decode()
    assert VerificationCode.objects.count() == 1
    # An hour's allowance is five codes, however they are spaced.
    user = User.objects.get()
    for n in range(4):
        VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=2 + n))
        verification.code_send(user=user, purpose="verify", channel="sms")
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(verification.VerificationError, match="一小时后再试"):
        verification.code_send(user=user, purpose="verify", channel="sms")
    assert VerificationCode.objects.count() == 5


def test_a_forgotten_password_is_reset_with_a_code_sent_to_the_phone(client):
    client.post(reverse("accounts:signup"), GOOD)
    client.logout()
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    client.post(reverse("accounts:recover"), {"identifier": "+86 138-5991-2345"})
    response = client.post(
        reverse("accounts:recover_code"),
        {"code": _code("recover"), "password1": "新的-lantern-77", "password2": "新的-lantern-77"},
    )

    assert response["Location"] == reverse("accounts:login")
    user = User.objects.get()
    assert user.check_password("新的-lantern-77")
    logged_in = client.post(
        reverse("accounts:login"), {"username": "13859912345", "password": "新的-lantern-77"}
    )
    assert logged_in["Location"] == reverse("home")


def test_recovery_for_an_unknown_number_answers_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:recover"), {"identifier": "13900001111"}, follow=True)

    assert "如果此号码或邮箱属于某个账户，验证码已发出" in response.content.decode()
    assert Notification.objects.count() == 0
