"""Type stub of the C extension built from enrich/_scan.c (exact text scans run on every post)."""

def strip_markup(text: str, /) -> str:
    """``enrich.language.strip_social_markup(text)``, computed natively (the same string)."""

def script_counts(ranges: tuple[tuple[tuple[int, int], ...], ...], text: str, /) -> tuple[int, int, int] | None:
    """``enrich.language.script_counts(text)`` for the scripts ``ranges`` (code point ranges per script)."""

def has_decimals(text: str, n: int, /) -> bool:
    """Whether ``text`` holds at least ``n`` decimal digits (the characters re's ``\\d`` matches)."""

def fold_narrow(table: str, ranges: tuple[tuple[int, int], ...], text: str, /) -> str | None:
    """``text`` with each ASCII character ``c`` replaced by ``table[c]`` (128 ASCII characters); None if
    a character is neither ASCII nor within ``ranges``."""

def word_spans(hangul: tuple[tuple[int, int], ...], unspaced: tuple[tuple[int, int], ...], text: str,
               /) -> tuple[list[int], list[int]]:
    """Starts and ends of the word tokens: runs of ``hangul``, single ``unspaced`` characters, runs of
    other word characters (``\\w``)."""

def has_letters(n: int, text: str, /) -> bool:
    """Whether ``text`` holds at least ``n`` letters (the characters re's ``[^\\W\\d_]`` matches)."""
