"""Writes to the asset calendar and to assets. Every write goes through here.

Placing entries locks the chosen asset rows (FOR UPDATE SKIP LOCKED), so concurrent placements
pick different units; the exclusion constraint `catalog_calendar_no_overlap` is the last word, and
a violation of it becomes a clear NotEnoughUnits/Conflict error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit, policy
from rental.core.errors import Conflict
from rental.core.timeutil import local, require_aware

from . import selectors
from .errors import CatalogError, NotEnoughUnits
from .models import Asset, CalendarEntry, EquipmentModel, RepairPeriod

EXCLUSION = "catalog_calendar_no_overlap"


def _check_period(starts_at: datetime, ends_at: datetime) -> None:
    try:
        require_aware(starts_at)
        require_aware(ends_at)
    except ValueError as exc:
        raise CatalogError(_("Times must include a time zone.")) from exc
    if ends_at <= starts_at:
        raise CatalogError(_("The end must be after the start."), code="end_before_start")


def _is_overlap(exc: IntegrityError) -> bool:
    return EXCLUSION in str(exc)


def calendar_place(
    *,
    model: EquipmentModel,
    quantity: int,
    starts_at: datetime,
    ends_at: datetime,
    kind: CalendarEntry.Kind,
    by=None,
    note: str = "",
) -> list[CalendarEntry]:
    """Take `quantity` free units of `model` for the period, all or none."""
    _check_period(starts_at, ends_at)
    if quantity < 1:
        raise CatalogError(_("The quantity must be at least 1."), code="quantity")
    buffer = policy.current().turnaround_buffer
    with transaction.atomic():
        assets = list(
            selectors.free_assets(
                model=model, starts_at=starts_at, ends_at=ends_at, buffer=buffer
            ).select_for_update(skip_locked=True, of=("self",))[:quantity]
        )
        if len(assets) < quantity:
            raise _not_enough(model, quantity, starts_at, ends_at, buffer, free=len(assets))
        try:
            entries = _insert(assets, starts_at, ends_at, kind, buffer, note)
        except IntegrityError as exc:
            if not _is_overlap(exc):
                raise
            raise _not_enough(model, quantity, starts_at, ends_at, buffer) from exc
        audit.record(
            by,
            "catalog.calendar.placed",
            model,
            kind=kind,
            quantity=quantity,
            entries=[e.pk for e in entries],
            starts_at=starts_at,
            ends_at=ends_at,
        )
    return entries


# Holds for several models in one statement: per model (a LATERAL subquery, the same rule as
# selectors.free_assets) the first `quantity` in-service units with no active entry overlapping the
# window, locked, skipping units another booking holds locked; then, only if every model got all
# it asked for, an entry for each. It returns the units found and, when inserted, their entries.
_PLACE_MANY = """
    WITH wanted AS (
        SELECT * FROM unnest(%(models)s::bigint[], %(quantities)s::int[]) AS w(model_id, quantity)
    ), free AS (
        SELECT w.model_id, u.id AS asset_id
        FROM wanted w
        CROSS JOIN LATERAL (
            SELECT a.id FROM {asset} a
            WHERE a.model_id = w.model_id AND a.service_status = %(in_service)s
              AND NOT EXISTS (
                  SELECT 1 FROM {entry} e
                  WHERE e.asset_id = a.id AND e.is_active AND e.blocked && %(window)s
              )
            ORDER BY a.id
            LIMIT w.quantity
            FOR UPDATE OF a SKIP LOCKED
        ) u
    ), enough AS (
        SELECT bool_and(coalesce(f.got, 0) >= w.quantity) AS ok
        FROM wanted w
        LEFT JOIN (SELECT model_id, count(*) AS got FROM free GROUP BY model_id) f USING (model_id)
    ), placed AS (
        INSERT INTO {entry} (asset_id, kind, starts_at, ends_at, blocked, is_active, note,
                             created_at)
        SELECT asset_id, %(kind)s, %(starts_at)s, %(ends_at)s, %(window)s, true, %(note)s, %(now)s
        FROM free
        WHERE (SELECT ok FROM enough)
        ORDER BY model_id, asset_id
        RETURNING id, asset_id
    )
    SELECT f.model_id, f.asset_id, p.id FROM free f LEFT JOIN placed p USING (asset_id)
    ORDER BY f.model_id, f.asset_id
