"""The database defends itself against the application's own login (issue 10, item 5).

The suite connects as the app role (rental.core.dbbackend); the tamper statements below are what
an attacker holding that login, or a careless raw query, would try. Every one must be refused and
leave the rows as they were; the same writes within the rules still succeed.
"""

from __future__ import annotations

import re
from decimal import Decimal

import psycopg
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from catalog.models import CalendarEntry
from contracts.models import Charge, DepositEntry, Payment
from rental.core import audit, dbguards
from rental.core.models import AuditEvent
from tests.conftest import report_figure
from tests.factories import ContractFactory, StaffFactory
from tests.service_tickets.factories import contract_of, open_ticket

pytestmark = pytest.mark.django_db

# insufficient_privilege (no grant, not the owner, a guard trigger) and check_violation.
REFUSALS = {"42501", "23514"}

INSERT_ONLY = [
    "core_auditevent",
    "contracts_charge",
    "contracts_payment",
    "contracts_depositentry",
    "service_tickets_termsversion",
]


@pytest.fixture
def ledger():
    """A contract holding a deposit of 3,600, one charge, one payment, one audit event, a ticket."""
    staff = StaffFactory()
    contract = ContractFactory()
    deposit = DepositEntry.objects.create(
        contract=contract, kind="collected", amount=Decimal("3600.00"), key="t:deposit"
    )
    charge = Charge.objects.create(
        contract=contract, kind="rent", amount=Decimal("500.00"), description="rent", key="t:c"
    )
    payment = Payment.objects.create(
        contract=contract, amount=Decimal("500.00"), method="cash", received_by=staff
    )
    event = audit.record(staff, "tests.tamper.setup", contract)
    ticket = open_ticket(contract_of(tier="basic"))
    return {
        "staff": staff,
        "contract": contract,
        "deposit": deposit,
        "charge": charge,
        "payment": payment,
        "event": event,
        "ticket": ticket,
        "entry": contract.units.first().calendar_entry,
    }


def _state(ledger) -> dict:
    """What a tamper statement could have changed, read back as the app sees it."""
    contract = ledger["contract"]
    ticket = ledger["ticket"]
    ticket.refresh_from_db()
    entry = CalendarEntry.objects.get(pk=ledger["entry"].pk)
    return {
        "rows": {table: _count(table) for table in INSERT_ONLY + ["catalog_calendarentry"]},
        "deposit": sorted(contract.deposit_entries.values_list("kind", "amount")),
        "charges": sorted(contract.charges.values_list("kind", "amount")),
        "payments": sorted(contract.payments.values_list("method", "amount")),
        "event": AuditEvent.objects.get(pk=ledger["event"].pk).action,
        "blocked": (entry.blocked.lower, entry.blocked.upper),
        "fees": (ticket.fee_low, ticket.fee_high, ticket.fee, ticket.surcharge),
        "replication_role": _scalar("SHOW session_replication_role"),
        "triggers_enabled": _scalar(
            "SELECT count(*) FROM pg_trigger WHERE tgenabled = 'O' AND NOT tgisinternal"
        ),
    }


def _count(table: str) -> int:
    return _scalar(f"SELECT count(*) FROM {table}")  # noqa: S608 (our table names)


def _scalar(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _copy(model, pk: int, **changes) -> tuple[str, list]:
    """A raw INSERT of a copy of row `pk` with `changes`: every other column stays valid, so only
    the change can be what the database refuses."""
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = ["%s" if f.name in changes else connection.ops.quote_name(f.column) for f in columns]
    table = model._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(f.column) for f in columns)})"  # noqa: S608, E501 (our names)
        f" SELECT {', '.join(values)} FROM {table} WHERE id = %s"
    )
    return sql, [changes[f.name] for f in columns if f.name in changes] + [pk]


