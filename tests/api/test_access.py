"""Sessions with CSRF for our own pages, throttles per token and per address, the schema and its
viewers served from our own static files."""

import pytest
from django.test import Client

from tests.api.helpers import Api, token_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_a_logged_in_page_script_reads_with_its_session_and_writes_only_with_the_csrf_token():
    user = UserFactory(username="pagescript")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    browser.post(
        "/accounts/login/",
        {
            "username": "pagescript",
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )

    me = browser.get("/api/v1/auth/me/", headers={"Accept-Language": "en"})
    forged = browser.post(
        "/api/v1/auth/tokens/",
        {"device": "x"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    honest = browser.post(
        "/api/v1/auth/tokens/",
        {"device": "x"},
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )

    assert me.status_code == 200 and me.json()["username"] == "pagescript"
    # Every scope a customer may hold; the desk's contract actions are not among them.
    assert "contracts:read" in me.json()["scopes"]
    assert len(me.json()["scopes"]) == 7 and "contracts:write" not in me.json()["scopes"]
    assert forged.status_code == 403
    assert forged.json()["code"] == "permission_denied"
    assert "CSRF" in forged.json()["message"]
    assert honest.status_code == 201
    assert user.api_tokens.count() == 1


def test_a_token_over_its_rate_gets_429_with_retry_after_and_another_token_does_not(settings):
    settings.API_THROTTLE_RATES = {"token": "3/min", "address": "1000/min"}
    busy = Api(token_for(UserFactory()), language="en")
    calm = Api(token_for(UserFactory()))

    answers = [busy.get("auth/me/").status_code for _ in range(4)]
    refused = busy.get("auth/me/")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 60
    assert refused.json()["message"] == (
        f"Too many requests: try again in {wait} second{'s' if wait > 1 else ''}."
    )
    assert calm.get("auth/me/").status_code == 200


def test_one_address_is_limited_whatever_token_it_uses(settings):
    settings.API_THROTTLE_RATES = {"token": "1000/min", "address": "2/min"}
    first, second = Api(token_for(UserFactory())), Api(token_for(UserFactory()))

    codes = [first.get("auth/me/").status_code, second.get("auth/me/").status_code]
    codes.append(Api().get("catalogue/models/").status_code)

    assert codes == [200, 200, 429]


def test_the_schema_and_its_viewers_come_from_our_own_server():
    schema = Client().get("/api/v1/schema/")
    swagger = Client().get("/api/v1/docs/").content.decode()
    redoc = Client().get("/api/v1/redoc/").content.decode()

    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert b"/api/v1/catalogue/models/{slug}/availability/" in schema.content
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    for page in (swagger, redoc):
        assert "cdn" not in page.lower() and "unpkg" not in page.lower()


def test_with_redis_configured_every_process_shares_the_counts_and_the_refusal_is_chinese(
    settings, redis_cache
):
    """The counts live in Redis when it is configured (settings: REDIS_URL, else the broker's
    Redis): a second process, here a fresh client of the same Redis, sees them."""
    other_process, prefix = redis_cache
    settings.API_THROTTLE_RATES = {"token": "2/min", "address": "1000/min"}
    busy = Api(token_for(UserFactory()))
    answers = [busy.get("auth/me/").status_code for _ in range(3)]
    counted = other_process.keys(f"{prefix}:*throttle:token:*")
    refused = busy.get("auth/me/")

    assert answers == [200, 200, 429]
    assert len(counted) == 1
    wait = int(refused["Retry-After"])
    assert refused.json()["message"] == f"请求过于频繁：请在 {wait} 秒后重试。"
