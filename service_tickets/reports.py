"""The monthly SLA report: tickets, and the share answered on time, by tier, zone and technician.

A ticket counts towards the on-time rate once its outcome is known: a technician arrived, or it
was marked late, or its deadline has passed. On time means on site by the deadline. Tickets with
no deadline (workshop repairs, basic tier before staff set one) and tickets cancelled before they
were late are counted but not rated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from rental.core.periods import (
    BUCKET_KEY_SQL,
    BUCKETS_SQL,
    GRAINS,
    Period,
    bucket_arrays,
    last_months,
    month_pieces,
    months_of,
)
from rental.core.reports import (
    INT,
    MINUTES,
    PERCENT,
    TEXT,
    Column,
    Table,
    fetch,
    minutes,
    reads_rollup,
    rollup_covers,
    rollup_mark,
    whole_months,
)
from rental.core.reports import percent as pct
from rental.core.timeutil import SHANGHAI, local

from .models import Ticket
from .terms import TIER_LABELS, TIERS, ZONE_LABELS, ZONES


@dataclass(frozen=True)
class ReportRow:
    """One line of the report. `label` is an English msgid for tiers and zones (templates
    translate it with `{% translate row.label %}`, in the reader's language) or a name."""

    key: str
    label: str
    tickets: int
    rated: int
    on_time: int
    late: int
    closed: int
    cancelled: int
    avg_response_minutes: int | None

    @property
    def on_time_rate(self) -> Decimal | None:
        """Percent, one decimal; None when nothing is rated yet."""
        if not self.rated:
            return None
        return (Decimal(100) * self.on_time / self.rated).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class SlaReport:
    month: date  # the first day
    start: datetime
    end: datetime
    total: ReportRow
    by_tier: list[ReportRow]
    by_zone: list[ReportRow]
    by_technician: list[ReportRow]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=SHANGHAI)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=SHANGHAI)
    )
    return start, following


def previous_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def sla_report(*, month: date, now: datetime | None = None) -> SlaReport:
    """The report for the calendar month (Asia/Shanghai) containing `month`."""
    now = now or timezone.now()
    month = date(month.year, month.month, 1)
    start, end = month_bounds(month)
    tickets = Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end)
    aggregates = _aggregates(now)

    total = tickets.aggregate(**aggregates)
    by_tier = {row["tier"]: row for row in tickets.values("tier").annotate(**aggregates)}
    by_zone = {row["zone"]: row for row in tickets.values("zone").annotate(**aggregates)}
    by_tech = list(
        tickets.filter(technician__isnull=False)
        .values(
            "technician", "technician__first_name", "technician__last_name", "technician__username"
        )
        .annotate(**aggregates)
        .order_by("technician__username")
    )
    return SlaReport(
        month=month,
        start=start,
        end=end,
        total=_row("all", "", total),
        by_tier=[_row(tier, TIER_LABELS[tier], by_tier[tier]) for tier in TIERS if tier in by_tier],
        by_zone=[_row(zone, ZONE_LABELS[zone], by_zone[zone]) for zone in ZONES if zone in by_zone],
        by_technician=[_row(str(r["technician"]), _tech_name(r), r) for r in by_tech],
    )


def _aggregates(now: datetime) -> dict:
    rated = (
        Q(path=Ticket.Path.ON_SITE, deadline__isnull=False)
        & (Q(arrived_at__isnull=False) | Q(breached_at__isnull=False) | Q(deadline__lte=now))
        & ~Q(status=Ticket.Status.CANCELLED, breached_at__isnull=True)
    )
    on_time = rated & Q(arrived_at__isnull=False, arrived_at__lte=F("deadline"))
    response = ExpressionWrapper(F("arrived_at") - F("reported_at"), output_field=DurationField())
    return {
        "tickets": Count("id"),
        "rated": Count("id", filter=rated),
        "on_time": Count("id", filter=on_time),
        "closed": Count("id", filter=Q(status__in=[Ticket.Status.CLOSED, Ticket.Status.COLLECTED])),
        "cancelled": Count("id", filter=Q(status=Ticket.Status.CANCELLED)),
        "avg_response": Avg(response, filter=Q(arrived_at__isnull=False)),
    }


def _row(key: str, label: str, values: dict) -> ReportRow:
    avg = values.get("avg_response")
    return ReportRow(
        key=key,
        label=label,
        tickets=values["tickets"],
        rated=values["rated"],
        on_time=values["on_time"],
        late=values["rated"] - values["on_time"],
        closed=values["closed"],
        cancelled=values["cancelled"],
        avg_response_minutes=int(avg.total_seconds() // 60) if avg is not None else None,
    )


def _tech_name(row: dict) -> str:
    first, last = row["technician__first_name"].strip(), row["technician__last_name"].strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p) or row["technician__username"]