def _tamper_statements(ledger) -> list[tuple[str, list]]:
    c, d = ledger["contract"].pk, ledger["deposit"].pk
    t, e = ledger["ticket"].pk, ledger["entry"].pk
    owner = connection.settings_dict["OWNER"]["USER"]
    statements: list[tuple[str, list]] = []
    for table in INSERT_ONLY:
        statements += [
            (f"TRUNCATE {table} CASCADE", []),
            (f"ALTER TABLE {table} DISABLE TRIGGER ALL", []),
            (f"ALTER TABLE {table} DISABLE TRIGGER {table}_insert_only", []),
            (f"DELETE FROM {table}", []),  # noqa: S608 (our table names)
        ]
    statements += [
        # The TRUNCATE trigger's switch is for the owner; the app role setting it changes nothing.
        ("SELECT set_config('rental.allow_truncate', 'on', false); TRUNCATE contracts_charge", []),
        ("SET session_replication_role = replica", []),
        (f"SET ROLE {connection.ops.quote_name(owner)}", []),
        ("UPDATE contracts_depositentry SET amount = 1 WHERE id = %s", [d]),
        ("UPDATE contracts_depositentry SET kind = 'collected' WHERE contract_id = %s", [c]),
        ("UPDATE contracts_charge SET amount = 0 WHERE contract_id = %s", [c]),
        ("UPDATE contracts_payment SET amount = 99999 WHERE contract_id = %s", [c]),
        ("UPDATE core_auditevent SET action = 'edited' WHERE id = %s", [ledger["event"].pk]),
        ("UPDATE service_tickets_termsversion SET note = 'rewritten'", []),
        ("DELETE FROM contracts_depositentry WHERE id = %s", [d]),
        ("DROP TRIGGER contracts_depositentry_balance ON contracts_depositentry", []),
        ("ALTER TABLE contracts_charge DROP CONSTRAINT contracts_charge_kind_known", []),
        ("ALTER TABLE contracts_contract OWNER TO CURRENT_USER", []),
        ("CREATE TABLE public.tamper (id int)", []),
        ("CREATE FUNCTION public.tamper() RETURNS int LANGUAGE sql AS 'SELECT 1'", []),
        _copy(Charge, ledger["charge"].pk, kind="bribe", key="t:bribe"),
        _copy(Payment, ledger["payment"].pk, method="bitcoin"),
        _copy(DepositEntry, d, kind="gift", key="t:gift"),
        _copy(DepositEntry, d, kind="refunded", amount=999999, reason="refund", key="t:refund"),
        _copy(DepositEntry, d, kind="deducted", amount=Decimal("3600.01"), reason="x", key="t:d"),
        _copy(Payment, ledger["payment"].pk, amount=Decimal("9999999999.99")),
        ("UPDATE contracts_contract SET status = 'forgiven' WHERE id = %s", [c]),
        ("UPDATE contracts_contract SET deposit_amount = 100000000 WHERE id = %s", [c]),
        ("UPDATE catalog_calendarentry SET blocked = 'empty' WHERE id = %s", [e]),
        (
            "UPDATE catalog_calendarentry SET blocked = tstzrange(starts_at + interval '1 hour',"
            " ends_at) WHERE id = %s",
            [e],
        ),
        (
            "UPDATE catalog_calendarentry SET blocked = tstzrange(starts_at, NULL) WHERE id = %s",
            [e],
        ),
        ("UPDATE service_tickets_ticket SET fee = -50 WHERE id = %s", [t]),
        ("UPDATE service_tickets_ticket SET fee_low = -20, fee_high = -10 WHERE id = %s", [t]),
        ("UPDATE service_tickets_ticket SET surcharge = -1 WHERE id = %s", [t]),
        ("UPDATE service_tickets_ticket SET kind = 'sabotage' WHERE id = %s", [t]),
    ]
    return statements


def test_every_tamper_statement_of_the_app_role_is_refused(ledger):
    before = _state(ledger)
    statements = _tamper_statements(ledger)

    outcomes = {}
    for n, (sql, params) in enumerate(statements):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params or None)
        except DatabaseError as error:
            outcomes[(n, sql)] = getattr(error.__cause__, "sqlstate", None)
        else:
            outcomes[(n, sql)] = "accepted"

    refused = [key for key, state in outcomes.items() if state in REFUSALS]
    report_figure(
        f"tamper statements as the app role: {len(statements)} tried, {len(refused)} refused"
    )
    # Refused by a privilege, a constraint or a guard trigger — not by a typo in the statement.
    assert {key: state for key, state in outcomes.items() if state not in REFUSALS} == {}
    assert len(outcomes) == len(statements) == 50
    assert _state(ledger) == before


def test_even_the_owner_truncates_an_insert_only_table_only_on_purpose():
    owner = connection.settings_dict["OWNER"]
    options = connection.settings_dict.get("OPTIONS") or {}  # the embedded server's socket
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or options.get("host"),
        port=owner["PORT"] or options.get("port"),
    ) as conn:
        conn.execute("SET lock_timeout = '10s'")
        refused = []
        for table in INSERT_ONLY:
            try:
                conn.execute(f"TRUNCATE {table} CASCADE")
            except psycopg.errors.InsufficientPrivilege as error:
                refused.append(str(error).split(":")[0])
            conn.rollback()
        # The switch the test suite's flush uses (rental/core/management/commands/flush.py).
        conn.execute(f"SET LOCAL {dbguards.ALLOW_TRUNCATE} = 'on'")
        conn.execute("TRUNCATE contracts_charge CASCADE")
        conn.rollback()

    assert refused == [f"rows of {table} are insert-only" for table in INSERT_ONLY]


