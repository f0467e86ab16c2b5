"""Utilisation: how busy the equipment is, from the unit calendar.

Utilisation = rented hours ÷ available hours. A unit is counted while it is not retired and has
been acquired; its available hours are the hours of the period (up to now) less its downtime —
maintenance entries on the calendar and the time it spent in repair (`RepairPeriod`). Rented
hours are those of its rental entries, up to an early release. One SQL statement per report,
whatever the number of units or entries.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rental.core.i18n import pick
from rental.core.periods import BUCKETS_SQL, Period, bucket_arrays
from rental.core.reports import HOURS, INT, PERCENT, TEXT, Column, Table, fetch, hours, percent

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

UTILISATION_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
u AS (
    SELECT a.id, {g_key} AS g_key, {g_zh} AS g_zh, {g_en} AS g_en,
           CASE WHEN a.acquired_on IS NULL THEN '-infinity'::timestamptz
                ELSE a.acquired_on::timestamp AT TIME ZONE 'Asia/Shanghai' END AS since
    FROM catalog_asset a
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    JOIN catalog_category c ON c.id = m.category_id
    JOIN catalog_brand br ON br.id = m.brand_id
    WHERE a.service_status <> 'retired'
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
SELECT g_key, min(g_zh) AS g_zh, min(g_en) AS g_en, bucket,
       GROUPING(g_key) AS all_groups, GROUPING(bucket) AS all_buckets,
       count(DISTINCT id) AS units,
       sum(period_s) / 3600 AS period_h, sum(down_s) / 3600 AS down_h,
       sum(rented_s) / 3600 AS rented_h
FROM unit_bucket
GROUP BY GROUPING SETS ({sets})
ORDER BY all_groups DESC, min(g_zh), g_key, bucket NULLS FIRST
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
) -> list[Table]:
    """Two tables: utilisation per week or month (all units), and per group over the period
    (and per group and month, except per unit, where that would be thousands of rows)."""
    now = now or timezone.now()
    buckets = [b for b in period.buckets(grain) if b.start < now]
    buckets = [b if b.end <= now else type(b)(b.key, b.start, now) for b in buckets]
    g_key, g_zh, g_en = GROUPS[group]
    sets = "(g_key), (bucket), ()" if group == "unit" else "(g_key, bucket), (g_key), (bucket), ()"
    sql = UTILISATION_SQL.format(buckets=BUCKETS_SQL, g_key=g_key, g_zh=g_zh, g_en=g_en, sets=sets)
    start = buckets[0].start if buckets else period.start
    end = buckets[-1].end if buckets else period.start
    raw = (
        fetch(
            sql,
            {
                **bucket_arrays(buckets),
                "start": start,
                "end": end,
                "now": now,
                "category": category,
                "model": model,
                "depot": depot,
            },
        )
        if buckets
        else []
    )
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