"""


def calendar_place_many(
    *,
    wanted: list[tuple[EquipmentModel, int]],
    starts_at: datetime,
    ends_at: datetime,
    kind: CalendarEntry.Kind,
    buffer,
    by=None,
    note: str = "",
) -> dict[int, list[CalendarEntry]]:
    """`calendar_place` for several models at once (a reservation's lines), all or none: the
    free units of every model locked and their entries inserted by one statement, and an audit
    event per model (written with the caller's others when it runs in `audit.batch()`). A model
    short of units raises NotEnoughUnits and nothing is written.

    Runs in the caller's transaction without a savepoint of its own: if the exclusion constraint
    refuses an insert (a unit booked by a writer that did not lock it), the error is raised and
    the caller's transaction must roll back. Returns the entries by model id."""
    _check_period(starts_at, ends_at)
    if any(quantity < 1 for _model, quantity in wanted):
        raise CatalogError(_("The quantity must be at least 1."), code="quantity")
    window = selectors.blocked_range(starts_at, ends_at, buffer)
    now = timezone.now()
    sql = _PLACE_MANY.format(
        asset=connection.ops.quote_name(Asset._meta.db_table),
        entry=connection.ops.quote_name(CalendarEntry._meta.db_table),
    )
    params = {
        "models": [model.pk for model, _q in wanted],
        "quantities": [quantity for _m, quantity in wanted],
        "in_service": Asset.ServiceStatus.IN_SERVICE,
        "window": window,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "note": note,
        "now": now,
    }
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        try:
            cursor.execute(sql, params)
        except IntegrityError as exc:
            if not _is_overlap(exc):
                raise
            # The transaction is aborted: no query can say how many are free now.
            model, quantity = wanted[0]
            raise NotEnoughUnits(model=model, wanted=quantity, free=0, next_free_at=None) from exc
        placed: dict[int, list[CalendarEntry]] = {model.pk: [] for model, _q in wanted}
        found: dict[int, int] = dict.fromkeys(placed, 0)
        for model_id, asset_id, entry_id in cursor.fetchall():
            found[model_id] += 1
            if entry_id is not None:
                placed[model_id].append(
                    CalendarEntry(
                        pk=entry_id,
                        asset_id=asset_id,
                        kind=kind,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        blocked=window,
                        is_active=True,
                        note=note,
                        created_at=now,
                    )
                )
        for model, quantity in wanted:
            if found[model.pk] < quantity:  # then nothing was inserted
                raise _not_enough(model, quantity, starts_at, ends_at, buffer, free=found[model.pk])
        for model, quantity in wanted:
            audit.record(
                by,
                "catalog.calendar.placed",
                model,
                kind=kind,
                quantity=quantity,
                entries=[e.pk for e in placed[model.pk]],
                starts_at=starts_at,
                ends_at=ends_at,
            )
    return placed


def calendar_place_assets(
    *,
    assets: Iterable[Asset],
    starts_at: datetime,
    ends_at: datetime,
    kind: CalendarEntry.Kind,
    by=None,
    note: str = "",
) -> list[CalendarEntry]:
    """Take these particular units for the period (a maintenance block, a swap), all or none."""
    _check_period(starts_at, ends_at)
    buffer = policy.current().turnaround_buffer
    with transaction.atomic():
        locked = list(
            Asset.objects.select_for_update().filter(pk__in=[a.pk for a in assets]).order_by("pk")
        )
        try:
            entries = _insert(locked, starts_at, ends_at, kind, buffer, note)
        except IntegrityError as exc:
            if not _is_overlap(exc):
                raise
            raise Conflict(
                _("At least one of these units is already booked in that period."),
                code="unit_taken",
            ) from exc
        for entry in entries:
            audit.record(by, "catalog.calendar.placed", entry.asset, kind=kind, entry=entry.pk)
    return entries


def _insert(assets, starts_at, ends_at, kind, buffer, note) -> list[CalendarEntry]:
    window = selectors.blocked_range(starts_at, ends_at, buffer)
    with transaction.atomic():  # a savepoint, so a refused insert leaves the caller usable
        return CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(
                    asset=asset,
                    kind=kind,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    blocked=window,
                    note=note,
                )
                for asset in assets
            ]
        )


def _not_enough(model, quantity, starts_at, ends_at, buffer, *, free=None) -> NotEnoughUnits:
    """The refusal, with how many units are free (`free`: what the refused statement itself
    could lock, if it says) and when `quantity` are."""
    if free is None:
        # Units another transaction is booking right now (locked) do not count as free.
        free = len(
            selectors.free_assets(model=model, starts_at=starts_at, ends_at=ends_at, buffer=buffer)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
        )
    # The refusal proves fewer than `quantity` could be taken. A count of more reads an older
    # snapshot than the lock it then gets: a unit booked by a transaction that committed during
    # the count looks free in the snapshot and is no longer locked (PostgreSQL re-checks a locked
    # row only when it was updated, and the booking updated the calendar, not the unit).
    free = min(free, quantity - 1)
    next_free = selectors.next_free_at(
        model=model, starts_at=starts_at, ends_at=ends_at, quantity=quantity, buffer=buffer
    )
    if next_free is not None and next_free <= starts_at:
        next_free = None  # only looks free because a competing booking has not committed yet
    return NotEnoughUnits(model=model, wanted=quantity, free=free, next_free_at=next_free)


