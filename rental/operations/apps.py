from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """The staff start page (Today) and the reports. They read every app's selectors, so they
    live above all three apps rather than in one of them; the figures themselves are computed
    by each app's `reports.py`."""

    name = "rental.operations"
    label = "operations"
    verbose_name = _("Operations")
