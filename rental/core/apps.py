from axes.apps import AppConfig as _AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rental.core"
    label = "core"
    # Two AppConfigs live in this module: without `default` Django would use neither, and the
    # console would show the untranslated label.
    default = True
    verbose_name = _("Core")


class AxesConfig(_AxesAppConfig):
    """django-axes with a name staff can read in both languages (its own is the bare "Axes")."""

    verbose_name = _("Sign-in lock-outs")
