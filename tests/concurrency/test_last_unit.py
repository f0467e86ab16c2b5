"""Many threads race for the last free unit on real PostgreSQL: exactly one wins."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from catalog import services
from catalog.errors import NotEnoughUnits
from catalog.models import CalendarEntry
from tests.factories import AssetFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db(transaction=True)
SH = ZoneInfo("Asia/Shanghai")
RACERS = 12


def test_only_one_of_many_concurrent_bookings_gets_the_last_unit():
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    barrier = threading.Barrier(RACERS)
    won, refused, crashed = [], [], []

    def race(n: int) -> None:
        try:
            barrier.wait()
            # Overlapping but different periods: day 1–3 shifted by n hours.
            start = datetime(2027, 5, 1, 9 + n, tzinfo=SH)
            end = datetime(2027, 5, 3, 9 + n, tzinfo=SH)
            services.calendar_place(
                model=model,
                quantity=1,
                starts_at=start,
                ends_at=end,
                kind=CalendarEntry.Kind.HOLD,
            )
            won.append(n)
        except NotEnoughUnits as exc:
            refused.append((exc.free, exc.next_free_at))
        except Exception as exc:  # noqa: BLE001 - reported below
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert crashed == []
    assert len(won) == 1
    assert [free for free, _ in refused] == [0] * (RACERS - 1)
    # Nobody is told the unit frees up before the winner's booking (with its buffers) ends.
    winner = CalendarEntry.objects.get(is_active=True)
    assert all(when is None or when >= winner.blocked.upper for _, when in refused)
    assert CalendarEntry.objects.filter(is_active=True).count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM catalog_calendarentry a JOIN catalog_calendarentry b
               ON a.asset_id = b.asset_id AND a.id < b.id AND a.blocked && b.blocked
               WHERE a.is_active AND b.is_active"""
        )
        assert cursor.fetchone() == (0,)
