"""Choice fields whose lists every form shares (`SharedChoiceField`): one form giving a field other
choices, or its widget other attributes, changes nothing for the next form."""

from django import forms

from rental.core.forms import SharedChoiceField, SharedTypedChoiceField

COLOURS = [("red", "红色"), ("blue", "蓝色")]


class PaintForm(forms.Form):
    colour = SharedChoiceField(choices=COLOURS)
    coats = SharedTypedChoiceField(choices=[(1, "1"), (2, "2")], coerce=int)


def test_choices_given_to_one_form_stay_with_that_form():
    first = PaintForm({"colour": "green", "coats": "2"})
    first.fields["colour"].choices = [("green", "绿色")]
    first.fields["colour"].widget.attrs["disabled"] = True

    second = PaintForm({"colour": "green", "coats": "2"})

    assert first.is_valid(), first.errors
    assert first.cleaned_data == {"colour": "green", "coats": 2}
    assert not second.is_valid()
    assert list(second.fields["colour"].choices) == COLOURS
    assert 'value="green"' not in str(second["colour"])
    assert "disabled" not in str(second["colour"])
    assert 'value="red"' in str(second["colour"])
