from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone, translation

from catalog.models import Asset, CalendarEntry
from contracts.models import Charge, Contract, DepositEntry, Payment
from contracts.services import charges
from contracts.services import contracts as lifecycle
from contracts.services.contracts import ContractError
from contracts.services.overdue import contracts_notify_overdue
from rental.core.errors import WrongState
from rental.notifications.models import Notification
from service_tickets.selectors import contract_terms
from tests.factories import AssetFactory, ContractFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def signed_contract(units=2, deposit="1000.00", waived=False):
    assets = AssetFactory.create_batch(units)
    contract = ContractFactory(
        status="signed",
        signed_at=timezone.now(),
        units=assets,
        deposit_amount=Decimal("0" if waived else deposit),
        deposit_waived=waived,
        delivery_fee=Decimal("20.00"),
        pickup_fee=Decimal("20.00"),
    )
    return contract, assets


def test_handover_by_scanning_refuses_a_wrong_unit_and_activates_after_the_last(staff):
    contract, (a, b) = signed_contract()
    stranger = AssetFactory()

    with translation.override("en"), pytest.raises(ContractError, match="is not on contract"):
        lifecycle.contract_handover_scan(contract=contract, asset_tag=stranger.asset_tag, by=staff)
    lifecycle.contract_handover_scan(contract=contract, asset_tag=a.asset_tag.lower(), by=staff)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    with pytest.raises(ContractError):
        lifecycle.contract_handover_scan(contract=contract, asset_tag=a.asset_tag, by=staff)

    lifecycle.contract_handover_scan(contract=contract, asset_tag=b.asset_tag, by=staff)

    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE
    assert sorted(contract.charges.values_list("kind", "amount")) == [
        ("delivery", Decimal("20.00")),
        ("pickup", Decimal("20.00")),
        ("rent", Decimal("200.00")),
    ]
    assert lifecycle.deposit_balance(contract=contract) == Decimal("1000.00")
    assert set(CalendarEntry.objects.filter(is_active=True).values_list("kind", flat=True)) == {
        "rental"
    }


def hand_over(contract, assets, staff):
    for asset in assets:
        lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)


def test_damage_is_taken_from_the_deposit_and_the_unit_goes_to_repair(staff):
    contract, (a, b) = signed_contract()
    hand_over(contract, [a, b], staff)

    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=a.asset_tag,
        condition="damaged",
        damage_amount=Decimal("300"),
        missing_accessories=["电源适配器"],
        notes="屏幕划伤",
        by=staff,
    )
    lifecycle.contract_return_unit(
        contract=contract, asset_tag=b.asset_tag, condition="good", by=staff
    )

    contract.refresh_from_db()
    assert contract.status == Contract.Status.RETURNED
    a.refresh_from_db()
    assert a.service_status == Asset.ServiceStatus.IN_REPAIR
    assert lifecycle.deposit_balance(contract=contract) == Decimal("700.00")
    assert not CalendarEntry.objects.filter(is_active=True).exists()  # both units free again

    charges.payment_record(contract=contract, amount=Decimal("100"), method="cash", by=staff)
    lifecycle.contract_close(contract=contract, by=staff, refund_method="cash")

    contract.refresh_from_db()
    assert contract.status == Contract.Status.CLOSED
    # 240 owed (rent 200 + trips 40) − 100 paid = 140 taken from the 700 left; 560 refunded.
    entries = list(contract.deposit_entries.values_list("kind", "amount"))
    assert entries == [
        ("collected", Decimal("1000.00")),
        ("deducted", Decimal("300.00")),
        ("deducted", Decimal("140.00")),
        ("refunded", Decimal("560.00")),
    ]
    assert lifecycle.deposit_balance(contract=contract) == Decimal("0.00")
    assert charges.contract_statement(contract=contract).balance == Decimal("0.00")


def test_damage_beyond_a_waived_deposit_is_charged(staff):
    contract, (a,) = signed_contract(units=1, waived=True)
    hand_over(contract, [a], staff)

    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=a.asset_tag,
        condition="damaged",
        damage_amount=Decimal("450"),
        by=staff,
    )

    assert contract.charges.get(kind="damage").amount == Decimal("450.00")
    assert not contract.deposit_entries.exists()


def test_late_return_is_charged_at_the_rate_card_plus_twenty_percent(staff):
    contract, (a,) = signed_contract(units=1)
    hand_over(contract, [a], staff)

    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=a.asset_tag,
        condition="good",
        by=staff,
        returned_at=contract.ends_at + timedelta(hours=3),
    )

    late = contract.charges.get(kind="late_return")
    assert late.amount == Decimal("18.00")  # 3 h × 5/h = 15, + 20 %


@pytest.mark.parametrize(("minutes", "charged"), [(3, None), (15, None), (16, Decimal("6.00"))])
def test_a_return_within_the_grace_is_not_late_and_after_it_the_extra_time_is(
    staff, minutes, charged
):
    contract, (a,) = signed_contract(units=1)
    snapshot = {**contract.policy_snapshot, "late_return_grace_minutes": 15}
    Contract.objects.filter(pk=contract.pk).update(policy_snapshot=snapshot)
    contract.refresh_from_db()
    hand_over(contract, [a], staff)

    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=a.asset_tag,
        condition="good",
        by=staff,
        returned_at=contract.ends_at + timedelta(minutes=minutes),
    )

    late = contract.charges.filter(kind="late_return").first()
    assert (late.amount if late else None) == charged  # 16 min: 1 started hour × 5 + 20 %


