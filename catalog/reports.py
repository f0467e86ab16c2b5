"""Utilisation: how busy the equipment is, from the unit calendar.

Utilisation = rented hours ÷ available hours. A unit is counted while it is not retired and has
been acquired; its available hours are the hours of the period (up to now) less its downtime —
maintenance entries on the calendar and the time it spent in repair (`RepairPeriod`). Rented
hours are those of its rental entries, up to an early release.

Figures over whole months are read from the rollups — `UnitMonth` (a row per unit and month),
`UnitIsoWeek` (per unit and whole week) and `UnitWeek` (per unit and piece of a week cut at the
months' edges, for the first and last weeks of a period, which it cuts there) — refreshed by
idempotent Celery tasks every few minutes for the current month and nightly for the months
before (rental/operations/rollups.py), because summing 200,000 calendar ranges per page is far
too slow at a real company's size (bench/reports.py). Other spans are computed live from the
calendar by the same SQL that fills the rollups, so both paths give the same hours (a test
proves it). A month the rollups have not been given (`core.RollupMonth`) is computed live too,
so a report never shows an empty month for want of a refresh. One SQL statement per report
either way, after the one that asks whether the rollup holds the months.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rental.core.i18n import pick
from rental.core.periods import (
    BUCKETS_SQL,
    Bucket,
    Period,
    bucket_arrays,
    midnight,
    month_pieces,
)
from rental.core.reports import (
    HOURS,
    INT,
    PERCENT,
    TEXT,
    Column,
    Table,
    fetch,
    hours,
    percent,
    reads_rollup,
    rollup_mark,
)

GROUPS = {
    # group → (key, Chinese label, English label) as SQL over a, m, c, br
    "category": ("c.id", "c.name_zh", "c.name_en"),
    "model": ("m.id", "br.name || ' ' || m.name", "br.name || ' ' || m.name"),
    "unit": (
        "a.id",
        "a.asset_tag || ' · ' || br.name || ' ' || m.name",
        "a.asset_tag || ' · ' || br.name || ' ' || m.name",
    ),
}

# Each unit's seconds per bucket from the calendar and the repair periods: `unit_bucket`.
UNIT_BUCKET_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
u AS (
    SELECT a.id, {g_key} AS g_key, {g_zh} AS g_zh, {g_en} AS g_en,
           CASE WHEN a.acquired_on IS NULL THEN '-infinity'::timestamptz
                ELSE a.acquired_on::timestamp AT TIME ZONE 'Asia/Shanghai' END AS since
    FROM catalog_asset a
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    JOIN catalog_category c ON c.id = m.category_id
    JOIN catalog_brand br ON br.id = m.brand_id
    WHERE (%(with_retired)s OR a.service_status <> 'retired')
      AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
      AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
      AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
),
busy AS (
    SELECT e.asset_id, e.kind = 'rental' AS rented,
           tstzrange(e.starts_at, CASE WHEN e.released_at < e.ends_at
                                       THEN greatest(e.released_at, e.starts_at)
                                       ELSE e.ends_at END) AS r
    FROM catalog_calendarentry e
    WHERE e.kind IN ('rental', 'maintenance')
      AND e.starts_at < %(end)s AND e.ends_at > %(start)s
      AND e.asset_id IN (SELECT id FROM u)
    UNION ALL
    SELECT p.asset_id, false, tstzrange(p.started_at, coalesce(p.ended_at, %(now)s))
    FROM catalog_repairperiod p
    WHERE p.started_at < %(end)s AND coalesce(p.ended_at, %(now)s) > %(start)s
      AND p.asset_id IN (SELECT id FROM u)
),
per AS (
    SELECT busy.asset_id, b.bucket,
           sum(extract(epoch FROM upper(x.r) - lower(x.r))) FILTER (WHERE busy.rented) AS rented_s,
           sum(extract(epoch FROM upper(x.r) - lower(x.r))) FILTER (WHERE NOT busy.rented) AS down_s
    FROM busy
    JOIN b ON busy.r && tstzrange(b.lo, b.hi)
    CROSS JOIN LATERAL (SELECT busy.r * tstzrange(b.lo, b.hi) AS r) x
    GROUP BY 1, 2
),
ub AS (
    SELECT u.id, u.g_key, u.g_zh, u.g_en, b.bucket,
           greatest(0, extract(epoch FROM b.hi - greatest(b.lo, u.since))) AS period_s
    FROM u CROSS JOIN b
),
unit_bucket AS (
    SELECT ub.*, least(coalesce(per.down_s, 0), ub.period_s) AS down_s,
           least(coalesce(per.rented_s, 0),
                 ub.period_s - least(coalesce(per.down_s, 0), ub.period_s)) AS rented_s
    FROM ub LEFT JOIN per ON per.asset_id = ub.id AND per.bucket = ub.bucket
    WHERE ub.period_s > 0
)
"""

