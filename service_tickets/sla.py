"""Response deadlines: by when a technician must be on site after a call for service.

DOMAIN.md ("Response deadline (SLA) rules"): the clock starts when the call is recorded and runs
on the Asia/Shanghai wall clock with no business-hours pause or holiday calendar. The targets
come from `ServiceTerms` (published or a contract's snapshot): an ordinary target in hours per
tier and zone, and optionally a long-rental target from some rental length on, with a cutoff
time of day after which the call is due at that time the next calendar day (rapid: 12 h from
7 days, cutoff 12:00). A tier/zone with no target has no automatic deadline: `None`, and staff
set one by hand on the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from rental.core.errors import ApplicationError
from rental.core.timeutil import SHANGHAI, require_aware

from .terms import TIER_LABELS, TIERS, ZONE_LABELS, ZONES, ServiceTerms

_DAY = timedelta(days=1)


class SlaError(ApplicationError):
    """A response deadline cannot be computed from these inputs."""


def rental_days(*, start: datetime, end: datetime) -> int:
    """Rental length in days: the number of started 24-hour periods, at least 1.

    5 hours → 1; exactly 6 × 24 h → 6; 6 days 1 hour → 7. Elapsed time is measured in real
    time (both ends in UTC), so two zones' clocks can be mixed. Raises SlaError for a naive
    datetime or an end before the start.
    """
    require_aware(start, error=SlaError)
    require_aware(end, error=SlaError)
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    if elapsed < timedelta(0):
        raise SlaError(
            gettext("The end of a rental must not be before its start."), code="invalid_period"
        )
    return max(1, -(-elapsed // _DAY))


@dataclass(frozen=True)
class _Target:
    deadline: datetime | None
    called: datetime  # Shanghai wall clock, whole seconds
    hours: int | None = None
    cutoff: time | None = None  # set when the cutoff rule gave the deadline


def response_deadline(
    *,
    tier: str,
    zone: str,
    reported_at: datetime,
    rental_days: int,
    terms: ServiceTerms,
) -> datetime | None:
    """When a technician must be on site, in Asia/Shanghai to the second; None: no automatic one.

    `reported_at` is when the call was recorded (any time zone; its fraction of a second is
    dropped); `rental_days` is the contract's length from `rental_days()`. With the published
    terms: rapid, 1–6 days → +4 h; rapid, 7 days or more → +12 h for a call before 12:00, or
    12:00 the next day for a call at or after 12:00:00; value-added in the base zone → +24 h;
    basic, contractual and every tier outside the base zone → None. Raises SlaError for an
    unknown tier or zone, a naive `reported_at` or `rental_days` below 1.
    """
    return _target(tier, zone, reported_at, rental_days, terms).deadline


def explain_response_deadline(
    *,
    tier: str,
    zone: str,
    reported_at: datetime,
    rental_days: int,
    terms: ServiceTerms,
    period_text: str = "",
) -> str:
    """One sentence, in the active language, saying which rule gave the deadline (or none).

    `period_text` is the rental's length in words (service_tickets.periods); without it the
    sentence names the counted days."""
    target = _target(tier, zone, reported_at, rental_days, terms)
    params = {
        "tier": gettext(TIER_LABELS[tier]),
        "zone": gettext(ZONE_LABELS[zone]),
    }
    if target.deadline is None:
        if tier == "contractual":
            return (
                gettext(
                    "%(tier)s, %(zone)s: the contract gives no response time, so there is no "
                    "automatic deadline; staff set one by hand."
                )
                % params
            )
        return gettext("%(tier)s, %(zone)s: no automatic deadline; staff set one by hand.") % params
    params["days"] = period_text or ngettext("%(count)d day", "%(count)d days", rental_days) % {
        "count": rental_days
    }
    params["called"] = _clock(target.called)
    params["deadline"] = _when(target.deadline, target.called)
    if target.cutoff is not None:
        params["cutoff"] = _clock(target.cutoff)
        return (
            gettext(
                "%(tier)s, %(zone)s, rental of %(days)s, called at %(called)s; calls from "
                "%(cutoff)s on are due at %(cutoff)s the next day → a technician on site by "
                "%(deadline)s."
            )
            % params
        )
    params["hours"] = ngettext("%(count)d hour", "%(count)d hours", target.hours) % {
        "count": target.hours
    }
    return (
        gettext(
            "%(tier)s, %(zone)s, rental of %(days)s, called at %(called)s → a technician on "
            "site within %(hours)s, by %(deadline)s."
        )
        % params
    )


def _target(tier: str, zone: str, reported_at: datetime, days: int, terms: ServiceTerms) -> _Target:
    if tier not in TIERS:
        raise SlaError(
            gettext("Unknown service tier: %(tier)s.") % {"tier": tier},
            code="unknown_tier",
            extra={"tier": tier},
        )
    if zone not in ZONES:
        raise SlaError(
            gettext("Unknown service zone: %(zone)s.") % {"zone": zone},
            code="unknown_zone",
            extra={"zone": zone},
        )
    require_aware(reported_at, error=SlaError)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise SlaError(gettext("A rental lasts at least one day."), code="invalid_rental_days")
    rules = terms.tier(tier)
    called = reported_at.astimezone(SHANGHAI).replace(microsecond=0)

    long_hours = rules.long_rental_response_hours[zone]
    if rules.long_rental_days is not None and days >= rules.long_rental_days and long_hours:
        cutoff = rules.long_rental_cutoff
        if cutoff is not None and called.time() >= cutoff:
            deadline = datetime.combine(called.date() + _DAY, cutoff, tzinfo=SHANGHAI)
            return _Target(deadline=deadline, called=called, cutoff=cutoff)
        return _Target(deadline=_add_hours(called, long_hours), called=called, hours=long_hours)

    hours = rules.response_hours[zone]
    if hours is None:
        return _Target(deadline=None, called=called)
    return _Target(deadline=_add_hours(called, hours), called=called, hours=hours)


def _add_hours(called: datetime, hours: int) -> datetime:
    # Wall-clock arithmetic on the Shanghai clock (which has kept UTC+8 since 1991).
    return called + timedelta(hours=hours)


def _clock(value: datetime | time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _when(deadline: datetime, called: datetime) -> str:
    """The deadline relative to the call's day, so it still reads right days later."""
    clock = _clock(deadline)
    days_later = (deadline.date() - called.date()).days
    if days_later == 0:
        return gettext("%(time)s the same day") % {"time": clock}
    if days_later == 1:
        return gettext("%(time)s the next day") % {"time": clock}
    return gettext("%(date)s %(time)s") % {"date": deadline.date().isoformat(), "time": clock}


