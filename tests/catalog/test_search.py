"""Catalogue search over Chinese and English names, categories and common words."""

import pytest
from django.urls import reverse

from catalog.search import query_words
from tests.factories import CategoryFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db


def test_common_words_and_plurals_widen_to_the_catalogues_words():
    assert query_words("投影仪") == [("投影仪", "投影", "projector")]
    assert query_words("Lenovo  laptops") == [
        ("lenovo",),
        ("laptops", "laptop", "笔记本", "notebook"),
    ]


@pytest.mark.parametrize("typed", ["投影仪", "投影机", "projectors", "Projector", "索尼 投影仪"])
def test_projectors_are_found_by_the_words_people_use(client, typed):
    projection = CategoryFactory(
        slug="projection", name_zh="投影设备", name_en="Projection equipment"
    )
    EquipmentModelFactory(
        name="VPL-EX570", category=projection, brand__name="Sony", brand__name_zh="索尼"
    )
    EquipmentModelFactory(name="ThinkPad T14")

    html = client.get(reverse("catalog:model_list"), {"q": typed}).content.decode()

    assert "VPL-EX570" in html, typed
    assert "ThinkPad T14" not in html, typed


def test_an_over_long_search_gets_a_message(client):
    EquipmentModelFactory(name="ThinkPad T14")

    html = client.get(reverse("catalog:model_list"), {"q": "笔" * 150}).content.decode()

    assert "搜索内容太长：最多 100 个字" in html
    assert "ThinkPad T14" not in html