# The same from the rollup, for whole months.
ROLLUP_SQL = """
WITH unit_bucket AS (
    SELECT a.id, {g_key} AS g_key, {g_zh} AS g_zh, {g_en} AS g_en,
           to_char(um.month, 'YYYY-MM') AS bucket, um.period_seconds AS period_s,
           um.down_seconds AS down_s, um.rented_seconds AS rented_s
    FROM catalog_unitmonth um
    JOIN catalog_asset a ON a.id = um.asset_id
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    JOIN catalog_category c ON c.id = m.category_id
    JOIN catalog_brand br ON br.id = m.brand_id
    WHERE um.month = ANY(%(months)s::date[]) AND um.period_seconds > 0
      AND a.service_status <> 'retired'
      AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
      AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
      AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
)
"""

# The same per week, as a whole statement: a row per unit and whole week (`UnitIsoWeek`), and for
# the weeks the period cuts at its edges the sum of their pieces (`UnitWeek`), so there is one
# row per unit and week before the groupings — summing every week's pieces per unit first was
# most of the time (bench/reports.py). The labels are joined to the few grouped rows at the end.
ROLLUP_WEEK_SQL = """
WITH units AS MATERIALIZED (
    SELECT a.id, {g_key} AS g_key, {g_zh} AS g_zh, {g_en} AS g_en
    FROM catalog_asset a
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    JOIN catalog_category c ON c.id = m.category_id
    JOIN catalog_brand br ON br.id = m.brand_id
    WHERE a.service_status <> 'retired'
      AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
      AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
      AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
),
cell AS MATERIALIZED (
    SELECT w.asset_id AS id, units.g_key, w.week, w.period_seconds AS period_s,
           w.down_seconds AS down_s, w.rented_seconds AS rented_s
    FROM catalog_unitisoweek w JOIN units ON units.id = w.asset_id
    WHERE w.week = ANY(%(whole_weeks)s::date[]) AND w.period_seconds > 0
    UNION ALL
    SELECT uw.asset_id, min(units.g_key), date_trunc('week', uw.day)::date,
           sum(uw.period_seconds), sum(uw.down_seconds), sum(uw.rented_seconds)
    FROM catalog_unitweek uw
    JOIN unnest(%(edge_los)s::date[], %(edge_his)s::date[]) AS e(lo, hi)
      ON uw.day >= e.lo AND uw.day < e.hi
    JOIN units ON units.id = uw.asset_id
    WHERE uw.period_seconds > 0 AND uw.day <= %(last)s
    GROUP BY 1, 3
),
unit_total AS (
    SELECT id, g_key, sum(period_s) AS period_s, sum(down_s) AS down_s, sum(rented_s) AS rented_s
    FROM cell GROUP BY id, g_key
),
grouped AS (
    SELECT {per_week} AS all_groups, 0 AS all_buckets, count(*) AS units,
           sum(period_s) / 3600 AS period_h, sum(down_s) / 3600 AS down_h,
           sum(rented_s) / 3600 AS rented_h
    FROM cell GROUP BY GROUPING SETS ({sets})
    UNION ALL
    SELECT g_key, NULL, GROUPING(g_key), 1, count(*),
           sum(period_s) / 3600, sum(down_s) / 3600, sum(rented_s) / 3600
    FROM unit_total GROUP BY GROUPING SETS ((g_key), ())
),
labels AS (SELECT g_key, min(g_zh) AS g_zh, min(g_en) AS g_en FROM units GROUP BY g_key)
SELECT grouped.g_key, labels.g_zh, labels.g_en, to_char(grouped.week, 'IYYY-"W"IW') AS bucket,
       all_groups, all_buckets, units, period_h, down_h, rented_h
FROM grouped LEFT JOIN labels ON labels.g_key = grouped.g_key
ORDER BY all_groups DESC, labels.g_zh, grouped.g_key, grouped.week NULLS FIRST
"""

