"""Model choices for the service tiers and zones whose rules live in service_tickets."""

from django.utils.translation import gettext_lazy

from service_tickets.terms import TIER_LABELS, ZONE_LABELS, ZONES

__all__ = ["TIER_CHOICES", "ZONES", "ZONE_CHOICES"]

TIER_CHOICES = [(tier, gettext_lazy(label)) for tier, label in TIER_LABELS.items()]
ZONE_CHOICES = [(zone, gettext_lazy(label)) for zone, label in ZONE_LABELS.items()]