# --- The service report: outcomes recorded at arrival, over any period ---------------------

SERVICE_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
t AS (
    SELECT t.tier, t.zone, t.technician_id, t.status, t.minutes_to_arrive,
           t.minutes_past_deadline, b.bucket,
           CASE WHEN t.outcome <> '' THEN t.outcome
                WHEN t.breached_at IS NOT NULL THEN 'late' END AS result,
           extract(epoch FROM t.resolved_at - t.reported_at) / 60 AS resolve_min
    FROM service_tickets_ticket t
    JOIN b ON t.reported_at >= b.lo AND t.reported_at < b.hi
    WHERE t.kind NOT IN ('delivery', 'pickup')
      AND (%(tier)s::text IS NULL OR t.tier = %(tier)s)
      AND (%(zone)s::text IS NULL OR t.zone = %(zone)s)
      AND (%(technician)s::bigint IS NULL OR t.technician_id = %(technician)s)
)
SELECT t.bucket, t.tier, t.zone, t.technician_id,
       min(u.last_name) AS last_name, min(u.first_name) AS first_name, min(u.username) AS username,
       GROUPING(t.bucket) AS no_bucket, GROUPING(t.tier) AS no_tier, GROUPING(t.zone) AS no_zone,
       GROUPING(t.technician_id) AS no_technician,
       count(*) AS tickets,
       count(*) FILTER (WHERE result = 'met') AS met,
       count(*) FILTER (WHERE result = 'late') AS late,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_arrive) AS arrive_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes_to_arrive) AS arrive_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_min) AS resolve_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_min) AS resolve_p90,
       avg(minutes_past_deadline) FILTER (WHERE result = 'late') AS late_by_avg
FROM t LEFT JOIN accounts_user u ON u.id = t.technician_id
GROUP BY GROUPING SETS ((t.bucket), (t.tier), (t.zone), (t.technician_id), ())
"""


# The same from the rollup: a cell's counts once, and its minutes as narrow rows of their own
# (counts 0) for the percentiles, which skip the nulls. The two arrays are unnested side by side
# (the shorter padded with nulls): their order does not matter to a percentile, and it halves
# the rows each grouping sorts.
SERVICE_ROLLUP_SQL = """
WITH cells AS MATERIALIZED (
    SELECT {key} AS bucket, p.*
    FROM service_tickets_ticketpiece p
    WHERE p.day >= %(first)s AND p.day <= %(last)s
      AND (%(tier)s::text IS NULL OR p.tier = %(tier)s)
      AND (%(zone)s::text IS NULL OR p.zone = %(zone)s)
      AND (%(technician)s::bigint IS NULL OR p.technician_id = %(technician)s)
),
t AS (
    SELECT bucket, tier, zone, technician_id, tickets, met, late, cancelled, late_minutes,
           late_counted, NULL::float8 AS arrive, NULL::float8 AS resolve
    FROM cells
    UNION ALL
    SELECT bucket, tier, zone, technician_id, 0, 0, 0, 0, 0, 0, x, y
    FROM cells, unnest(arrive_minutes::float8[], resolve_minutes) AS m(x, y)
)
SELECT t.bucket, t.tier, t.zone, t.technician_id,
       min(u.last_name) AS last_name, min(u.first_name) AS first_name, min(u.username) AS username,
       GROUPING(t.bucket) AS no_bucket, GROUPING(t.tier) AS no_tier, GROUPING(t.zone) AS no_zone,
       GROUPING(t.technician_id) AS no_technician,
       sum(tickets) AS tickets, sum(met) AS met, sum(late) AS late, sum(cancelled) AS cancelled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY arrive) AS arrive_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY arrive) AS arrive_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve) AS resolve_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve) AS resolve_p90,
       sum(late_minutes)::float8 / nullif(sum(late_counted), 0) AS late_by_avg
