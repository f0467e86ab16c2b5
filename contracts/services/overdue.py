"""Rentals past their end with units still out: tell the customer and staff, once a day."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from rental.core.timeutil import local

from .. import notify
from ..models import Contract, ContractUnit

BATCH = 200


def contracts_notify_overdue(*, now: datetime | None = None) -> int:
    """Idempotent and batched: the notice key carries the date, and `last_overdue_notice_on`
    is set in the same transaction, so a second run on the same day sends nothing."""
    now = now or timezone.now()
    today = local(now).date()
    out = ContractUnit.objects.filter(contract=OuterRef("pk"), returned_at__isnull=True)
    sent = 0
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Contract.Status.ACTIVE, ends_at__lt=now)
                .exclude(last_overdue_notice_on=today)
                .filter(Exists(out))
                .select_related("customer__user")[:BATCH]
            )
            for contract in due:
                notify.tell(
                    "contract.overdue",
                    f"contract:{contract.pk}:overdue:{today:%Y-%m-%d}",
                    customer=contract.customer,
                    context={"number": contract.number, "end": contract.ends_at},
                )
            Contract.objects.filter(pk__in=[c.pk for c in due]).update(last_overdue_notice_on=today)
        sent += len(due)
        if len(due) < BATCH:
            return sent
