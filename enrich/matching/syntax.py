"""Syntax tree of a compiled Boolean query (what the parser produces and the evaluators consume)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Term:
    """A keyword, "exact phrase", #hashtag or @handle; may hold * and ? wildcards."""

    text: str
    case_sensitive: bool = False
    pos: int = 0
    written: str | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """The term as written by the analyst (query syntax or watchlist entry)."""
        if self.written is not None:
            return self.written
        if self.case_sensitive:
            return "{" + self.text + "}"
        return f'"{self.text}"' if " " in self.text else self.text


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``positive NOT negative`` (Brandwatch's NOT is binary)."""

    positive: Node
    negative: Node


@dataclass(frozen=True, slots=True)
class Near:
    """``left NEAR/n right``: at most ``distance`` words between them; ``ordered`` for NEAR/nf."""

    left: Node
    right: Node
    distance: int
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Proximity:
    """``"a b c"~n`` or ``(x y)~n``: all operands within a window with at most n other words.

    ``any_two`` is the ``(a OR b OR c)~n`` form: two different alternatives within n words.
    """

    operands: tuple[Node, ...]
    distance: int
    any_two: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """``name:value`` (or ``name:(v1 OR v2)``) on post metadata; ``name`` is canonical, e.g. ``lang``."""

    name: str
    values: tuple[str, ...]
    pos: int = 0

    @property
    def label(self) -> str:
        inner = " OR ".join(f'"{v}"' if " " in v else v for v in self.values)
        return f"{self.name}:{inner}" if len(self.values) == 1 else f"{self.name}:({inner})"


@dataclass(frozen=True, slots=True)
class Range:
    """``name:[low TO high]`` on a numeric field, inclusive; ``None`` is an open end (``*``)."""

    name: str
    low: float | None
    high: float | None
    pos: int = 0

    @property
    def label(self) -> str:
        def show(v: float | None) -> str:
            return "*" if v is None else f"{v:g}"

        return f"{self.name}:[{show(self.low)} TO {show(self.high)}]"


Node = Term | And | Or | Not | Near | Proximity | Field | Range


def is_positional(node: Node) -> bool:
    """Nodes that have word positions, so NEAR and ~ can measure distances between them."""
    if isinstance(node, Term | Near | Proximity):
        return True
    if isinstance(node, Or):
        return all(is_positional(c) for c in node.children)
    return False


def iter_terms(node: Node, positive_only: bool = False) -> list[Term]:
    """All terms of a tree; with ``positive_only``, skip the right-hand side of NOT."""
    out: list[Term] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            out.append(n)
        elif isinstance(n, And | Or):
            for c in n.children:
                walk(c)
        elif isinstance(n, Not):
            walk(n.positive)
            if not positive_only:
                walk(n.negative)
        elif isinstance(n, Near):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Proximity):
            for c in n.operands:
                walk(c)

    walk(node)
    return out