FROM t LEFT JOIN accounts_user u ON u.id = t.technician_id
GROUP BY GROUPING SETS ((t.bucket), (t.tier), (t.zone), (t.technician_id), ())
"""


# The counts alone, from the cells.
SERVICE_COUNTS_SQL = """
SELECT c.bucket, c.tier, c.zone, c.technician_id,
       min(u.last_name) AS last_name, min(u.first_name) AS first_name, min(u.username) AS username,
       GROUPING(c.bucket) AS no_bucket, GROUPING(c.tier) AS no_tier, GROUPING(c.zone) AS no_zone,
       GROUPING(c.technician_id) AS no_technician,
       sum(tickets) AS tickets, sum(met) AS met, sum(late) AS late, sum(cancelled) AS cancelled,
       sum(late_minutes)::float8 / nullif(sum(late_counted), 0) AS late_by_avg
FROM (SELECT {key} AS bucket, p.* FROM service_tickets_ticketpiece p
      WHERE p.day >= %(first)s AND p.day <= %(last)s) c
LEFT JOIN accounts_user u ON u.id = c.technician_id
GROUP BY GROUPING SETS ((c.bucket), (c.tier), (c.zone), (c.technician_id), ())
"""

SERVICE_FAST_SQL = """
WITH counts AS ({counts}), percentiles AS ({percentiles})
SELECT counts.*, p.arrive_p50, p.arrive_p90, p.resolve_p50, p.resolve_p90
FROM counts LEFT JOIN percentiles p
  ON (p.dim, p.key) = (
      CASE WHEN counts.no_bucket = 0 THEN 'bucket' WHEN counts.no_tier = 0 THEN 'tier'
           WHEN counts.no_zone = 0 THEN 'zone' WHEN counts.no_technician = 0 THEN 'technician'
           ELSE 'total' END,
      coalesce(counts.bucket, counts.tier, counts.zone, counts.technician_id::text, ''))
"""


# A row per piece of a week, tier, zone and technician, for the rollup.
SERVICE_REFRESH_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
t AS (
    SELECT t.tier, t.zone, t.technician_id, t.status, t.minutes_to_arrive,
           t.minutes_past_deadline, b.bucket,
           CASE WHEN t.outcome <> '' THEN t.outcome
                WHEN t.breached_at IS NOT NULL THEN 'late' END AS result,
           (extract(epoch FROM t.resolved_at - t.reported_at) / 60)::float8 AS resolve_min
    FROM service_tickets_ticket t
    JOIN b ON t.reported_at >= b.lo AND t.reported_at < b.hi
    WHERE t.kind NOT IN ('delivery', 'pickup')
)
INSERT INTO service_tickets_ticketpiece (day, tier, zone, technician_id, tickets, met, late,
    cancelled, late_minutes, late_counted, arrive_minutes, resolve_minutes, computed_until)
SELECT bucket::date, tier, zone, technician_id, count(*),
       count(*) FILTER (WHERE result = 'met'), count(*) FILTER (WHERE result = 'late'),
       count(*) FILTER (WHERE status = 'cancelled'),
       coalesce(sum(minutes_past_deadline) FILTER (WHERE result = 'late'), 0),
       count(minutes_past_deadline) FILTER (WHERE result = 'late'),
       coalesce(array_agg(minutes_to_arrive) FILTER (WHERE minutes_to_arrive IS NOT NULL), '{{}}'),
       coalesce(array_agg(resolve_min) FILTER (WHERE resolve_min IS NOT NULL), '{{}}'),
       %(now)s
FROM t GROUP BY 1, 2, 3, 4
ON CONFLICT (day, tier, zone, technician_id) DO UPDATE SET
    tickets = EXCLUDED.tickets, met = EXCLUDED.met, late = EXCLUDED.late,
    cancelled = EXCLUDED.cancelled, late_minutes = EXCLUDED.late_minutes,
    late_counted = EXCLUDED.late_counted, arrive_minutes = EXCLUDED.arrive_minutes,
    resolve_minutes = EXCLUDED.resolve_minutes, computed_until = EXCLUDED.computed_until
"""


