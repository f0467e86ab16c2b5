"""Form fields with the bounds every person-typed value needs, so a refusal is a message on the
form and never an overflow further on (a date in year 9999, ¥9,999,999,999.99)."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

import jinja2
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.renderers import Jinja2
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .params import MAX_YEAR, MIN_YEAR


def jinja_environment(**options) -> jinja2.Environment:
    """Jinja2 with Django's translations: `_("…")` in a template is gettext in the active
    language (and `make messages` extracts it from *.jinja files like from our other templates)."""
    options = {key: value for key, value in options.items() if key != "autoescape"}
    environment = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)
    return environment


class FastRenderer(Jinja2):
    """Widgets, labels and error lists drawn by Jinja2 from Django's own jinja2 form templates
    (the same markup, about twice as fast as the template language, which renders every <option>
    and radio button through an {% include %}), and a form's own part of its page from a
    templates/**.jinja file named by the form's `template_name`."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [Path(forms.__file__).parent / "jinja2", settings.BASE_DIR / "templates"],
                "NAME": "rental-forms",
                "OPTIONS": {"environment": "rental.core.forms.jinja_environment"},
            }
        )


# One instance, so its environment is built once per process. For the forms of our own pages; the
# console's (admin) widgets have no Jinja2 templates.
FAST_RENDERER = FastRenderer()


class QuickSelect(forms.Select):
    """A <select> of plain choices (no groups) drawn in Python: the markup of Django's, without a
    template render per <option>, for the long fixed lists of pages shown again on every refusal
    (the 24 hours of the reservation form)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = frozenset(str(v) for v in self.format_value(value))
        # Labels as text in the active language, so the drawn list is kept per language.
        options = _options(tuple((str(v), str(label)) for v, label in self.choices), chosen)
        attributes = format_html_join(
            "",
            "{}{}",
            (
                (f" {key}", "" if value is True else format_html('="{}"', value))
                for key, value in self.build_attrs(self.attrs, attrs).items()
                if value is not False and value is not None
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


@lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], chosen: frozenset[str]) -> SafeString:
    """The <option>s of a list, drawn once per list, language and choice: the same few lists
    (24 hours, one chosen) are shown on every form page."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((choice, " selected" if choice in chosen else "", label) for choice, label in choices),
    )


class _SharedChoices:
    """Choices that every form made from the class shares: Django deep-copies a choice field's
    list for each form it makes, some 200 copies per reservation form of lists nothing changes
    (README, "Performance"). A form may still give a field other choices by assigning them; changing
    the shared list in place would change it for every form."""

    def __deepcopy__(self, memo):
        # forms.Field's copy, but the widget's too is shallow: a deep copy would normalise its
        # choices again. Assigning choices rebinds the copy's lists, never the shared ones.
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class SharedChoiceField(_SharedChoices, forms.ChoiceField):
    pass


class SharedTypedChoiceField(_SharedChoices, forms.TypedChoiceField):
    pass


# The most money anyone types in one field: no payment, deposit, fee or damage of ours is larger.
MAX_MONEY = Decimal("1000000.00")


def _check_year(value):
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            _("Enter a date between %(low)s and %(high)s."),
            code="year_out_of_range",
            params={"low": MIN_YEAR, "high": MAX_YEAR},
        )
    return value


class BoundedDateField(forms.DateField):
    def to_python(self, value):
        try:
            return _check_year(super().to_python(value))
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class BoundedDateTimeField(forms.DateTimeField):
    def to_python(self, value):
        try:
            return _check_year(super().to_python(value))
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class MoneyField(forms.DecimalField):
    """CNY with two decimals, from `min_value` (0 by default) up to ¥1,000,000."""

    def __init__(self, *, max_value=MAX_MONEY, min_value=Decimal("0"), **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)
