"""E-mailing the monthly SLA report to the managers."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from rental.core.timeutil import local
from rental.notifications.services import notify

from ..notify import manager_recipients
from ..reports import SlaReport, previous_month, sla_report


def sla_report_send(*, month: date | None = None) -> SlaReport:
    """Send last month's report (or `month`'s) to every manager, once per month and manager."""
    month = month or previous_month(local(timezone.now()).date())
    report = sla_report(month=month)
    notify(
        event="ticket.sla_report",
        key=f"sla_report:{month:%Y-%m}",
        recipients=manager_recipients(),
        context={
            "month": f"{month:%Y-%m}",
            "total": report.total,
            "rate": report.total.on_time_rate,
            "by_tier": report.by_tier,
            "by_zone": report.by_zone,
            "by_technician": report.by_technician,
        },
    )
    return report
