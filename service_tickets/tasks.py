"""Celery tasks of the service app: thin, take ids, idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="service_tickets.sla_sweep")
def sla_sweep() -> dict:
    """Beat, every minute: mark tickets at risk and late, notify once."""
    result = services.tickets_sweep_sla()
    return {"at_risk": result.at_risk, "breached": result.breached}


@shared_task(name="service_tickets.ticket_bill")
def ticket_bill(ticket_id: int) -> None:
    """After a ticket closes: its fee on the contract's statement, once."""
    services.ticket_bill(ticket_id=ticket_id)


@shared_task(name="service_tickets.bill_due")
def bill_due() -> int:
    """Beat, every 5 minutes: bill the closed tickets whose own billing task was lost."""
    return services.tickets_bill_due()


@shared_task(name="service_tickets.sla_report_monthly")
def sla_report_monthly() -> str:
    """Beat, on the 1st: last month's SLA report to the managers."""
    report = services.sla_report_send()
    return f"{report.month:%Y-%m}"
