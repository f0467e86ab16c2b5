import pytest
from django.core.management import call_command

from catalog.models import Asset, Brand, Category, EquipmentModel
from rental.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_data_is_a_believable_company_and_loading_twice_adds_nothing():
    call_command("load_demo", quiet_progress=True, history_days=3)  # the history: below
    counts = (
        Brand.objects.count(),
        Category.objects.count(),
        EquipmentModel.objects.count(),
        Asset.objects.count(),
        User.objects.count(),
    )

    call_command("load_demo", quiet_progress=True, history_days=3)

    assert counts == (
        Brand.objects.count(),
        Category.objects.count(),
        EquipmentModel.objects.count(),
        Asset.objects.count(),
        User.objects.count(),
    )
    assert set(Brand.objects.values_list("name", flat=True)) == {
        "IBM",
        "HP",
        "Dell",
        "Philips",
        "ViewSonic",
        "Acer",
        "Toshiba",
        "NEC",
        "Sony",
        "Canon",
        "Lenovo",
    }
    assert Category.objects.count() == 6
    assert EquipmentModel.objects.count() >= 30
    assert 300 <= Asset.objects.count() <= 500
    assert set(User.objects.values_list("role", flat=True)) == {"customer", "staff", "technician"}
    manager = User.objects.get(username="manager")
    assert set(manager.groups.values_list("name", flat=True)) == {
        "manager",
        "front_desk",
        "finance",
        "warehouse",
    }


def test_the_demo_history_is_made_through_the_services_and_loads_once():
    from contracts.models import Charge, Contract, DepositEntry, Payment
    from service_tickets.models import Ticket

    call_command("load_demo", quiet_progress=True, history_days=40)
    contracts = Contract.objects.count()
    closed = Contract.objects.filter(status="closed")
    assert contracts >= 8 and closed.count() >= 4
    # Closed contracts were settled by the services: rent charged, paid, deposits refunded.
    assert Charge.objects.filter(kind="rent", contract__in=closed).count() >= closed.count()
    assert Payment.objects.filter(contract__in=closed).exists()
    refunded = DepositEntry.objects.filter(kind="refunded").count()
    collected = DepositEntry.objects.filter(kind="collected").count()
    assert collected >= 1 and refunded >= 1
    # Every ticket a technician reached has its outcome, recorded at arrival.
    arrived = Ticket.objects.filter(arrived_at__isnull=False)
    assert arrived.exists()
    assert not arrived.exclude(deadline__isnull=True).filter(outcome="").exists()
    # Every run is the same company; a second run adds nothing.
    call_command("load_demo", quiet_progress=True, history_days=40)
    assert Contract.objects.count() == contracts