# The exact minutes of each month's tickets (and each piece's, for the weeks), in bins of
# MINUTES_BIN minutes, per grouping the report shows; technicians' by id, tickets nobody took
# left out. Five-minute bins keep the rows few (a technician's month is some fifty of them)
# while the values read to pick a percentile stay a few hundred.
MINUTES_BIN = 5
MINUTES_REFRESH_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
t AS (
    SELECT b.bucket::date AS piece, date_trunc('month', b.bucket::date)::date AS month,
           t.tier, t.zone, t.technician_id, t.minutes_to_arrive::float8 AS arrive,
           (extract(epoch FROM t.resolved_at - t.reported_at) / 60)::float8 AS resolve
    FROM service_tickets_ticket t
    JOIN b ON t.reported_at >= b.lo AND t.reported_at < b.hi
    WHERE t.kind NOT IN ('delivery', 'pickup')
),
v AS (
    SELECT piece, month, tier, zone, technician_id, 'arrive' AS measure, arrive AS y
    FROM t WHERE arrive IS NOT NULL
    UNION ALL
    SELECT piece, month, tier, zone, technician_id, 'resolve', resolve
    FROM t WHERE resolve IS NOT NULL
),
d AS (
    SELECT month AS day, true AS whole_month, 'all' AS dim, '' AS key, measure, y FROM v
    UNION ALL SELECT piece, false, 'all', '', measure, y FROM v
    UNION ALL SELECT month, true, 'tier', tier, measure, y FROM v
    UNION ALL SELECT month, true, 'zone', zone, measure, y FROM v
    UNION ALL SELECT month, true, 'technician', technician_id::text, measure, y FROM v
    WHERE technician_id IS NOT NULL
)
INSERT INTO service_tickets_ticketminutes (day, whole_month, dim, key, measure, minute, "values")
SELECT day, whole_month, dim, key, measure, (floor(y / {bin}) * {bin})::int, array_agg(y ORDER BY y)
FROM d GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, whole_month, dim, key, measure, minute)
    DO UPDATE SET "values" = EXCLUDED."values"
"""

# The percentiles of the unfiltered report from those minutes: in each grouping, the running
# count over the minutes finds the minute of each of the two values percentile_cont
# interpolates between, and only that minute's values are read to find them.
PERCENTILES_SQL = """
WITH src AS MATERIALIZED (
    SELECT 'bucket' AS dim, {key} AS key, measure, minute, "values"
    FROM service_tickets_ticketminutes m
    WHERE m.dim = 'all' AND m.whole_month = %(month_grain)s
      AND m.day >= %(first)s AND m.day <= %(last)s
    UNION ALL
    SELECT 'total', '', measure, minute, "values"
    FROM service_tickets_ticketminutes m
    WHERE m.dim = 'all' AND m.whole_month AND m.day >= %(first)s AND m.day <= %(last)s
    UNION ALL
    SELECT dim, key, measure, minute, "values"
    FROM service_tickets_ticketminutes m
    WHERE m.dim <> 'all' AND m.day >= %(first)s AND m.day <= %(last)s
),
h AS (
    SELECT dim, key, measure, minute, sum(cardinality("values")) AS n
    FROM src GROUP BY 1, 2, 3, 4
),
ranked AS (
    SELECT *, sum(n) OVER (PARTITION BY dim, key, measure ORDER BY minute) - n AS before,
              sum(n) OVER (PARTITION BY dim, key, measure) AS total
    FROM h
),
wanted AS MATERIALIZED (
    SELECT r.dim, r.key, r.measure, r.minute, f.f, pos.which, pos.rank - r.before AS within,
           f.f * (r.total - 1) - floor(f.f * (r.total - 1)) AS frac
    FROM ranked r
    CROSS JOIN (VALUES (0.5::float8), (0.9::float8)) AS f(f)
    CROSS JOIN LATERAL (
        VALUES (0, floor(f.f * (r.total - 1))::bigint),
               (1, least(floor(f.f * (r.total - 1))::bigint + 1, r.total - 1))
    ) AS pos(which, rank)
    WHERE pos.rank >= r.before AND pos.rank < r.before + r.n
),
bins AS (SELECT DISTINCT dim, key, measure, minute FROM wanted),
candidates AS (
    SELECT b.dim, b.key, b.measure, b.minute, x,
           row_number() OVER (PARTITION BY b.dim, b.key, b.measure, b.minute ORDER BY x) - 1
               AS place
    FROM bins b
    JOIN src ON src.dim = b.dim AND src.key = b.key AND src.measure = b.measure
            AND src.minute = b.minute
    CROSS JOIN LATERAL unnest(src."values") AS x
),
found AS (
    SELECT w.dim, w.key, w.measure, w.f,
           min(c.x) FILTER (WHERE w.which = 0)
             + min(w.frac) * (min(c.x) FILTER (WHERE w.which = 1)
                              - min(c.x) FILTER (WHERE w.which = 0)) AS value
    FROM wanted w
    JOIN candidates c ON c.dim = w.dim AND c.key = w.key AND c.measure = w.measure
                     AND c.minute = w.minute AND c.place = w.within
    GROUP BY 1, 2, 3, 4
)
SELECT dim, key,
       min(value) FILTER (WHERE measure = 'arrive' AND f = 0.5) AS arrive_p50,
       min(value) FILTER (WHERE measure = 'arrive' AND f = 0.9) AS arrive_p90,
       min(value) FILTER (WHERE measure = 'resolve' AND f = 0.5) AS resolve_p50,
       min(value) FILTER (WHERE measure = 'resolve' AND f = 0.9) AS resolve_p90
