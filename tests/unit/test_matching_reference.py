"""Property tests: the fast path (prefilter + compiled evaluators) agrees with a slow reference evaluator.

The reference follows the written rules of docs/query-language.md literally: it folds the text one
character at a time, tries every (start, end) pair of the folded text against a per-term regex with the
word-boundary rules as lookarounds, and evaluates the syntax tree directly. No Aho-Corasick, no caching,
no prefilter.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrich.matching import compile_query, parse_query
from enrich.matching.engine import Engine
from enrich.matching.korean import PARTICLES
from enrich.matching.normalize import fold_char
from enrich.matching.syntax import And, Field, Near, Node, Not, Or, Proximity, Range, Term, iter_terms

UNSPACED = "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029" \
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
GLUE = f"(?:(?![{UNSPACED}{HANGUL}])\\w)"
PARTICLE_RUN = "(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + "){0,3}"


@lru_cache(maxsize=4096)
def ref_fold(text: str, keep_case: bool = False, keep_accents: bool = False) -> tuple[str, list[int]]:
    """Folded text and, for each folded character, the index of the original character."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch, keep_case, keep_accents):
            if c == " " and chars and chars[-1] == " ":
                continue
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


def body_regex(folded: str) -> re.Pattern[str]:
    return re.compile("".join(f"{GLUE}*" if c == "*" else GLUE if c == "?" else re.escape(c) for c in folded))


def is_glue(ch: str) -> bool:
    return re.fullmatch(GLUE, ch) is not None


def is_hangul(ch: str) -> bool:
    return re.fullmatch(f"[{HANGUL}]", ch) is not None


def boundaries_ok(term: str, folded: str, s: int, e: int) -> bool:
    first, last = term[0], term[-1]
    if s > 0 and (first in "#@" or is_glue(first)) and is_glue(folded[s - 1]):
        return False
    if s > 0 and is_hangul(first) and is_hangul(folded[s - 1]):
        return False
    if e < len(folded) and (last in "*?" or is_glue(last)) and is_glue(folded[e]):
        return False
    if e < len(folded) and is_hangul(last):
        run = re.match(f"[{HANGUL}]*", folded[e:])
        assert run is not None
        if not re.fullmatch(PARTICLE_RUN, run.group()):
            return False
    return True


@lru_cache(maxsize=4096)
def ref_occurrences(term: Term, text: str) -> list[tuple[int, int]]:
    """Every (start, end) of the folded text where the term occurs, by brute force."""
    folded, origin = ref_fold(text)
    term_folded = ref_fold(term.text)[0].strip()
    body = body_regex(term_folded)
    accented = ref_fold(term.text, keep_accents=True)[0] != ref_fold(term.text)[0]
    exact = None
    if term.case_sensitive or accented:
        exact = body_regex(ref_fold(term.text, keep_case=term.case_sensitive, keep_accents=accented)[0].strip())
    out = []
    for s in range(len(folded)):
        if folded[s] != term_folded[0]:  # a term never starts with a wildcard
            continue
        for e in range(s + 1, len(folded) + 1):
            if not body.fullmatch(folded, s, e) or not boundaries_ok(term_folded, folded, s, e):
                continue
            if exact is not None:
                o_s, o_e = origin[s], origin[e - 1] + 1
                while o_e < len(text) and fold_char(text[o_e]) == "":
                    o_e += 1
                if not exact.fullmatch(ref_fold(text[o_s:o_e], term.case_sensitive, accented)[0].strip()):
                    continue
            out.append((s, e))
    return out


@lru_cache(maxsize=1024)
def tokens(text: str) -> list[tuple[int, int]]:
    folded, _ = ref_fold(text)
    return [m.span() for m in re.finditer(f"[{HANGUL}]+|[{UNSPACED}]|{GLUE}+", folded)]


def token_span(toks: list[tuple[int, int]], s: int, e: int) -> tuple[int, int]:
    inside = [i for i, (ts, te) in enumerate(toks) if ts < e and te > s]
    if inside:
        return inside[0], inside[-1]
    before = sum(1 for ts, te in toks if te <= s)
    return before, before


def gap(a: tuple[int, int], b: tuple[int, int]) -> int | None:
    if a[1] < b[0]:
        return b[0] - a[1] - 1
    if b[1] < a[0]:
        return a[0] - b[1] - 1
    return None


