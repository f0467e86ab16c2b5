"""The money and rental reports: per unit, revenue, deposits, returns, customers.

Each report is one or two SQL statements over the insert-only money tables (charges, payments,
the deposit ledger) and the contract units, grouped by the same Shanghai weeks or months
(`rental.core.periods`). They return `Table`s of plain rows that the page, the CSV, the Excel
sheet and the chart all render.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rental.core.i18n import pick
from rental.core.periods import (
    BUCKET_KEY_SQL,
    BUCKETS_SQL,
    Bucket,
    Period,
    bucket_arrays,
    midnight,
    month_pieces,
    months_of,
    span,
)
from rental.core.reports import (
    HOURS,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Table,
    fetch,
    hours,
    money,
    percent,
    reads_rollup,
    rollup_mark,
)

# Late-return charges by contract unit: their key is contract:<id>:unit:<unit id>:late.
LATE_CHARGES = """
    SELECT split_part(key, ':', 4)::bigint AS unit_id, amount FROM contracts_charge
    WHERE kind = 'late_return' AND key LIKE 'contract:%%:unit:%%:late'
"""

# Contracts that count: signed or later, never a draft or a cancelled one.
COUNTED = "('signed', 'active', 'returned', 'closed')"

UNITS_SQL = """
    SELECT a.id, a.asset_tag, a.purchase_cost, a.acquired_on, br.name || ' ' || m.name AS model,
           c.name_zh, c.name_en
    FROM catalog_asset a
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    JOIN catalog_category c ON c.id = m.category_id
    JOIN catalog_brand br ON br.id = m.brand_id
    WHERE (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
      AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
      AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
"""

PER_UNIT_SQL = """
WITH u AS ({units}),
cu AS (
    SELECT cu.asset_id, cu.handed_over_at AS out_at, coalesce(cu.returned_at, %(now)s) AS in_at,
           cu.rent + coalesce(late.amount, 0) AS revenue
    FROM contracts_contractunit cu
    JOIN contracts_contract k ON k.id = cu.contract_id AND k.status IN {counted}
    LEFT JOIN ({late}) late ON late.unit_id = cu.id
    WHERE cu.handed_over_at IS NOT NULL AND cu.asset_id IN (SELECT id FROM u)
),
rent AS (
    SELECT asset_id,
           count(*) FILTER (WHERE out_at >= %(start)s AND out_at < %(end)s) AS times,
           sum(extract(epoch FROM least(in_at, %(end)s) - greatest(out_at, %(start)s)))
               FILTER (WHERE out_at < %(end)s AND in_at > %(start)s) / 3600 AS rented_h,
           sum(revenue) FILTER (WHERE out_at >= %(start)s AND out_at < %(end)s) AS revenue,
           sum(revenue) AS lifetime
    FROM cu GROUP BY asset_id
),
down AS (
    SELECT asset_id, sum(extract(epoch FROM least(hi, %(end)s) - greatest(lo, %(start)s))) / 3600
               AS down_h
    FROM (
        SELECT asset_id, starts_at AS lo, least(ends_at, coalesce(released_at, ends_at)) AS hi
        FROM catalog_calendarentry WHERE kind = 'maintenance'
        UNION ALL
        SELECT asset_id, started_at, coalesce(ended_at, %(now)s) FROM catalog_repairperiod
    ) d
    WHERE lo < %(end)s AND hi > %(start)s AND asset_id IN (SELECT id FROM u)
    GROUP BY asset_id
)
SELECT u.*, coalesce(rent.times, 0) AS times, coalesce(rent.rented_h, 0) AS rented_h,
       coalesce(rent.revenue, 0) AS revenue, coalesce(rent.lifetime, 0) AS lifetime,
       coalesce(down.down_h, 0) AS down_h
FROM u LEFT JOIN rent ON rent.asset_id = u.id LEFT JOIN down ON down.asset_id = u.id
ORDER BY coalesce(rent.revenue, 0) DESC, u.asset_tag
"""


# The same from the rollup: the months' sums, and the revenue since purchase of the last month.
PER_UNIT_ROLLUP_SQL = """
WITH u AS ({units}),
r AS (
    SELECT asset_id, sum(times_rented) AS times, sum(rented_seconds) / 3600.0 AS rented_h,
           sum(revenue) AS revenue, sum(down_seconds) / 3600.0 AS down_h
    FROM contracts_unitmonthrental
    WHERE month = ANY(%(months)s::date[]) AND asset_id IN (SELECT id FROM u)
    GROUP BY asset_id
),
life AS (
    SELECT asset_id, lifetime_revenue FROM contracts_unitmonthrental
    WHERE month = (SELECT max(month) FROM contracts_unitmonthrental)
      AND asset_id IN (SELECT id FROM u)
)
SELECT u.*, coalesce(r.times, 0) AS times, coalesce(r.rented_h, 0) AS rented_h,
       coalesce(r.revenue, 0) AS revenue, coalesce(life.lifetime_revenue, 0) AS lifetime,
       coalesce(r.down_h, 0) AS down_h
FROM u LEFT JOIN r ON r.asset_id = u.id LEFT JOIN life ON life.asset_id = u.id
ORDER BY coalesce(r.revenue, 0) DESC, u.asset_tag
"""

# Each unit's month: the per-unit figures over one month each, for the rollup.
PER_UNIT_REFRESH_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets}),
cu AS (
    SELECT cu.asset_id, cu.handed_over_at AS out_at, coalesce(cu.returned_at, %(now)s) AS in_at,
           cu.rent + coalesce(late.amount, 0) AS revenue
    FROM contracts_contractunit cu
    JOIN contracts_contract k ON k.id = cu.contract_id AND k.status IN {counted}
    LEFT JOIN ({late}) late ON late.unit_id = cu.id
    WHERE cu.handed_over_at IS NOT NULL AND cu.handed_over_at < %(end)s
),
rent AS (
    SELECT b.bucket, cu.asset_id,
           count(*) FILTER (WHERE out_at >= b.lo) AS times,
           sum(extract(epoch FROM least(in_at, b.hi) - greatest(out_at, b.lo)))
               FILTER (WHERE in_at > b.lo) AS rented_s,
           sum(revenue) FILTER (WHERE out_at >= b.lo) AS revenue,
           sum(revenue) AS lifetime
    FROM b JOIN cu ON cu.out_at < b.hi
    GROUP BY 1, 2
),
down AS (
    SELECT b.bucket, d.asset_id,
           sum(extract(epoch FROM least(d.hi, b.hi) - greatest(d.lo, b.lo))) AS down_s
    FROM (
        SELECT asset_id, starts_at AS lo, least(ends_at, coalesce(released_at, ends_at)) AS hi
        FROM catalog_calendarentry WHERE kind = 'maintenance'
        UNION ALL
        SELECT asset_id, started_at, coalesce(ended_at, %(now)s) FROM catalog_repairperiod
    ) d
    JOIN b ON d.lo < b.hi AND d.hi > b.lo
    GROUP BY 1, 2
)
INSERT INTO contracts_unitmonthrental (asset_id, month, times_rented, rented_seconds,
    down_seconds, revenue, lifetime_revenue, computed_until)
SELECT a.id, to_date(b.bucket, 'YYYY-MM'), coalesce(rent.times, 0),
       round(coalesce(rent.rented_s, 0))::bigint, round(coalesce(down.down_s, 0))::bigint,
       coalesce(rent.revenue, 0), coalesce(rent.lifetime, 0), %(now)s
FROM catalog_asset a CROSS JOIN b
LEFT JOIN rent ON rent.asset_id = a.id AND rent.bucket = b.bucket
LEFT JOIN down ON down.asset_id = a.id AND down.bucket = b.bucket
ON CONFLICT (asset_id, month) DO UPDATE SET
    times_rented = EXCLUDED.times_rented, rented_seconds = EXCLUDED.rented_seconds,
    down_seconds = EXCLUDED.down_seconds, revenue = EXCLUDED.revenue,
    lifetime_revenue = EXCLUDED.lifetime_revenue, computed_until = EXCLUDED.computed_until
"""


def per_unit(
    *,
    period: Period,
    category: int | None = None,
    model: int | None = None,
    depot: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """Each unit: times and hours rented and its revenue in the period (rent and late-return
    charges of contracts handed over in it), downtime, purchase cost, and the return on that
    cost so far: (revenue since purchase − cost) ÷ cost. Whole months the rollup holds are read
    from it."""
    now = now or timezone.now()
    end = min(period.end, now)
    params = {
        "start": period.start,
        "end": end,
        "now": now,
        "category": category,
        "model": model,
        "depot": depot,
        "months": months_of(period),
    }
    if reads_rollup("per_unit", period, now, live):
        raw = fetch(PER_UNIT_ROLLUP_SQL.format(units=UNITS_SQL), params)
    else:
        raw = fetch(
            PER_UNIT_SQL.format(units=UNITS_SQL, counted=COUNTED, late=LATE_CHARGES), params
        )
    rows = []
    for r in raw:
        cost = r["purchase_cost"]
        rows.append(
            {
                "unit": r["asset_tag"],
                "model": r["model"],
                "category": pick(r["name_zh"], r["name_en"]),
                "times_rented": r["times"],
                "rented_hours": hours(r["rented_h"]),
                "revenue": money(r["revenue"]),
                "downtime_hours": hours(r["down_h"]),
                "purchase_cost": money(cost) if cost is not None else None,
                "acquired_on": r["acquired_on"].isoformat() if r["acquired_on"] else "",
                "lifetime_revenue": money(r["lifetime"]),
                "roi": percent(r["lifetime"] - cost, cost) if cost else None,
            }
        )
    total = {
        "unit": "",
        "times_rented": sum(r["times_rented"] for r in rows),
        "rented_hours": sum((r["rented_hours"] for r in rows), hours(0)),
        "revenue": sum((r["revenue"] for r in rows), money(0)),
        "downtime_hours": sum((r["downtime_hours"] for r in rows), hours(0)),
        "purchase_cost": sum((r["purchase_cost"] or 0 for r in rows), money(0)),
        "lifetime_revenue": sum((r["lifetime_revenue"] for r in rows), money(0)),
    }
    costed = [r for r in rows if r["purchase_cost"]]
    cost_sum = sum((r["purchase_cost"] for r in costed), money(0))
    total["roi"] = percent(sum(r["lifetime_revenue"] for r in costed) - cost_sum, cost_sum)
    return [
        Table(
            key="per_unit",
            title=_("Per unit"),
            columns=[
                Column("unit", _("Unit"), TEXT),
                Column("model", _("Model"), TEXT),
                Column("category", _("Category"), TEXT),
                Column("times_rented", _("Times rented"), INT, summed=True),
                Column("rented_hours", _("Rented hours"), HOURS, summed=True),
                Column("revenue", _("Revenue"), MONEY, summed=True),
                Column("downtime_hours", _("Downtime hours"), HOURS, summed=True),
                Column("acquired_on", _("Acquired on"), TEXT),
                Column("purchase_cost", _("Purchase cost"), MONEY, summed=True),
                Column("lifetime_revenue", _("Revenue since purchase"), MONEY, summed=True),
                Column("roi", _("Return on investment"), PERCENT),
            ],
            rows=rows,
            total=total,
            chart_x="unit",
            chart_series=["revenue"],
            note=_(
                "Revenue: the rent of contracts handed over in the period and their late-return "
                "charges. Return on investment: (revenue since purchase − purchase cost) ÷ "
                "purchase cost. The chart shows the 20 units that earned most."
            ),
        )
    ]


# Every sum is grouped by the bucket a row falls in (width_bucket over the buckets' starts: 0
# before the period), so each table is read once. Outstanding at a bucket's end is each
# contract's running balance carried to the buckets until its next movement.
REVENUE_SQL = """
WITH b(bucket, lo, hi, i) AS (SELECT * FROM {buckets} WITH ORDINALITY),
k AS (SELECT id FROM contracts_contract WHERE %(tier)s::text IS NULL OR tier = %(tier)s),
moves AS (
    SELECT contract_id, width_bucket(created_at, %(los)s::timestamptz[]) AS i, kind, amount
    FROM contracts_charge
    WHERE created_at < %(end)s AND (%(tier)s::text IS NULL OR contract_id IN (SELECT id FROM k))
    UNION ALL
    SELECT contract_id, width_bucket(received_at, %(los)s::timestamptz[]), 'payment', -amount
    FROM contracts_payment
    WHERE received_at < %(end)s AND (%(tier)s::text IS NULL OR contract_id IN (SELECT id FROM k))
),
per_bucket AS (
    SELECT i,
           sum(amount) FILTER (WHERE kind = 'rent') AS rent,
           sum(amount) FILTER (WHERE kind IN ('delivery', 'pickup')) AS trips,
           sum(amount) FILTER (WHERE kind = 'service') AS repair,
           sum(amount) FILTER (WHERE kind = 'late_return') AS late_return,
           sum(amount) FILTER (WHERE kind = 'damage') AS damage,
           sum(amount) FILTER (WHERE kind = 'adjustment') AS adjustment,
           sum(amount) FILTER (WHERE kind <> 'payment') AS charged,
           -sum(amount) FILTER (WHERE kind = 'payment') AS collected
    FROM moves WHERE i > 0 GROUP BY i
),
balances AS (
    SELECT contract_id, i,
           sum(sum(amount)) OVER (PARTITION BY contract_id ORDER BY i) AS balance,
           lead(i, 1, %(count)s + 1) OVER (PARTITION BY contract_id ORDER BY i) AS next_i
    FROM moves GROUP BY contract_id, i
),
owed AS (
    SELECT b.i, sum(greatest(balances.balance, 0)) AS outstanding
    FROM balances JOIN b ON b.i >= balances.i AND b.i < balances.next_i
    GROUP BY b.i
)
SELECT b.bucket, p.rent, p.trips, p.repair, p.late_return, p.damage, p.adjustment, p.charged,
       p.collected, owed.outstanding
FROM b LEFT JOIN per_bucket p ON p.i = b.i LEFT JOIN owed ON owed.i = b.i
ORDER BY b.i
"""

REVENUE_KINDS = ("rent", "trips", "repair", "late_return", "damage", "adjustment")

# The same for every tier at once, a row per piece of a week and tier, for the rollup.
REVENUE_REFRESH_SQL = """
WITH b(bucket, lo, hi, i) AS (SELECT * FROM {buckets} WITH ORDINALITY),
moves AS (
    SELECT c.contract_id, k.tier, width_bucket(c.created_at, %(los)s::timestamptz[]) AS i,
           c.kind, c.amount
    FROM contracts_charge c JOIN contracts_contract k ON k.id = c.contract_id
    WHERE c.created_at < %(end)s
    UNION ALL
    SELECT p.contract_id, k.tier, width_bucket(p.received_at, %(los)s::timestamptz[]),
           'payment', -p.amount
    FROM contracts_payment p JOIN contracts_contract k ON k.id = p.contract_id
    WHERE p.received_at < %(end)s
),
per_bucket AS (
    SELECT i, tier,
           sum(amount) FILTER (WHERE kind = 'rent') AS rent,
           sum(amount) FILTER (WHERE kind IN ('delivery', 'pickup')) AS trips,
           sum(amount) FILTER (WHERE kind = 'service') AS repair,
           sum(amount) FILTER (WHERE kind = 'late_return') AS late_return,
           sum(amount) FILTER (WHERE kind = 'damage') AS damage,
           sum(amount) FILTER (WHERE kind = 'adjustment') AS adjustment,
           sum(amount) FILTER (WHERE kind <> 'payment') AS charged,
           -sum(amount) FILTER (WHERE kind = 'payment') AS collected
    FROM moves WHERE i > 0 GROUP BY i, tier
),
balances AS (
    SELECT contract_id, tier, i,
           sum(sum(amount)) OVER (PARTITION BY contract_id ORDER BY i) AS balance,
           lead(i, 1, %(count)s + 1) OVER (PARTITION BY contract_id ORDER BY i) AS next_i
    FROM moves GROUP BY contract_id, tier, i
),
owed AS (
    SELECT b.i, balances.tier, sum(greatest(balances.balance, 0)) AS outstanding
    FROM balances JOIN b ON b.i >= balances.i AND b.i < balances.next_i
    GROUP BY b.i, balances.tier
),
tiers AS (SELECT DISTINCT tier FROM moves)
INSERT INTO contracts_revenuepiece (day, tier, rent, trips, repair, late_return, damage,
    adjustment, charged, collected, outstanding, computed_until)
SELECT b.bucket::date, t.tier, coalesce(p.rent, 0), coalesce(p.trips, 0), coalesce(p.repair, 0),
       coalesce(p.late_return, 0), coalesce(p.damage, 0), coalesce(p.adjustment, 0),
       coalesce(p.charged, 0), coalesce(p.collected, 0), coalesce(owed.outstanding, 0), %(now)s
FROM b CROSS JOIN tiers t
LEFT JOIN per_bucket p ON p.i = b.i AND p.tier = t.tier
LEFT JOIN owed ON owed.i = b.i AND owed.tier = t.tier
ON CONFLICT (day, tier) DO UPDATE SET
    rent = EXCLUDED.rent, trips = EXCLUDED.trips, repair = EXCLUDED.repair,
    late_return = EXCLUDED.late_return, damage = EXCLUDED.damage,
    adjustment = EXCLUDED.adjustment, charged = EXCLUDED.charged, collected = EXCLUDED.collected,
    outstanding = EXCLUDED.outstanding, computed_until = EXCLUDED.computed_until
"""

# The weeks or months from the pieces: sums, and what was owed at the end of the last piece.
REVENUE_ROLLUP_SQL = """
WITH b(bucket, i) AS (SELECT * FROM unnest(%(keys)s::text[]) WITH ORDINALITY),
p AS (
    SELECT {key} AS bucket, day, sum(rent) AS rent, sum(trips) AS trips, sum(repair) AS repair,
           sum(late_return) AS late_return, sum(damage) AS damage,
           sum(adjustment) AS adjustment, sum(charged) AS charged, sum(collected) AS collected,
           sum(outstanding) AS outstanding
    FROM contracts_revenuepiece
    WHERE day >= %(first)s AND day <= %(last)s AND (%(tier)s::text IS NULL OR tier = %(tier)s)
    GROUP BY day
),
r AS (
    SELECT bucket, sum(rent) AS rent, sum(trips) AS trips, sum(repair) AS repair,
           sum(late_return) AS late_return, sum(damage) AS damage,
           sum(adjustment) AS adjustment, sum(charged) AS charged, sum(collected) AS collected,
           (array_agg(outstanding ORDER BY day DESC))[1] AS outstanding
    FROM p GROUP BY bucket
)
SELECT b.bucket, r.rent, r.trips, r.repair, r.late_return, r.damage, r.adjustment, r.charged,
       r.collected, r.outstanding
FROM b LEFT JOIN r ON r.bucket = b.bucket
ORDER BY b.i
"""


def revenue(
    *,
    period: Period,
    grain: str = "month",
    tier: str | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """Charged per month by kind, collected (payments received), and outstanding at the end of
    each month: what customers owed then, contract by contract (an overpaid contract owes 0).
    Whole months the rollup holds are read from it."""
    now = now or timezone.now()
    buckets = period.buckets(grain)
    if reads_rollup("revenue", period, now, live):
        raw = fetch(
            REVENUE_ROLLUP_SQL.format(key=BUCKET_KEY_SQL[grain].format(day="day")),
            {
                "keys": [b.key for b in buckets],
                "first": period.first,
                "last": period.last,
                "tier": tier,
            },
        )
    else:
        raw = fetch(
            REVENUE_SQL.format(buckets=BUCKETS_SQL),
            {**bucket_arrays(buckets), "end": period.end, "tier": tier, "count": len(buckets)},
        )
    keys = (*REVENUE_KINDS, "charged", "collected", "outstanding")
    rows = [{"bucket": r["bucket"], **{k: money(r[k]) for k in keys}} for r in raw]
    total = {k: sum((r[k] for r in rows), money(0)) for k in keys if k != "outstanding"}
    total["outstanding"] = rows[-1]["outstanding"] if rows else money(0)
    return [
        Table(
            key="revenue",
            title=_("Revenue per month") if grain == "month" else _("Revenue per week"),
            columns=[
                Column("bucket", pgettext_lazy("report", "Period"), TEXT),
                Column("rent", _("Rent"), MONEY, summed=True),
                Column("trips", _("Delivery and pickup"), MONEY, summed=True),
                Column("repair", _("Repairs"), MONEY, summed=True),
                Column("late_return", _("Late return"), MONEY, summed=True),
                Column("damage", _("Damage"), MONEY, summed=True),
                Column("adjustment", _("Adjustments"), MONEY, summed=True),
                Column("charged", _("Charged"), MONEY, summed=True),
                Column("collected", _("Collected"), MONEY, summed=True),
                Column("outstanding", _("Outstanding at the end"), MONEY),
            ],
            rows=rows,
            total=total,
            chart_x="bucket",
            chart_series=[*REVENUE_KINDS[:5], "collected"],
            chart_kind="stack+line",
            note=_(
                "Charged: charges added in the period, by kind. Collected: payments received in "
                "it. Outstanding: what customers still owed at the end of the period; the total "
                "row shows it at the end of the last one."
            ),
        )
    ]


# One pass over the ledger: each entry falls in a bucket (0 before the period); what is held at
# a bucket's end is every net movement up to it, the ones before the period included.
DEPOSITS_SQL = """
WITH b(bucket, lo, hi, i) AS (SELECT * FROM {buckets} WITH ORDINALITY),
d AS (
    SELECT width_bucket(e.recorded_at, %(los)s::timestamptz[]) AS i, e.kind, e.amount
    FROM contracts_depositentry e
    WHERE e.recorded_at < %(end)s
      AND (%(tier)s::text IS NULL OR e.contract_id IN (
          SELECT id FROM contracts_contract WHERE tier = %(tier)s))
),
per AS (
    SELECT i,
           sum(amount) FILTER (WHERE kind = 'collected') AS collected,
           sum(amount) FILTER (WHERE kind = 'refunded') AS refunded,
           sum(amount) FILTER (WHERE kind = 'deducted') AS deducted,
           sum(CASE WHEN kind = 'collected' THEN amount ELSE -amount END) AS net
    FROM d GROUP BY i
)
SELECT b.bucket, per.collected, per.refunded, per.deducted,
       (SELECT sum(p.net) FROM per p WHERE p.i <= b.i) AS held
FROM b LEFT JOIN per ON per.i = b.i
ORDER BY b.i
"""


def deposits(*, period: Period, grain: str = "month", tier: str | None = None) -> list[Table]:
    """Deposit money per month — collected, refunded, deducted — and held at each month's end:
    what the company owes back to its customers then."""
    buckets = period.buckets(grain)
    raw = fetch(
        DEPOSITS_SQL.format(buckets=BUCKETS_SQL),
        {**bucket_arrays(buckets), "end": period.end, "tier": tier},
    )
    keys = ("collected", "refunded", "deducted", "held")
    rows = [{"bucket": r["bucket"], **{k: money(r[k]) for k in keys}} for r in raw]
    total = {k: sum((r[k] for r in rows), money(0)) for k in keys[:3]}
    total["held"] = rows[-1]["held"] if rows else money(0)
    return [
        Table(
            key="deposits",
            title=_("Deposits per month") if grain == "month" else _("Deposits per week"),
            columns=[
                Column("bucket", pgettext_lazy("report", "Period"), TEXT),
                Column("collected", _("Collected"), MONEY, summed=True),
                Column("refunded", _("Refunded"), MONEY, summed=True),
                Column("deducted", _("Deducted"), MONEY, summed=True),
                Column("held", _("Held at the end"), MONEY),
            ],
            rows=rows,
            total=total,
            chart_x="bucket",
            chart_series=["collected", "refunded", "deducted", "held"],
            chart_kind="bar+line",
            note=_(
                "Held: deposits collected and not yet refunded or deducted — money the company "
                "owes back. The total row shows what is held at the end of the period."
            ),
        )
    ]


LATE_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets})
SELECT b.bucket, count(cu.id) AS returned,
       count(cu.id) FILTER (WHERE cu.returned_at > k.ends_at) AS late,
       avg(extract(epoch FROM cu.returned_at - k.ends_at) / 3600)
           FILTER (WHERE cu.returned_at > k.ends_at) AS avg_late_h,
       coalesce(sum(late.amount), 0) AS late_charges,
       count(cu.id) FILTER (WHERE cu.return_condition = 'damaged') AS damaged
FROM b
LEFT JOIN (
    contracts_contractunit cu
    JOIN contracts_contract k ON k.id = cu.contract_id
    JOIN catalog_asset a ON a.id = cu.asset_id
    JOIN catalog_equipmentmodel m ON m.id = a.model_id
    LEFT JOIN ({late}) late ON late.unit_id = cu.id
) ON cu.returned_at >= b.lo AND cu.returned_at < b.hi
    -- filtered in the join, so a month without such returns still has its row of zeros
    AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
    AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
    AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
GROUP BY b.bucket, b.lo
ORDER BY b.lo
"""

# Units returned per piece of a week, model and depot, for the rollup.
RETURNS_REFRESH_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets})
INSERT INTO contracts_returnpiece (day, model_id, depot_id, returned, late, late_seconds,
    late_charges, damaged, computed_until)
SELECT b.bucket::date, a.model_id, a.depot_id, count(cu.id),
       count(cu.id) FILTER (WHERE cu.returned_at > k.ends_at),
       coalesce(sum(extract(epoch FROM cu.returned_at - k.ends_at))
                    FILTER (WHERE cu.returned_at > k.ends_at), 0),
       coalesce(sum(late.amount), 0),
       count(cu.id) FILTER (WHERE cu.return_condition = 'damaged'), %(now)s
FROM b
JOIN contracts_contractunit cu ON cu.returned_at >= b.lo AND cu.returned_at < b.hi
JOIN contracts_contract k ON k.id = cu.contract_id
JOIN catalog_asset a ON a.id = cu.asset_id
LEFT JOIN ({late}) late ON late.unit_id = cu.id
GROUP BY 1, 2, 3
ON CONFLICT (day, model_id, depot_id) DO UPDATE SET
    returned = EXCLUDED.returned, late = EXCLUDED.late, late_seconds = EXCLUDED.late_seconds,
    late_charges = EXCLUDED.late_charges, damaged = EXCLUDED.damaged,
    computed_until = EXCLUDED.computed_until
"""

RETURNS_ROLLUP_SQL = """
WITH b(bucket, i) AS (SELECT * FROM unnest(%(keys)s::text[]) WITH ORDINALITY),
r AS (
    SELECT {key} AS bucket, sum(rp.returned) AS returned, sum(rp.late) AS late,
           sum(rp.late_seconds) AS late_s, sum(rp.late_charges) AS late_charges,
           sum(rp.damaged) AS damaged
    FROM contracts_returnpiece rp
    JOIN catalog_equipmentmodel m ON m.id = rp.model_id
    WHERE rp.day >= %(first)s AND rp.day <= %(last)s
      AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
      AND (%(model)s::bigint IS NULL OR rp.model_id = %(model)s)
      AND (%(depot)s::bigint IS NULL OR rp.depot_id = %(depot)s)
    GROUP BY 1
)
SELECT b.bucket, coalesce(r.returned, 0) AS returned, coalesce(r.late, 0) AS late,
       r.late_s / 3600 / nullif(r.late, 0) AS avg_late_h,
       coalesce(r.late_charges, 0) AS late_charges, coalesce(r.damaged, 0) AS damaged
FROM b LEFT JOIN r ON r.bucket = b.bucket
ORDER BY b.i
"""

OVERDUE_SQL = """
SELECT k.number, cust.name AS customer, cust.phone, a.asset_tag, br.name || ' ' || m.name AS model,
       k.ends_at, extract(epoch FROM %(now)s - k.ends_at) / 3600 AS overdue_h
FROM contracts_contractunit cu
JOIN contracts_contract k ON k.id = cu.contract_id
JOIN contracts_customer cust ON cust.id = k.customer_id
JOIN catalog_asset a ON a.id = cu.asset_id
JOIN catalog_equipmentmodel m ON m.id = a.model_id
JOIN catalog_brand br ON br.id = m.brand_id
WHERE k.status = 'active' AND k.ends_at < %(now)s AND cu.returned_at IS NULL
  AND cu.handed_over_at IS NOT NULL
  AND (%(category)s::bigint IS NULL OR m.category_id = %(category)s)
  AND (%(model)s::bigint IS NULL OR a.model_id = %(model)s)
  AND (%(depot)s::bigint IS NULL OR a.depot_id = %(depot)s)
ORDER BY k.ends_at, k.number, a.asset_tag
"""


def returns(
    *,
    period: Period,
    grain: str = "month",
    category: int | None = None,
    model: int | None = None,
    depot: int | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """Units overdue now, and per month the units returned, how many late and by how long.
    Whole months the rollup holds are read from it; the overdue units always from the facts."""
    now = now or timezone.now()
    filters = {"category": category, "model": model, "depot": depot}
    buckets = period.buckets(grain)
    if reads_rollup("returns", period, now, live):
        raw = fetch(
            RETURNS_ROLLUP_SQL.format(key=BUCKET_KEY_SQL[grain].format(day="rp.day")),
            {
                "keys": [b.key for b in buckets],
                "first": period.first,
                "last": period.last,
                **filters,
            },
        )
    else:
        raw = fetch(
            LATE_SQL.format(buckets=BUCKETS_SQL, late=LATE_CHARGES),
            {**bucket_arrays(buckets), **filters},
        )
    rows = [
        {
            "bucket": r["bucket"],
            "returned": r["returned"],
            "late": r["late"],
            "late_share": percent(r["late"], r["returned"]),
            "avg_late_hours": hours(r["avg_late_h"]) if r["avg_late_h"] is not None else None,
            "late_charges": money(r["late_charges"]),
            "damaged": r["damaged"],
        }
        for r in raw
    ]
    returned, late = sum(r["returned"] for r in rows), sum(r["late"] for r in rows)
    total = {
        "returned": returned,
        "late": late,
        "late_share": percent(late, returned),
        "late_charges": sum((r["late_charges"] for r in rows), money(0)),
        "damaged": sum(r["damaged"] for r in rows),
    }
    overdue = [
        {
            "contract": r["number"],
            "customer": r["customer"],
            "phone": r["phone"],
            "unit": r["asset_tag"],
            "model": r["model"],
            "ends_at": r["ends_at"],
            "overdue_hours": hours(r["overdue_h"]),
        }
        for r in fetch(OVERDUE_SQL, {"now": now, **filters})
    ]
    return [
        Table(
            key="late_returns",
            title=_("Returns per month") if grain == "month" else _("Returns per week"),
            columns=[
                Column("bucket", pgettext_lazy("report", "Period"), TEXT),
                Column("returned", _("Units returned"), INT, summed=True),
                Column("late", _("Returned late"), INT, summed=True),
                Column("late_share", _("Share late"), PERCENT),
                Column("avg_late_hours", _("Average hours late"), HOURS),
                Column("late_charges", _("Late-return charges"), MONEY, summed=True),
                Column("damaged", _("Returned damaged"), INT, summed=True),
            ],
            rows=rows,
            total=total,
            chart_x="bucket",
            chart_series=["returned", "late", "late_share"],
            chart_kind="bar+line",
        ),
        Table(
            key="overdue",
            title=_("Overdue now"),
            columns=[
                Column("contract", _("Contract"), TEXT),
                Column("customer", _("Customer"), TEXT),
                Column("phone", _("Phone"), TEXT),
                Column("unit", _("Unit"), TEXT),
                Column("model", _("Model"), TEXT),
                Column("ends_at", _("Due back"), "datetime"),
                Column("overdue_hours", _("Hours overdue"), HOURS),
            ],
            rows=overdue,
            total={"contract": len(overdue)},
        ),
    ]


CUSTOMERS_SQL = """
WITH k AS (
    SELECT id, customer_id FROM contracts_contract
    WHERE %(tier)s::text IS NULL OR tier = %(tier)s
),
spend AS (
    SELECT k.customer_id, sum(c.amount) AS charged, count(DISTINCT c.contract_id) AS contracts
    FROM contracts_charge c JOIN k ON k.id = c.contract_id
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
    GROUP BY k.customer_id
)
SELECT cust.id, cust.name, cust.kind, spend.charged, spend.contracts
FROM spend JOIN contracts_customer cust ON cust.id = spend.customer_id
ORDER BY spend.charged DESC, cust.name
"""

# The same from the rollup: each contract's months in the period, summed per contract first and
# then per customer (both hashed; a count(DISTINCT) would sort every row).
CUSTOMERS_ROLLUP_SQL = """
WITH per_contract AS (
    SELECT customer_id, contract_id, sum(charged) AS charged
    FROM contracts_contractmonth
    WHERE month = ANY(%(months)s::date[]) AND (%(tier)s::text IS NULL OR tier = %(tier)s)
    GROUP BY customer_id, contract_id
),
spend AS (
    SELECT customer_id, sum(charged) AS charged, count(*) AS contracts
    FROM per_contract GROUP BY customer_id
)
SELECT cust.id, cust.name, cust.kind, spend.charged, spend.contracts
FROM spend JOIN contracts_customer cust ON cust.id = spend.customer_id
ORDER BY spend.charged DESC, cust.name
"""

CONTRACT_MONTHS_REFRESH_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets})
INSERT INTO contracts_contractmonth (contract_id, customer_id, tier, month, charged)
SELECT k.id, k.customer_id, k.tier, to_date(b.bucket, 'YYYY-MM'), sum(c.amount)
FROM b
JOIN contracts_charge c ON c.created_at >= b.lo AND c.created_at < b.hi
JOIN contracts_contract k ON k.id = c.contract_id
GROUP BY 1, 2, 3, 4
ON CONFLICT (contract_id, month) DO UPDATE SET
    customer_id = EXCLUDED.customer_id, tier = EXCLUDED.tier, charged = EXCLUDED.charged
