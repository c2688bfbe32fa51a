"""Presearcher and exact evaluation shared by single queries and whole watchlists.

Every query is compiled to (1) a set of prefilter anchors, such that a post can only match if it contains
at least one of them, and (2) an evaluator. Anchors of all queries go into one Aho-Corasick automaton
over folded text (plus a dict for site/link/author anchors), so the per-post cost is one automaton scan
plus the exact evaluation of the few candidate queries. Queries without any anchor (e.g. ``lang:en AND
authorFollowers:[1000 TO *]``) are always evaluated; :attr:`Engine.always_evaluated` counts them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any, Final

from enrich.aho import Finder, finder
from enrich.matching.fields import (
    SELECTIVE_FIELDS,
    FieldAnchorIndex,
    FieldView,
    field_anchor,
    field_predicate,
)
from enrich.matching.normalize import GLUE, FoldedText
from enrich.matching.syntax import And, Field, Near, Node, Not, Or, Proximity, Range, Term
from enrich.matching.terms import CompiledTerm

Span = tuple[int, int]
# Words so common that an AND should prefer almost any other child as its prefilter anchor.
_COMMON: Final = frozenset(
    "a an and are as at be but by for from has have i in is it its my new no not of on or our so that the "
    "this to was we with you your".split()
)
_MAX_CLAUSES: Final = 16  # necessary-condition clauses kept per OR when distributing it over its children
_MAX_COMBINATIONS: Final = 20_000  # proximity windows tried per node and post; beyond this, nearest occurrences only


class Post:
    """Per-post evaluation state: folded text, prefilter hits, term occurrence cache, fields."""

    __slots__ = ("ft", "hits", "occ", "fields", "_view")

    def __init__(self, ft: FoldedText, hits: dict[int, list[int]], fields: Mapping[str, Any] | None) -> None:
        self.ft = ft
        self.hits = hits
        self.occ: dict[int, list[Span]] = {}
        self.fields = fields
        self._view: FieldView | None = None

    @property
    def view(self) -> FieldView:
        """The post's fields, normalised on demand."""
        if self._view is None:
            self._view = FieldView(self.fields)
        return self._view

    def occurrences(self, term: CompiledTerm) -> list[Span]:
        found = self.occ.get(term.id)
        if found is None:
            found = self.occ[term.id] = term.find(self.ft, self.hits.get(term.key_index))
        return found


Test = Callable[[Post], bool]
Positions = Callable[[Post], list[Span]]


def _anchor_cost(key: str) -> float:
    if "\x00" in key:  # a field anchor
        return 0.3 if key.split("\x00", 1)[0] in SELECTIVE_FIELDS else 2.0
    if key in _COMMON or len(key) <= 2:
        return 1.0
    return min(1.0, 4.0 / len(key) ** 2)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int | None:
    """Words strictly between two token spans, None if they overlap."""
    if a[1] < b[0]:
        return b[0] - a[1] - 1
    if b[1] < a[0]:
        return a[0] - b[1] - 1
    return None


