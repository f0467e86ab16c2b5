"""Periods in words, as the rental-days rule counts them, in both languages."""

from datetime import datetime, timedelta

import pytest
from django.utils import translation

from rental.core.timeutil import SHANGHAI
from service_tickets.periods import period_words

START = datetime(2026, 12, 7, 9, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("length", "zh", "en"),
    [
        (timedelta(hours=1), "1 小时", "1 hour"),
        (timedelta(hours=5), "5 小时", "5 hours"),
        (timedelta(days=1), "1 天", "1 day"),
        (timedelta(days=3), "3 天", "3 days"),
        (timedelta(days=6, hours=1), "6 天 1 小时 · 计 7 天", "6 days 1 hour · counted as 7 days"),
        (
            timedelta(days=1, minutes=3),
            "1 天 3 分钟 · 计 2 天",
            "1 day 3 minutes · counted as 2 days",
        ),
        (timedelta(minutes=0), "0 分钟", "0 minutes"),
    ],
)
def test_a_period_reads_as_the_rule_counts_it(length, zh, en):
    with translation.override("zh-hans"):
        assert period_words(start=START, end=START + length) == zh
    with translation.override("en"):
        assert period_words(start=START, end=START + length) == en
