"""Tokens: issued at login for one device, stored hashed, limited to the role's scopes, expiring,
revocable; errors as JSON in the caller's language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rental.api.models import ApiToken
from rental.core.models import AuditEvent
from tests.api.helpers import Api, token_for
from tests.factories import PASSWORD, StaffFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db


def _login(username, password=PASSWORD, device="iPhone 15", **extra):
    return Api().post(
        "auth/login/", {"username": username, "password": password, "device": device, **extra}
    )


def test_login_gives_a_token_that_is_stored_only_as_a_hash_and_works_at_once():
    user = TechnicianFactory(username="tech1")

    response = _login("tech1")

    assert response.status_code == 201
    body = response.json()
    plain = body["token"]
    assert plain.startswith("xss_") and len(plain) > 40
    assert body["device"] == "iPhone 15"
    assert body["scopes"] == ["tickets:read", "tickets:write"]
    row = ApiToken.objects.get()
    assert plain not in (row.digest, row.prefix) and plain.startswith(row.prefix)
    assert len(row.digest) == 64
    assert (row.expires_at - timezone.now()).days == 89
    me = Api(plain).get("auth/me/").json()
    assert me == {
        "id": user.pk,
        "username": "tech1",
        "name": "张伟",
        "role": "technician",
        "scopes": ["tickets:read", "tickets:write"],
    }


def test_a_customer_logs_in_with_the_mobile_number_as_typed_on_the_phone():
    UserFactory(username="13859912345", phone="+8613859912345")

    response = _login("+86 138 5991 2345")

    assert response.status_code == 201


def test_a_wrong_password_gives_a_chinese_error_by_default_and_english_when_asked():
    UserFactory(username="cust1")

    chinese = _login("cust1", password="wrong")
    english = Api(language="en").post(
        "auth/login/", {"username": "cust1", "password": "wrong", "device": "x"}
    )

    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {
        "code": "credentials",
        "message": "用户名或密码不正确。",
        "fields": {},
    }
    assert english.json() == {
        "code": "credentials",
        "message": "The username or password is not right.",
        "fields": {},
    }
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named_one_by_one():
    response = Api(language="en").post("auth/login/", {"username": "x"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Some fields need correcting.",
        "fields": {"password": ["This field is required."], "device": ["This field is required."]},
    }


def test_a_role_cannot_get_scopes_beyond_its_own():
    TechnicianFactory(username="tech2")

    response = Api(language="en").post(
        "auth/login/",
        {"username": "tech2", "password": PASSWORD, "device": "x", "scopes": ["contracts:write"]},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "scopes": ["A Technician may not hold these scopes: contracts:write."]
    }
    assert not ApiToken.objects.exists()


def test_one_token_per_device_a_new_login_revokes_the_old_one_of_that_device_only():
    UserFactory(username="cust2")
    first = _login("cust2", device="phone").json()["token"]
    other = _login("cust2", device="tablet").json()["token"]

    second = _login("cust2", device="phone").json()["token"]

    assert Api(first).get("auth/me/").status_code == 401
    assert Api(second).get("auth/me/").status_code == 200
    assert Api(other).get("auth/me/").status_code == 200
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_an_expired_token_and_a_revoked_token_are_refused_with_401():
    user = UserFactory()
    plain = token_for(user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    expired = Api(plain, language="en").get("auth/me/")

    assert expired.status_code == 401
    assert expired.json() == {
        "code": "authentication_failed",
        "message": "The token is not valid, expired or revoked.",
        "fields": {},
    }
    assert expired["WWW-Authenticate"] == "Bearer"


def test_a_user_lists_and_revokes_their_own_tokens_but_not_someone_elses():
    user, other = UserFactory(), UserFactory()
    mine = token_for(user, device="laptop")
    theirs_plain = token_for(other, device="phone")
    theirs = ApiToken.objects.get(user=other)
    api = Api(mine)

    listed = api.get("auth/tokens/").json()
    refused = api.delete(f"auth/tokens/{theirs.pk}/")
    own = ApiToken.objects.get(user=user)
    revoked = api.delete(f"auth/tokens/{own.pk}/")

    assert [row["device"] for row in listed["results"]] == ["laptop"]
    assert refused.status_code == 404
    assert Api(theirs_plain).get("auth/me/").status_code == 200
    assert revoked.status_code == 204
    assert api.get("auth/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1


def test_a_manager_issues_a_token_for_an_integration_account_and_others_cannot():
    from django.contrib.auth.models import Group

    from rental.accounts.models import User
    from rental.api import tokens
    from rental.core.errors import NotAllowed

    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="manager"))
    desk = StaffFactory(username="hotline")
    clerk = StaffFactory(groups=["front_desk"])

    token, plain = tokens.token_issue(
        user=desk, device="400 hotline", scopes=["tickets:read", "tickets:write"], by=manager
    )

    assert token.created_by == manager and token.user == desk
    assert Api(plain).get("auth/me/").json()["scopes"] == ["tickets:read", "tickets:write"]
    with pytest.raises(NotAllowed):
        tokens.token_issue(user=desk, device="other", by=clerk)
    assert ApiToken.objects.filter(user=desk).count() == 1
    assert User.objects.get(pk=desk.pk).api_tokens.count() == 1


def test_no_credentials_is_401_and_unknown_paths_are_a_json_404():
    anonymous = Api(language="en")

    me = anonymous.get("auth/me/")
    nowhere = anonymous.get("nowhere/at/all/")

    assert me.status_code == 401
    assert me.json()["code"] == "not_authenticated"
    assert nowhere.status_code == 404
    assert nowhere.json() == {
        "code": "not_found",
        "message": "There is nothing at this address.",
        "fields": {},
    }
