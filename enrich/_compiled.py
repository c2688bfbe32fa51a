"""Which enrich/ modules run compiled (mypyc), and the pure-Python fallback.

``setup.py`` compiles :data:`HOT_MODULES` with mypyc into extensions placed next to their sources
(``pip install -e .`` / ``make install``). Python prefers an extension to the ``.py`` of the same
name, so nothing else has to change. This module is stdlib-only: ``setup.py`` imports it before
any dependency is installed.

The sources stay the reference: a module falls back to its ``.py`` when

* ``EARSHOT_PURE_PYTHON=1`` is set in the environment when ``enrich`` is first imported, or
* any compiled extension is older than its source (a ``.py`` edited after the last build), so a
  stale build can never run code that differs from the source. A warning says to rebuild.

In both cases *all* hot modules load from source (compiled modules call each other directly, so
mixing a stale extension with fresh sources is not allowed).

The hand-written C extensions in :data:`NATIVE_SOURCES` are different: ``enrich._lid``
(``enrich/_lid.c``), used by :mod:`enrich.language` in place of fasttext-predict, and
``enrich.sentiment._vader`` (``enrich/sentiment/_vader.c``), used by :mod:`enrich.sentiment` in place
of its Python engine, and ``enrich._model`` (``enrich/_model.c``), used by :mod:`enrich._trusted` to
build output models, and ``enrich._aho`` (``enrich/_aho.c``), the Aho-Corasick search of
:mod:`enrich.aho` in place of pyahocorasick, and ``enrich._scan`` (``enrich/_scan.c``), exact text
scans in place of regular expressions (language detection, redaction). :func:`native_unavailable` says when one must not be used (pure Python
requested, not built, or older than its C source); the caller then falls back. They never affect
the choice for the hot modules.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["HOT_MODULES", "NATIVE_SOURCES", "compiled", "compiled_modules", "fallback_reason", "native_module",
           "native_unavailable"]

HOT_MODULES: tuple[str, ...] = (
    "enrich._trusted",
    "enrich.enricher",
    "enrich.intent.tagger",
    "enrich.korean.analyzer",
    "enrich.korean.lexicon",
    "enrich.language",
    "enrich.matching.engine",
    "enrich.matching.fields",
    "enrich.matching.matcher",
    "enrich.matching.normalize",
    "enrich.matching.terms",
    "enrich.multilingual",
    "enrich.priority",
    "enrich.privacy",
    "enrich.sentiment.analyzer",
)
"""Modules compiled by mypyc (the per-post hot path; see docs/enrichment.md, "Performance")."""

# Hand-written C extensions and their sources (kept on one line: the Makefile reads HOT_MODULES'
# one-module-per-line entries above).
NATIVE_SOURCES: dict[str, str] = {"enrich._lid": "_lid.c", "enrich.sentiment._vader": "sentiment/_vader.c", "enrich._model": "_model.c", "enrich._aho": "_aho.c", "enrich._scan": "_scan.c"}

_PACKAGE_DIR = Path(__file__).resolve().parent
_STALE_AFTER_S = 2.0  # installers write a wheel's files within moments of each other
_fallback: str | None = None


def _source(name: str) -> Path:
    return _PACKAGE_DIR.joinpath(*name.split(".")[1:]).with_suffix(".py")


def _extension(name: str) -> Path | None:
    source = _source(name)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _stale() -> list[str]:
    """Hot modules whose extension is older than their source."""
    out = []
    for name in HOT_MODULES:
        ext = _extension(name)
        source = _source(name)
        if ext is not None and source.is_file() and source.stat().st_mtime > ext.stat().st_mtime + _STALE_AFTER_S:
            out.append(name)
    return out


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Loads the hot modules from their ``.py`` files even where an extension exists."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None,
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in HOT_MODULES:
            return None
        source = _source(fullname)
        return importlib.util.spec_from_file_location(fullname, source) if source.is_file() else None


def choose_implementation() -> None:
    """Called once by ``enrich/__init__.py``, before any hot module is imported."""
    global _fallback
    if os.environ.get("EARSHOT_PURE_PYTHON", "").strip().lower() in ("1", "true", "yes"):
        _fallback = "EARSHOT_PURE_PYTHON is set"
    else:
        stale = _stale()
        if stale:
            _fallback = f"compiled extensions older than their sources: {', '.join(stale)}"
            warnings.warn(f"enrich: {_fallback}; running pure Python. Rebuild with `make install` "
                          "(or `.venv/bin/pip install -e .`)", RuntimeWarning, stacklevel=3)
    if _fallback is not None and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())


def native_unavailable(name: str) -> str | None:
    """Why the hand-written extension ``name`` (in :data:`NATIVE_SOURCES`) must not be used, or None.

    Does not import it: a missing or broken import is the caller's fallback too.
    """
    if os.environ.get("EARSHOT_PURE_PYTHON", "").strip().lower() in ("1", "true", "yes"):
        return "EARSHOT_PURE_PYTHON is set"
    source = _PACKAGE_DIR / NATIVE_SOURCES[name]
    ext = None
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_suffix(suffix)
        if candidate.is_file():
            ext = candidate
            break
    if ext is None:
        return f"{name} is not built"
    if source.is_file() and source.stat().st_mtime > ext.stat().st_mtime + _STALE_AFTER_S:
        reason = f"{name} is older than {source.name}"
        warnings.warn(f"enrich: {reason}; not using it. Rebuild with `make install`", RuntimeWarning, stacklevel=2)
        return reason
    return None


def native_module(name: str) -> ModuleType | None:
    """The hand-written extension ``name`` imported, or None when it must not be used or fails to import."""
    if native_unavailable(name) is not None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def fallback_reason() -> str | None:
    """Why compiled extensions are bypassed (None if they are used wherever they exist)."""
    return _fallback


def compiled_modules() -> dict[str, bool]:
    """For each hot module, whether it is running compiled (imports them)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return {name: str(getattr(importlib.import_module(name), "__file__", "")).endswith(suffixes)
            for name in HOT_MODULES}


def compiled() -> bool:
    """True when every hot module runs as a mypyc-compiled extension."""
    return all(compiled_modules().values())
