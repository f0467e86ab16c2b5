from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from catalog.models import Asset, Brand, Category, EquipmentModel
from rental.accounts.models import User
from rental.core.periods import last_months
from rental.core.timeutil import SHANGHAI
from rental.demo.clock import clock_at

pytestmark = pytest.mark.django_db

# The company is built as of this moment (a Wednesday afternoon), so what is open on its board
# does not depend on the hour the suite runs.
MOMENT = datetime(2026, 11, 18, 15, 20, tzinfo=SHANGHAI)
# The whole six months, through the services: 31,405 statements (a quarter of them savepoints)
# when last measured. Far more means a service started reading row by row again, and the 60 s
# budget goes with it.
MAX_QUERIES = 40_000


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
    assert manager.check_password("xinsisuo-demo-2026")


def test_the_fleet_is_bought_before_the_reports_half_year_whatever_ids_the_database_gives():
    # Other tests (or an earlier load) move the sequences on; the demo's units were once dated
    # from their model's id, and a fleet bought in 2027 left the reports' months nearly empty.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(nextval(pg_get_serial_sequence('catalog_equipmentmodel', 'id'))) "
            "FROM generate_series(1, 1000)"
        )
    call_command("load_demo", quiet_progress=True, history_days=3)

    first_month = last_months(date.today()).first
    bought = sorted(Asset.objects.values_list("acquired_on", flat=True))
    assert EquipmentModel.objects.order_by("pk").first().pk > 1000
    assert bought[-1] < first_month, (bought[-1], first_month)


def _company() -> dict:
    """What the company looks like, without row ids and numbers (sequences move on)."""
    from contracts.models import Charge, Contract, DepositEntry, Payment, Reservation
    from service_tickets.models import Ticket

    def unit(tag: str, model: str) -> str:
        return f"{model}#{tag.rsplit('-', 1)[-1]}"

    return {
        "reservations": sorted(
            (r.customer.name, r.status, r.starts_at, r.ends_at, r.tier, r.fulfilment)
            for r in Reservation.objects.select_related("customer")
        ),
        "contracts": sorted(
            (
                c.customer.name,
                c.status,
                c.starts_at,
                c.ends_at,
                c.deposit_amount,
                tuple(
                    sorted(
                        unit(u.asset.asset_tag, u.model.name)
                        for u in c.units.select_related("asset", "model")
                    )
                ),
            )
            for c in Contract.objects.select_related("customer")
        ),
        "charges": sorted(Charge.objects.values_list("kind", "amount", "created_at")),
        "deposits": sorted(DepositEntry.objects.values_list("kind", "amount", "recorded_at")),
        "payments": sorted(Payment.objects.values_list("amount", "method", "received_at")),
        "tickets": sorted(
            Ticket.objects.values_list("kind", "status", "outcome", "reported_at", "deadline")
        ),
    }


def test_the_same_seed_builds_the_same_company():
    built = []
    for _ in range(2):
        block = transaction.atomic()
        # Marked as Django's TestCase marks its own blocks, so the durable blocks inside the
        # services (a document upload) run here as in every other test.
        block._from_testcase = True
        with block:
            with clock_at(MOMENT):
                call_command("load_demo", quiet_progress=True, history_days=12)
            built.append(_company())
            transaction.set_rollback(True)  # the second build starts from an empty database

    assert built[0] == built[1]
    assert len(built[0]["contracts"]) >= 10 and built[0]["tickets"]


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalog
            counts[table] = cursor.fetchone()[0]
    return counts


def test_six_months_of_a_busy_company_and_a_second_run_changes_nothing():
    from catalog.reports import utilisation
    from contracts.reports import deposits, returns, revenue
    from rental.operations.selectors import board_counts
    from service_tickets.reports import service_report

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), clock_at(MOMENT):
        call_command("load_demo", quiet_progress=True)
    assert len(statements) <= MAX_QUERIES

    with clock_at(MOMENT):
        period = last_months(MOMENT.date())
        months = [b.key for b in period.buckets()]
        whole = months[:-1]  # the current month has only begun
        by_month = utilisation(period=period, now=MOMENT)[0]
        shares = {r["bucket"]: float(r["utilisation"]) for r in by_month.rows}
        money = {r["bucket"]: r for r in revenue(period=period)[0].rows}
        held = {r["bucket"]: r for r in deposits(period=period)[0].rows}
        late = {r["bucket"]: r for r in returns(period=period, now=MOMENT)[0].rows}
        calls = {r["label"]: r for r in service_report(period=period)[0].rows}
        board = board_counts(now=MOMENT)

    # Busy, and busier as the half year goes on: a third of the units out in the first month,
    # well over half in the last.
    assert list(shares) == months and all(share > 0 for share in shares.values())
    assert 40 <= float(by_month.total["utilisation"]) <= 70
    assert shares[months[0]] < shares[months[2]] < shares[months[-1]]
    assert shares[months[-1]] >= 55
    # Every whole month earns rent, trips, repairs, late returns and damage; deposits come in,
    # go back and are deducted; some returns are late; technicians arrive in time and late.
    for month in whole:
        for kind in ("rent", "trips", "repair", "late_return", "damage", "collected"):
            assert money[month][kind] > 0, (month, kind)
        for kind in ("collected", "refunded", "deducted"):
            assert held[month][kind] > 0, (month, kind)
        assert late[month]["late"] > 0, month
        assert calls[month]["met"] > 0, month
    assert sum(calls[month]["late"] for month in whole) > 0
    # Work on today's board in every section.
    for section in (
        "trips",
        "inspections",
        "returns_due",
        "overdue",
        "tickets_unassigned",
        "tickets_at_risk",
        "tickets_late",
        "documents",
        "holds",
    ):
        assert board[section] > 0, section

    before = _row_counts()
    with clock_at(MOMENT + timedelta(days=1, hours=2)):
        call_command("load_demo", quiet_progress=True)
    assert _row_counts() == before
