"""The reports staff can open: their titles, which filters each takes, and the selector that
computes it. Who may open which is `rental.accounts.roles.REPORT_GROUPS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from catalog import reports as catalog_reports
from contracts import reports as contract_reports
from service_tickets import reports as ticket_reports


@dataclass(frozen=True)
class Report:
    key: str
    title: object
    summary: object
    filters: tuple[str, ...]
    compute: Callable[..., list]


REPORTS: dict[str, Report] = {
    r.key: r
    for r in (
        Report(
            "utilisation",
            _("Utilisation"),
            _("Rented hours ÷ available hours, by category, model and unit."),
            ("grain", "group", "category", "model", "depot"),
            catalog_reports.utilisation,
        ),
        Report(
            "per_unit",
            _("Per unit"),
            _("Times and hours rented, revenue, downtime, purchase cost, return on investment."),
            ("category", "model", "depot"),
            contract_reports.per_unit,
        ),
        Report(
            "revenue",
            _("Revenue"),
            _("Charged by kind, collected and outstanding, per month."),
            ("grain", "tier"),
            contract_reports.revenue,
        ),
        Report(
            "deposits",
            _("Deposits"),
            _("Held now, collected, refunded and deducted, per month."),
            ("grain", "tier"),
            contract_reports.deposits,
        ),
        Report(
            "returns",
            _("Returns"),
            _("Overdue now, and late returns per month."),
            ("grain", "category", "model", "depot"),
            contract_reports.returns,
        ),
        Report(
            "service",
            _("Service (SLA)"),
            _("Deadlines met and late by tier, zone and technician; times to arrive and resolve."),
            ("grain", "tier", "zone", "technician"),
            ticket_reports.service_report,
        ),
        Report(
            "customers",
            _("Customers"),
            _("Top customers by revenue, new customers, companies against individuals."),
            ("grain", "tier"),
            contract_reports.customers,
        ),
    )
}
