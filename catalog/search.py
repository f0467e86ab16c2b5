"""What a catalogue search means: the words typed, and the words the catalogue uses for them.

Customers type "投影仪" where the catalogue says "投影机" and "投影设备", or "projectors" where it
says "projector". Each typed word becomes a set of alternatives (itself, its singular, the common
synonyms below); a model matches when every typed word matches one of its alternatives in some
name, category, brand, summary or spec.
"""

from __future__ import annotations

import re

MAX_QUERY_LENGTH = 100

# Common words → the words our catalogue uses. Kept small and obvious on purpose.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "投影仪": ("投影", "projector"),
    "投影机": ("投影", "projector"),
    "投影": ("投影", "projector"),
    "projector": ("投影", "projection"),
    "beamer": ("投影", "projector"),
    "笔记本": ("笔记本", "laptop", "notebook"),
    "手提电脑": ("笔记本", "laptop"),
    "手提": ("笔记本", "laptop"),
    "laptop": ("笔记本", "notebook"),
    "notebook": ("笔记本", "laptop"),
    "台式机": ("台式", "desktop"),
    "台式": ("台式", "desktop"),
    "主机": ("台式", "desktop"),
    "desktop": ("台式",),
    "pc": ("电脑", "desktop", "laptop"),
    "电脑": ("电脑", "laptop", "desktop"),
    "computer": ("电脑", "laptop", "desktop"),
    "打印机": ("打印", "printer"),
    "printer": ("打印",),
    "复印机": ("复印", "copier"),
    "copier": ("复印",),
    "显示器": ("显示器", "monitor"),
    "屏幕": ("显示器", "monitor"),
    "monitor": ("显示器", "display"),
    "screen": ("显示器", "monitor"),
    "路由器": ("路由", "router"),
    "router": ("路由",),
    "交换机": ("交换机", "switch"),
    "switch": ("交换机",),
    "网络": ("网络", "network"),
}


def _singular(word: str) -> str:
    if len(word) > 3 and word.isascii() and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def query_words(query: str) -> list[tuple[str, ...]]:
    """Each typed word with its alternatives, lower-cased, in the order typed.

    "投影仪" → [("投影仪", "投影", "projector")]; "Lenovo laptops" → [("lenovo",),
    ("laptops", "laptop", "笔记本", "notebook")].
    """
    words = [w for w in re.split(r"[\s\u3000,，、]+", query.strip().lower()) if w]
    result = []
    for word in words:
        singular = _singular(word)
        alternatives = [word, singular, *SYNONYMS.get(word, ()), *SYNONYMS.get(singular, ())]
        result.append(tuple(dict.fromkeys(alternatives)))
    return result


def too_long(query: str) -> bool:
    return len(query.strip()) > MAX_QUERY_LENGTH
