"""Publishing a new version of the service terms."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError

from ..models import TermsVersion
from ..selectors import terms_in_force
from ..terms import ServiceTerms


class TermsVersionError(ApplicationError):
    pass


def terms_version_create(
    *,
    changes: Mapping[str, Any],
    by,
    effective_from: datetime | None = None,
    note: str = "",
    base: ServiceTerms | None = None,
) -> TermsVersion:
    """Publish the next version: `base` (default: the latest version) with `changes` on top.

    Versions are numbered 1, 2, 3… under a lock, so two editors never get the same number;
    the new version applies from `effective_from` (default now) to contracts signed from then on.
    Existing versions are never changed (the database refuses it).
    """
    if not getattr(by, "is_staff_member", False):
        raise TermsVersionError(_("Only staff can change the service terms."), code="staff_only")
    changes = {key: value for key, value in changes.items() if key != "version"}
    effective_from = effective_from or timezone.now()
    with transaction.atomic():
        # One publisher at a time; readers go on. An advisory lock, because locking the table
        # itself in a mode that excludes writers needs UPDATE or DELETE rights on it, which the
        # app role does not have on an insert-only table (rental.core.dbroles).
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('terms-publish'))")
        latest = TermsVersion.objects.order_by("-version").first()
        number = (latest.version if latest else 0) + 1
        base = base or (latest.terms() if latest else terms_in_force())
        terms = base.with_overrides({**changes, "version": number})
        version = TermsVersion.objects.create(
            version=number,
            data=terms.to_dict(),
            effective_from=effective_from,
            note=note.strip()[:300],
            created_by=by,
        )
        audit.record(by, "service_tickets.terms.published", version, version=number, note=note)
    return version