"""

NEW_CUSTOMERS_SQL = """
WITH b(bucket, lo, hi) AS (SELECT * FROM {buckets})
SELECT b.bucket, count(c.id) FILTER (WHERE c.kind = 'company') AS companies,
       count(c.id) FILTER (WHERE c.kind = 'individual') AS individuals
FROM b LEFT JOIN contracts_customer c ON c.created_at >= b.lo AND c.created_at < b.hi
GROUP BY b.bucket, b.lo ORDER BY b.lo
"""

TOP = 20


def customers(
    *,
    period: Period,
    grain: str = "month",
    tier: str | None = None,
    now: datetime | None = None,
    live: bool = False,
) -> list[Table]:
    """The top customers by what they were charged in the period, companies against
    individuals, and new customers per month. Whole months the rollup holds are read from it."""
    from .models import Customer

    now = now or timezone.now()
    params = {"start": period.start, "end": period.end, "tier": tier, "months": months_of(period)}
    if reads_rollup("customers", period, now, live):
        people = fetch(CUSTOMERS_ROLLUP_SQL, params)
    else:
        people = fetch(CUSTOMERS_SQL, params)
    kinds = dict(Customer.Kind.choices)
    # Companies against individuals, summed from the same rows (one query fewer).
    split: dict[str, dict] = {}
    for r in people:
        entry = split.setdefault(r["kind"], {"charged": money(0), "customers": 0, "contracts": 0})
        entry["charged"] += money(r["charged"])
        entry["customers"] += 1
        entry["contracts"] += r["contracts"]
    everyone = sum((v["charged"] for v in split.values()), money(0))
    split_rows = [
        {
            "kind": str(kinds[kind]),
            "customers": split[kind]["customers"],
            "contracts": split[kind]["contracts"],
            "charged": split[kind]["charged"],
            "share": percent(split[kind]["charged"], everyone),
        }
        for kind in ("company", "individual")
        if kind in split
    ]
    top = [
        {
            "customer": r["name"],
            "kind": str(kinds[r["kind"]]),
            "contracts": r["contracts"],
            "charged": money(r["charged"]),
            "share": percent(r["charged"], everyone),
        }
        for r in people[:TOP]
    ]
    buckets = period.buckets(grain)
    new = fetch(NEW_CUSTOMERS_SQL.format(buckets=BUCKETS_SQL), bucket_arrays(buckets))
    new_rows = [
        {
            "bucket": r["bucket"],
            "companies": r["companies"],
            "individuals": r["individuals"],
            "new": r["companies"] + r["individuals"],
        }
        for r in new
    ]
    return [
        Table(
            key="top",
            title=_("Top %(n)s customers by revenue") % {"n": TOP},
            columns=[
                Column("customer", _("Customer"), TEXT),
                Column("kind", _("Customer type"), TEXT),
                Column("contracts", _("Contracts"), INT, summed=True),
                Column("charged", _("Revenue"), MONEY, summed=True),
                Column("share", _("Share of revenue"), PERCENT),
            ],
            rows=top,
            chart_x="customer",
            chart_series=["charged"],
            chart_kind="hbar",
        ),
        Table(
            key="kinds",
            title=_("Companies and individuals"),
            columns=[
                Column("kind", _("Customer type"), TEXT),
                Column("customers", _("Customers"), INT, summed=True),
                Column("contracts", _("Contracts"), INT, summed=True),
                Column("charged", _("Revenue"), MONEY, summed=True),
                Column("share", _("Share of revenue"), PERCENT),
            ],
            rows=split_rows,
            total={
                "customers": sum(r["customers"] for r in split_rows),
                "contracts": sum(r["contracts"] for r in split_rows),
                "charged": everyone,
                "share": percent(everyone, everyone),
            },
            chart_x="kind",
            chart_series=["charged"],
            chart_kind="pie",
        ),
        Table(
            key="new",
            title=_("New customers per month") if grain == "month" else _("New customers per week"),
            columns=[
                Column("bucket", pgettext_lazy("report", "Period"), TEXT),
                Column("companies", _("Companies"), INT, summed=True),
                Column("individuals", _("Individuals"), INT, summed=True),
                Column("new", _("New customers"), INT, summed=True),
            ],
            rows=new_rows,
            total={k: sum(r[k] for r in new_rows) for k in ("companies", "individuals", "new")},
            chart_x="bucket",
            chart_series=["companies", "individuals"],
            chart_kind="stack",
        ),
    ]


# --- Refreshing the rollups (rental/operations/rollups.py runs these) ----------------------


def _month_buckets(months: list, now: datetime) -> list[Bucket]:
    out = []
    for month in months:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        start, end = midnight(month), min(midnight(following), now)
        if start < end:
            out.append(Bucket(key=f"{month:%Y-%m}", start=start, end=end))
    return out


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# The rows of the months refreshed go first, so a cell that no longer has facts does not stay.
DELETE_MONTHS_SQL = {
    "customers": (
        "DELETE FROM contracts_contractmonth WHERE month >= %(first)s AND month < %(following)s"
    ),
    "revenue": "DELETE FROM contracts_revenuepiece WHERE day >= %(first)s AND day < %(following)s",
    "returns": "DELETE FROM contracts_returnpiece WHERE day >= %(first)s AND day < %(following)s",
}


def _delete_months(name: str, months: list) -> None:
    following = (max(months).replace(day=28) + timedelta(days=4)).replace(day=1)
    _execute(DELETE_MONTHS_SQL[name], {"first": min(months), "following": following})


def unit_month_rentals_refresh(*, months: list, now: datetime) -> int:
    """The per-unit rollup of these months, for every unit (idempotent: an upsert)."""
    buckets = _month_buckets(months, now)
    if not buckets:
        return 0
    sql = PER_UNIT_REFRESH_SQL.format(buckets=BUCKETS_SQL, counted=COUNTED, late=LATE_CHARGES)
    rows = _execute(sql, {**bucket_arrays(buckets), "end": buckets[-1].end, "now": now})
    rollup_mark("per_unit", [b.start.date() for b in buckets], now)
    return rows


def revenue_pieces_refresh(*, months: list, now: datetime) -> int:
    """The revenue rollup of these months (whole and in a row: the running balances need every
    piece between the first and the last)."""
    months = span(months)
    pieces = month_pieces(months, now)
    if not pieces:
        return 0
    _delete_months("revenue", months)
    sql = REVENUE_REFRESH_SQL.format(buckets=BUCKETS_SQL)
    rows = _execute(
        sql, {**bucket_arrays(pieces), "end": pieces[-1].end, "count": len(pieces), "now": now}
    )
    rollup_mark("revenue", sorted({p.start.date().replace(day=1) for p in pieces}), now)
    return rows


def return_pieces_refresh(*, months: list, now: datetime) -> int:
    pieces = month_pieces(months, now)
    if not pieces:
        return 0
    _delete_months("returns", months)
    sql = RETURNS_REFRESH_SQL.format(buckets=BUCKETS_SQL, late=LATE_CHARGES)
    rows = _execute(sql, {**bucket_arrays(pieces), "now": now})
    rollup_mark("returns", sorted({p.start.date().replace(day=1) for p in pieces}), now)
    return rows


def contract_months_refresh(*, months: list, now: datetime) -> int:
    """The customers rollup of these months: what each contract was charged in each."""
    buckets = _month_buckets(sorted({m.replace(day=1) for m in months}), now)
    if not buckets:
        return 0
    _delete_months("customers", [b.start.date() for b in buckets])
    sql = CONTRACT_MONTHS_REFRESH_SQL.format(buckets=BUCKETS_SQL)
    rows = _execute(sql, bucket_arrays(buckets))
    rollup_mark("customers", [b.start.date() for b in buckets], now)
    return rows