# Units are counted once per bucket and once over the period: each unit's bucket first (a unit
# may have several pieces in one week), then its period, so every grouping is a plain hashed sum
# rather than a count(DISTINCT) that sorts all the rows once per grouping.
AGGREGATE_SQL = """,
cell AS (
    SELECT id, g_key, min(g_zh) AS g_zh, min(g_en) AS g_en, bucket, sum(period_s) AS period_s,
           sum(down_s) AS down_s, sum(rented_s) AS rented_s
    FROM unit_bucket GROUP BY id, g_key, bucket
),
unit_total AS (
    SELECT id, g_key, min(g_zh) AS g_zh, min(g_en) AS g_en, sum(period_s) AS period_s,
           sum(down_s) AS down_s, sum(rented_s) AS rented_s
    FROM cell GROUP BY id, g_key
),
grouped AS (
    SELECT {per_bucket} AS all_groups, 0 AS all_buckets, count(*) AS units,
           sum(period_s) / 3600 AS period_h, sum(down_s) / 3600 AS down_h,
           sum(rented_s) / 3600 AS rented_h
    FROM cell GROUP BY GROUPING SETS ({sets})
    UNION ALL
    SELECT g_key, min(g_zh), min(g_en), NULL, GROUPING(g_key), 1, count(*),
           sum(period_s) / 3600, sum(down_s) / 3600, sum(rented_s) / 3600
    FROM unit_total GROUP BY GROUPING SETS ((g_key), ())
)
SELECT * FROM grouped ORDER BY all_groups DESC, g_zh, g_key, bucket NULLS FIRST
"""

REFRESH_SQL = """
INSERT INTO {table} (asset_id, {column}, period_seconds, down_seconds, rented_seconds,
                     computed_until)
SELECT id, to_date(bucket, '{key}'), period_s, down_s, least(rented_s, period_s - down_s),
       %(now)s
FROM (SELECT id, bucket, round(period_s)::bigint AS period_s, round(down_s)::bigint AS down_s,
             round(rented_s)::bigint AS rented_s FROM unit_bucket) rounded
ON CONFLICT (asset_id, {column}) DO UPDATE SET
    period_seconds = EXCLUDED.period_seconds, down_seconds = EXCLUDED.down_seconds,
    rented_seconds = EXCLUDED.rented_seconds, computed_until = EXCLUDED.computed_until
"""


