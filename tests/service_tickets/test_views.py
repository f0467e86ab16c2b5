"""The pages: who sees what (404 for other people's objects), and each form calling its service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from service_tickets.models import Ticket
from tests.service_tickets.factories import (
    StaffFactory,
    TechnicianFactory,
    closed,
    contract_of,
    dispatched,
    on_site,
    open_ticket,
    resolved,
)

pytestmark = pytest.mark.django_db
D = Decimal


def url(name, *args):
    return reverse(f"service_tickets:{name}", args=args)


# --- technicians -------------------------------------------------------------------------------


def test_a_technician_sees_their_tickets_by_deadline_with_a_countdown(client):
    tech = TechnicianFactory()
    later = dispatched(open_ticket(contract_of(tier="rapid", days=30)), tech)
    sooner = dispatched(open_ticket(contract_of(tier="rapid", days=3)), tech)
    dispatched(open_ticket(), TechnicianFactory())  # someone else's
    client.force_login(tech)

    page = client.get(url("tech_list")).content.decode()

    assert page.index(sooner.number) < page.index(later.number)
    assert page.count('data-testid="countdown"') == 2
    assert f'data-deadline="{timezone.localtime(sooner.deadline).isoformat()}"' in page


def test_a_technician_cannot_see_or_work_another_technicians_ticket(client):
    ticket = dispatched(open_ticket())
    intruder = TechnicianFactory()
    client.force_login(intruder)

    assert client.get(url("tech_ticket", ticket.number)).status_code == 404
    for step in ("tech_en_route", "tech_arrive", "tech_resolve", "tech_close"):
        assert client.post(url(step, ticket.number), {"fee": "0"}).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.ASSIGNED
    assert ticket.number not in client.get(url("tech_list")).content.decode()


def test_customers_and_staff_do_not_get_the_technician_pages(client):
    ticket = dispatched(open_ticket())
    client.force_login(ticket.customer.user)
    assert client.get(url("tech_list")).status_code == 403
    assert client.post(url("tech_arrive", ticket.number)).status_code == 403


def test_the_technician_works_a_ticket_through_the_page(client):
    tech = TechnicianFactory()
    ticket = dispatched(open_ticket(contract_of(tier="basic")), tech)
    client.force_login(tech)

    client.post(url("tech_en_route", ticket.number))
    client.post(url("tech_arrive", ticket.number))
    detail = client.get(url("tech_ticket", ticket.number)).content.decode()
    assert 'data-testid="resolve-form"' in detail
    client.post(
        url("tech_resolve", ticket.number),
        {
            "notes": "New RAM",
            "units": [ticket.asset_id],
            "parts": "8 GB DDR4",
            "work_kind": "hardware",
        },
    )
    detail = client.get(url("tech_ticket", ticket.number)).content.decode()
    assert 'min="50.00"' in detail and 'max="100.00"' in detail
    response = client.post(url("tech_close", ticket.number), {"fee": "120"})  # outside: refused
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    client.post(url("tech_close", ticket.number), {"fee": "75"})

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert (ticket.status, ticket.fee, ticket.parts) == ("closed", D("75.00"), "8 GB DDR4")


def test_the_close_form_shows_the_surcharge_when_resolution_took_over_24_hours(client):
    ticket = resolved(open_ticket(contract_of(tier="basic")), hours=30)
    client.force_login(ticket.technician)

    page = client.get(url("tech_ticket", ticket.number)).content.decode()

    assert 'data-testid="surcharge"' in page
    assert 'data-surcharge-blocks="1"' in page


def test_the_technician_sees_the_unit_history(client):
    contract = contract_of(tier="basic")
    old = closed(open_ticket(contract, description="Fan noise"), fee=D("60"))
    ticket = dispatched(open_ticket(contract), old.technician)
    client.force_login(ticket.technician)

    page = client.get(url("tech_ticket", ticket.number)).content.decode()

    assert "Replaced the power adapter." in page
    assert 'href="tel:13912345678"' in page


# --- customers ---------------------------------------------------------------------------------


def test_a_customer_calls_for_service_from_their_contract(client):
    contract = contract_of(tier="rapid", days=3)
    client.force_login(contract.customer.user)

    assert contract.number in client.get(url("customer_home")).content.decode()
    response = client.post(
        url("customer_call", contract.number),
        {"unit": contract.units.first().asset_id, "kind": "software", "description": "No network"},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("customer_ticket", ticket.number)
    page = client.get(response["Location"]).content.decode()
    assert "4" in ticket.deadline_explanation["en"]
    assert 'data-testid="deadline-explanation"' in page


def test_a_customer_sees_only_their_own_contracts_and_tickets(client):
    mine, theirs = open_ticket(), open_ticket()
    client.force_login(mine.customer.user)

    home = client.get(url("customer_home")).content.decode()

    assert mine.number in home and theirs.number not in home
    assert client.get(url("customer_ticket", theirs.number)).status_code == 404
    assert client.get(url("customer_call", theirs.contract.number)).status_code == 404
    assert client.post(url("customer_cancel", theirs.number), {"reason": "x"}).status_code == 404
    assert Ticket.objects.get(pk=theirs.pk).status == Ticket.Status.NEW


def test_a_customer_sees_the_fee_charged_on_a_closed_ticket(client):
    from service_tickets import services

    ticket = closed(open_ticket(contract_of(tier="basic")), fee=D("88"))
    services.ticket_bill(ticket_id=ticket.pk)
    client.force_login(ticket.customer.user)

    page = client.get(url("customer_ticket", ticket.number)).content.decode()

    assert 'data-testid="amount-due">¥88.00' in page
    assert 'data-testid="billed">¥88.00' in page


def test_technicians_cannot_use_the_customer_or_staff_pages(client):
    ticket = dispatched(open_ticket())
    client.force_login(ticket.technician)

    assert client.get(url("customer_ticket", ticket.number)).status_code == 403
    assert client.get(url("staff_board")).status_code == 403
    assert client.post(url("staff_assign", ticket.number)).status_code == 403


# --- staff -------------------------------------------------------------------------------------


def test_the_board_shows_each_column_and_dispatches(client):
    staff, tech = StaffFactory(), TechnicianFactory()
    waiting = open_ticket(contract_of(tier="rapid"))
    no_deadline = open_ticket(contract_of(tier="basic"))
    client.force_login(staff)

    page = client.get(url("staff_board")).content.decode()
    assert waiting.number in page and no_deadline.number in page
    client.post(
        url("staff_deadline", no_deadline.number),
        {"deadline": (timezone.localtime() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")},
    )
    client.post(
        url("staff_assign", waiting.number), {"technician": tech.pk, "next": url("staff_board")}
    )

    assert Ticket.objects.get(pk=waiting.pk).technician == tech
    assert Ticket.objects.get(pk=no_deadline.pk).deadline_source == "manual"


def test_staff_record_a_phone_call_and_schedule_a_trip(client):
    contract = contract_of(tier="rapid")
    client.force_login(StaffFactory())

    found = client.get(url("staff_open"), {"q": contract.customer.name}).content.decode()
    assert contract.number in found
    client.post(
        url("staff_open"),
        {
            "contract": contract.number,
            "what": "on_site",
            "unit": contract.units.first().asset_id,
            "kind": "hardware",
            "description": "Screen flickers",
        },
    )
    client.post(
        url("staff_open"),
        {
            "contract": contract.number,
            "what": "pickup",
            "scheduled_for": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    kinds = sorted(Ticket.objects.values_list("kind", "channel"))
    assert kinds == [("hardware", "phone"), ("pickup", "scheduled")]


def test_staff_pages_render_for_every_state(client):
    client.force_login(StaffFactory())
    tickets = [
        open_ticket(),
        dispatched(open_ticket()),
        on_site(open_ticket()),
        resolved(open_ticket(contract_of(tier="basic")), hours=26),
        closed(open_ticket(contract_of(tier="basic")), fee=D("50")),
    ]
    for ticket in tickets:
        assert client.get(url("staff_ticket", ticket.number)).status_code == 200
    assert client.get(url("staff_board")).status_code == 200
    assert client.get(url("staff_report")).status_code == 200


def test_customers_cannot_use_staff_pages(client):
    ticket = open_ticket()
    client.force_login(ticket.customer.user)

    assert client.get(url("staff_ticket", ticket.number)).status_code == 403
    assert client.post(url("staff_cancel", ticket.number), {"reason": "x"}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW


def test_a_driver_runs_a_pickup_trip_from_the_phone_pages(client):
    from service_tickets import services

    contract = contract_of(tier="basic", units=2)
    trip = services.trip_schedule(
        contract=contract,
        kind="pickup",
        scheduled_for=timezone.now() + timedelta(hours=2),
        by=StaffFactory(),
    )
    driver = TechnicianFactory()
    trip = dispatched(trip, driver)
    client.force_login(driver)

    client.post(url("tech_arrive", trip.number))
    page = client.get(url("tech_ticket", trip.number)).content.decode()
    assert page.count('name="units" value=') == 2 and page.count("checked") == 2
    client.post(
        url("tech_resolve", trip.number),
        {"notes": "Both laptops collected", "units": [u.asset_id for u in contract.units.all()]},
    )
    page = client.get(url("tech_ticket", trip.number)).content.decode()
    assert 'min="20.00"' in page and 'max="20.00"' in page and 'value="20.00"' in page
    client.post(url("tech_close", trip.number), {"fee": "20.00"})

    trip.refresh_from_db()
    assert (trip.status, trip.fee, trip.units_worked.count()) == ("closed", D("20.00"), 2)
