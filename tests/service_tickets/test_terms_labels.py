"""The contract desk's special terms read by meaning, grouped by tier, with value and unit."""

import re

import pytest
from django.utils import translation

from service_tickets.terms import FIELD_KINDS, PUBLISHED_TERMS
from service_tickets.terms_labels import term_choices, term_label, term_rows, term_value_text


def test_every_key_has_a_chinese_label_without_the_key_in_it():
    with translation.override("zh-hans"):
        for key in FIELD_KINDS:
            if key == "version":
                continue
            label = str(term_label(key))
            assert not re.search(r"[a-z_]+\.[a-z_]+", label), (key, label)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in label), (key, label)


def test_choices_are_grouped_by_the_contracts_tier_then_shared_fees_with_current_values():
    values = PUBLISHED_TERMS.to_dict()
    with translation.override("zh-hans"):
        groups = term_choices(tier="rapid", values=values)

    assert [name for name, _options in groups] == ["快速保障服务", "各服务类别通用的收费"]
    rapid = dict(groups[0][1])
    assert rapid["rapid.response_hours.base"].startswith("快速保障服务 · ")
    assert rapid["rapid.response_hours.base"].endswith("当前：4 小时")
    assert all(key.startswith("rapid.") for key in rapid)
    shared = dict(groups[1][1])
    assert shared["taxi.flag_fall"].endswith("当前：¥10.00")
    assert "version" not in shared


@pytest.mark.parametrize(
    ("key", "value", "zh", "en"),
    [
        ("rapid.response_hours.base", 4, "4 小时", "4 hours"),
        ("rapid.response_hours.other", None, "无", "none"),
        ("taxi.per_km", "2.00", "¥2.00", "¥2.00"),
        ("value_added.delivery.free_km", "10", "10 公里", "10 km"),
        ("overtime.rate", "0.5", "50 %", "50 %"),
        ("rapid.repair_included.hardware", ["base"], "基本区域", "base zone"),
    ],
)
def test_values_read_with_their_unit(key, value, zh, en):
    with translation.override("zh-hans"):
        assert term_value_text(key, value) == zh
    with translation.override("en"):
        assert term_value_text(key, value) == en


def test_a_contracts_own_terms_read_as_rows_with_the_published_value():
    with translation.override("en"):
        [row] = term_rows(
            overrides={"rapid.response_hours.base": "2"}, published=PUBLISHED_TERMS.to_dict()
        )
    assert row["group"] == "Rapid service"
    assert row["value"] == "2 hours" and row["published"] == "4 hours"
    assert "rapid." not in row["label"]
