"""Parser for the Brandwatch-compatible Boolean query language (grammar in docs/query-language.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from enrich.matching.errors import QuerySyntaxError
from enrich.matching.normalize import fold
from enrich.matching.syntax import And, Field, Near, Node, Not, Or, Proximity, Range, Term, is_positional

TEXT_FIELDS = {
    "language": "lang", "lang": "lang", "country": "country", "continent": "continent", "site": "site",
    "url": "url", "links": "links", "author": "author", "platform": "platform",
    "engagementtype": "engagementType", "authorverified": "authorVerified",
}
RANGE_FIELDS = {"authorfollowers": "authorFollowers", "rating": "rating"}
# Brandwatch fields we recognise but do not evaluate yet: rejected rather than silently never matching.
UNSUPPORTED_FIELDS = {
    "pagetype", "region", "city", "state", "authorgender", "gender", "accounttype", "impact", "sentiment",
    "guid", "blogname", "title", "authorlocation", "subreddit", "tags", "parentpostid", "rootpostid",
    "authorid", "bio", "interest", "profession", "mediatype", "imagetype", "hashtag", "mentioned",
}
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):")
_NEAR = re.compile(r"NEAR/(\d+)(f?)\Z")
_WORD_STOP = set(" \t\r\n\f\v()\"{}~")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


@dataclass(slots=True)
class _Tok:
    kind: str  # LP RP AND OR NOT NEAR NODE
    pos: int
    node: Node | None = None
    extra: Any = None


def strip_comments(query: str) -> str:
    """Blank out ``<<<comments>>>`` with spaces so that error positions still point into the original."""
    out = []
    i = 0
    while True:
        start = query.find("<<<", i)
        if start == -1:
            out.append(query[i:])
            return "".join(out)
        end = query.find(">>>", start + 3)
        if end == -1:
            raise QuerySyntaxError("unclosed comment: '<<<' without '>>>'", query, start)
        out.append(query[i:start])
        out.append("".join(c if c == "\n" else " " for c in query[start : end + 3]))
        i = end + 3


def check_term(text: str, query: str, pos: int) -> None:
    """Reject terms Brandwatch rejects (see :func:`check_wildcards`) and terms with nothing to search."""
    check_wildcards(text, query, pos)
    folded = fold(text).strip()
    if not folded.strip("#@"):
        raise QuerySyntaxError(f"term {text!r} has no letters, digits or symbols to search for", query, pos)
    if folded != text:  # full-width ＊ and ？ become wildcards when folded
        check_wildcards(folded, query, pos)


def check_wildcards(text: str, query: str, pos: int) -> None:
    """Reject wildcards Brandwatch rejects: at the start of a word, or * after a single character."""
    offset = 0
    for word in text.split(" "):
        body = word.lstrip("#@")
        at = pos + offset + (len(word) - len(body))
        if body[:1] in ("*", "?"):
            raise QuerySyntaxError(f"wildcard at the start of a word is not allowed: {word!r}", query, at)
        if len(body) >= 2 and body[1] == "*":
            raise QuerySyntaxError(
                f"wildcard after a single character is not allowed (use at least two): {word!r}", query, at + 1
            )
        offset += len(word) + 1


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.text = strip_comments(query)
        self.i = 0
        self.tokens: list[_Tok] = []

    def error(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, pos)

    def run(self) -> list[_Tok]:
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch.isspace():
                self.i += 1
            elif ch == "(":
                self.tokens.append(_Tok("LP", self.i))
                self.i += 1
            elif ch == ")":
                pos = self.i
                self.i += 1
                self.tokens.append(_Tok("RP", pos, extra=self._tilde()))
            elif ch == '"':
                self._phrase()
            elif ch == "{":
                self._case_sensitive()
            elif ch == "~":
                raise self.error(
                    "'~' must directly follow a closing quote or bracket, with a number: \"a b\"~5", self.i
                )
            elif ch == "}":
                raise self.error("'}' without a matching '{'", self.i)
            else:
                self._word()
        return self.tokens

    def _tilde(self) -> int | None:
        text = self.text
        if self.i >= len(text) or text[self.i] != "~":
            return None
        m = re.match(r"~(\d+)", text[self.i :])
        if not m:
            raise self.error("'~' needs a number right after it, e.g. \"apple juice\"~5", self.i)
        self.i += m.end()
        return int(m.group(1))

    def _phrase(self) -> None:
        start = self.i
        end = self.text.find('"', start + 1)
        if end == -1:
            raise self.error("unclosed quote", start)
        content = " ".join(self.text[start + 1 : end].split())
        if not content:
            raise self.error("empty phrase", start)
        check_term(content, self.query, start + 1)
        self.i = end + 1
        prox = self._tilde()
        if prox is None:
            self.tokens.append(_Tok("NODE", start, Term(content, False, start)))
            return
        words = content.split(" ")
        if len(words) < 2:
            raise self.error("proximity '~' needs at least two words in the phrase", start)
        terms = tuple(Term(w, False, start) for w in words)
        self.tokens.append(_Tok("NODE", start, Proximity(terms, prox)))

    def _case_sensitive(self) -> None:
        start = self.i
        end = self.text.find("}", start + 1)
        if end == -1:
            raise self.error("unclosed '{'", start)
        content = " ".join(self.text[start + 1 : end].replace('"', " ").split())
        if not content:
            raise self.error("empty case-sensitive term '{}'", start)
        check_term(content, self.query, start + 1)
        self.i = end + 1
        self.tokens.append(_Tok("NODE", start, Term(content, True, start)))

    def _read_word(self) -> str:
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in _WORD_STOP:
            self.i += 1
        return self.text[start : self.i]

    def _word(self) -> None:
        start = self.i
        m = _FIELD_PREFIX.match(self.text, start)
        if m:
            name = m.group(1).lower()
            if name in TEXT_FIELDS or name in RANGE_FIELDS:
                self.i = m.end()
                self._field(m.group(1), name, start)
                return
            if name in UNSUPPORTED_FIELDS:
                raise self.error(f"field '{m.group(1)}:' is not supported", start)
        word = self._read_word()
        if word in ("AND", "OR", "NOT"):
            self.tokens.append(_Tok(word, start))
            return
        if word.startswith("NEAR"):
            near = _NEAR.match(word)
            if not near:
                raise self.error("NEAR needs a distance, e.g. NEAR/5 or NEAR/5f (in order)", start)
            self.tokens.append(_Tok("NEAR", start, extra=(int(near.group(1)), near.group(2) == "f")))
            return
        check_term(word, self.query, start)
        self.tokens.append(_Tok("NODE", start, Term(word, False, start)))

    def _field(self, written: str, name: str, start: int) -> None:
        text = self.text
        if name in RANGE_FIELDS:
            canonical = RANGE_FIELDS[name]
            m = re.match(r"\[\s*(\S+)\s+TO\s+(\S+?)\s*\]", text[self.i :])
            if m:
                low = self._number(m.group(1), self.i + m.start(1))
                high = self._number(m.group(2), self.i + m.start(2))
                if low is not None and high is not None and low > high:
                    raise self.error(f"empty range in {written}: low end above high end", start)
                self.i += m.end()
                self.tokens.append(_Tok("NODE", start, Range(canonical, low, high, start)))
                return
            value_pos = self.i
            value = self._read_word()
            number = self._number(value, value_pos) if value else None
            if number is None:
                raise self.error(f"{written}: needs a number or a range such as [1000 TO 50000]", self.i)
            self.tokens.append(_Tok("NODE", start, Range(canonical, number, number, start)))
            return
        canonical = TEXT_FIELDS[name]
        values: list[str] = []
        if self.i < len(text) and text[self.i] == "(":
            end = text.find(")", self.i)
            if end == -1:
                raise self.error("unclosed bracket in field value", self.i)
            parts = [p.strip().strip('"') for p in re.split(r"\s+OR\s+", text[self.i + 1 : end].strip())]
            if any(not p for p in parts):
                raise self.error(f"{written}: empty value in (a OR b) list", self.i)
            values.extend(parts)
            self.i = end + 1
        elif self.i < len(text) and text[self.i] == '"':
            end = text.find('"', self.i + 1)
            if end == -1:
                raise self.error("unclosed quote", self.i)
            values.append(text[self.i + 1 : end].strip())
            self.i = end + 1
        else:
            values.append(self._read_word())
        if not all(values):
            raise self.error(f"missing value after '{written}:'", start)
        self.tokens.append(_Tok("NODE", start, Field(canonical, tuple(values), start)))

    def _number(self, value: str, pos: int) -> float | None:
        if value == "*":
            return None
        if not _NUMBER.match(value):
            raise self.error(f"not a number: {value!r}", pos)
        return float(value)


class _Parser:
    def __init__(self, query: str, tokens: list[_Tok]) -> None:
        self.query = query
        self.tokens = tokens
        self.k = 0

    def error(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, pos)

    def peek(self) -> _Tok | None:
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def end_pos(self) -> int:
        return len(self.query)

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query", 0)
        node = self.level()
        tok = self.peek()
        if tok is not None:  # only a stray ')' can stop a top-level parse
            raise self.error("unexpected ')' without a matching '('", tok.pos)
        return node

    def level(self) -> Node:
        """One bracket level: operands joined by one family of operators (OR, or AND/NOT)."""
        first_tok = self.peek()
        if first_tok is not None and first_tok.kind == "NOT":
            raise self.error(
                "a query cannot start with NOT: purely negative queries are not allowed (write 'a NOT b')",
                first_tok.pos,
            )
        positives = [self.operand()]
        negatives: list[Node] = []
        family: str | None = None
        family_kind = ""
        while True:
            tok = self.peek()
            if tok is None or tok.kind == "RP":
                break
            if tok.kind in ("AND", "OR", "NOT"):
                self.k += 1
                kind = tok.kind
                if kind == "AND":
                    nxt = self.peek()
                    if nxt is not None and nxt.kind == "NOT":
                        self.k += 1
                        kind = "NOT"
            else:
                kind = "IMPLICIT"
            this_family = "OR" if kind == "OR" else "AND"
            if family is None:
                family, family_kind = this_family, kind
            elif family != this_family:
                raise self.error(self._mix_message(kind, family_kind), tok.pos)
            if kind == "NOT":
                negatives.append(self.operand())
            else:
                positives.append(self.operand())
        if family == "OR":
            return Or(tuple(positives))
        node = positives[0] if len(positives) == 1 else And(tuple(positives))
        if negatives:
            node = Not(node, negatives[0] if len(negatives) == 1 else Or(tuple(negatives)))
        return node

    @staticmethod
    def _mix_message(kind: str, family_kind: str) -> str:
        if "IMPLICIT" in (kind, family_kind):
            return (
                "words without an operator between them (read as AND) mixed with OR at one level: "
                "add brackets, AND/OR, or quotes for a phrase"
            )
        ops = "NOT and OR" if "NOT" in (kind, family_kind) else "AND and OR"
        return f"{ops} mixed at one level without brackets: write e.g. (a OR b) AND c or (a OR b) NOT c"

    def operand(self) -> Node:
        tok = self.peek()
        if tok is None:
            prev = self.tokens[self.k - 1] if self.k else None
            raise self.error(f"missing term after {prev.kind if prev else 'start'}", self.end_pos())
        if tok.kind in ("AND", "OR", "NOT", "NEAR"):
            raise self.error(f"missing term before {tok.kind}", tok.pos)
        if tok.kind == "RP":
            raise self.error("missing term before ')'", tok.pos)
        left = self.primary()
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "NEAR":
                return left
            self.k += 1
            right = self.primary()
            distance, ordered = tok.extra
            for side in (left, right):
                if not is_positional(side):
                    raise self.error(
                        "NEAR only combines words, phrases and OR-groups of them (not AND, NOT or fields)",
                        tok.pos,
                    )
            left = Near(left, right, distance, ordered)

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("missing term at the end of the query", self.end_pos())
        if tok.kind == "NODE":
            self.k += 1
            assert tok.node is not None
            return tok.node
        if tok.kind == "LP":
            self.k += 1
            nxt = self.peek()
            if nxt is not None and nxt.kind == "RP":
                raise self.error("empty brackets", tok.pos)
            inner = self.level()
            close = self.peek()
            if close is None or close.kind != "RP":
                raise self.error("unclosed bracket '('", tok.pos)
            self.k += 1
            if close.extra is None:
                return inner
            return self._proximity(inner, close.extra, tok.pos)
        raise self.error(f"expected a term, found {tok.kind}", tok.pos)

    def _proximity(self, inner: Node, distance: int, pos: int) -> Node:
        if isinstance(inner, Or):
            operands, any_two = inner.children, True
        elif isinstance(inner, And):
            operands, any_two = inner.children, False
        else:
            raise self.error(
                "proximity '~' on brackets needs two or more words or groups, e.g. ((a OR b) c)~5", pos
            )
        if not all(is_positional(o) for o in operands):
            raise self.error("proximity '~' only combines words, phrases and OR-groups of them", pos)
        return Proximity(tuple(operands), distance, any_two)


def parse_query(query: str) -> Node:
    """Parse a Boolean query into a syntax tree; raises :class:`QuerySyntaxError` with the position."""
    return _Parser(query, _Lexer(query).run()).parse()