FROM found GROUP BY dim, key
"""


# The percentiles of the page as it opens, stored by the refresh; any other period (or a period
# whose stored percentiles a refresh has not written) finds them from the minutes, in the same
# statement: the second branch runs only when the first has nothing for the period.
STORED_PERCENTILES_SQL = """
SELECT dim, key, arrive_p50, arrive_p90, resolve_p50, resolve_p90
FROM service_tickets_servicepercentile
WHERE first = %(first)s AND last = %(last)s AND whole_month = %(month_grain)s
UNION ALL
SELECT * FROM ({percentiles}) computed
WHERE NOT EXISTS (
    SELECT FROM service_tickets_servicepercentile
    WHERE first = %(first)s AND last = %(last)s AND whole_month = %(month_grain)s)
"""

PERCENTILES_STORE_SQL = """
INSERT INTO service_tickets_servicepercentile (first, last, whole_month, dim, key, arrive_p50,
    arrive_p90, resolve_p50, resolve_p90)
SELECT %(first)s, %(last)s, %(month_grain)s, dim, key, arrive_p50, arrive_p90, resolve_p50,
       resolve_p90
FROM ({percentiles}) computed
ON CONFLICT (first, last, whole_month, dim, key) DO UPDATE SET
    arrive_p50 = EXCLUDED.arrive_p50, arrive_p90 = EXCLUDED.arrive_p90,
    resolve_p50 = EXCLUDED.resolve_p50, resolve_p90 = EXCLUDED.resolve_p90
"""


def _percentiles_sql(grain: str) -> str:
    return PERCENTILES_SQL.format(key=BUCKET_KEY_SQL[grain].format(day="m.day"))


def _store_percentiles(cursor, now: datetime) -> None:
    """Replace the stored percentiles with those of the page as it opens today, per month and
    per week, from the minutes just written — when the rollup holds all of its months. An
    upsert, so a refresh running beside another cannot trip on the rows it has just written."""
    cursor.execute("DELETE FROM service_tickets_servicepercentile")
    period = last_months(local(now).date())
    if not (whole_months(period, now) and rollup_covers("service", months_of(period))):
        return
    for grain in GRAINS:
        cursor.execute(
            PERCENTILES_STORE_SQL.format(percentiles=_percentiles_sql(grain)),
            {"first": period.first, "last": period.last, "month_grain": grain == "month"},
        )


def ticket_pieces_refresh(*, months: list, now: datetime) -> int:
    """The service rollup of these months (idempotent: the months' rows are replaced)."""
    pieces = month_pieces(months, now)
    if not pieces:
        return 0
    following = (max(months).replace(day=28) + timedelta(days=4)).replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM service_tickets_ticketpiece WHERE day >= %s AND day < %s",
            [min(months).replace(day=1), following],
        )
        cursor.execute(
            "DELETE FROM service_tickets_ticketminutes WHERE day >= %s AND day < %s",
            [min(months).replace(day=1), following],
        )
        cursor.execute(
            SERVICE_REFRESH_SQL.format(buckets=BUCKETS_SQL), {**bucket_arrays(pieces), "now": now}
        )
        rows = cursor.rowcount
        cursor.execute(
            MINUTES_REFRESH_SQL.format(buckets=BUCKETS_SQL, bin=MINUTES_BIN), bucket_arrays(pieces)
        )
    rollup_mark("service", sorted({p.start.date().replace(day=1) for p in pieces}), now)
    with connection.cursor() as cursor:
        _store_percentiles(cursor, now)
    return rows