class _Compiler:
    def __init__(self) -> None:
        self.terms: dict[tuple[str, bool], CompiledTerm] = {}

    def term(self, node: Term) -> CompiledTerm:
        sig = (node.text, node.case_sensitive)
        found = self.terms.get(sig)
        if found is None:
            found = self.terms[sig] = CompiledTerm(len(self.terms), node.text, node.case_sensitive)
        return found

    # -- prefilter anchors -------------------------------------------------------------------------
    def anchors(self, node: Node) -> frozenset[str] | None:
        """Keys of which a matching post must contain at least one; None if none can be required."""
        if isinstance(node, Term):
            return frozenset([self.term(node).key])
        if isinstance(node, Field):
            return field_anchor(node)
        if isinstance(node, Range):
            return None
        if isinstance(node, Not):
            return self.anchors(node.positive)
        if isinstance(node, Or) or (isinstance(node, Proximity) and node.any_two):
            children = node.children if isinstance(node, Or) else node.operands
            union: set[str] = set()
            for child in children:
                sub = self.anchors(child)
                if sub is None:
                    return None
                union |= sub
            return frozenset(union)
        required = (node.left, node.right) if isinstance(node, Near) else (
            node.children if isinstance(node, And) else node.operands)
        best: frozenset[str] | None = None
        for child in required:
            sub = self.anchors(child)
            if sub is not None and (best is None or self._cost(sub) < self._cost(best)):
                best = sub
        return best

    def required(self, node: Node) -> list[frozenset[str]]:
        """Necessary conditions, as clauses: a matching post contains at least one key of every clause.

        A cheap second prefilter stage: candidates from the automaton whose other required words are
        missing are dropped with set operations, before any evaluator runs.
        """
        if isinstance(node, Term):
            return [frozenset([self.term(node).key])]
        if isinstance(node, Not):
            return self.required(node.positive)
        if isinstance(node, And | Near) or (isinstance(node, Proximity) and not node.any_two):
            children = (node.left, node.right) if isinstance(node, Near) else (
                node.children if isinstance(node, And) else node.operands)
            return [clause for child in children for clause in self.required(child)]
        if isinstance(node, Or):
            # (a AND b) OR c  =>  (a OR c) AND (b OR c): distribute, within a small budget.
            clauses: list[frozenset[str]] = [frozenset()]
            for child in node.children:
                sub = self.required(child)
                if not sub or len(clauses) * len(sub) > _MAX_CLAUSES:
                    clauses = []
                    break
                clauses = [c | d for c in clauses for d in sub]
            if clauses:
                return list(dict.fromkeys(clauses))
        anchors = self.anchors(node)
        return [anchors] if anchors is not None else []

    @staticmethod
    def _cost(keys: frozenset[str]) -> float:
        return sum(_anchor_cost(k) for k in keys)

    # -- evaluators --------------------------------------------------------------------------------
    def test(self, node: Node) -> Test:
        if isinstance(node, Term):
            return self._any_term([node])
        if isinstance(node, And):
            tests = [self.test(c) for c in node.children]

            def all_of(post: Post) -> bool:
                for t in tests:
                    if not t(post):
                        return False
                return True

            return all_of
        if isinstance(node, Or):
            if all(isinstance(c, Term) for c in node.children):
                return self._any_term([c for c in node.children if isinstance(c, Term)])
            tests = self._or_tests(node.children)

            def any_of(post: Post) -> bool:
                for t in tests:
                    if t(post):
                        return True
                return False

            return any_of
        if isinstance(node, Not):
            pos, neg = self.test(node.positive), self.test(node.negative)
            return lambda post: pos(post) and not neg(post)
        if isinstance(node, Field | Range):
            predicate = field_predicate(node)
            return lambda post: post.fields is not None and predicate(post.view)
        positions = self.positions(node)
        return lambda post: bool(positions(post))

    def _or_tests(self, children: Sequence[Node]) -> list[Test]:
        """Tests of an OR's children, in order; each run of consecutive terms becomes one test."""
        tests: list[Test] = []
        run: list[Term] = []
        for child in children:
            if isinstance(child, Term):
                run.append(child)
                continue
            if run:
                tests.append(self._any_term(run))
                run = []
            tests.append(self.test(child))
        if run:
            tests.append(self._any_term(run))
        return tests

    def _any_term(self, nodes: list[Term]) -> Test:
        # The common shape (a term list, an OR of keywords): check prefilter hits before any real work.
        terms = [self.term(n) for n in nodes]

        def any_term(post: Post) -> bool:
            hits = post.hits
            for term in terms:
                if term.key_index in hits and post.occurrences(term):
                    return True
            return False

        return any_term

    def positions(self, node: Node) -> Positions:
        """Folded-text spans where a positional node (term, OR of them, NEAR, ~) occurs."""
        if isinstance(node, Term):
            term = self.term(node)
            return lambda post: post.occurrences(term)
        if isinstance(node, Or):
            subs = [self.positions(c) for c in node.children]
            return lambda post: sorted({span for s in subs for span in s(post)})
        if isinstance(node, Near):
            left, right = self.positions(node.left), self.positions(node.right)
            distance, ordered = node.distance, node.ordered

            def near(post: Post) -> list[Span]:
                lspans = left(post)
                if not lspans:
                    return []
                rspans = right(post)
                if not rspans:
                    return []
                ft = post.ft
                pairs = _pairs_within([(ft.token_index(a[0], a[1]), a) for a in lspans],
                                      [(ft.token_index(b[0], b[1]), b) for b in rspans], distance, ordered)
                return sorted({(min(a[0], b[0]), max(a[1], b[1])) for a, b in pairs})

            return near
        if isinstance(node, Proximity):
            subs = [self.positions(c) for c in node.operands]
            return _proximity(subs, node.distance, node.any_two)
        raise TypeError(f"not a positional node: {node!r}")  # the parser rejects these