# --- at risk, and deadlines that do not come from the terms ----------------------------------

#: A scheduled delivery or pickup is watched over the last hours before its time only: the
#: at-risk share applies to this window, not to the days between booking and the trip.
TRIP_WATCH_HOURS = 4


def at_risk_from(
    *, reported_at: datetime, deadline: datetime, fraction: Decimal, trip: bool = False
) -> datetime:
    """When a ticket becomes "at risk": once `fraction` (policy: 0.75) of its time is used.

    The time runs from the call to the deadline; for a scheduled trip, from the later of the call
    and `TRIP_WATCH_HOURS` before the trip. A deadline at or before the start is at risk at once.
    Returned in Asia/Shanghai, whole seconds.
    """
    require_aware(reported_at, error=SlaError)
    require_aware(deadline, error=SlaError)
    if not Decimal(0) <= fraction <= Decimal(1):
        raise SlaError(gettext("The at-risk share must be between 0 and 1."), code="fraction")
    start = reported_at.replace(microsecond=0)
    if trip:
        start = max(start, deadline - timedelta(hours=TRIP_WATCH_HOURS))
    window = deadline - start
    if window <= timedelta(0):
        return deadline.astimezone(SHANGHAI).replace(microsecond=0)
    seconds = int(Decimal(int(window.total_seconds())) * fraction)
    return (start + timedelta(seconds=seconds)).astimezone(SHANGHAI).replace(microsecond=0)


def explain_manual_deadline(*, deadline: datetime, reported_at: datetime, by: str) -> str:
    """For a deadline staff set by hand, e.g. "No automatic deadline; set by 王芳: on site by
    10:00 the next day." """
    called = reported_at.astimezone(SHANGHAI)
    return gettext(
        "No automatic deadline for this ticket; set by hand by %(by)s: a technician on site by "
        "%(deadline)s."
    ) % {"by": by, "deadline": _when(deadline.astimezone(SHANGHAI), called)}


def explain_trip_deadline(*, kind: str, scheduled_for: datetime) -> str:
    """For a scheduled delivery or pickup: its time is its deadline."""
    when = scheduled_for.astimezone(SHANGHAI)
    params = {"date": when.date().isoformat(), "time": _clock(when)}
    if kind == "pickup":
        return gettext("Pickup scheduled for %(date)s %(time)s: on site by then.") % params
    return gettext("Delivery scheduled for %(date)s %(time)s: on site by then.") % params


def minutes_past(*, deadline: datetime, at: datetime) -> int:
    """Whole minutes by which `at` is past the deadline: any lateness counts as at least one
    minute (so late always reads > 0), and time to spare is floored (so 30 s early reads 0, met).
    Negative means that many full minutes before the deadline."""
    require_aware(deadline, error=SlaError)
    require_aware(at, error=SlaError)
    seconds = (at - deadline).total_seconds()
    if seconds > 0:
        return -int(-seconds // 60)  # the ceiling
    return -int(-seconds // 60 if seconds else 0)
