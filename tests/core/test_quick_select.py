"""The reservation form's hour lists are drawn in Python (rental.core.forms.QuickSelect) and its
widgets by Jinja2: the page must read exactly as Django's own templates would draw it."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.translation import gettext_lazy

from contracts.forms import HOURS, ReservationForm
from rental.core.forms import QuickSelect
from tests.factories import CustomerFactory


def _tags(html: str) -> str:
    """The markup with the whitespace around tags, which HTML does not show, taken out."""
    return re.sub(r"\s*([<>])\s*", r"\1", html.strip())


@pytest.mark.parametrize("value", [None, 9, "9", "23", "", "not an hour"])
def test_the_quick_list_is_django_s_select_with_the_same_choice_selected(value):
    attrs = {"id": "id_start_hour", "required": True, "aria-invalid": "true"}

    quick = QuickSelect(choices=HOURS).render("start_hour", value, attrs)
    django = forms.Select(choices=HOURS).render("start_hour", value, attrs, DjangoTemplates())

    assert _tags(quick) == _tags(django)
    assert quick.count(" selected") == (1 if str(value) in {"9", "23"} else 0)


@pytest.mark.django_db
def test_the_reservation_form_reads_the_same_drawn_by_jinja2_as_by_django_templates():
    customer = CustomerFactory()
    data = {"start_date": "2027-03-01", "start_hour": "9", "fulfilment": "collection"}
    fast = ReservationForm(data, customer=customer)
    slow = ReservationForm(data, customer=customer, renderer=DjangoTemplates())
    fast.is_valid(), slow.is_valid()

    for name in ("start_date", "end_date", "fulfilment", "address", "tier"):
        assert _tags(str(fast[name])) == _tags(str(slow[name])), name
        assert _tags(fast[name].label_tag()) == _tags(slow[name].label_tag()), name
        assert _tags(str(fast[name].errors)) == _tags(str(slow[name].errors)), name


def test_the_quick_list_is_drawn_in_the_active_language_each_time():
    """Its options are kept once drawn; a list of translated labels is kept per language."""
    choices = [("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))]

    drawn = {}
    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            drawn.setdefault(language, set()).add(
                QuickSelect(choices=choices).render("answer", "1")
            )

    assert drawn["zh-hans"] == {
        '<select name="answer"><option value="1" selected>是</option>'
        '<option value="0">否</option></select>'
    }
    assert drawn["en"] == {
        '<select name="answer"><option value="1" selected>Yes</option>'
        '<option value="0">No</option></select>'
    }
