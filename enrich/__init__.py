"""Pure enrichment components (no I/O). ``enrich.compiled()`` tells whether the hot modules run as
mypyc-compiled extensions (docs/enrichment.md, "Performance")."""

from enrich._compiled import choose_implementation, compiled, compiled_modules, fallback_reason

choose_implementation()

__all__ = ["compiled", "compiled_modules", "fallback_reason"]
