"""Opening, dispatching, working and closing tickets through the services."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from contracts.models import Charge
from rental.core.errors import ApplicationError, NotAllowed
from rental.core.models import AuditEvent
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from service_tickets import services
from service_tickets.fees import FeeError
from service_tickets.models import Ticket
from service_tickets.selectors import fee_quote
from tests.service_tickets.factories import (
    AddressFactory,
    AssetFactory,
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


def _events(ticket, action):
    return AuditEvent.objects.filter(
        object_type="service_tickets.ticket",
        object_id=str(ticket.pk),
        action=f"service_tickets.ticket.{action}",
    ).count()


# --- opening --------------------------------------------------------------------------------


def test_a_customer_opens_a_ticket_and_the_deadline_and_site_are_copied_from_the_contract():
    contract = contract_of(tier="rapid", days=3)

    ticket = open_ticket(contract)

    assert ticket.number.startswith("T")
    assert ticket.status == Ticket.Status.NEW
    assert (ticket.tier, ticket.zone, ticket.distance_km) == ("rapid", "base", D("7.5"))
    assert ticket.rental_days == 3
    assert ticket.contact_name == "林晓"
    assert ticket.deadline == ticket.reported_at.replace(microsecond=0) + timedelta(hours=4)
    assert ticket.deadline_source == Ticket.DeadlineSource.AUTOMATIC
    # 75 % of 4 hours
    assert ticket.at_risk_from == ticket.deadline - timedelta(hours=1)
    assert set(ticket.deadline_explanation) == {"zh-hans", "en"}
    assert "4 hours" in ticket.deadline_explanation["en"]
    assert _events(ticket, "opened") == 1


def test_the_explanation_is_shown_in_the_readers_language():
    ticket = open_ticket(contract_of(tier="rapid", days=3))

    with translation.override("en"):
        english = ticket.deadline_text
    with translation.override("zh-hans"):
        chinese = ticket.deadline_text

    assert english.startswith("Rapid service")
    assert chinese == ticket.deadline_explanation["zh-hans"]


def test_the_contracts_own_terms_win_over_the_published_ones():
    contract = contract_of(tier="rapid", days=3, overrides={"rapid.response_hours.base": 2})

    ticket = open_ticket(contract)

    assert ticket.deadline == ticket.reported_at.replace(microsecond=0) + timedelta(hours=2)


def test_a_long_rapid_rental_called_after_noon_is_due_at_noon_the_next_day():
    contract = contract_of(tier="rapid", days=30)
    staff = StaffFactory()
    now = timezone.now().astimezone(SHANGHAI)
    call = now.replace(hour=12, minute=40, second=0, microsecond=0)
    if call > now:
        call -= timedelta(days=1)
    if now - call > timedelta(hours=24):  # pragma: no cover - keeps the call within a day
        call += timedelta(days=1)

    ticket = services.ticket_open_by_staff(
        contract=contract,
        asset=contract.units.first().asset,
        kind="software",
        description="Office will not activate.",
        by=staff,
        reported_at=call,
    )

    assert ticket.channel == Ticket.Channel.PHONE
    assert ticket.deadline == datetime.combine(
        call.date() + timedelta(days=1), datetime.min.time().replace(hour=12), tzinfo=SHANGHAI
    )


def test_a_basic_tier_ticket_has_no_deadline_and_cannot_be_dispatched_until_staff_set_one():
    ticket = open_ticket(contract_of(tier="basic"))
    staff, technician = StaffFactory(), TechnicianFactory()

    assert ticket.deadline is None and ticket.at_risk_from is None
    with pytest.raises(ApplicationError) as refused:
        services.ticket_assign(ticket=ticket, technician=technician, by=staff)
    assert refused.value.code == "needs_deadline"
    assert Ticket.objects.get(pk=ticket.pk).technician is None

    deadline = timezone.now() + timedelta(hours=8)
    services.ticket_set_deadline(ticket=ticket, deadline=deadline, by=staff)
    ticket = services.ticket_assign(ticket=ticket, technician=technician, by=staff)

    assert ticket.status == Ticket.Status.ASSIGNED
    assert ticket.deadline_source == Ticket.DeadlineSource.MANUAL
    # The technician is told of the job: its deadline and where to go.
    [mail] = Notification.objects.filter(event="ticket.dispatched")
    assert (mail.user, mail.recipient) == (technician, technician.email)
    local_deadline = timezone.localtime(deadline)
    assert mail.subject == f"新工单 {ticket.number}：请于 {local_deadline:%m-%d %H:%M} 前到场"
    assert f"请于 {local_deadline:%Y-%m-%d %H:%M} 前到场。" in mail.body
    assert f"地址：{ticket.site_address}" in mail.body
    assert "by hand" in Ticket.objects.get(pk=ticket.pk).deadline_explanation["en"]


def test_staff_cannot_change_a_deadline_the_terms_gave():
    ticket = open_ticket(contract_of(tier="rapid"))

    with pytest.raises(ApplicationError) as refused:
        services.ticket_set_deadline(
            ticket=ticket, deadline=timezone.now() + timedelta(days=2), by=StaffFactory()
        )

    assert refused.value.code == "wrong_status"


def test_a_customer_cannot_open_a_ticket_on_someone_elses_contract_or_unit():
    contract, other = contract_of(), contract_of()

    with pytest.raises(NotAllowed):
        open_ticket(contract, by=other.customer.user)
    with pytest.raises(ApplicationError) as refused:
        services.ticket_open(
            contract=contract,
            asset=other.units.first().asset,
            kind="hardware",
            description="x",
            by=contract.customer.user,
        )
    assert refused.value.code == "asset"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("status", ["draft", "returned", "closed", "cancelled"])
def test_tickets_are_opened_only_on_signed_or_active_contracts(status):
    contract = contract_of(status=status)

    with pytest.raises(ApplicationError) as refused:
        open_ticket(contract)

    assert refused.value.code == "contract_status"


def test_a_signed_contract_takes_tickets():
    assert open_ticket(contract_of(status="signed")).status == Ticket.Status.NEW


def test_a_collection_contract_needs_the_site_address_given():
    contract = contract_of()
    contract.address = None
    contract.save(update_fields=["address"])
    site = AddressFactory(customer=contract.customer, zone="xiamen_mainland", district="jimei")

    with pytest.raises(ApplicationError) as refused:
        open_ticket(contract)
    ticket = open_ticket(contract, address=site)

    assert refused.value.code == "address"
    assert ticket.zone == "xiamen_mainland"
    assert ticket.deadline is None  # rapid outside the base zone is negotiated


def test_staff_open_a_ticket_without_a_contract_under_the_published_terms():
    address = AddressFactory()

    ticket = services.ticket_open_by_staff(
        contract=None,
        asset=None,
        kind="other",
        description="Projector setup question",
        by=StaffFactory(),
        customer=address.customer,
        address=address,
        tier="value_added",
    )

    assert ticket.terms_version == 1
    assert ticket.rental_days == 1
    assert ticket.deadline == ticket.reported_at.replace(microsecond=0) + timedelta(hours=24)


# --- the technician's steps ------------------------------------------------------------------


def test_the_technician_goes_en_route_arrives_resolves_and_closes():
    technician = TechnicianFactory()
    ticket = dispatched(open_ticket(contract_of(tier="basic")), technician)

    ticket = services.ticket_en_route(ticket=ticket, by=technician)
    ticket = services.ticket_arrive(ticket=ticket, by=technician)
    ticket = services.ticket_resolve(
        ticket=ticket,
        by=technician,
        notes="Replaced the fan.",
        units=[ticket.contract.units.first().asset],
        parts="Fan ×1",
    )
    ticket = services.ticket_close(ticket=ticket, by=technician, fee=D("80"))

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.en_route_at <= ticket.arrived_at <= ticket.resolved_at <= ticket.closed_at
    assert (ticket.fee_low, ticket.fee_high, ticket.fee) == (D("50.00"), D("100.00"), D("80.00"))
    assert ticket.surcharge == D("0.00")
    assert "50–100" in ticket.fee_explanation["en"]
    assert [u.pk for u in ticket.units_worked.all()] == [ticket.asset_id]
    for action in ("assigned", "en_route", "arrived", "resolved", "closed"):
        assert _events(ticket, action) == 1


def test_a_fee_outside_the_range_is_refused_and_nothing_changes():
    ticket = resolved(open_ticket(contract_of(tier="basic")))

    with pytest.raises(FeeError):
        services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("100.01"))

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.fee is None and ticket.fee_low is None


def test_included_work_closes_at_zero_and_keeps_its_list_price():
    contract = contract_of(tier="rapid", units=3)
    ticket = resolved(open_ticket(contract), units=[u.asset for u in contract.units.all()])

    ticket = services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("0"))

    assert (ticket.fee_low, ticket.fee_high, ticket.fee) == (D("0.00"), D("0.00"), D("0.00"))
    # 3 units = 2 blocks of 50–100
    assert (ticket.list_price_low, ticket.list_price_high) == (D("100.00"), D("200.00"))


def test_outside_the_base_zone_transport_is_part_of_the_range():
    contract = contract_of(tier="basic", zone="xiamen_mainland", distance_km="25")

    quote = fee_quote(resolved(open_ticket(contract)))

    # 100–200 + taxi fare for 25 km (10 + 22 × 2 = 54)
    assert (quote.low, quote.high, quote.transport) == (D("154.00"), D("254.00"), D("54.00"))


def test_a_resolution_past_24_hours_adds_the_surcharge_on_the_repair_fee():
    ticket = resolved(open_ticket(contract_of(tier="basic")), hours=30)

    ticket = services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("100"))

    assert ticket.surcharge == D("50.00")  # one started 24 h beyond the first 24 h × 50 %
    assert ticket.amount_due == D("150.00")
    assert "30" in ticket.surcharge_explanation["en"]


def test_staff_waive_the_surcharge_before_billing_and_it_is_not_charged():
    ticket = resolved(open_ticket(contract_of(tier="basic")), hours=30)

    services.surcharge_waive(ticket=ticket, by=StaffFactory(), reason="Parts were late from us.")
    ticket = services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("100"))
    services.ticket_bill(ticket_id=ticket.pk)

    assert ticket.surcharge == D("50.00")
    assert ticket.surcharge_due == D("0.00")
    assert list(Charge.objects.values_list("amount", "kind")) == [(D("100.00"), "service")]


def test_waiving_after_billing_adds_a_credit_once():
    ticket = closed(open_ticket(contract_of(tier="basic")), fee=D("100"), hours=50)
    services.ticket_bill(ticket_id=ticket.pk)
    staff = StaffFactory()

    services.surcharge_waive(ticket=ticket, by=staff, reason="Our delay.")
    with pytest.raises(ApplicationError):
        services.surcharge_waive(ticket=ticket, by=staff, reason="Again.")

    amounts = list(Charge.objects.order_by("id").values_list("amount", "kind"))
    assert amounts == [(D("200.00"), "service"), (D("-100.00"), "adjustment")]


def test_a_surcharge_waiver_needs_a_reason_and_staff():
    ticket = resolved(open_ticket(contract_of(tier="basic")), hours=30)

    with pytest.raises(ApplicationError):
        services.surcharge_waive(ticket=ticket, by=StaffFactory(), reason=" ")
    with pytest.raises(NotAllowed):
        services.surcharge_waive(ticket=ticket, by=ticket.technician, reason="mine")

    assert Ticket.objects.get(pk=ticket.pk).surcharge_waived_at is None


# --- billing ----------------------------------------------------------------------------------


def test_billing_twice_writes_one_charge():
    ticket = closed(open_ticket(contract_of(tier="basic")), fee=D("90"))

    services.ticket_bill(ticket_id=ticket.pk)
    services.ticket_bill(ticket_id=ticket.pk)

    charge = Charge.objects.get()
    assert (charge.key, charge.amount, charge.contract_id) == (
        f"ticket:{ticket.pk}:fee",
        D("90.00"),
        ticket.contract_id,
    )
    assert Ticket.objects.get(pk=ticket.pk).billed_amount == D("90.00")
    assert _events(ticket, "billed") == 1


def test_the_sweep_bills_a_closed_ticket_whose_billing_task_never_ran_once():
    # Closed inside the test's transaction, which never commits: its billing task never runs.
    ticket = closed(open_ticket(contract_of(tier="basic")), fee=D("90"))
    left = closed(open_ticket(contract_of(tier="basic")), fee=D("60"))
    ticket.refresh_from_db()
    Ticket.objects.filter(pk=left.pk).update(closed_at=ticket.closed_at + timedelta(minutes=4))

    # Its own task may still come: the sweep waits five minutes after the close.
    assert services.tickets_bill_due(now=ticket.closed_at + timedelta(minutes=4)) == 0
    assert services.tickets_bill_due(now=ticket.closed_at + timedelta(minutes=6)) == 1
    assert services.tickets_bill_due(now=ticket.closed_at + timedelta(minutes=6)) == 0

    assert list(Charge.objects.values_list("amount", "contract_id")) == [
        (D("90.00"), ticket.contract_id)
    ]
    assert Ticket.objects.get(pk=ticket.pk).billed_amount == D("90.00")
    assert Ticket.objects.get(pk=left.pk).billed_at is None
    assert services.tickets_bill_due(now=ticket.closed_at + timedelta(minutes=10)) == 1


def test_included_work_is_billed_as_nothing():
    ticket = closed(open_ticket(contract_of(tier="rapid")), fee=D("0"))

    services.ticket_bill(ticket_id=ticket.pk)

    assert not Charge.objects.exists()
    ticket.refresh_from_db()
    assert ticket.billed_at is not None and ticket.billed_amount == D("0.00")


def test_an_open_ticket_is_not_billed():
    ticket = resolved(open_ticket(contract_of(tier="basic")))

    services.ticket_bill(ticket_id=ticket.pk)

    assert not Charge.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).billed_at is None


def test_closing_enqueues_the_bill_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "celery.canvas.Signature.apply_async", lambda self, args=(), **kw: sent.append(args)
    )
    ticket = resolved(open_ticket(contract_of(tier="basic")))

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("60"))

    assert sent == [(ticket.pk,)]


# --- cancelling, permissions, reassigning ------------------------------------------------------


def test_a_customer_cancels_their_new_ticket_but_not_once_dispatched():
    ticket = open_ticket()
    other = open_ticket()
    user = ticket.customer.user

    with pytest.raises(NotAllowed):
        services.ticket_cancel(ticket=other, by=user, reason="not mine")
    dispatched(other)
    services.ticket_cancel(ticket=ticket, by=user, reason="Fixed it myself.")
    with pytest.raises(ApplicationError):
        services.ticket_cancel(ticket=other, by=other.customer.user, reason="too late")

    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CANCELLED
    assert Ticket.objects.get(pk=other.pk).status == Ticket.Status.ASSIGNED


def test_a_technician_cannot_act_on_another_technicians_ticket():
    ticket = dispatched(open_ticket())
    intruder = TechnicianFactory()

    for step in (services.ticket_en_route, services.ticket_arrive):
        with pytest.raises(NotAllowed):
            step(ticket=ticket, by=intruder)
    ticket = on_site(open_ticket())
    with pytest.raises(NotAllowed):
        services.ticket_resolve(ticket=ticket, by=intruder, notes="x", units=[])

    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.ON_SITE
    assert not AuditEvent.objects.filter(actor=intruder).exists()


def test_a_customer_cannot_work_a_ticket_and_a_technician_cannot_dispatch():
    ticket = dispatched(open_ticket())

    with pytest.raises(NotAllowed):
        services.ticket_arrive(ticket=ticket, by=ticket.customer.user)
    with pytest.raises(NotAllowed):
        services.ticket_assign(ticket=ticket, technician=TechnicianFactory(), by=ticket.technician)


def test_steps_out_of_order_are_refused():
    ticket = dispatched(open_ticket())

    with pytest.raises(ApplicationError) as refused:
        services.ticket_resolve(ticket=ticket, by=ticket.technician, notes="x", units=[])
    with pytest.raises(ApplicationError):
        services.ticket_close(ticket=ticket, by=ticket.technician, fee=D("0"))

    assert refused.value.code == "wrong_status"


def test_reassigning_before_arrival_hands_the_ticket_over():
    ticket = dispatched(open_ticket())
    services.ticket_en_route(ticket=ticket, by=ticket.technician)
    second = TechnicianFactory()

    ticket = services.ticket_assign(ticket=ticket, technician=second, by=StaffFactory())

    assert (ticket.technician, ticket.status, ticket.en_route_at) == (second, "assigned", None)


def test_resolving_needs_notes_and_units_of_the_contract():
    ticket = on_site(open_ticket())
    tech = ticket.technician

    with pytest.raises(ApplicationError):
        services.ticket_resolve(ticket=ticket, by=tech, notes=" ", units=[ticket.asset])
    with pytest.raises(ApplicationError):
        services.ticket_resolve(ticket=ticket, by=tech, notes="x", units=[AssetFactory()])
    with pytest.raises(ApplicationError):
        services.ticket_resolve(ticket=ticket, by=tech, notes="x", units=[])


# --- the workshop path and trips -----------------------------------------------------------------


def test_the_workshop_path_received_repaired_collected_is_free_by_default():
    contract = contract_of(tier="basic")
    staff = StaffFactory()

    ticket = services.workshop_receive(
        contract=contract,
        asset=contract.units.first().asset,
        kind="hardware",
        description="Keyboard keys stick.",
        by=staff,
    )
    services.workshop_repaired(ticket=ticket, by=staff, notes="Cleaned the keyboard.")
    ticket = services.workshop_collected(ticket=ticket, by=staff)
    services.ticket_bill(ticket_id=ticket.pk)

    assert (ticket.path, ticket.status, ticket.deadline, ticket.fee) == (
        "workshop",
        "collected",
        None,
        D("0.00"),
    )
    assert not Charge.objects.exists()


def test_a_workshop_fee_is_only_for_named_chargeable_items():
    contract = contract_of(tier="basic")
    staff = StaffFactory()
    ticket = services.workshop_receive(
        contract=contract,
        asset=contract.units.first().asset,
        kind="hardware",
        description="Cracked screen.",
        by=staff,
    )
    services.workshop_repaired(ticket=ticket, by=staff, notes="New screen.")

    with pytest.raises(ApplicationError):
        services.workshop_collected(ticket=ticket, by=staff, fee=D("300"))
    ticket = services.workshop_collected(
        ticket=ticket, by=staff, fee=D("300"), fee_note="Screen damage (contract §7)"
    )
    services.ticket_bill(ticket_id=ticket.pk)

    assert Charge.objects.get().amount == D("300.00")


def test_a_delivery_trip_is_scheduled_driven_and_billed_at_the_delivery_fee():
    contract = contract_of(tier="basic", status="signed")
    when = timezone.now() + timedelta(days=1)

    trip = services.trip_schedule(
        contract=contract, kind="delivery", scheduled_for=when, by=StaffFactory()
    )
    trip = closed(trip, fee=D("20"))
    services.ticket_bill(ticket_id=trip.pk)

    assert trip.deadline == when
    assert trip.at_risk_from == (when - timedelta(hours=1)).astimezone(SHANGHAI).replace(
        microsecond=0
    )
    # basic, base zone, 7.5 km: 10 + 5 × 2
    assert (trip.fee_low, trip.fee_high, trip.surcharge) == (D("20.00"), D("20.00"), None)
    charge = Charge.objects.get()
    assert (charge.kind, charge.amount) == ("delivery", D("20.00"))


def test_a_trip_fee_must_be_the_delivery_fee():
    trip = services.trip_schedule(
        contract=contract_of(tier="basic"),
        kind="pickup",
        scheduled_for=timezone.now() + timedelta(hours=3),
        by=StaffFactory(),
    )
    trip = resolved(trip, units=[])

    with pytest.raises(FeeError):
        services.ticket_close(ticket=trip, by=trip.technician, fee=D("0"))


# --- what the database refuses -----------------------------------------------------------------


def _refused(ticket, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(**fields)


def test_the_database_refuses_impossible_tickets():
    ticket = closed(open_ticket(contract_of(tier="basic")), fee=D("70"))
    fresh = open_ticket(contract_of(tier="basic"))

    _refused(ticket, fee=None)  # closed without a fee
    _refused(ticket, fee=D("100.01"))  # outside the stored range
    _refused(ticket, fee_low=D("120"))  # range upside down
    _refused(ticket, resolved_at=ticket.arrived_at - timedelta(seconds=1))
    _refused(ticket, closed_at=ticket.resolved_at - timedelta(seconds=1))
    _refused(ticket, status="received")  # a workshop status on an on-site ticket
    _refused(fresh, status="assigned")  # dispatched without deadline or technician
    _refused(fresh, status="cancelled")  # cancelled without a reason
    _refused(fresh, breached_at=timezone.now())  # late without a deadline
    _refused(ticket, surcharge_waived_at=timezone.now())  # waived without a reason
    _refused(ticket, zone="mars")