def ref_positions(node: Node, text: str) -> set[tuple[int, int]]:
    toks = tokens(text)
    if isinstance(node, Term):
        return set(ref_occurrences(node, text))
    if isinstance(node, Or):
        return set().union(*(ref_positions(c, text) for c in node.children))
    if isinstance(node, Near):
        out = set()
        for a in ref_positions(node.left, text):
            for b in ref_positions(node.right, text):
                ta, tb = token_span(toks, *a), token_span(toks, *b)
                g = gap(ta, tb)
                if g is not None and g <= node.distance and (not node.ordered or ta[1] < tb[0]):
                    out.add((min(a[0], b[0]), max(a[1], b[1])))
        return out
    assert isinstance(node, Proximity)
    occ = [[(token_span(toks, *p), p) for p in ref_positions(o, text)] for o in node.operands]
    out = set()
    if node.any_two:
        for xs, ys in itertools.combinations(occ, 2):
            for (ta, pa), (tb, pb) in itertools.product(xs, ys):
                g = gap(ta, tb)
                if g is not None and g <= node.distance:
                    out.add((min(pa[0], pb[0]), max(pa[1], pb[1])))
        return out
    for combo in itertools.product(*occ):
        chosen = sorted(combo)
        gaps = [gap(a[0], b[0]) for a, b in itertools.pairwise(chosen)]
        if all(g is not None for g in gaps) and sum(g for g in gaps if g is not None) <= node.distance:
            out.add((min(c[1][0] for c in combo), max(c[1][1] for c in combo)))
    return out


def ref_eval(node: Node, text: str, fields: dict[str, Any] | None = None) -> bool:
    if isinstance(node, And):
        return all(ref_eval(c, text, fields) for c in node.children)
    if isinstance(node, Or):
        return any(ref_eval(c, text, fields) for c in node.children)
    if isinstance(node, Not):
        return ref_eval(node.positive, text, fields) and not ref_eval(node.negative, text, fields)
    if isinstance(node, Field):
        assert node.name == "lang"
        return bool(fields) and str(fields.get("lang", "")).split("-")[0].lower() in node.values
    if isinstance(node, Range):
        raise AssertionError("not generated")
    return bool(ref_positions(node, text))


# ---------------------------------------------------------------------------------------------------
# Generators. Each example draws a small vocabulary shared by the query and the posts, so that terms do
# occur, and text forms chosen to hit the tricky rules (accents, case, glue, Hangul particles, CJK, symbols).
FORMS = {
    "apple": ["apple", "Apple", "APPLE", "pineapple", "#apple", "ａｐｐｌｅ", "apples", "apple's"],
    "pie": ["pie", "Pie", "pies", "pie-"],
    "cafe": ["cafe", "café", "CAFÉ", "cafe\u0301", "cafes"],
    "café": ["café", "cafe", "Café"],
    "tesla": ["tesla", "Tesla", "TESLA", "@tesla", "teslas"],
    "model": ["model", "Model", "models"],
    "juice": ["juice", "Juice", "juicy"],
    "naive": ["naïve", "naive", "NAÏVE"],
    "strasse": ["straße", "strasse", "STRASSE"],
    "삼성": ["삼성", "삼성이", "삼성전자", "삼성에서는", "뉴삼성"],
    "갤럭시": ["갤럭시", "갤럭시는", "갤럭시들이", "갤럭시탭"],
    "東京": ["東京", "東京都", "東"],
    "スターバックス": ["スターバックス", "スターバックスの", "スター"],
    "at&t": ["AT&T", "at&t", "AT&Tの", "at"],
    "disney+": ["Disney+", "disney+", "Disney"],
    "chick-fil-a": ["Chick-fil-A", "CHICK-FIL-A.", "chick fil a"],
    "#apple": ["#apple", "#Apple", "#applepie", "apple"],
    "@tesla": ["@tesla", "@Tesla", "@teslamotors", "tesla"],
    "eclair": ["éclair", "eclair", "e\u0301clair", "ECLAIR"],
    "éclair": ["éclair", "eclair", "e\u0301clair", "ÉCLAIR"],
}
QUERY_WORDS = sorted(FORMS)
SEPARATORS = [" ", " ", " ", " ", "  ", ", ", ". ", "-", "\n", "🚗", "の", "s", "_", " https://t.co/x ", "™ "]


def term_strings(vocab: list[str]) -> st.SearchStrategy[str]:
    @st.composite
    def term(draw: st.DrawFn) -> str:
        word = draw(st.sampled_from(vocab))
        body = word.lstrip("#@")
        kind = draw(st.integers(0, 9))
        if kind == 0 and len(body) >= 3 and body[:2].isalnum():
            return word[: len(word) - len(body)] + body[: draw(st.integers(2, len(body) - 1))] + "*"
        if kind == 1 and len(body) >= 3 and body[1].isalnum():
            i = draw(st.integers(1, len(body) - 1))
            return word[: len(word) - len(body)] + body[:i] + "?" + body[i + 1 :]
        if kind == 2:
            return '"' + word + " " + draw(st.sampled_from(vocab)) + '"'
        if kind == 3 and body.isalpha():
            return "{" + draw(st.sampled_from(FORMS[word])).replace("{", "") + "}"
        return word

    return term()


