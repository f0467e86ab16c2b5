"""Reads: the terms in force, a ticket's fee range, the lists each role sees, a unit's history."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext

from contracts.models import Contract
from rental.core import policy, rows
from rental.core.models import Policy
from rental.core.money import ZERO, cny

from . import fees
from .models import TermsVersion, Ticket
from .terms import ServiceTerms, TermsError


def terms_in_force(*, at=None) -> ServiceTerms:
    """The published service terms in force now (or `at`): the latest version already effective.

    This is the one answer to "which terms apply" for quotes and drafts; a signed contract's
    terms are its snapshot (`contract_terms`). Version 1 (DOMAIN.md) is written by a migration,
    so a database without any is broken, and says so rather than pricing from constants.
    """
    return _parsed_terms(_in_force(at or timezone.now()).first())


def policy_and_terms_in_force(*, at=None) -> tuple[Policy, ServiceTerms]:
    """The house policy and the terms in force at `at`, in one query (a reservation needs both).

    Each request reads which version is in force, so a version staff publish is seen by the next
    request of every process; only the parsing of its data is reused (`_parsed_terms`)."""
    at = at or timezone.now()
    # Written out: every reservation and quote runs it, and the ORM would build it anew each time.
    found = rows.read(
        Policy,
        _POLICY_AND_TERMS,
        [at, policy.POLICY_PK],
        alias="p",
        policy=Policy,
        terms=TermsVersion,
    )
    if not found:  # the very first request of a new database creates the policy row
        return policy.current(), terms_in_force(at=at)
    house, (terms_data,) = found[0]
    return house, _parsed_terms(terms_data)


_POLICY_AND_TERMS = """
    SELECT {columns},
           (SELECT t.data::text FROM {terms} t WHERE t.effective_from <= %s
            ORDER BY t.version DESC LIMIT 1) AS terms_data
    FROM {policy} p WHERE p.id = %s
"""


def _in_force(at):
    """The data, as text, of the version in force at `at`: the latest already effective."""
    return (
        TermsVersion.objects.filter(effective_from__lte=at)
        .order_by("-version")
        .values_list(Cast("data", TextField()), flat=True)
    )


def _parsed_terms(data: str | None) -> ServiceTerms:
    if data is None:
        raise TermsError(
            gettext("No service terms are in force; publish a version in the console."),
            code="no_terms",
        )
    return _terms_of(data)


@functools.lru_cache(maxsize=16)
def _terms_of(data: str) -> ServiceTerms:
    """Parsed once per process for each distinct text: keyed by the version's whole data, not
    its id, so no change of rows (a test database rebuilt with the same ids) can serve stale
    terms. `ServiceTerms` is immutable, so every caller may share one."""
    return ServiceTerms.from_dict(json.loads(data))


def contract_terms(contract: Contract) -> ServiceTerms:
    """The terms a contract follows: once signed, the snapshot it was signed under; before,
    the terms in force now — either way with the contract's own terms on top
    (如果租赁协议上对服务内容另有约定,以协议为准)."""
    if contract.terms_snapshot:
        base = ServiceTerms.from_dict(contract.terms_snapshot)
    else:
        base = terms_in_force()
    return base.with_overrides(contract.terms_overrides) if contract.terms_overrides else base


def ticket_terms(ticket: Ticket) -> ServiceTerms:
    """The terms a ticket follows: its contract's, else the published version it was opened
    under."""
    if ticket.contract_id:
        return contract_terms(ticket.contract)
    if ticket.terms_version:
        row = TermsVersion.objects.filter(version=ticket.terms_version).first()
        if row is not None:
            return row.terms()
    return terms_in_force(at=ticket.reported_at)


def in_every_language(render: Callable[[], str]) -> dict[str, str]:
    """{language code: text} for each site language, so each reader sees their own."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(render())
    return texts


