from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from catalog import selectors, services
from catalog.errors import CatalogError, NotEnoughUnits
from catalog.models import Asset, CalendarEntry
from rental.core.errors import Conflict
from rental.core.models import AuditEvent
from tests.factories import AssetFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
HOLD = CalendarEntry.Kind.HOLD


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2027, 3, day, hour, tzinfo=SH)


@pytest.fixture
def model():
    m = EquipmentModelFactory()
    AssetFactory.create_batch(3, model=m)
    return m


def test_placing_takes_distinct_units_and_records_the_buffered_range(model):
    entries = services.calendar_place(
        model=model, quantity=2, starts_at=at(1), ends_at=at(3), kind=HOLD
    )

    assert len({e.asset_id for e in entries}) == 2
    assert entries[0].blocked == DateTimeTZRange(at(1, 7), at(3, 11), "[)")
    assert selectors.free_assets(model=model, starts_at=at(1), ends_at=at(3)).count() == 1
    assert AuditEvent.objects.filter(action="catalog.calendar.placed").count() == 1


def test_a_booking_within_the_turnaround_buffer_of_another_is_refused(model):
    services.calendar_place(model=model, quantity=3, starts_at=at(1), ends_at=at(3), kind=HOLD)

    # Ends at 09:00 + 2 h buffer, and the next needs 2 h before its start: 13:00 is the first fit.
    with pytest.raises(NotEnoughUnits):
        services.calendar_place(
            model=model, quantity=1, starts_at=at(3, 12), ends_at=at(4), kind=HOLD
        )
    placed = services.calendar_place(
        model=model, quantity=3, starts_at=at(3, 13), ends_at=at(4), kind=HOLD
    )
    assert len(placed) == 3


def test_not_enough_units_says_how_many_are_free_and_when_more_free_up(model):
    services.calendar_place(model=model, quantity=2, starts_at=at(1), ends_at=at(5), kind=HOLD)

    with pytest.raises(NotEnoughUnits) as caught:
        services.calendar_place(model=model, quantity=3, starts_at=at(2), ends_at=at(4), kind=HOLD)

    assert caught.value.free == 1
    assert caught.value.next_free_at == at(5, 13)
    assert "2027-03-05 13:00" in str(caught.value)
    assert CalendarEntry.objects.filter(is_active=True).count() == 2  # nothing more was held


def test_in_repair_and_retired_units_are_never_offered(model):
    first, second, _ = model.assets.all()
    services.asset_set_service_status(asset=first, status=Asset.ServiceStatus.IN_REPAIR)
    services.asset_set_service_status(asset=second, status=Asset.ServiceStatus.RETIRED)

    assert selectors.free_counts(starts_at=at(1), ends_at=at(2)) == {model.pk: 1}
    with pytest.raises(NotEnoughUnits):
        services.calendar_place(model=model, quantity=2, starts_at=at(1), ends_at=at(2), kind=HOLD)


def test_a_retired_unit_cannot_return_to_service(model):
    unit = model.assets.first()
    services.asset_set_service_status(asset=unit, status=Asset.ServiceStatus.RETIRED)

    with pytest.raises(CatalogError):
        services.asset_set_service_status(asset=unit, status=Asset.ServiceStatus.IN_SERVICE)


def test_releasing_frees_the_unit_at_once(model):
    entries = services.calendar_place(
        model=model, quantity=3, starts_at=at(1), ends_at=at(2), kind=HOLD
    )

    assert services.calendar_release(entries=entries[:1], reason="declined") == 1
    assert services.calendar_release(entries=entries[:1], reason="again") == 0

    assert selectors.free_counts(starts_at=at(1), ends_at=at(2)) == {model.pk: 1}


def test_free_counts_cover_all_models_in_one_query(django_assert_num_queries):
    models = EquipmentModelFactory.create_batch(4)
    for m in models:
        AssetFactory.create_batch(2, model=m)
    services.calendar_place(model=models[0], quantity=2, starts_at=at(1), ends_at=at(2), kind=HOLD)
    from rental.core import policy

    buffer = policy.current().turnaround_buffer
    with django_assert_num_queries(1):
        counts = selectors.free_counts(starts_at=at(1), ends_at=at(2), buffer=buffer)

    assert counts == {m.pk: 2 for m in models[1:]}


def test_extension_works_while_the_unit_is_free_and_is_refused_when_it_is_not(model):
    unit = model.assets.first()
    (entry,) = services.calendar_place_assets(
        assets=[unit], starts_at=at(1), ends_at=at(3), kind=CalendarEntry.Kind.RENTAL
    )
    services.calendar_place_assets(assets=[unit], starts_at=at(10), ends_at=at(12), kind=HOLD)

    extended = services.calendar_set_end(entry=entry, ends_at=at(6))
    assert extended.ends_at == at(6)

    with pytest.raises(Conflict):
        services.calendar_set_end(entry=entry, ends_at=at(10))
    entry.refresh_from_db()
    assert entry.ends_at == at(6)


def test_the_database_refuses_overlapping_entries_whoever_writes_them(model):
    unit = model.assets.first()
    window = DateTimeTZRange(at(1), at(2), "[)")
    CalendarEntry.objects.create(
        asset=unit, kind=HOLD, starts_at=at(1), ends_at=at(2), blocked=window
    )

    with pytest.raises(IntegrityError, match="catalog_calendar_no_overlap"), transaction.atomic():
        CalendarEntry.objects.create(
            asset=unit,
            kind=HOLD,
            starts_at=at(1, 12),
            ends_at=at(3),
            blocked=DateTimeTZRange(at(1, 12), at(3), "[)"),
        )


