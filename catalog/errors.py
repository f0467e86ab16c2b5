from datetime import datetime

from django.utils.translation import gettext as _

from rental.core.errors import ApplicationError, Conflict
from rental.core.timeutil import local


class CatalogError(ApplicationError):
    pass


class NotEnoughUnits(Conflict):
    """Fewer units are free than asked for; says how many are, and when the next one frees up."""

    def __init__(self, *, model, wanted: int, free: int, next_free_at: datetime | None):
        facts = {"free": free, "wanted": wanted, "model": model}
        if next_free_at is None:
            message = (
                _("Only %(free)s of the %(wanted)s units of %(model)s you asked for are free.")
                % facts
            )
        else:
            # One sentence pair to translate: Chinese runs its sentences on without a space.
            message = _(
                "Only %(free)s of the %(wanted)s units of %(model)s you asked for are free. "
                "%(wanted)s units are free for the same length of time from %(when)s."
            ) % {**facts, "when": f"{local(next_free_at):%Y-%m-%d %H:%M}"}
        super().__init__(
            message,
            code="not_enough_units",
            extra={"free": free, "wanted": wanted, "next_free_at": next_free_at},
        )
        self.free = free
        self.wanted = wanted
        self.next_free_at = next_free_at
