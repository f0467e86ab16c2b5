"""What has to happen today, for the Today board: one query for every count, one per section
shown for its first rows, whatever the amount of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F, Prefetch, Q, prefetch_related_objects

from contracts.models import Contract, ContractUnit, IdentityDocument, Inspection, Reservation
from rental.core.periods import midnight
from rental.core.timeutil import local
from service_tickets.models import Ticket

ROWS = 15  # rows shown per section; the count says how many there are
# A ticket needs attention while unassigned, at risk or late.
ATTENTION = Q(status="new") | Q(at_risk_at__isnull=False) | Q(breached_at__isnull=False)

OPEN = ("new", "assigned", "en_route")
COUNTS_SQL = """
SELECT
  (SELECT count(*) FROM service_tickets_ticket
    WHERE kind IN ('delivery', 'pickup') AND status IN ('new', 'assigned', 'en_route')
      AND scheduled_for >= %(today)s AND scheduled_for < %(day_after)s) AS trips,
  (SELECT count(*) FROM contracts_inspection
    WHERE status IN ('booked', 'confirmed') AND starts_at >= %(today)s
      AND starts_at < %(tomorrow)s) AS inspections,
  (SELECT count(*) FROM contracts_contract
    WHERE status = 'active' AND ends_at >= %(now)s AND ends_at < %(tomorrow)s) AS returns_due,
  (SELECT count(*) FROM contracts_contract
    WHERE status = 'active' AND ends_at < %(now)s) AS overdue,
  (SELECT count(*) FROM service_tickets_ticket
    WHERE path = 'on_site' AND kind NOT IN ('delivery', 'pickup')
      AND status IN ('new', 'assigned', 'en_route')
      AND (status = 'new' OR at_risk_at IS NOT NULL OR breached_at IS NOT NULL)) AS tickets,
  (SELECT count(*) FROM service_tickets_ticket
    WHERE path = 'on_site' AND kind NOT IN ('delivery', 'pickup') AND status = 'new')
    AS tickets_unassigned,
  (SELECT count(*) FROM service_tickets_ticket
    WHERE status IN ('new', 'assigned', 'en_route') AND kind NOT IN ('delivery', 'pickup')
      AND at_risk_at IS NOT NULL AND breached_at IS NULL) AS tickets_at_risk,
  (SELECT count(*) FROM service_tickets_ticket
    WHERE status IN ('new', 'assigned', 'en_route') AND kind NOT IN ('delivery', 'pickup')
      AND breached_at IS NOT NULL) AS tickets_late,
  (SELECT count(*) FROM contracts_identitydocument WHERE status = 'pending') AS documents,
  (SELECT count(*) FROM contracts_reservation
    WHERE status IN ('held', 'inspection_booked')
      AND hold_expires_at >= %(now)s AND hold_expires_at < %(in_a_day)s) AS holds
"""


@dataclass(frozen=True)
class Day:
    now: datetime
    today: datetime  # local midnight
    tomorrow: datetime
    day_after: datetime

    @classmethod
    def of(cls, now: datetime) -> Day:
        today = midnight(local(now).date())
        return cls(
            now=now,
            today=today,
            tomorrow=midnight((today + timedelta(days=1)).date()),
            day_after=midnight((today + timedelta(days=2)).date()),
        )


def board_counts(*, now: datetime) -> dict[str, int]:
    """Every section's count, in one query (the JSON endpoint the board refreshes from)."""
    day = Day.of(now)
    params = {
        "now": now,
        "today": day.today,
        "tomorrow": day.tomorrow,
        "day_after": day.day_after,
        "in_a_day": now + timedelta(hours=24),
    }
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, params)
        names = [c.name for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


@dataclass
class Board:
    day: Day
    counts: dict[str, int]
    sections: dict[str, list] = field(default_factory=dict)


def _units_prefetch() -> Prefetch:
    return Prefetch(
        "units", queryset=ContractUnit.objects.select_related("asset__model__brand").order_by("id")
    )


def today_board(*, now: datetime, sections: list[str]) -> Board:
    """The counts, and the first rows of each section the reader may see."""
    day = Day.of(now)
    board = Board(day=day, counts=board_counts(now=now))
    loaders = {
        "trips": lambda: list(
            Ticket.objects.filter(
                kind__in=Ticket.TRIP_KINDS,
                status__in=OPEN,
                scheduled_for__gte=day.today,
                scheduled_for__lt=day.day_after,
            )
            .select_related("contract", "customer", "technician")
            .order_by("scheduled_for")[:ROWS]
        ),
        "inspections": lambda: list(
            Inspection.objects.filter(
                status__in=Inspection.ACTIVE_STATUSES,
                starts_at__gte=day.today,
                starts_at__lt=day.tomorrow,
            )
            .select_related("reservation__customer", "reservation__address")
            .order_by("starts_at")[:ROWS]
        ),
        "returns_due": lambda: list(
            Contract.objects.filter(
                status=Contract.Status.ACTIVE, ends_at__gte=now, ends_at__lt=day.tomorrow
            )
            .select_related("customer", "address")
            .order_by("ends_at")[:ROWS]
        ),
        "overdue": lambda: list(
            Contract.objects.filter(status=Contract.Status.ACTIVE, ends_at__lt=now)
            .select_related("customer")
            .order_by("ends_at")[:ROWS]
        ),
        "tickets": lambda: list(
            Ticket.objects.filter(path=Ticket.Path.ON_SITE, status__in=OPEN)
            .exclude(kind__in=Ticket.TRIP_KINDS)
            .filter(ATTENTION)
            .select_related("customer", "technician")
            .order_by(F("deadline").asc(nulls_last=True), "reported_at")[:ROWS]
        ),
        "documents": lambda: list(
            IdentityDocument.objects.filter(status=IdentityDocument.Status.PENDING)
            .select_related("customer")
            .order_by("id")[:ROWS]
        ),
        "holds": lambda: list(
            Reservation.objects.filter(
                status__in=Reservation.OPEN_STATUSES,
                hold_expires_at__gte=now,
                hold_expires_at__lt=now + timedelta(hours=24),
            )
            .select_related("customer")
            .order_by("hold_expires_at")[:ROWS]
        ),
    }
    for name in sections:
        board.sections[name] = loaders[name]()
    # The units of every contract shown — trips', returns' and overdue ones — in one query.
    contracts = [t.contract for t in board.sections.get("trips", []) if t.contract]
    contracts += board.sections.get("returns_due", []) + board.sections.get("overdue", [])
    prefetch_related_objects(contracts, _units_prefetch())
    return board
