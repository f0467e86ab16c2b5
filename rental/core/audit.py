"""The audit trail: every service that changes something records an event here."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def record(actor, action: str, obj: models.Model, **data: Any) -> AuditEvent:
    """Record that `actor` (a user, or None for the system) did `action` to `obj`."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )


def record_many(actor, action: str, model: type[models.Model], ids, **data: Any) -> None:
    """Record the same action on many objects of one model in one INSERT."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action,
                object_type=model._meta.label_lower,
                object_id=str(pk),
                data=data,
            )
            for pk in ids
        ]
    )


def trail(obj: models.Model):
    """The events of one object, newest first."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
