"""Histories read as sentences with people's names, never audit codes or login names."""

import pytest
from django.utils import translation

from rental.core import audit
from rental.core.audit_labels import EVENT_LABELS, actor_name, event_sentence
from rental.core.models import AuditEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_an_event_reads_as_a_sentence_with_its_amount_and_the_persons_name():
    desk = StaffFactory(username="desk7", first_name="娜", last_name="李")
    event = audit.record(desk, "contracts.payment.recorded", desk, amount="394.00")

    with translation.override("zh-hans"):
        assert event_sentence(event) == "已记录收款 · ¥394.00"
        assert actor_name(event.actor) == "李娜"
        assert actor_name(None) == "系统"
    with translation.override("en"):
        assert event_sentence(event) == "Payment recorded · ¥394.00"


def test_every_code_in_the_table_is_translated_and_an_unknown_code_is_not_shown():
    with translation.override("zh-hans"):
        for code, label in EVENT_LABELS.items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(label)), code
        unknown = AuditEvent(action="contracts.something.new", data={})
        assert event_sentence(unknown) == "记录已更新"
