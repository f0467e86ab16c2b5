"""What has to happen today, for the Today board: one query for every count and the ids of each
section's first rows, then one per kind of row shown, whatever the amount of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from contracts.models import Contract, ContractUnit, IdentityDocument, Inspection, Reservation
from rental.core.periods import midnight
from rental.core.timeutil import local
from service_tickets.models import Ticket

ROWS = 15  # rows shown per section; the count says how many there are

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


# The first rows of each section, by id in the section's order, beside the counts: the board
# then loads each kind of row in one query by id — contracts (returns due and overdue), tickets
# (trips and those needing attention) — and none for an empty section, where a query per section
# cost more in round trips and SQL compiling than the database spent on all of them.
FIRST_ROWS_SQL = """,
  ARRAY(SELECT id FROM service_tickets_ticket
    WHERE kind IN ('delivery', 'pickup') AND status IN ('new', 'assigned', 'en_route')
      AND scheduled_for >= %(today)s AND scheduled_for < %(day_after)s
    ORDER BY scheduled_for, id LIMIT %(rows)s) AS trips_ids,
  ARRAY(SELECT id FROM contracts_inspection
    WHERE status IN ('booked', 'confirmed') AND starts_at >= %(today)s
      AND starts_at < %(tomorrow)s
    ORDER BY starts_at, id LIMIT %(rows)s) AS inspections_ids,
  ARRAY(SELECT id FROM contracts_contract
    WHERE status = 'active' AND ends_at >= %(now)s AND ends_at < %(tomorrow)s
    ORDER BY ends_at, id LIMIT %(rows)s) AS returns_due_ids,
  ARRAY(SELECT id FROM contracts_contract
    WHERE status = 'active' AND ends_at < %(now)s
    ORDER BY ends_at, id LIMIT %(rows)s) AS overdue_ids,
  ARRAY(SELECT id FROM service_tickets_ticket
    WHERE path = 'on_site' AND kind NOT IN ('delivery', 'pickup')
      AND status IN ('new', 'assigned', 'en_route')
      AND (status = 'new' OR at_risk_at IS NOT NULL OR breached_at IS NOT NULL)
    ORDER BY deadline ASC NULLS LAST, reported_at, id LIMIT %(rows)s) AS tickets_ids,
  ARRAY(SELECT id FROM contracts_identitydocument WHERE status = 'pending'
    ORDER BY id LIMIT %(rows)s) AS documents_ids,
  ARRAY(SELECT id FROM contracts_reservation
    WHERE status IN ('held', 'inspection_booked')
      AND hold_expires_at >= %(now)s AND hold_expires_at < %(in_a_day)s
    ORDER BY hold_expires_at, id LIMIT %(rows)s) AS holds_ids
"""

# Which rows each section shows, loaded together per kind.
LOADERS = {
    "trips": "tickets",
    "tickets": "tickets",
    "returns_due": "contracts",
    "overdue": "contracts",
    "inspections": "inspections",
    "documents": "documents",
    "holds": "holds",
}


def _querysets() -> dict:
    return {
        "tickets": Ticket.objects.select_related("contract", "customer", "technician"),
        "contracts": Contract.objects.select_related("customer", "address"),
        "inspections": Inspection.objects.select_related(
            "reservation__customer", "reservation__address"
        ),
        "documents": IdentityDocument.objects.select_related("customer"),
        "holds": Reservation.objects.select_related("customer"),
    }


def today_board(*, now: datetime, sections: list[str]) -> Board:
    """The counts, and the first rows of each section the reader may see: one query for the
    counts and every section's ids, one per kind of row shown, one for the contracts' units."""
    day = Day.of(now)
    params = {
        "now": now,
        "today": day.today,
        "tomorrow": day.tomorrow,
        "day_after": day.day_after,
        "in_a_day": now + timedelta(hours=24),
        "rows": ROWS,
    }
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL + FIRST_ROWS_SQL, params)
        names = [c.name for c in cursor.description]
        found = dict(zip(names, cursor.fetchone(), strict=True))
    board = Board(day=day, counts={k: v for k, v in found.items() if not k.endswith("_ids")})
    wanted: dict[str, list[int]] = {}
    for name in sections:
        wanted.setdefault(LOADERS[name], []).extend(found[f"{name}_ids"])
    querysets = _querysets()
    loaded = {kind: querysets[kind].in_bulk(ids) if ids else {} for kind, ids in wanted.items()}
    for name in sections:
        rows = loaded[LOADERS[name]]
        board.sections[name] = [rows[pk] for pk in found[f"{name}_ids"] if pk in rows]
    # The units of every contract shown — trips', returns' and overdue ones — in one query.
    contracts = [t.contract for t in board.sections.get("trips", []) if t.contract]
    contracts += board.sections.get("returns_due", []) + board.sections.get("overdue", [])
    prefetch_related_objects(contracts, _units_prefetch())
    return board