def _proximity(subs: list[Positions], distance: int, any_two: bool) -> Positions:
    def window(post: Post) -> list[Span]:
        ft = post.ft
        lists = []
        for s in subs:
            spans = s(post)
            if not spans and not any_two:
                return []
            lists.append([(ft.token_index(span[0], span[1]), span) for span in spans])
        out = set()
        if any_two:
            for i, first in enumerate(lists):
                for second in lists[i + 1 :]:
                    for sa, sb in _pairs_within(first, second, distance, False):
                        out.add((min(sa[0], sb[0]), max(sa[1], sb[1])))
            return sorted(out)
        if len(lists) == 2:  # the usual "a b"~n: exact and fast
            return sorted({(min(sa[0], sb[0]), max(sa[1], sb[1]))
                           for sa, sb in _pairs_within(lists[0], lists[1], distance, False)})
        budget = _MAX_COMBINATIONS
        for combo in product(*lists):
            budget -= 1
            if budget < 0:
                break
            chosen = sorted(combo, key=lambda x: x[0])
            total = 0
            ok = True
            for (ta, _), (tb, _) in zip(chosen, chosen[1:], strict=False):
                gap = _gap(ta, tb)
                if gap is None or tb[0] < ta[0]:
                    ok = False
                    break
                total += gap
            if ok and total <= distance:
                out.add((min(c[1][0] for c in combo), max(c[1][1] for c in combo)))
        return sorted(out)

    return window


TokenSpan = tuple[tuple[int, int], Span]  # (first token, last token), folded character span


def _pairs_within(lefts: list[TokenSpan], rights: list[TokenSpan], distance: int,
                  ordered: bool) -> list[tuple[Span, Span]]:
    """Pairs (left, right) with at most ``distance`` words between them (left first if ``ordered``).

    Sorted by token start and searched with bisect, so a long post repeating both words thousands of
    times costs O(n log n + pairs) rather than every combination.
    """
    if not lefts or not rights:
        return []
    rights = sorted(rights)
    starts = [r[0][0] for r in rights]
    longest = max(r[0][1] - r[0][0] for r in rights)
    out = []
    for ta, sa in lefts:
        if ordered:
            lo = bisect_right(starts, ta[1])
        else:
            lo = bisect_left(starts, ta[0] - distance - 1 - longest)
        hi = bisect_right(starts, ta[1] + distance + 1)
        for k in range(lo, hi):
            tb, sb = rights[k]
            gap = _gap(ta, tb)
            if gap is not None and gap <= distance and (not ordered or ta[1] < tb[0]):
                out.append((sa, sb))
    return out


