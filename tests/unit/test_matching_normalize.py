"""Folding and the offset map back to the original text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.matching import FoldedText, fold
from enrich.matching.korean import is_particle_sequence
from enrich.matching.normalize import fold_char


def test_fold_case_accents_width_and_spaces() -> None:
    assert fold("Crème  BRÛLÉE\t\n!") == "creme brulee !"
    assert fold("ＴＥＳＬＡ　１５") == "tesla 15"
    assert fold("Straße ø Łódź") == "strasse o lodz"
    assert fold("McDonald’s ‐ x") == "mcdonald's - x"
    assert fold("ﬁne") == "fine"


def test_fold_keeps_other_scripts_intact() -> None:
    # NFD would split Hangul syllables into jamo; folding must leave them composed.
    assert fold("스타벅스로 東京 スターバックス ไทย") == "스타벅스로 東京 スターバックス ไทย"
    assert fold("Ελληνικά Привет") == "ελληνικα привет"


def test_fold_variants_keep_case_or_accents() -> None:
    assert fold("Café", keep_case=True) == "Cafe"
    assert fold("Café", keep_accents=True) == "cafe\u0301"
    assert fold("Cafe\u0301", keep_accents=True) == "cafe\u0301"


def test_invisible_characters_do_not_split_words() -> None:
    assert fold("Tes\u00adla ❤\ufe0f") == "tesla ❤"
    assert fold("apple\u200bpie") == "apple pie"


def test_original_span_maps_through_expansions_and_removals() -> None:
    text = "ﬁne Cafe\u0301  Straße"
    ft = FoldedText(text)
    assert ft.folded == "fine cafe strasse"
    start = ft.folded.index("cafe")
    assert text[slice(*ft.original_span(start, start + 4))] == "Cafe\u0301"
    start = ft.folded.index("strasse")
    assert text[slice(*ft.original_span(start, start + 7))] == "Straße"
    assert text[slice(*ft.original_span(0, 4))] == "ﬁne"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZé\u0301ßﬁＡ 　\t스東😀\u00ad-’")), max_size=30))
def test_offset_map_is_consistent_with_per_character_folding(text: str) -> None:
    ft = FoldedText(text)
    for i in range(len(ft.folded)):
        start, end = ft.original_span(i, i + 1)
        assert 0 <= start < end <= len(text)
        # The folded character comes from the original character at `start`.
        assert ft.folded[i] in fold_char(text[start])


def test_korean_particle_sequences() -> None:
    assert is_particle_sequence("")
    assert is_particle_sequence("로")
    assert is_particle_sequence("에서는")
    assert is_particle_sequence("들이")
    assert not is_particle_sequence("전자")
    assert not is_particle_sequence("이이이이")


def test_fast_lane_ranges_really_fold_to_themselves() -> None:
    from enrich.matching.normalize import _IDENTITY_RANGES

    pairs = re.findall("(.)-(.)", _IDENTITY_RANGES)
    assert pairs
    for lo, hi in pairs:
        assert all(fold_char(chr(c)) == chr(c) for c in range(ord(lo), ord(hi) + 1))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ \t\n\x1céß東ア스😀❤\ufe0fＡ\u0301İΣ")), max_size=40))
def test_fold_equals_per_character_folding(text: str) -> None:
    expected = re.sub(" {2,}", " ", "".join(fold_char(c) for c in text))
    assert fold(text) == expected


def naive_fold_map(text: str) -> tuple[str, list[int]]:
    """The fold of ``text`` character by character, and for each folded character its original index."""
    starts: list[int] = []
    out: list[str] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
            starts.append(i)
    return "".join(out), starts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z\t\n  é\u0301ßﬁ東스😀❤\ufe0f\u00adＡ　")), max_size=40))
def test_offset_map_equals_naive_per_character_map(text: str) -> None:
    folded, naive = naive_fold_map(text)
    ft = FoldedText(text)
    assert ft.folded == folded
    assert [ft.original_span(k, k + 1)[0] for k in range(len(ft.folded))] == naive
