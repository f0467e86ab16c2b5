"""Tickets through the API beyond the hotline: a customer cancels their own call while nobody
is on the way; the service desk sets a deadline where the terms give none, then dispatches."""

from datetime import timedelta

import pytest
from django.utils import timezone

from service_tickets.models import Ticket
from tests.api.helpers import Api, token_for
from tests.factories import CustomerFactory, StaffFactory, TechnicianFactory
from tests.service_tickets.factories import contract_of

pytestmark = pytest.mark.django_db


def _call(api: Api, contract) -> dict:
    opened = api.post(
        "tickets/",
        {
            "contract": contract.number,
            "asset_tag": contract.units.get().asset.asset_tag,
            "kind": "software",
            "description": "Office will not open.",
        },
    )
    assert opened.status_code == 201, opened.content
    return opened.json()


def test_a_customer_cancels_their_own_new_ticket_but_not_once_it_is_dispatched():
    contract = contract_of(tier="rapid", days=3)
    owner = Api(token_for(contract.customer.user), language="en")
    staff = Api(token_for(StaffFactory()), language="en")
    TechnicianFactory(username="wang")
    first = _call(owner, contract)["number"]

    no_reason = owner.post(f"tickets/{first}/cancel/", {})
    stranger = Api(token_for(CustomerFactory().user)).post(
        f"tickets/{first}/cancel/", {"reason": "Not mine"}
    )
    cancelled = owner.post(f"tickets/{first}/cancel/", {"reason": "It works again."})

    assert (no_reason.status_code, set(no_reason.json()["fields"])) == (400, {"reason"})
    assert stranger.status_code == 404
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        "cancelled",
        "It works again.",
    )

    second = _call(owner, contract)["number"]
    assert staff.post(f"tickets/{second}/assign/", {"technician": "wang"}).status_code == 200
    late = Api(token_for(contract.customer.user)).post(
        f"tickets/{second}/cancel/", {"reason": "Changed my mind"}
    )
    assert late.status_code == 409
    assert late.json()["code"] == "wrong_status"
    assert late.json()["message"] == f"服务单{second}当前状态为“已派单”：现在不能执行这一步。"
    assert Ticket.objects.get(number=second).status == "assigned"
    by_staff = staff.post(f"tickets/{second}/cancel/", {"reason": "Customer fixed it"})
    assert by_staff.json()["status"] == "cancelled"


def test_the_desk_sets_a_deadline_where_the_terms_give_none_then_dispatches():
    contract = contract_of(tier="basic", days=3)
    desk = Api(token_for(StaffFactory()), language="en")
    TechnicianFactory(username="li")
    ticket = _call(desk, contract)
    number = ticket["number"]
    assert ticket["deadline"] is None

    undated = desk.post(f"tickets/{number}/assign/", {"technician": "li"})
    past = desk.post(
        f"tickets/{number}/deadline/",
        {"deadline": (timezone.now() - timedelta(hours=1)).isoformat()},
    )
    deadline = (timezone.localtime() + timedelta(hours=8)).replace(microsecond=0)
    dated = desk.post(f"tickets/{number}/deadline/", {"deadline": deadline.isoformat()})
    assigned = desk.post(f"tickets/{number}/assign/", {"technician": "li"})

    assert (undated.status_code, undated.json()["code"]) == (400, "needs_deadline")
    assert (past.status_code, past.json()["code"]) == (400, "deadline")
    assert dated.status_code == 200
    assert dated.json()["deadline_source"] == "manual"
    assert (assigned.json()["status"], assigned.json()["technician"]) == ("assigned", "li")
    phone = Api(token_for(contract.customer.user))
    assert phone.get(f"tickets/{number}/").json()["deadline"] == dated.json()["deadline"]