def test_signing_freezes_the_late_return_grace_and_the_contract_states_it(staff):
    from contracts.snapshot import contract_document
    from rental.core.models import Policy

    Policy.objects.update(late_return_grace_minutes=15, late_return_surcharge=Decimal("0.20"))
    draft = ContractFactory(status="draft", units=[AssetFactory()])
    contract = lifecycle.contract_sign(contract=draft, by=staff, place="office")
    Policy.objects.update(late_return_grace_minutes=30)

    assert contract.policy_snapshot["late_return_grace_minutes"] == 15
    document = contract_document(
        contract=contract, terms=contract_terms(contract), language="zh-hans"
    )
    assert document["late_return"] == {"surcharge_pct": "20", "grace_minutes": 15}


def test_extension_needs_a_free_calendar(staff):
    contract, (a,) = signed_contract(units=1)
    hand_over(contract, [a], staff)
    blocker_start = contract.ends_at + timedelta(days=5)
    from catalog import services as calendar

    calendar.calendar_place_assets(
        assets=[a], starts_at=blocker_start, ends_at=blocker_start + timedelta(days=1), kind="hold"
    )

    with translation.override("en"), pytest.raises(Exception, match="booked by someone else"):
        lifecycle.contract_extend(contract=contract, ends_at=blocker_start, by=staff)

    contract.refresh_from_db()
    assert not contract.charges.filter(key__contains="extension").exists()


def test_a_changed_deposit_needs_a_reason(staff):
    contract = ContractFactory(status="draft")

    with pytest.raises(ContractError):
        lifecycle.contract_set_deposit(
            contract=contract, amount=Decimal("500"), reason=" ", by=staff
        )
    lifecycle.contract_set_deposit(
        contract=contract, amount=Decimal("500"), reason="老客户", by=staff
    )

    contract.refresh_from_db()
    assert (contract.deposit_amount, contract.deposit_note) == (Decimal("500.00"), "老客户")


def test_cancelling_a_signed_contract_frees_its_units(staff):
    contract, _ = signed_contract()

    lifecycle.contract_cancel(contract=contract, by=staff, reason="客户改期")

    assert not CalendarEntry.objects.filter(is_active=True).exists()
    with pytest.raises(WrongState):
        lifecycle.contract_cancel(contract=contract, by=staff, reason="again")


def test_charges_with_the_same_key_happen_once(staff):
    contract = ContractFactory()

    first, created = charges.charge_add(
        contract=contract,
        kind="service",
        amount=Decimal("80"),
        description="上门维修",
        key="ticket:1:fee",
    )
    again, created_again = charges.charge_add(
        contract=contract,
        kind="service",
        amount=Decimal("80"),
        description="上门维修",
        key="ticket:1:fee",
    )

    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert contract.charges.count() == 1


@pytest.mark.parametrize(
    "table", ["contracts_depositentry", "contracts_charge", "contracts_payment"]
)
@pytest.mark.parametrize(
    "sql", ["UPDATE {table} SET amount = 1 WHERE id = %s", "DELETE FROM {table} WHERE id = %s"]
)
def test_the_database_refuses_to_edit_money_rows_even_in_raw_sql(staff, table, sql):
    contract = ContractFactory()
    rows = {
        "contracts_depositentry": lambda: DepositEntry.objects.create(
            contract=contract, kind="collected", amount=Decimal("100"), key="k1"
        ),
        "contracts_charge": lambda: Charge.objects.create(
            contract=contract, kind="rent", amount=Decimal("100"), description="x", key="k2"
        ),
        "contracts_payment": lambda: Payment.objects.create(
            contract=contract, amount=Decimal("100"), method="cash", received_by=staff
        ),
    }
    row = rows[table]()

    with (
        pytest.raises((InternalError, ProgrammingError), match="insert-only|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=table), [row.pk])

    assert type(row).objects.get(pk=row.pk).amount == Decimal("100.00")


def test_overdue_rentals_are_notified_once_a_day(staff):
    overdue = ContractFactory(
        starts_at=timezone.now() - timedelta(days=5), ends_at=timezone.now() - timedelta(hours=2)
    )
    ContractFactory()  # not overdue

    assert contracts_notify_overdue() == 1
    assert contracts_notify_overdue() == 0
    assert contracts_notify_overdue(now=timezone.now() + timedelta(days=1)) == 1

    keys = set(Notification.objects.filter(event="contract.overdue").values_list("key", flat=True))
    assert len(keys) == 2
    assert all(key.startswith(f"contract:{overdue.pk}:overdue:") for key in keys)


def test_a_contract_term_wins_over_the_tier_and_bad_values_are_refused(staff):
    from datetime import datetime

    from service_tickets.sla import response_deadline
    from service_tickets.terms import TermsError

    contract = ContractFactory(status="draft", tier="rapid")

    lifecycle.contract_set_term(
        contract=contract, key="rapid.response_hours.base", value="2", by=staff
    )
    with pytest.raises(TermsError):
        lifecycle.contract_set_term(
            contract=contract, key="rapid.response_hours.base", value="soon", by=staff
        )

    contract.refresh_from_db()
    assert contract.terms_overrides == {"rapid.response_hours.base": "2"}
    called = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.get_current_timezone())
    due = response_deadline(
        tier="rapid", zone="base", reported_at=called, rental_days=3, terms=contract_terms(contract)
    )
    assert due - called == timedelta(hours=2)