class CompiledQuery:
    """A query inside an engine: its syntax tree, evaluator and prefilter anchors."""

    __slots__ = ("node", "test", "anchors", "required", "positive_terms", "positive_fields")

    def __init__(self, node: Node, compiler: _Compiler) -> None:
        self.node = node
        self.test = compiler.test(node)
        self.anchors = compiler.anchors(node)
        self.required = compiler.required(node)
        self.positive_terms: list[tuple[str, CompiledTerm]] = []
        self.positive_fields: list[tuple[str, Test]] = []
        self._collect(node, compiler)

    def _collect(self, node: Node, compiler: _Compiler) -> None:
        if isinstance(node, Term):
            self.positive_terms.append((node.label, compiler.term(node)))
        elif isinstance(node, Field | Range):
            self.positive_fields.append((node.label, compiler.test(node)))
        elif isinstance(node, And | Or):
            for c in node.children:
                self._collect(c, compiler)
        elif isinstance(node, Not):
            self._collect(node.positive, compiler)
        elif isinstance(node, Near):
            self._collect(node.left, compiler)
            self._collect(node.right, compiler)
        elif isinstance(node, Proximity):
            for c in node.operands:
                self._collect(c, compiler)

    def explain(self, post: Post) -> tuple[list[str], list[Span]]:
        """Matched positive terms (as written) and their spans in the ORIGINAL text."""
        terms: list[str] = []
        spans: set[Span] = set()
        hits = post.hits
        ft = post.ft
        for label, term in self.positive_terms:
            if term.key_index not in hits:  # no prefilter hit: no occurrence (as in _any_term)
                continue
            found = post.occurrences(term)
            if found:
                if label not in terms:
                    terms.append(label)
                for start, end in found:
                    spans.add(ft.original_span(start, end))
        for label, test in self.positive_fields:
            if label not in terms and test(post):
                terms.append(label)
        return terms, sorted(spans) if len(spans) > 1 else list(spans)


def field_names(node: Node) -> frozenset[str]:
    """Names of the fields ``node`` reads (negated parts included)."""
    if isinstance(node, Field | Range):
        return frozenset([node.name])
    if isinstance(node, And | Or):
        children: Sequence[Node] = node.children
    elif isinstance(node, Not):
        children = (node.positive, node.negative)
    elif isinstance(node, Near):
        children = (node.left, node.right)
    elif isinstance(node, Proximity):
        children = node.operands
    else:
        return frozenset()
    names: set[str] = set()
    for child in children:
        names |= field_names(child)
    return frozenset(names)


