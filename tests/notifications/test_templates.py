import re

import pytest

from rental.notifications.models import Notification
from rental.notifications.services import Recipient, notify

from .samples import CONTEXTS

EVENTS = sorted(CONTEXTS)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _render(event: str, language: str) -> dict[str, Notification]:
    rows = notify(
        event=event,
        key=f"{event}:{language}",
        recipients=[
            Recipient(name="收件人", email="to@example.com", phone="13800138000", language=language)
        ],
        context=CONTEXTS[event],
    )
    return {row.channel: row for row in rows}


def _without_context_values(text: str, event: str) -> str:
    context = CONTEXTS[event]
    values = [v for v in context.values() if isinstance(v, str)]
    values += [item["name"] for item in context.get("items", [])]
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "")
    return text.replace("收件人", "")


@pytest.mark.django_db
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_reads_wholly_in_chinese_with_a_short_signed_sms(event):
    rows = _render(event, "zh-hans")

    sms = rows["sms"].body
    assert sms.startswith("【新思索租赁】")
    assert len(sms) <= 70, sms
    for text in (rows["email"].subject, rows["email"].body, sms):
        assert text.strip()
        assert not LATIN_WORD.search(_without_context_values(text, event)), text
    assert rows["email"].body.rstrip().endswith("本消息由系统自动发送，请勿直接回复。")


@pytest.mark.django_db
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_reads_wholly_in_english(event):
    rows = _render(event, "en")

    assert rows["sms"].body.startswith("[Xinsisuo Rental] ")
    for text in (rows["email"].subject, rows["email"].body, rows["sms"].body):
        assert text.strip()
        assert not CJK.search(_without_context_values(text, event)), text
    assert rows["email"].body.startswith("Dear 收件人,\n\n")
    assert "\n\n\n" not in rows["email"].body


@pytest.mark.django_db
def test_text_is_not_html_escaped():
    [mail] = notify(
        event="inspection.reminder",
        key="inspection:3:reminder",
        recipients=[Recipient(name="O'Brien & Co", email="ob@example.com", language="en")],
        context={**CONTEXTS["inspection.reminder"], "place": "Hall <B> & Co's"},
    )

    assert mail.body.startswith("Dear O'Brien & Co,")
    assert "Place: Hall <B> & Co's" in mail.body


@pytest.mark.django_db
def test_an_event_without_templates_is_a_programming_error():
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        notify(
            event="no.such_event",
            key="x",
            recipients=[Recipient(name="A", email="a@example.com")],
            context={},
        )
    assert not Notification.objects.exists()
