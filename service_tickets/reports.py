"""The monthly SLA report: tickets, and the share answered on time, by tier, zone and technician.

A ticket counts towards the on-time rate once its outcome is known: a technician arrived, or it
was marked late, or its deadline has passed. On time means on site by the deadline. Tickets with
no deadline (workshop repairs, basic tier before staff set one) and tickets cancelled before they
were late are counted but not rated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from rental.core.timeutil import SHANGHAI

from .models import Ticket
from .terms import TIER_LABELS, TIERS, ZONE_LABELS, ZONES


@dataclass(frozen=True)
class ReportRow:
    """One line of the report. `label` is an English msgid for tiers and zones (templates
    translate it with `{% translate row.label %}`, in the reader's language) or a name."""

    key: str
    label: str
    tickets: int
    rated: int
    on_time: int
    late: int
    closed: int
    cancelled: int
    avg_response_minutes: int | None

    @property
    def on_time_rate(self) -> Decimal | None:
        """Percent, one decimal; None when nothing is rated yet."""
        if not self.rated:
            return None
        return (Decimal(100) * self.on_time / self.rated).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class SlaReport:
    month: date  # the first day
    start: datetime
    end: datetime
    total: ReportRow
    by_tier: list[ReportRow]
    by_zone: list[ReportRow]
    by_technician: list[ReportRow]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=SHANGHAI)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=SHANGHAI)
    )
    return start, following


def previous_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def sla_report(*, month: date, now: datetime | None = None) -> SlaReport:
    """The report for the calendar month (Asia/Shanghai) containing `month`."""
    now = now or timezone.now()
    month = date(month.year, month.month, 1)
    start, end = month_bounds(month)
    tickets = Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end)
    aggregates = _aggregates(now)

    total = tickets.aggregate(**aggregates)
    by_tier = {row["tier"]: row for row in tickets.values("tier").annotate(**aggregates)}
    by_zone = {row["zone"]: row for row in tickets.values("zone").annotate(**aggregates)}
    by_tech = list(
        tickets.filter(technician__isnull=False)
        .values(
            "technician", "technician__first_name", "technician__last_name", "technician__username"
        )
        .annotate(**aggregates)
        .order_by("technician__username")
    )
    return SlaReport(
        month=month,
        start=start,
        end=end,
        total=_row("all", "", total),
        by_tier=[_row(tier, TIER_LABELS[tier], by_tier[tier]) for tier in TIERS if tier in by_tier],
        by_zone=[_row(zone, ZONE_LABELS[zone], by_zone[zone]) for zone in ZONES if zone in by_zone],
        by_technician=[_row(str(r["technician"]), _tech_name(r), r) for r in by_tech],
    )


def _aggregates(now: datetime) -> dict:
    rated = (
        Q(path=Ticket.Path.ON_SITE, deadline__isnull=False)
        & (Q(arrived_at__isnull=False) | Q(breached_at__isnull=False) | Q(deadline__lte=now))
        & ~Q(status=Ticket.Status.CANCELLED, breached_at__isnull=True)
    )
    on_time = rated & Q(arrived_at__isnull=False, arrived_at__lte=F("deadline"))
    response = ExpressionWrapper(F("arrived_at") - F("reported_at"), output_field=DurationField())
    return {
        "tickets": Count("id"),
        "rated": Count("id", filter=rated),
        "on_time": Count("id", filter=on_time),
        "closed": Count("id", filter=Q(status__in=[Ticket.Status.CLOSED, Ticket.Status.COLLECTED])),
        "cancelled": Count("id", filter=Q(status=Ticket.Status.CANCELLED)),
        "avg_response": Avg(response, filter=Q(arrived_at__isnull=False)),
    }


def _row(key: str, label: str, values: dict) -> ReportRow:
    avg = values.get("avg_response")
    return ReportRow(
        key=key,
        label=label,
        tickets=values["tickets"],
        rated=values["rated"],
        on_time=values["on_time"],
        late=values["rated"] - values["on_time"],
        closed=values["closed"],
        cancelled=values["cancelled"],
        avg_response_minutes=int(avg.total_seconds() // 60) if avg is not None else None,
    )


def _tech_name(row: dict) -> str:
    first, last = row["technician__first_name"].strip(), row["technician__last_name"].strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p) or row["technician__username"]