def service_report(
    *,
    period: Period,
    grain: str = "month",
    tier: str | None = None,
    zone: str | None = None,
    technician: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """Repair tickets (not trips) called in the period: per month, and met against late by
    tier, zone and technician, with the median and 90th-percentile minutes from the call to a
    technician on site and to the resolution. Met or late is what was recorded at arrival; a
    ticket marked late by the sweep before anyone arrived counts as late. Whole months the
    rollup holds are read from it."""
    now = now or timezone.now()
    buckets = period.buckets(grain)
    filters = {"tier": tier, "zone": zone, "technician": technician}
    if reads_rollup("service", period, now, live):
        key = BUCKET_KEY_SQL[grain].format(day="p.day")
        params = {"first": period.first, "last": period.last, **filters}
        if tier or zone or technician:
            raw = fetch(SERVICE_ROLLUP_SQL.format(key=key), params)
        else:
            # Unfiltered — the page as it opens — the percentiles come from the minutes.
            sql = SERVICE_FAST_SQL.format(
                counts=SERVICE_COUNTS_SQL.format(key=key),
                percentiles=STORED_PERCENTILES_SQL.format(percentiles=_percentiles_sql(grain)),
            )
            raw = fetch(sql, {**params, "month_grain": grain == "month"})
    else:
        raw = fetch(SERVICE_SQL.format(buckets=BUCKETS_SQL), {**bucket_arrays(buckets), **filters})

    def row(r: dict, label: str) -> dict:
        rated = r["met"] + r["late"]
        return {
            "label": label,
            "tickets": r["tickets"],
            "met": r["met"],
            "late": r["late"],
            "met_share": pct(r["met"], rated),
            "late_by_avg": minutes(r["late_by_avg"]),
            "arrive_p50": minutes(r["arrive_p50"]),
            "arrive_p90": minutes(r["arrive_p90"]),
            "resolve_p50": minutes(r["resolve_p50"]),
            "resolve_p90": minutes(r["resolve_p90"]),
            "cancelled": r["cancelled"],
        }

    flags = ("no_bucket", "no_tier", "no_zone", "no_technician")

    def level(r: dict) -> str:
        kept = [f for f in flags if not r[f]]
        return kept[0] if kept else "total"

    by_bucket = {r["bucket"]: r for r in raw if level(r) == "no_bucket"}
    total_raw = next((r for r in raw if level(r) == "total"), None)
    empty = {
        "tickets": 0,
        "met": 0,
        "late": 0,
        "cancelled": 0,
        **dict.fromkeys(("arrive_p50", "arrive_p90", "resolve_p50", "resolve_p90")),
        "late_by_avg": None,
    }
    per_bucket = [row(by_bucket.get(b.key, empty), b.key) for b in buckets]
    tiers = {r["tier"]: r for r in raw if level(r) == "no_tier"}
    zones = {r["zone"]: r for r in raw if level(r) == "no_zone"}
    techs = sorted(
        (r for r in raw if level(r) == "no_technician" and r["technician_id"] is not None),
        key=lambda r: r["username"],
    )
    total = row(total_raw or empty, "")
    measures = [
        Column("tickets", _l("Tickets"), INT, summed=True),
        Column("met", _l("Met"), INT, summed=True),
        Column("late", _l("Late"), INT, summed=True),
        Column("met_share", _l("Share met"), PERCENT),
        Column("late_by_avg", _l("Average minutes late"), MINUTES),
        Column("arrive_p50", _l("Median minutes to arrive"), MINUTES),
        Column("arrive_p90", _l("90th percentile to arrive"), MINUTES),
        Column("resolve_p50", _l("Median minutes to resolve"), MINUTES),
        Column("resolve_p90", _l("90th percentile to resolve"), MINUTES),
        Column("cancelled", _l("Cancelled"), INT, summed=True),
    ]

    def table(key: str, title, first, rows, **chart) -> Table:
        return Table(
            key=key,
            title=title,
            columns=[Column("label", first, TEXT), *measures],
            rows=rows,
            total=total,
            **chart,
        )

    return [
        table(
            "by_period",
            _l("Tickets per month") if grain == "month" else _l("Tickets per week"),
            pgettext_lazy("report", "Period"),
            per_bucket,
            chart_x="label",
            chart_series=["met", "late", "met_share"],
            chart_kind="stack+line",
            note=_l(
                "Repair tickets called in the period; trips are not counted. Met or late is "
                "recorded when the technician arrives. Minutes to resolve run from the call."
            ),
        ),
        table(
            "by_tier",
            _l("By service tier"),
            _l("Service tier"),
            [row(tiers[t], str(_l(TIER_LABELS[t]))) for t in TIERS if t in tiers],
        ),
        table(
            "by_zone",
            _l("By zone"),
            _l("Service zone"),
            [row(zones[z], str(_l(ZONE_LABELS[z]))) for z in ZONES if z in zones],
        ),
        table(
            "by_technician",
            _l("By technician"),
            _l("Technician"),
            [
                row(
                    r,
                    _tech_name(
                        {f"technician__{k}": r[k] for k in ("first_name", "last_name", "username")}
                    ),
                )
                for r in techs
            ],
        ),
    ]