def test_timeline_lists_each_unit_with_its_entries(model):
    services.calendar_place(model=model, quantity=1, starts_at=at(1), ends_at=at(2), kind=HOLD)

    timeline = selectors.model_timeline(model=model, since=at(1, 0), until=at(8, 0))

    assert [len(entries) for _, entries in timeline] == [1, 0, 0]


@pytest.mark.parametrize(
    ("starts", "ends", "quantity"),
    [(at(2), at(1), 1), (at(1), at(1), 1), (at(1), at(2), 0)],
)
def test_bad_periods_and_quantities_are_refused_and_nothing_is_held(model, starts, ends, quantity):
    with pytest.raises(CatalogError):
        services.calendar_place(
            model=model, quantity=quantity, starts_at=starts, ends_at=ends, kind=HOLD
        )

    assert not CalendarEntry.objects.exists()


def test_next_free_is_none_when_the_model_has_too_few_units(model):
    assert selectors.next_free_at(model=model, starts_at=at(1), ends_at=at(2), quantity=4) is None
    assert selectors.next_free_at(
        model=model, starts_at=at(1), ends_at=at(2), quantity=3, buffer=timedelta(hours=2)
    ) == at(1)


def test_placing_for_several_models_locks_and_inserts_in_one_statement(
    model, django_assert_num_queries
):
    from rental.core import audit

    other = EquipmentModelFactory()
    AssetFactory.create_batch(2, model=other)
    busy = services.calendar_place(
        model=model, quantity=1, starts_at=at(2), ends_at=at(4), kind=HOLD
    )

    with django_assert_num_queries(2), audit.batch():  # the holds, then the audit events
        placed = services.calendar_place_many(
            wanted=[(model, 2), (other, 2)],
            starts_at=at(1),
            ends_at=at(3),
            kind=HOLD,
            buffer=timedelta(hours=2),
            note="R1",
        )

    assert {pk: len(entries) for pk, entries in placed.items()} == {model.pk: 2, other.pk: 2}
    assert busy[0].asset_id not in {e.asset_id for e in placed[model.pk]}
    saved = CalendarEntry.objects.filter(note="R1")
    assert sorted(saved.values_list("pk", flat=True)) == sorted(
        e.pk for entries in placed.values() for e in entries
    )
    assert {e.blocked for e in saved} == {DateTimeTZRange(at(1, 7), at(3, 11), "[)")}
    assert selectors.free_assets(model=other, starts_at=at(1), ends_at=at(3)).count() == 0
    assert AuditEvent.objects.filter(action="catalog.calendar.placed").count() == 3


def test_placing_for_several_models_places_nothing_when_one_is_short(model):
    other = EquipmentModelFactory()
    AssetFactory.create_batch(1, model=other)

    with pytest.raises(NotEnoughUnits) as refused, transaction.atomic():
        services.calendar_place_many(
            wanted=[(model, 2), (other, 2)],
            starts_at=at(1),
            ends_at=at(3),
            kind=HOLD,
            buffer=timedelta(hours=2),
        )

    assert (refused.value.wanted, refused.value.free) == (2, 1)
    assert str(other) in str(refused.value)
    assert not CalendarEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="catalog.calendar.placed").exists()


def _next_free_by_hand(units, entries, starts_at, duration, quantity, buffer):
    """The rule as DOMAIN.md reads, unit by unit in Python: the earliest of `starts_at` and the
    ends of bookings (plus the buffer) at which `quantity` units have no entry overlapping."""
    if len(units) < quantity:
        return None
    candidates = sorted(
        {starts_at} | {end + buffer for _a, _s, end in entries if end + buffer > starts_at}
    )
    for candidate in candidates:
        low, high = candidate - buffer, candidate + duration + buffer
        free = [u for u in units if not any(a == u and s < high and e > low for a, s, e in entries)]
        if len(free) >= quantity:
            return candidate
    return None


@pytest.mark.parametrize("seed", range(12))
def test_next_free_time_is_the_earliest_start_the_rule_finds_by_hand(seed):
    """One statement answers what a refused customer reads ("free again from …"); random
    calendars of 4 units, checked against the rule worked out unit by unit."""
    import random

    rng = random.Random(seed)
    model = EquipmentModelFactory()
    units = [a.pk for a in AssetFactory.create_batch(4, model=model)]
    buffer = timedelta(hours=rng.choice((0, 2, 3)))
    entries = []
    for unit in units:
        cursor = at(1, 0) + timedelta(hours=rng.randrange(0, 30))
        for _ in range(rng.randrange(0, 5)):
            length = timedelta(hours=rng.randrange(1, 60))
            CalendarEntry.objects.create(
                asset_id=unit,
                kind=HOLD,
                starts_at=cursor,
                ends_at=cursor + length,
                blocked=DateTimeTZRange(cursor - buffer, cursor + length + buffer, "[)"),
            )
            entries.append((unit, cursor - buffer, cursor + length + buffer))
            cursor += length + 2 * buffer + timedelta(hours=rng.randrange(0, 40))
    for _ in range(8):
        starts_at = at(1, 0) + timedelta(hours=rng.randrange(0, 200))
        duration = timedelta(hours=rng.randrange(1, 72))
        quantity = rng.randrange(1, 6)

        found = selectors.next_free_at(
            model=model,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            quantity=quantity,
            buffer=buffer,
        )

        assert found == _next_free_by_hand(units, entries, starts_at, duration, quantity, buffer)
