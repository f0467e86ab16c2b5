"""The service report's rollup: repair tickets of one piece of a week (cut at the months' edges),
tier, zone and technician, with the outcomes they recorded.

The minutes to arrive and to resolve are kept as arrays, not summarised: a median or a 90th
percentile of several cells cannot be made from the cells' own medians, and unnesting a few
thousand short arrays reads far fewer pages than the 100,000 ticket rows they stand for.
Written only by `service_tickets.reports.ticket_pieces_refresh`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class TicketPiece(models.Model):
    day = models.DateField()  # the piece's first day
    tier = models.CharField(max_length=20)
    zone = models.CharField(max_length=30)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    tickets = models.IntegerField()
    met = models.IntegerField()
    late = models.IntegerField()
    cancelled = models.IntegerField()
    late_minutes = models.BigIntegerField()  # the sum over late tickets that recorded it
    late_counted = models.IntegerField()  # how many those are
    arrive_minutes = ArrayField(models.IntegerField())
    resolve_minutes = ArrayField(models.FloatField())
    computed_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "tier", "zone", "technician"],
                name="service_tickets_piece_once",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["day"], name="service_tickets_piece_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.tier} {self.zone} {self.technician_id}"


class TicketMinutes(models.Model):
    """For the service report's percentiles without sorting every ticket: the minutes to arrive
    or to resolve of the repair tickets of one month (or, for the weekly figures, one piece of
    a week) that fell in one bin of five minutes, exact and sorted, per grouping the report shows
    — all tickets, or one tier, zone or technician. A percentile is then found by counting
    through the bins and reading only the values of the bin it falls in.
    Written only by `service_tickets.reports.ticket_pieces_refresh`."""

    class Dim(models.TextChoices):
        ALL = "all"
        TIER = "tier"
        ZONE = "zone"
        TECHNICIAN = "technician"

    class Measure(models.TextChoices):
        ARRIVE = "arrive"
        RESOLVE = "resolve"

    day = models.DateField()  # the month's first day, or the piece's
    whole_month = models.BooleanField()
    dim = models.CharField(max_length=20, choices=Dim.choices)
    key = models.CharField(max_length=30, blank=True)  # the tier, zone or technician id
    measure = models.CharField(max_length=10, choices=Measure.choices)
    minute = models.IntegerField()  # the bin's first minute
    values = ArrayField(models.FloatField())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "whole_month", "dim", "key", "measure", "minute"],
                name="service_tickets_minutes_once",
            )
        ]
        indexes = [models.Index(fields=["day"], name="service_tickets_minutes_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.dim} {self.key} {self.measure} {self.minute}"


class ServicePercentile(models.Model):
    """The unfiltered service report's percentiles for the period its page opens on (the last six
    months up to the day), per month and per week, as `TicketMinutes` gives them at the moment of
    a refresh. Every refresh replaces them with what the minutes it just wrote give, so they are
    never older than the minutes; a report over any other period finds them from the minutes.
    Written only by `service_tickets.reports.ticket_pieces_refresh`."""

    class Dim(models.TextChoices):
        BUCKET = "bucket"
        TOTAL = "total"
        TIER = "tier"
        ZONE = "zone"
        TECHNICIAN = "technician"

    first = models.DateField()
    last = models.DateField()
    whole_month = models.BooleanField()  # per month, else per week
    dim = models.CharField(max_length=20, choices=Dim.choices)
    key = models.CharField(max_length=30, blank=True)  # the bucket, tier, zone or technician id
    arrive_p50 = models.FloatField(null=True)
    arrive_p90 = models.FloatField(null=True)
    resolve_p50 = models.FloatField(null=True)
    resolve_p90 = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["first", "last", "whole_month", "dim", "key"],
                name="service_tickets_percentile_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first} {self.last} {self.dim} {self.key}"
