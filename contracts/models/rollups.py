"""Rollups the money and rental reports read for whole months instead of the raw rows.

Each is written only by its refresh in contracts/reports.py — an idempotent statement over the
insert-only money tables and the contract units, run by the Celery tasks of
rental/operations/rollups.py — and holds figures, never facts of its own: deleting a rollup loses
nothing that a refresh cannot rebuild.
"""

from __future__ import annotations

from django.db import models

MONEY = {"max_digits": 12, "decimal_places": 2}


class UnitMonthRental(models.Model):
    """One unit's rentals in one month, for the per-unit report: handed over (times and
    revenue), hours out on contracts and hours down, and its revenue since purchase up to the
    end of the month (or the refresh, for the current month)."""

    asset = models.ForeignKey("catalog.Asset", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    times_rented = models.IntegerField()
    rented_seconds = models.BigIntegerField()
    down_seconds = models.BigIntegerField()
    revenue = models.DecimalField(**MONEY)
    lifetime_revenue = models.DecimalField(**MONEY)
    computed_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "month"], name="contracts_unit_month_once")
        ]
        indexes = [models.Index(fields=["month"], name="contracts_unit_month_month")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.month:%Y-%m}"


class RevenuePiece(models.Model):
    """Money of the contracts of one tier in one piece of a week (cut at the months' edges):
    charged by kind, collected, and what customers owed at the piece's end."""

    day = models.DateField()  # the piece's first day
    tier = models.CharField(max_length=20)
    rent = models.DecimalField(**MONEY)
    trips = models.DecimalField(**MONEY)
    repair = models.DecimalField(**MONEY)
    late_return = models.DecimalField(**MONEY)
    damage = models.DecimalField(**MONEY)
    adjustment = models.DecimalField(**MONEY)
    charged = models.DecimalField(**MONEY)
    collected = models.DecimalField(**MONEY)
    outstanding = models.DecimalField(**MONEY)
    computed_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "tier"], name="contracts_revenue_piece_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.tier}"


class ReturnPiece(models.Model):
    """Units of one model and depot returned in one piece of a week: how many, how many late
    and by how long in all, their late-return charges, how many damaged."""

    day = models.DateField()
    model = models.ForeignKey("catalog.EquipmentModel", on_delete=models.CASCADE, related_name="+")
    depot = models.ForeignKey("catalog.Depot", on_delete=models.CASCADE, related_name="+")
    returned = models.IntegerField()
    late = models.IntegerField()
    late_seconds = models.FloatField()
    late_charges = models.DecimalField(**MONEY)
    damaged = models.IntegerField()
    computed_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "model", "depot"], name="contracts_return_piece_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.model_id} {self.depot_id}"


class ContractMonth(models.Model):
    """What one contract was charged in one month, with its customer and tier beside it, for
    the customers report: the top customers and their number of contracts over any months."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("contracts.Customer", on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=20)
    month = models.DateField()
    charged = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month"], name="contracts_contract_month_once"
            )
        ]
        indexes = [models.Index(fields=["month"], name="contracts_contract_month_month")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month:%Y-%m}"
