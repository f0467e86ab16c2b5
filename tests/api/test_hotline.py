"""The 400 hotline through the API with a service-desk token a manager issued: find the caller by
phone, open a ticket on their contract, set nothing by hand (rapid terms give the deadline),
dispatch; the technician's phone app moves it to closed with a fee inside its range; the customer
follows it; each step is an outbox event for the accounting system's endpoint."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from rental.api import tokens
from rental.webhooks.models import AllowedHost, Delivery, Endpoint, Event
from service_tickets.models import Ticket
from tests.api.helpers import Api, token_for
from tests.factories import PASSWORD, StaffFactory, TechnicianFactory
from tests.service_tickets.factories import contract_of

pytestmark = pytest.mark.django_db


def test_the_hotline_opens_dispatches_and_the_technician_closes_a_ticket_through_the_api():
    manager = StaffFactory(username="boss")
    manager.groups.add(Group.objects.get(name="manager"))
    desk_account = StaffFactory(username="hotline-400")
    desk_account.groups.add(Group.objects.get(name="front_desk"))
    _token, desk_plain = tokens.token_issue(
        user=desk_account,
        device="400 hotline",
        scopes=["tickets:read", "tickets:write"],
        by=manager,
    )
    desk = Api(desk_plain, language="en")
    TechnicianFactory(username="wang")
    contract = contract_of(tier="rapid", days=3)
    unit = contract.units.get().asset
    AllowedHost.objects.create(host="erp.example.com")
    Endpoint.objects.create(
        name="ERP",
        url="https://erp.example.com/hooks",
        events=["ticket.opened", "ticket.assigned", "ticket.closed"],
        secret="k" * 32,
    )

    # The caller gives their mobile number, as people say it.
    found = desk.get("desk/customers/", {"phone": "138 1234 5678"}).json()
    assert found["count"] == 1
    (caller,) = found["results"]
    assert caller["name"] == "张伟"
    assert [c["number"] for c in caller["contracts"]] == [contract.number]
    assert caller["contracts"][0]["units"] == [
        {
            "asset_tag": unit.asset_tag,
            "model": unit.model.slug,
            "handed_over_at": None,
            "returned_at": None,
        }
    ]

    opened = desk.post(
        "tickets/",
        {
            "contract": contract.number,
            "asset_tag": unit.asset_tag,
            "kind": "hardware",
            "description": "Screen stays black.",
        },
    )
    assert opened.status_code == 201, opened.content
    ticket = opened.json()
    number = ticket["number"]
    assert (ticket["status"], ticket["channel"], ticket["tier"]) == ("new", "phone", "rapid")
    row = Ticket.objects.get(number=number)
    assert ticket["deadline"] is not None
    # Rapid tier, a rental of 1–6 days: on site within 4 hours of the call (to the second).
    assert row.deadline == (row.reported_at + timedelta(hours=4)).replace(microsecond=0)

    assigned = desk.post(f"tickets/{number}/assign/", {"technician": "wang"})
    assert assigned.status_code == 200
    assert assigned.json()["technician"] == "wang"

    # The technician logs in on the phone app and works the ticket.
    login = Api().post(
        "auth/login/", {"username": "wang", "password": PASSWORD, "device": "Android"}
    )
    phone = Api(login.json()["token"], language="en")
    mine = phone.get("tickets/").json()
    assert [t["number"] for t in mine["results"]] == [number]
    for step, status in (("en-route", "en_route"), ("arrive", "on_site")):
        moved = phone.post(f"tickets/{number}/{step}/")
        assert (moved.status_code, moved.json()["status"]) == (200, status)
    resolved = phone.post(
        f"tickets/{number}/resolve/",
        {"notes": "Replaced the display cable.", "units": [unit.asset_tag]},
    )
    assert resolved.json()["status"] == "resolved"

    too_much = phone.post(f"tickets/{number}/close/", {"fee": "999.00"})
    assert too_much.status_code == 400
    assert too_much.json() == {
        "code": "fee_out_of_range",
        "message": "The fee must be between 0.00 and 0.00 CNY.",  # rapid: on-site repair included
        "fields": {},
    }
    assert Ticket.objects.get(number=number).status == "resolved"

    fee = resolved.json()["fee_low"] or "0.00"
    closed = phone.post(f"tickets/{number}/close/", {"fee": fee})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert Decimal(closed.json()["fee"]) == Decimal(fee)

    # The technician cannot dispatch, and the desk's token cannot read contracts.
    assert phone.post(f"tickets/{number}/assign/", {"technician": "wang"}).status_code == 403
    assert desk.get("contracts/").status_code == 403

    # The customer follows the ticket from their own token.
    customer = Api(token_for(contract.customer.user))
    theirs = customer.get(f"tickets/{number}/").json()
    assert (theirs["status"], theirs["technician"]) == ("closed", "wang")

    events = list(Event.objects.order_by("id").values_list("type", "payload__number"))
    assert events == [
        ("ticket.opened", number),
        ("ticket.assigned", number),
        ("ticket.closed", number),
    ]
    assert Delivery.objects.filter(status="pending").count() == 3