def test_the_app_role_owns_nothing_and_cannot_become_the_owner():
    app = connection.settings_dict["USER"]
    owner = connection.settings_dict["OWNER"]["USER"]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,"
            " pg_has_role(current_user, %s, 'MEMBER'),"
            " (SELECT count(*) FROM pg_class WHERE relowner = r.oid),"
            " has_schema_privilege('public', 'CREATE')"
            " FROM pg_roles r WHERE r.rolname = current_user",
            [owner],
        )
        flags = cursor.fetchone()

    assert app != owner
    assert flags == (False, False, False, False, False, 0, False)


def test_within_the_rules_the_same_writes_succeed(ledger):
    contract = ledger["contract"]

    DepositEntry.objects.create(
        contract=contract, kind="deducted", amount=Decimal("600.00"), reason="dent", key="ok:1"
    )
    DepositEntry.objects.create(
        contract=contract, kind="refunded", amount=Decimal("3000.00"), reason="end", key="ok:2"
    )
    Payment.objects.create(
        contract=contract, amount=dbguards.MONEY_MAX, method="bank", received_by=ledger["staff"]
    )
    Charge.objects.create(
        contract=contract, kind="adjustment", amount=Decimal("-50.00"), description="x", key="ok:3"
    )

    assert sorted(contract.deposit_entries.values_list("kind", "amount")) == [
        ("collected", Decimal("3600.00")),
        ("deducted", Decimal("600.00")),
        ("refunded", Decimal("3000.00")),
    ]
    # Nothing is left: one more fen out is refused.
    with pytest.raises(DatabaseError, match="below zero"), transaction.atomic():
        DepositEntry.objects.create(
            contract=contract, kind="refunded", amount=Decimal("0.01"), reason="x", key="ok:4"
        )


def _constraint_values() -> dict[tuple[str, str], set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'c' AND conname LIKE '%%\\_known'"
        )
        rows = cursor.fetchall()
    found = {}
    for table, name, definition in rows:
        column = name[len(table) + 1 : -len("_known")]
        found[(table, column)] = {
            value.replace("''", "'") for value in re.findall(r"'((?:[^']|'')*)'::", definition)
        }
    return found


def test_every_choices_column_has_a_constraint_with_the_models_choices():
    in_database = _constraint_values()
    expected = {}
    for label in ("core", "accounts", "notifications", "catalog", "contracts", "service_tickets"):
        for table, column, _name, values in dbguards.choice_constraints(apps, label):
            expected[(table, column)] = set(values)

    assert len(expected) >= 30
    # A choice added to a model without a migration that re-runs ChoiceChecks fails here.
    assert {key: in_database.get(key) for key in expected} == expected


def test_every_decimal_column_is_bounded():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0"
            " AND NOT a.attisdropped AND a.atttypid = 'numeric'::regtype"
        )
        columns = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE contype = 'c' AND conname LIKE '%%\\_bounds'"
        )
        bounded = {(table, name[len(table) + 1 : -len("_bounds")]) for table, name in cursor}

    assert len(columns) >= 25
    assert columns - bounded == set()


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda c, s: Payment.objects.create(
                contract=c, amount=Decimal("9999999999.99"), method="cash", received_by=s
            ),
            "The amount is out of range: it may not be negative or more than ¥99,999,999.99.",
        ),
        (
            lambda c, s: DepositEntry.objects.create(
                contract=c, kind="refunded", amount=Decimal("999999"), reason="x", key="r"
            ),
            "The deposit does not hold that much: a refund or deduction may not exceed it.",
        ),
        (
            lambda c, s: Charge.objects.create(
                contract=c, kind="bribe", amount=Decimal("1"), description="x", key="b"
            ),
            "That value is not one of the allowed choices.",
        ),
    ],
)
def test_a_guards_refusal_reaches_the_user_as_a_clear_error(ledger, write, message):
    from django.utils import translation

    from rental.core.dbrefusals import RefusedByDatabase, database_guards

    contract = ledger["contract"]
    before = _state(ledger)

    with (
        translation.override("en"),
        pytest.raises(RefusedByDatabase) as refused,
        database_guards(),
        transaction.atomic(),
    ):
        write(contract, ledger["staff"])

    assert str(refused.value) == message
    assert _state(ledger) == before
