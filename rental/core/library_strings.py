"""Strings of Django and django-axes whose Chinese we write ourselves (theirs is missing, or reads
as a translation): named here so that `make messages` finds them in our code and keeps them in
our catalogue, which Django reads before the libraries' own."""

from django.utils.translation import gettext_noop, ngettext_lazy

LIBRARY_STRINGS = (
    # django.contrib.auth's MinimumLengthValidator
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    # django-axes' models, as the console lists them
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)