def calendar_release(*, entries: Iterable[CalendarEntry], by=None, reason: str = "") -> int:
    """Free the units of these entries at once. Entries already released are left alone."""
    ids = [e.pk for e in entries]
    with transaction.atomic():
        released = CalendarEntry.objects.filter(pk__in=ids, is_active=True).update(
            is_active=False, released_at=timezone.now()
        )
        if released:
            audit.record_many(by, "catalog.calendar.released", CalendarEntry, ids, reason=reason)
    return released


def calendar_change_kind(
    *, entries: Iterable[CalendarEntry], kind: CalendarEntry.Kind, by=None
) -> int:
    """Turn holds into a rental (or back) without ever freeing the units in between."""
    ids = [e.pk for e in entries]
    with transaction.atomic():
        changed = CalendarEntry.objects.filter(pk__in=ids, is_active=True).update(kind=kind)
        audit.record_many(by, "catalog.calendar.kind_changed", CalendarEntry, ids, kind=kind)
    return changed


def calendar_set_end(*, entry: CalendarEntry, ends_at: datetime, by=None) -> CalendarEntry:
    """Move the end of an active entry: an extension (if the unit is free) or an early return."""
    _check_period(entry.starts_at, ends_at)
    return _calendar_move(
        entry,
        "ends_at",
        ends_at,
        by=by,
        taken=_("Unit %(tag)s is booked by someone else before %(when)s."),
    )


def calendar_set_start(*, entry: CalendarEntry, starts_at: datetime, by=None) -> CalendarEntry:
    """Move the start of an active entry earlier (a unit handed over before the rental's start)
    if the unit is free then; the database refuses an overlap and so does this, clearly."""
    _check_period(starts_at, entry.ends_at)
    return _calendar_move(
        entry,
        "starts_at",
        starts_at,
        by=by,
        taken=_("Unit %(tag)s is booked by someone else until after %(when)s."),
    )


def _calendar_move(entry: CalendarEntry, field: str, when: datetime, *, by, taken) -> CalendarEntry:
    """Set one end of an active entry and its blocked range; an overlap the exclusion constraint
    refuses becomes a clear Conflict naming the unit."""
    buffer = policy.current().turnaround_buffer
    with transaction.atomic():
        entry = CalendarEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_active:
            raise CatalogError(_("This booking has already been released."), code="released")
        old = getattr(entry, field)
        setattr(entry, field, when)
        entry.blocked = selectors.blocked_range(entry.starts_at, entry.ends_at, buffer)
        try:
            with transaction.atomic():
                entry.save(update_fields=[field, "blocked"])
        except IntegrityError as exc:
            if not _is_overlap(exc):
                raise
            raise Conflict(
                taken % {"tag": entry.asset.asset_tag, "when": f"{local(when):%Y-%m-%d %H:%M}"},
                code="unit_taken",
            ) from exc
        action = "end_moved" if field == "ends_at" else "start_moved"
        audit.record(by, f"catalog.calendar.{action}", entry, old=old, new=when)
    return entry


def asset_set_service_status(
    *, asset: Asset, status: Asset.ServiceStatus, by=None, note: str = ""
) -> Asset:
    """Put a unit in repair, back in service, or retire it. A retired unit never comes back."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.service_status == status:
            return asset
        if asset.service_status == Asset.ServiceStatus.RETIRED:
            raise CatalogError(_("A retired unit cannot be put back into service."))
        old = asset.service_status
        asset.service_status = status
        fields = ["service_status"]
        if note:
            stamp = f"{local(timezone.now()):%Y-%m-%d %H:%M}"
            asset.condition_notes = f"{asset.condition_notes}\n[{stamp}] {note}".strip()
            fields.append("condition_notes")
        asset.save(update_fields=fields)
        now = timezone.now()
        if old == Asset.ServiceStatus.IN_REPAIR:
            RepairPeriod.objects.filter(asset=asset, ended_at__isnull=True).update(ended_at=now)
        if status == Asset.ServiceStatus.IN_REPAIR:
            RepairPeriod.objects.create(asset=asset, started_at=now)
        audit.record(by, "catalog.asset.status_changed", asset, old=old, new=status, note=note)
    return asset
