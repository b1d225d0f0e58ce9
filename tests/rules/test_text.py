"""Canonical text (RELIABILITY R28, U3, U25)."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.text import (
    NAME_DOT,
    NAME_DOT_VARIANTS,
    ZERO_WIDTH_CHARS,
    InputError,
    normalise_text,
    remove_zero_width,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张三  ", "张三"),
        ("\u3000张三\u3000", "张三"),
        ("\u00a0张三\u00a0", "张三"),
        ("张\u200b三", "张三"),
        ("张\u200c\u200d\u2060三\ufeff", "张三"),
        ("\ufeff姓名", "姓名"),
        ("南昌市  东湖区\t\n八一大道", "南昌市 东湖区 八一大道"),
        ("南昌市\u3000\u3000东湖区", "南昌市 东湖区"),
        ("ＡＢＣ１２３", "ABC123"),
        ("𠀀", "𠀀"),  # CJK Extension B, U+20000
        ("𠀀\u3000𪚥", "𠀀 𪚥"),
        ("", ""),
        ("   ", ""),
        ("\u200b", ""),
    ],
)
def test_examples(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize("dot", sorted(NAME_DOT_VARIANTS | {"\uff65"}))
def test_name_dot_variants_become_middle_dot(dot: str) -> None:
    assert normalise_text(f"阿依古丽{dot}买买提") == "阿依古丽\u00b7买买提"


def test_all_listed_dot_variants_are_covered() -> None:
    listed = "・･•‧∙⋅·\u00b7\u30fb\uff65\u2027\u2022"
    assert set(listed) <= NAME_DOT_VARIANTS
    for dot in listed:
        assert normalise_text(dot) == NAME_DOT


def test_name_dot_is_never_stripped() -> None:
    assert normalise_text("·") == "·"
    assert normalise_text(" 买买提 · 艾力 ") == "买买提 · 艾力"
    assert normalise_text("买买提\u200b・\u200b艾力") == "买买提·艾力"


def test_zero_width_removed_before_nfkc_keeps_idempotence() -> None:
    # A zero-width space between a letter and a combining mark blocks composition.
    once = normalise_text("e\u200b\u0301")
    assert once == "\u00e9"
    assert normalise_text(once) == once


def test_remove_zero_width() -> None:
    assert remove_zero_width("".join(sorted(ZERO_WIDTH_CHARS)) + "a") == "a"


def test_input_error() -> None:
    err = InputError("code", "中文", "English")
    assert str(err) == "中文"
    assert isinstance(err, ValueError)
    assert "English" in repr(err)
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.message_zh, clone.message_en) == ("code", "中文", "English")


TRICKY = st.sampled_from(
    sorted(NAME_DOT_VARIANTS | ZERO_WIDTH_CHARS)
    + [
        " ",
        "\t",
        "\n",
        "\u3000",
        "\u00a0",
        "\u2028",
        "\u0301",
        "\u0308",
        "\u0387",
        "e",
        "A",
        "１",
        "Ａ",
        "张",
        "𠀀",
        "\u1100",
        "\u1161",
        "\u11a8",
        "\uac00",
        "ﬁ",
        "\u00a8",
        "\u2f00",
        "\uf900",
    ]
)


@given(st.text())
def test_idempotent_on_arbitrary_text(s: str) -> None:
    once = normalise_text(s)
    assert normalise_text(once) == once


@settings(max_examples=500)
@given(st.text(alphabet=TRICKY, max_size=30))
def test_idempotent_on_tricky_text(s: str) -> None:
    once = normalise_text(s)
    assert normalise_text(once) == once


@given(st.text(alphabet=st.one_of(TRICKY, st.characters()), max_size=40))
def test_output_invariants(s: str) -> None:
    out = normalise_text(s)
    assert not (set(out) & ZERO_WIDTH_CHARS)
    assert not (set(out) & (NAME_DOT_VARIANTS - {NAME_DOT}))
    assert out == out.strip()
    assert "  " not in out
    assert all(c == " " or not c.isspace() for c in out)
    assert unicodedata.is_normalized("NFKC", out)
    # every dot in the input survives as U+00B7 (others, like U+0387, may join them)
    assert out.count(NAME_DOT) >= sum(s.count(d) for d in NAME_DOT_VARIANTS)


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
        min_size=1,
        max_size=10,
    )
)
def test_cjk_extension_b_round_trips(s: str) -> None:
    assert normalise_text(s) == s