def positional(vocab: list[str], depth: int) -> st.SearchStrategy[str]:
    base = term_strings(vocab)
    if depth == 0:
        return base
    sub = positional(vocab, depth - 1)
    words = st.sampled_from(vocab)
    return st.one_of(
        base,
        st.builds(lambda a, b: f"({a} OR {b})", sub, sub),
        st.builds(lambda a, b, n, f: f"({a} NEAR/{n}{f} {b})", sub, sub, st.integers(0, 3), st.sampled_from(["", "f"])),
        st.builds(lambda a, b, n: f'"{a} {b}"~{n}', words, words, st.integers(0, 3)),
        st.builds(lambda a, b, n: f"({a} {b})~{n}", base, base, st.integers(0, 3)),
        st.builds(lambda a, b, n: f"({a} OR {b})~{n}", base, base, st.integers(0, 3)),
    )


def query_strings(vocab: list[str], depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return st.one_of(positional(vocab, 1), positional(vocab, 1), st.sampled_from(["lang:en", "lang:ko"]))
    sub = query_strings(vocab, depth - 1)
    return st.one_of(
        sub,
        st.builds(lambda a, b: f"({a} AND {b})", sub, sub),
        st.builds(lambda a, b: f"({a} OR {b})", sub, sub),
        st.builds(lambda a, b: f"({a} NOT {b})", sub, sub),
        st.builds(lambda a, b: f"({a} AND NOT {b})", sub, sub),
    )


def text_strings(vocab: list[str]) -> st.SearchStrategy[str]:
    @st.composite
    def text(draw: st.DrawFn) -> str:
        out = []
        for _ in range(draw(st.integers(0, 7))):
            out.append(draw(st.sampled_from(FORMS[draw(st.sampled_from(vocab))])))
            out.append(draw(st.sampled_from(SEPARATORS)))
        return "".join(out)

    return text()


VOCAB = st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=3, unique=True)
FIELDS = st.one_of(st.none(), st.builds(lambda lang: {"lang": lang}, st.sampled_from(["en", "ko", "en-GB"])))
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def query_and_text(draw: st.DrawFn, depth: int = 2) -> tuple[str, str]:
    vocab = draw(VOCAB)
    return draw(query_strings(vocab, depth)), draw(text_strings(vocab))


@PROPERTY
@given(query_and_text(), FIELDS)
def test_single_query_agrees_with_reference(example: tuple[str, str], fields: dict[str, Any] | None) -> None:
    query, text = example
    node = parse_query(query)
    assert compile_query(query).matches(text, fields) == ref_eval(node, text, fields), (query, text)


@st.composite
def batch_and_posts(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    vocab = draw(st.lists(st.sampled_from(QUERY_WORDS), min_size=2, max_size=5, unique=True))
    batch = draw(st.lists(query_strings(vocab, 1), min_size=1, max_size=8))
    return batch, draw(st.lists(text_strings(vocab), min_size=1, max_size=4))


@PROPERTY
@given(batch_and_posts(), FIELDS)
def test_prefilter_never_drops_a_match(example: tuple[list[str], list[str]], fields: dict[str, Any] | None) -> None:
    """Many queries in one engine (shared automaton, anchors) match exactly like each query alone."""
    batch, posts = example
    nodes = [parse_query(q) for q in batch]
    engine = Engine(nodes)
    for text in posts:
        _, matched = engine.matching(text, fields)
        expected = [i for i, node in enumerate(nodes) if ref_eval(node, text, fields)]
        assert matched == expected, (batch, text)


@PROPERTY
@given(query_and_text(depth=1))
def test_explained_spans_are_occurrences_in_the_original(example: tuple[str, str]) -> None:
    query, text = example
    explanation = compile_query(query).explain(text)
    if explanation is None:
        return
    terms, spans = explanation
    assert terms
    node = parse_query(query)
    folded, origin = ref_fold(text)
    expected = set()
    for term in iter_terms(node, positive_only=True):
        for s, e in ref_occurrences(term, text):
            o_e = origin[e - 1] + 1
            while o_e < len(text) and fold_char(text[o_e]) == "":
                o_e += 1
            expected.add((origin[s], o_e))
    assert set(spans) == expected, (query, text)