# --- fees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeQuote:
    """The range a ticket's fee must lie in, and why; `list_price` for included work."""

    low: Decimal
    high: Decimal
    explanation: dict[str, str]
    list_price: tuple[Decimal, Decimal] | None = None
    transport: Decimal = ZERO
    surcharge_applies: bool = False
    overtime_rate: Decimal = Decimal("0")
    overtime_blocks: int = 0

    @property
    def text(self) -> str:
        """The explanation in the current language."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.explanation.get(language) or self.explanation.get(settings.LANGUAGE_CODE, "")


def fee_quote(
    ticket: Ticket, *, units: int | None = None, work_kind: str | None = None
) -> FeeQuote:
    """What the technician may charge when closing `ticket` (DOMAIN.md "Fees").

    Trips cost `delivery_fee`; repairs cost `repair_fee_range` for the work done on the units
    worked on (at least one); a visit without repair work costs transport only; repair at our
    tech department is free (the contract's chargeable items are entered by staff).
    """
    terms = ticket_terms(ticket)
    tier, zone, km = ticket.tier, ticket.zone, ticket.distance_km
    if ticket.is_trip:
        # The contract's trip fee, priced once at signing: the same amount the handover posts.
        contract = ticket.contract
        amount = contract.trip_fee(ticket.kind)
        zone, km = contract.zone or zone, contract.distance_km if contract.zone else km
        return FeeQuote(
            low=amount,
            high=amount,
            explanation=in_every_language(
                lambda: fees.explain_delivery_fee(tier=tier, zone=zone, distance_km=km, terms=terms)
            ),
        )
    if ticket.is_workshop:
        return FeeQuote(
            low=cny(ZERO),
            high=cny(ZERO),
            explanation=in_every_language(
                lambda: gettext("Repair at our tech department is free of charge.")
            ),
        )
    if units is None:
        units = ticket.units_worked.count() if ticket.pk else 0
    units = max(1, units)
    work_kind = work_kind or ticket.work_kind or _default_work_kind(ticket.kind)
    transport = fees.repair_transport_fee(tier=tier, zone=zone, distance_km=km, terms=terms)
    blocks = _overtime_blocks(ticket, terms)
    common = {
        "transport": transport,
        "surcharge_applies": blocks > 0,
        "overtime_rate": terms.overtime_rate,
        "overtime_blocks": blocks,
    }
    if work_kind == Ticket.WorkKind.NONE:
        return FeeQuote(
            low=transport,
            high=transport,
            explanation=in_every_language(
                lambda: fees.explain_repair_transport_fee(
                    tier=tier, zone=zone, distance_km=km, terms=terms
                )
            ),
            **common,
        )
    low, high = fees.repair_fee_range(
        tier=tier, zone=zone, kind=work_kind, units=units, distance_km=km, terms=terms
    )
    included = zone in terms.tier(tier).repair_included(work_kind)
    list_price = (
        fees.repair_list_price_range(zone=zone, kind=work_kind, units=units, terms=terms)
        if included
        else None
    )
    return FeeQuote(
        low=low,
        high=high,
        explanation=in_every_language(
            lambda: fees.explain_repair_fee_range(
                tier=tier, zone=zone, kind=work_kind, units=units, distance_km=km, terms=terms
            )
        ),
        list_price=list_price,
        **common,
    )


def _default_work_kind(kind: str) -> str:
    if kind in (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE):
        return kind
    return Ticket.WorkKind.NONE


def _overtime_blocks(ticket: Ticket, terms: ServiceTerms) -> int:
    hours = ticket.hours_to_resolve
    return 0 if hours is None else fees.overtime_blocks(hours_to_resolve=hours, terms=terms)


# --- lists ------------------------------------------------------------------------------------


def _with_relations(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("customer", "contract", "asset__model__brand", "technician")


def technician_tickets(*, technician) -> QuerySet[Ticket]:
    """A technician's tickets still to work on, the most urgent first (no deadline last)."""
    return _with_relations(
        Ticket.objects.filter(technician=technician, status__in=Ticket.ACTIVE)
    ).order_by(F("deadline").asc(nulls_last=True), "reported_at")


def technician_recent(*, technician, limit: int = 10) -> QuerySet[Ticket]:
    return _with_relations(
        Ticket.objects.filter(technician=technician).exclude(status__in=Ticket.ACTIVE)
    ).order_by(F("closed_at").desc(nulls_last=True), "-cancelled_at", "-id")[:limit]


def customer_tickets(*, user) -> QuerySet[Ticket]:
    return _with_relations(Ticket.objects.filter(customer__user=user)).order_by(
        "-reported_at", "-id"
    )


def unit_history(*, asset, exclude: Ticket | None = None, limit: int = 10) -> QuerySet[Ticket]:
    """Earlier tickets about a unit, newest first: the unit it was opened for or worked on."""
    qs = Ticket.objects.filter(Q(asset=asset) | Q(units_worked=asset)).distinct()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("technician").order_by("-reported_at", "-id")[:limit]


@dataclass
class Board:
    unassigned: list[Ticket]
    needs_deadline: list[Ticket]
    at_risk: list[Ticket]
    breached: list[Ticket]
    by_technician: list[tuple[object, list[Ticket]]]
    workshop: list[Ticket]
    resolved: list[Ticket]


def dispatch_board(*, technicians) -> Board:
    """The staff dispatch board: every open ticket in the column that needs attention."""
    open_tickets = list(
        _with_relations(Ticket.objects.filter(status__in=Ticket.ACTIVE)).order_by(
            F("deadline").asc(nulls_last=True), "reported_at"
        )
    )
    on_site_open = [t for t in open_tickets if t.status in Ticket.OPEN]
    per_tech: dict[int, list[Ticket]] = {tech.pk: [] for tech in technicians}
    for ticket in open_tickets:
        if ticket.technician_id and ticket.technician_id in per_tech:
            per_tech[ticket.technician_id].append(ticket)
    return Board(
        unassigned=[t for t in on_site_open if t.status == Ticket.Status.NEW and t.deadline],
        needs_deadline=[t for t in on_site_open if t.needs_deadline()],
        at_risk=[t for t in on_site_open if t.at_risk_at and not t.breached_at],
        breached=[t for t in on_site_open if t.breached_at],
        by_technician=[(tech, per_tech[tech.pk]) for tech in technicians],
        workshop=[t for t in open_tickets if t.is_workshop],
        resolved=[t for t in open_tickets if t.status == Ticket.Status.RESOLVED],
    )
