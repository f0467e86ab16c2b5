"""The permission matrix (rental/core/access.py), cell by cell, from the URLconf itself: every URL
has a rule, and every role gets exactly what its rule says, on GET and on POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rental.core.access import MATRIX, PUBLIC, SIGNED_IN, allowed
from tests.core.world import ANONYMOUS, ROLES, build_world, fill, isolated, routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return build_world()


def test_every_url_has_a_rule_and_every_rule_a_url():
    names = {route.name for route in routes()}

    assert sorted(names - MATRIX.keys()) == [], "URLs with no rule in rental/core/access.py"
    assert sorted(MATRIX.keys() - names) == [], "rules for URLs that no longer exist"


def _refused(response, rule_, role) -> bool:
    if response.status_code == 403:
        return True
    if response.status_code == 404 and rule_.hide:
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and role == ANONYMOUS and "/accounts/login/" in location


def test_each_role_gets_exactly_what_the_matrix_says_on_every_url(client, world, capsys):
    cells = 0
    wrong = []
    for role in ROLES:
        client.logout()
        user = world.users.get(role)
        if user is not None:
            client.force_login(user)
        for route in routes():
            rule_ = MATRIX[route.name]
            url = fill(route.route, world.values_for(route))
            for method in ("GET", "POST"):
                may = allowed(rule_, user or _Anonymous(), method)
                if method == "POST" and may and route.name == "accounts:logout":
                    continue
                send = client.get if method == "GET" else client.post
                response = isolated(lambda send=send, url=url: send(url))
                cells += 1
                refused = _refused(response, rule_, role)
                if refused == may:
                    wrong.append(
                        f"{role:11} {method:4} {url} → {response.status_code} "
                        f"(matrix says {'allowed' if may else 'refused'})"
                    )
                if user is not None and route.name != "accounts:logout":
                    client.force_login(user)  # some pages log out or rotate the session
    print(f"\npermission matrix: {cells} cells (URL × role × method) checked, {len(wrong)} wrong")
    assert wrong == []


class _Anonymous:
    is_authenticated = False
    is_active = False


def test_warehouse_cannot_change_a_deposit_or_read_identity_documents(client, world):
    contract, document = world.objects["contract"], world.objects["document"]
    client.force_login(world.users["warehouse"])

    response = client.post(
        reverse("contracts:desk_deposit", args=[contract.number]),
        {"amount": "0", "reason": "friend of the boss"},
    )
    file_response = client.get(reverse("contracts:document_file", args=[document.pk]))
    queue_response = client.get(reverse("contracts:document_queue"))

    assert response.status_code == 403
    before = contract.deposit_amount
    contract.refresh_from_db()
    assert contract.deposit_amount == before
    assert file_response.status_code == 404
    assert not getattr(file_response, "streaming", False)
    assert queue_response.status_code == 404


def test_finance_may_record_a_payment_but_not_sign_or_read_documents(client, world):
    client.force_login(world.users["finance"])
    contract = world.objects["contract"]

    payment = client.post(
        reverse("contracts:desk_payment", args=[contract.number]),
        {"amount": "100.00", "method": "cash"},
    )
    sign = client.post(reverse("contracts:desk_sign", args=[contract.number]), {})

    assert payment.status_code == 302
    assert contract.payments.filter(amount=100).count() == 1
    assert sign.status_code == 403
    assert (
        client.get(reverse("contracts:document_customer", args=[contract.customer_id])).status_code
        == 404
    )


def test_the_rules_only_name_known_principals():
    from rental.core.access import PRINCIPALS

    known = {*PRINCIPALS, PUBLIC, SIGNED_IN}
    for name, rule_ in MATRIX.items():
        assert rule_.read <= known and rule_.write <= known, name
