"""Refunds racing for one deposit on real PostgreSQL: the database's balance trigger counts under
the contract's row lock, so two refunds that each fit alone cannot both be taken."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from contracts.models import DepositEntry
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_refunds_at_once_cannot_take_more_than_the_deposit_holds():
    contract = ContractFactory()
    DepositEntry.objects.create(
        contract=contract, kind="collected", amount=Decimal("3600.00"), key="collected"
    )
    barrier = threading.Barrier(2)
    taken, refused, crashed = [], [], []

    def refund(n: int) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=20)
                DepositEntry.objects.create(
                    contract_id=contract.pk,
                    kind="refunded",
                    amount=Decimal("2000.00"),
                    reason="refund",
                    key=f"refund:{n}",
                )
                time.sleep(0.5)  # still uncommitted while the other one counts
            taken.append(n)
        except IntegrityError as exc:
            refused.append(str(exc).splitlines()[0])
        except Exception as exc:  # noqa: BLE001 - reported below
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=refund, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert crashed == []
    assert len(taken) == 1
    assert refused == [
        f"deposit of contract {contract.pk} would go below zero: 1600.00 held, 2000.00 taken out"
    ]
    assert sorted(contract.deposit_entries.values_list("kind", "amount")) == [
        ("collected", Decimal("3600.00")),
        ("refunded", Decimal("2000.00")),
    ]