class Engine:
    """Matches posts against many queries at once (see module docstring)."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        compiler = _Compiler()
        self.queries = [CompiledQuery(n, compiler) for n in nodes]
        # Every field some query reads: the others need not be computed for a post.
        self.field_names: frozenset[str] = frozenset().union(*(field_names(n) for n in nodes))
        self.terms = list(compiler.terms.values())
        keys: dict[str, int] = {}
        for term in self.terms:
            term.key_index = keys.setdefault(term.key, len(keys))
        self._key_len = [len(k) for k in keys]
        self._key_bounds = self._boundary_flags(keys)
        by_key: list[list[int]] = [[] for _ in keys]
        by_field: dict[str, list[int]] = {}
        always: list[int] = []
        for qi, query in enumerate(self.queries):
            if query.anchors is None:
                always.append(qi)
                continue
            for anchor in query.anchors:
                if anchor in keys:
                    by_key[keys[anchor]].append(qi)
                else:
                    by_field.setdefault(anchor, []).append(qi)
        # Clauses over automaton key indices; clauses that involve field anchors are left to the evaluator.
        self._required: list[tuple[frozenset[int], ...]] = [
            tuple(frozenset(keys[k] for k in clause) for clause in query.required
                  if clause and all(k in keys for k in clause))
            for query in self.queries
        ]
        self._by_key = [tuple(x) for x in by_key]
        self._by_field = {k: tuple(v) for k, v in by_field.items()}
        self._field_index = FieldAnchorIndex(self._by_field)
        self._has_field_anchors = bool(self._field_index)
        self._always = tuple(always)
        self._find: Finder | None = finder(keys.items())  # enrich._aho, or pyahocorasick

    def _boundary_flags(self, keys: dict[str, int]) -> list[int]:
        """Per key: 1 if every term using it needs a word boundary before the key, 2 after it.

        The scan drops hits that fail such a boundary ("apple" inside "pineapple") before they make
        any query a candidate.
        """
        flags = [3] * len(keys)
        for term in self.terms:
            i = term.key_index
            at_start = not term.wild or term.folded.startswith(term.key)
            at_end = not term.wild or term.folded.endswith(term.key)
            if not (at_start and term.left == "word" and term.folded[0] not in "#@"):
                flags[i] &= ~1
            if not (at_end and term.right == "word"):
                flags[i] &= ~2
        return flags

    @property
    def always_evaluated(self) -> int:
        """Number of queries without prefilter anchors, evaluated on every post."""
        return len(self._always)

    @property
    def automaton_keys(self) -> int:
        return len(self._by_key)

    def candidates(self, text: str, fields: Mapping[str, Any] | None) -> tuple[Post, list[int]]:
        """Fold and scan a post; return its state and the sorted indices of candidate queries."""
        ft = FoldedText(text)
        post = Post(ft, self._scan(ft.folded), fields)
        return post, self._candidates(post)

    def matching(self, text: str, fields: Mapping[str, Any] | None) -> tuple[Post, list[int]]:
        """Indices of the queries that match the post."""
        post, cands = self.candidates(text, fields)
        return post, self._evaluate(post, cands)

    def matching_many(self, texts: Sequence[str],
                      fields: Sequence[Mapping[str, Any] | None]) -> list[tuple[Post, list[int]]]:
        """:meth:`matching` of each post, one step at a time over the whole batch (fold, scan,
        candidates, evaluation): each step's code then stays in the CPU's instruction cache."""
        folded = [FoldedText(text) for text in texts]
        posts = [Post(ft, self._scan(ft.folded), values) for ft, values in zip(folded, fields, strict=True)]
        cands = [self._candidates(post) for post in posts]
        return [(post, self._evaluate(post, found)) for post, found in zip(posts, cands, strict=True)]

    def _scan(self, f: str) -> dict[int, list[int]]:
        """Automaton hits in folded text ``f``: key index -> end offsets (inclusive), boundary rules applied."""
        hits: dict[int, list[int]] = {}
        find = self._find
        if find is None:
            return hits
        last = len(f) - 1
        bounds, key_len, glue = self._key_bounds, self._key_len, GLUE
        for end, index in find(f):
            flag = bounds[index]
            if flag:
                if flag & 1:
                    before = end - key_len[index]
                    if before >= 0 and glue[f[before]]:
                        continue
                if flag & 2 and end < last and glue[f[end + 1]]:
                    continue
            found = hits.get(index)
            if found is None:
                hits[index] = [end]
            else:
                found.append(end)
        return hits

    def _candidates(self, post: Post) -> list[int]:
        """Sorted indices of the queries a post's hits and field values make candidates."""
        by_key = self._by_key
        cands: set[int] = set(self._always)
        for index in post.hits:
            cands.update(by_key[index])
        if post.fields and self._has_field_anchors:
            self._field_index.add_candidates(post.view, cands)
        return sorted(cands)

    def _evaluate(self, post: Post, cands: list[int]) -> list[int]:
        """The candidates that match: required-key clauses first (set tests), then the evaluator."""
        queries = self.queries
        required = self._required
        present = post.hits.keys()
        out = []
        for qi in cands:
            for clause in required[qi]:
                if present.isdisjoint(clause):
                    break
            else:
                if queries[qi].test(post):
                    out.append(qi)
        return out