def utilisation(
    *,
    period: Period,
    grain: str = "month",
    group: str = "category",
    category: int | None = None,
    model: int | None = None,
    depot: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """Two tables: utilisation per week or month (all units), and per group over the period
    (and per group and month, except per unit, where that would be thousands of rows).
    Whole months are read from the rollup unless `live`."""
    now = now or timezone.now()
    buckets = [b for b in period.buckets(grain) if b.start < now]
    buckets = [b if b.end <= now else type(b)(b.key, b.start, now) for b in buckets]
    g_key, g_zh, g_en = GROUPS[group]
    # Per unit and bucket would be thousands of rows: only per bucket, and per unit.
    if group == "unit":
        sets = "(bucket)"
        per_bucket = "NULL::bigint AS g_key, NULL AS g_zh, NULL AS g_en, bucket, 1"
    else:
        sets = "(g_key, bucket), (bucket)"
        per_bucket = "g_key, min(g_zh) AS g_zh, min(g_en) AS g_en, bucket, GROUPING(g_key)"
    filters = {"category": category, "model": model, "depot": depot}
    if not buckets:
        raw = []
    elif reads_rollup(
        "utilisation" if grain == "month" else "utilisation_weeks", period, now, live
    ):
        if grain == "month":
            sql = ROLLUP_SQL.format(g_key=g_key, g_zh=g_zh, g_en=g_en) + AGGREGATE_SQL.format(
                sets=sets, per_bucket=per_bucket
            )
        else:
            sql = ROLLUP_WEEK_SQL.format(
                g_key=g_key,
                g_zh=g_zh,
                g_en=g_en,
                sets=sets.replace("bucket", "week"),
                per_week="g_key, week, GROUPING(g_key)"
                if group != "unit"
                else "NULL::bigint AS g_key, week, 1",
            )
        months = [b.start.date().replace(day=1) for b in buckets]
        edges = [b for b in buckets if b.end - b.start != timedelta(days=7)]
        params = {
            "months": months,
            "first": period.first,
            "last": period.last,
            "whole_weeks": [b.start.date() for b in buckets if b not in edges],
            # A piece's day is its first: a cut week holds its pieces from the cut to Monday.
            "edge_los": [b.start.date() for b in edges],
            "edge_his": [_monday(b.start.date()) + timedelta(days=7) for b in edges],
            **filters,
        }
        raw = fetch(sql, params)
    else:
        sql = UNIT_BUCKET_SQL.format(
            buckets=BUCKETS_SQL, g_key=g_key, g_zh=g_zh, g_en=g_en
        ) + AGGREGATE_SQL.format(sets=sets, per_bucket=per_bucket)
        params = {
            **bucket_arrays(buckets),
            "start": buckets[0].start,
            "end": buckets[-1].end,
            "now": now,
            "with_retired": False,
            **filters,
        }
        raw = fetch(sql, params)
    rows = [_row(r) for r in raw]
    total = next((r for r in rows if r["all_groups"] and r["all_buckets"]), None)
    by_bucket = [r for r in rows if r["all_groups"] and not r["all_buckets"]]
    by_group = [r for r in rows if not r["all_groups"] and r["all_buckets"]]
    group_bucket = [r for r in rows if not r["all_groups"] and not r["all_buckets"]]
    measures = [
        Column("units", _("Units"), INT),
        Column("available_hours", _("Available hours"), HOURS, summed=True),
        Column("downtime_hours", _("Downtime hours"), HOURS, summed=True),
        Column("rented_hours", _("Rented hours"), HOURS, summed=True),
        Column("utilisation", _("Utilisation"), PERCENT),
    ]
    group_label = {"category": _("Category"), "model": _("Model"), "unit": _("Unit")}[group]
    tables = [
        Table(
            key="by_period",
            title=_("Utilisation per week") if grain == "week" else _("Utilisation per month"),
            columns=[Column("bucket", pgettext_lazy("report", "Period"), TEXT), *measures],
            rows=by_bucket,
            total=total,
            chart_x="bucket",
            chart_series=["rented_hours", "downtime_hours", "utilisation"],
            chart_kind="bar+line",
        ),
        Table(
            key="by_group",
            title=_("Utilisation by %(group)s") % {"group": group_label},
            columns=[Column("label", group_label, TEXT), *measures],
            rows=sorted(by_group, key=lambda r: (-(r["utilisation"] or 0), r["label"])),
            total=total,
        ),
    ]
    if group_bucket:
        tables.append(
            Table(
                key="by_group_period",
                title=_("By %(group)s and period") % {"group": group_label},
                columns=[
                    Column("label", group_label, TEXT),
                    Column("bucket", pgettext_lazy("report", "Period"), TEXT),
                    *measures,
                ],
                rows=group_bucket,
            )
        )
    return tables


def unit_months_refresh(*, months: list[date], now: datetime | None = None) -> int:
    """Recompute the rollup rows of these months for every unit, up to `now`: one statement,
    idempotent (an upsert), so running it twice or concurrently leaves the same rows."""
    now = now or timezone.now()
    buckets = []
    for month in sorted(set(months)):
        month = month.replace(day=1)
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        start, end = midnight(month), min(midnight(following), now)
        if start < end:
            buckets.append(Bucket(key=f"{month:%Y-%m}", start=start, end=end))
    rows = _refresh(buckets, now, table="catalog_unitmonth", column="month", key="YYYY-MM")
    rollup_mark("utilisation", [b.start.date() for b in buckets], now)
    return rows


def unit_weeks_refresh(*, months: list[date], now: datetime | None = None) -> int:
    """The weekly rollups of these months (idempotent): a row per unit and piece of a week, and
    per unit and whole ISO week touching the months — a week that runs into a month not
    refreshed is recomputed whole from the calendar, so it never mixes two refreshes."""
    now = now or timezone.now()
    pieces = month_pieces(months, now)
    rows = _refresh(pieces, now, table="catalog_unitweek", column="day", key="YYYY-MM-DD")
    weeks = []
    for monday in sorted({_monday(p.start.date()) for p in pieces}):
        start, end = midnight(monday), min(midnight(monday + timedelta(days=7)), now)
        weeks.append(Bucket(key=f"{monday:%Y-%m-%d}", start=start, end=end))
    _refresh(weeks, now, table="catalog_unitisoweek", column="week", key="YYYY-MM-DD")
    rollup_mark("utilisation_weeks", sorted({p.start.date().replace(day=1) for p in pieces}), now)
    return rows


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _refresh(buckets: list[Bucket], now: datetime, **target: str) -> int:
    if not buckets:
        return 0
    sql = UNIT_BUCKET_SQL.format(buckets=BUCKETS_SQL, g_key="a.id", g_zh="''", g_en="''")
    params = {
        **bucket_arrays(buckets),
        "start": buckets[0].start,
        "end": buckets[-1].end,
        "now": now,
        "with_retired": True,
        "category": None,
        "model": None,
        "depot": None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql + REFRESH_SQL.format(**target), params)
        return cursor.rowcount


def _row(r: dict) -> dict:
    available = float(r["period_h"] or 0) - float(r["down_h"] or 0)
    return {
        "key": r["g_key"],
        "label": pick(r["g_zh"], r["g_en"]) if r["g_key"] is not None else "",
        "bucket": r["bucket"] or "",
        "all_groups": bool(r["all_groups"]),
        "all_buckets": bool(r["all_buckets"]),
        "units": r["units"],
        "available_hours": hours(available),
        "downtime_hours": hours(r["down_h"]),
        "rented_hours": hours(r["rented_h"]),
        "utilisation": percent(r["rented_h"] or 0, available) if available > 0 else None,
    }
