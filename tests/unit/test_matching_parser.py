"""Parser: the syntax tree of valid queries, and rejection (with position) of what Brandwatch rejects."""

from __future__ import annotations

import pytest

from enrich.matching import QuerySyntaxError, compile_query, parse_query
from enrich.matching.errors import MatchingError
from enrich.matching.syntax import And, Field, Near, Not, Or, Proximity, Range, Term


def t(text: str, case: bool = False) -> Term:
    return Term(text, case, 0)


def strip_pos(node: object) -> object:
    """Tree with all positions zeroed, to compare structure only."""
    if isinstance(node, Term):
        return Term(node.text, node.case_sensitive, 0)
    if isinstance(node, Field):
        return Field(node.name, node.values, 0)
    if isinstance(node, Range):
        return Range(node.name, node.low, node.high, 0)
    if isinstance(node, And | Or):
        return type(node)(tuple(strip_pos(c) for c in node.children))  # type: ignore[misc]
    if isinstance(node, Not):
        return Not(strip_pos(node.positive), strip_pos(node.negative))  # type: ignore[arg-type]
    if isinstance(node, Near):
        return Near(strip_pos(node.left), strip_pos(node.right), node.distance, node.ordered)  # type: ignore[arg-type]
    if isinstance(node, Proximity):
        return Proximity(tuple(strip_pos(o) for o in node.operands), node.distance, node.any_two)  # type: ignore[misc]
    raise AssertionError(node)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ('("model y" OR tesla) AND NOT recall', Not(Or((t("model y"), t("tesla"))), t("recall"))),
        ("apple NOT pie", Not(t("apple"), t("pie"))),
        ("apple AND NOT pie", Not(t("apple"), t("pie"))),
        ("apple NOT pie NOT crumble", Not(t("apple"), Or((t("pie"), t("crumble"))))),
        ("a AND b NOT c", Not(And((t("a"), t("b"))), t("c"))),
        ("apple juice", And((t("apple"), t("juice")))),
        ("a OR b OR c", Or((t("a"), t("b"), t("c")))),
        ("(a OR b) AND (c OR d)", And((Or((t("a"), t("b"))), Or((t("c"), t("d")))))),
        ('"apple juice"~5', Proximity((t("apple"), t("juice")), 5)),
        ("((a OR b) c)~3", Proximity((Or((t("a"), t("b"))), t("c")), 3)),
        ("(brand OR company)~3", Proximity((t("brand"), t("company")), 3, any_two=True)),
        ("a NEAR/3 b", Near(t("a"), t("b"), 3)),
        ("a NEAR/3f b", Near(t("a"), t("b"), 3, ordered=True)),
        ("(a OR b) NEAR/2 c", Near(Or((t("a"), t("b"))), t("c"), 2)),
        ("{Apple}", t("Apple", True)),
        ('{"Apple Music"}', t("Apple Music", True)),
        ("#cocacola OR @acme", Or((t("#cocacola"), t("@acme")))),
        ("appl* OR wom?n", Or((t("appl*"), t("wom?n")))),
        ("Chick-fil-A OR AT&T OR Disney+", Or((t("Chick-fil-A"), t("AT&T"), t("Disney+")))),
        ("tesla <<<brand\nname>>> AND x", And((t("tesla"), t("x")))),
        ("lang:en AND language:fr", And((Field("lang", ("en",)), Field("lang", ("fr",))))),
        ("country:(us OR gb)", Field("country", ("us", "gb"))),
        ('site:"reddit.com"', Field("site", ("reddit.com",))),
        ("authorFollowers:[1000 TO 50000]", Range("authorFollowers", 1000, 50000)),
        ("rating:[3 TO *]", Range("rating", 3, None)),
        ("authorfollowers:500", Range("authorFollowers", 500, 500)),
        ("re:invent", t("re:invent")),
    ],
)
def test_parses_to_tree(query: str, tree: object) -> None:
    assert strip_pos(parse_query(query)) == tree


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("a AND b OR c", 8, "AND and OR mixed"),
        ("a OR b AND c", 7, "AND and OR mixed"),
        ("a OR b NOT c", 7, "NOT and OR mixed"),
        ("a b OR c", 4, "without an operator"),
        ("NOT apple", 0, "purely negative"),
        ("tesla OR (NOT apple)", 10, "purely negative"),
        ("*apple", 0, "start of a word"),
        ("?pple", 0, "start of a word"),
        ("#*apple", 1, "start of a word"),
        ("a*", 1, "after a single character"),
        ('"apple j*"', 8, "after a single character"),
        ('"apple juice" ~5', 14, "'~' must directly follow"),
        ('"apple juice"~', 13, "needs a number"),
        ('"apple juice"~x', 13, "needs a number"),
        ("apple~5", 5, "'~' must directly follow"),
        ('"apple"~5', 0, "at least two words"),
        ("(apple)~5", 0, "two or more"),
        ("(a NOT b)~5", 0, "two or more"),
        ("a NEAR b", 2, "NEAR needs a distance"),
        ("(a AND b) NEAR/3 c", 10, "NEAR only combines"),
        ("lang:en NEAR/3 c", 8, "NEAR only combines"),
        ("(a OR b", 0, "unclosed bracket"),
        ("a OR b)", 6, "unexpected ')'"),
        ("()", 0, "empty brackets"),
        ('"apple', 0, "unclosed quote"),
        ('""', 0, "empty phrase"),
        ("{apple", 0, "unclosed '{'"),
        ("apple AND", 9, "missing term"),
        ("AND apple", 0, "missing term before AND"),
        ("apple OR OR pie", 9, "missing term before OR"),
        ("", 0, "empty query"),
        ("   <<<only a comment>>>  ", 0, "empty query"),
        ("a <<<open", 2, "unclosed comment"),
        ("authorFollowers:[50 TO 10]", 0, "empty range"),
        ("authorFollowers:[a TO 10]", 17, "not a number"),
        ("authorFollowers:many", 16, "not a number"),
        ("authorFollowers:", 16, "needs a number"),
        ("lang:", 0, "missing value"),
        ("pageType:forum", 0, "not supported"),
        ("tesla OR \u00ad", 9, "no letters"),
        ("#", 0, "no letters"),
        ("Ａ＊", 1, "after a single character"),
        ("＊pple", 0, "start of a word"),
    ],
)
def test_rejects_with_position(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        compile_query(query)
    assert fragment in err.value.reason
    assert err.value.position == position
    assert isinstance(err.value, MatchingError)


def test_error_message_points_at_the_problem() -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse_query("tesla\nAND (a OR b c)")
    message = str(err.value)
    assert "line 2, column 13" in message
    assert message.splitlines()[-2:] == ["  AND (a OR b c)", "              ^"]
