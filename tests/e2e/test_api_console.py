"""Integrations in a real browser: a manager issues a token for the 400 hotline in the console
(shown once, never again), allows the accounting system's host and registers its webhook
endpoint (URL, events, secret); then the hotline's token opens a ticket through the API and the
receiver gets the event, signed with that secret, which the console's delivery log shows. And a
technician makes a token for their own phone on their account's page, uses it, revokes it."""

import json
import re
import urllib.error
import urllib.request

import pytest

from rental.api.models import ApiToken
from rental.webhooks import services as webhook_services
from rental.webhooks.models import Delivery, Endpoint
from rental.webhooks.signature import verify
from tests.conftest import login, screenshot
from tests.factories import PASSWORD, StaffFactory, TechnicianFactory
from tests.service_tickets.factories import contract_of
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "whsec-accounting-2026-abcdefghijklmnop"


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def _api(base_url: str, path: str, token: str, body: dict | None = None):
    request = urllib.request.Request(  # noqa: S310 (our own test server)
        base_url + "/api/v1/" + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_a_manager_issues_a_token_and_registers_a_webhook_and_both_work(page, receiver):
    StaffFactory(username="boss")
    hotline = StaffFactory(username="hotline-400", groups=["front_desk"])
    contract = contract_of(tier="rapid", days=3)
    unit = contract.units.get().asset

    page.goto(page.base_url + "/console/login/?next=/console/api/apitoken/add/")
    page.locator("#id_username").fill("boss")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.locator("#id_user").select_option(str(hotline.pk))
    page.locator("#id_device").fill("400 热线")
    for scope in ("tickets:read", "tickets:write"):
        page.locator(f"input[name=scopes][value='{scope}']").check()
    page.locator("#id_expires_in_days").fill("30")
    screenshot(page, "api-token-issue")
    page.locator("input[name=_save]").click()

    message = page.locator(".messagelist li").first.inner_text()
    token = re.search(r"xss_[A-Za-z0-9_-]+", message).group(0)
    screenshot(page, "api-token-shown-once")
    issued = ApiToken.objects.get(device="400 热线")
    assert (issued.user, issued.scopes) == (hotline, ["tickets:read", "tickets:write"])
    assert issued.digest != token and token not in issued.digest
    page.goto(page.base_url + f"/console/api/apitoken/{issued.pk}/change/")
    assert token not in page.content(), "the token is shown only once"
    assert issued.prefix in page.content()

    page.goto(page.base_url + "/console/webhooks/allowedhost/add/")
    page.locator("#id_host").fill("127.0.0.1")
    page.locator("#id_note").fill("会计系统（测试）")
    page.locator("input[name=_save]").click()
    page.goto(page.base_url + "/console/webhooks/endpoint/add/")
    page.locator("#id_name").fill("会计系统")
    page.locator("#id_url").fill(receiver.url)
    for event in ("ticket.opened", "payment.recorded"):
        page.locator(f"input[name=events][value='{event}']").check()
    page.locator("#id_secret").fill(SECRET)
    screenshot(page, "api-webhook-register")
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()
    endpoint = Endpoint.objects.get()
    assert (endpoint.url, sorted(endpoint.events)) == (
        receiver.url,
        ["payment.recorded", "ticket.opened"],
    )

    # The hotline's token, copied from the console, works against the API at once.
    status, me = _api(page.base_url, "auth/me/", token)
    assert (status, me["username"], me["scopes"]) == (
        200,
        "hotline-400",
        ["tickets:read", "tickets:write"],
    )
    status, ticket = _api(
        page.base_url,
        "tickets/",
        token,
        {
            "contract": contract.number,
            "asset_tag": unit.asset_tag,
            "kind": "hardware",
            "description": "屏幕不亮",
        },
    )
    assert (status, ticket["channel"]) == (201, "phone")

    delivery = Delivery.objects.get()
    webhook_services.delivery_attempt(delivery_id=delivery.pk)
    (got,) = receiver.requests
    assert got.headers["X-Rental-Event"] == "ticket.opened"
    assert verify(secret=SECRET, body=got.body, header=got.headers["X-Rental-Signature"])
    assert json.loads(got.body)["data"]["number"] == ticket["number"]

    page.goto(page.base_url + f"/console/webhooks/delivery/{delivery.pk}/change/")
    assert "200" in page.locator(".inline-group").inner_text()
    screenshot(page, "api-webhook-delivery-log")


def test_a_technician_makes_a_token_for_their_phone_uses_it_and_revokes_it(page):
    TechnicianFactory(username="wang", first_name="强", last_name="王")
    login(page, "wang")
    page.get_by_role("link", name="应用与令牌").click()
    assert page.locator("input[name=scopes]").count() == 2  # a technician's tickets only
    page.locator("#id_device").fill("我的手机")
    screenshot(page, "api-own-token-new")
    page.get_by_test_id("issue").click()

    token = page.get_by_test_id("token").inner_text()
    assert token.startswith("xss_")
    screenshot(page, "api-own-token-shown")
    status, mine = _api(page.base_url, "tickets/", token)
    assert (status, mine["count"]) == (200, 0)

    page.goto(page.base_url + "/accounts/tokens/")
    assert token not in page.content(), "the token is shown only once"
    row = page.get_by_test_id(f"token-{ApiToken.objects.get(device='我的手机').pk}")
    assert token[:12] in row.inner_text()
    row.get_by_role("button", name="吊销").click()
    page.get_by_text("我的手机 的令牌已吊销。").wait_for()
    screenshot(page, "api-own-token-revoked")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _api(page.base_url, "tickets/", token)
    assert refused.value.code == 401
