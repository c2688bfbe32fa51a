"""Build hook: compiles the hot enrichment modules to C extensions with mypyc.

``pip install -e '.[dev]'`` (``make install``) runs this; the project metadata stays in
pyproject.toml. The modules listed in ``enrich/_compiled.py`` (``HOT_MODULES``) are compiled
together into native extensions next to their sources; everything else, and every module when
compilation is off or fails, runs as plain Python with the same results. See docs/enrichment.md,
"Performance".

It also builds five hand-written C extensions, optional in the same way (``enrich/_compiled.py``,
``NATIVE_SOURCES``): ``enrich._lid`` from ``enrich/_lid.c``, a C port of fastText's inference for the
language-id model (enrich/language.py uses it instead of fasttext-predict, same results), and
``enrich.sentiment._vader`` from ``enrich/sentiment/_vader.c``, a C port of VADER's scoring
(enrich/sentiment/analyzer.py uses it instead of its Python code, same results), and ``enrich._model``
from ``enrich/_model.c``, which builds the output pydantic models (enrich/_trusted.py), and ``enrich._aho`` from
``enrich/_aho.c``, Aho-Corasick word search (enrich/aho.py), and ``enrich._scan`` from
``enrich/_scan.c``, exact text scans (language.py, privacy.py). Without them, language detection
calls fasttext-predict, sentiment runs the Python analyzer, models are built in Python, word search
uses pyahocorasick and the scans are regular expressions.

* ``EARSHOT_PURE_PYTHON=1`` at install time: build no extensions (pure Python).
* ``EARSHOT_REQUIRE_COMPILED=1``: fail the install instead of falling back to pure Python when
  mypyc or the C compiler is missing or fails (e.g. in CI, to prove the compiled build works).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "enrich"))
from _compiled import HOT_MODULES, NATIVE_SOURCES  # noqa: E402  (a dependency-free module; enrich/ itself imports pydantic)

sys.path.pop(0)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


REQUIRE = _flag("EARSHOT_REQUIRE_COMPILED")


def _warn(message: str) -> None:
    print(f"earshot setup.py: {message}; enrich/ stays pure Python (same results, slower)", file=sys.stderr)


# The hand-written extensions (not mypyc) and what runs without each. Contracting a*b+c into fused
# multiply-adds would change the float rounding that makes their results identical to the references'.
NATIVE_FALLBACKS = {
    "enrich._lid": "language detection uses fasttext-predict",
    "enrich.sentiment._vader": "sentiment uses the Python analyzer",
    "enrich._model": "output models are built in Python",
    "enrich._aho": "word search uses pyahocorasick",
    "enrich._scan": "text scans use regular expressions",
}


def _native_extensions() -> list[Extension]:
    compile_args = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]
    return [Extension(name, [f"enrich/{source}"], extra_compile_args=compile_args)
            for name, source in NATIVE_SOURCES.items()]


class OptionalBuildExt(build_ext):
    """Builds the mypyc extensions; without a working C compiler, warns and leaves pure Python."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name not in NATIVE_SOURCES:
            super().build_extension(ext)
            return
        # Built first and each on its own: a failure leaves the others to build, and vice versa.
        try:
            super().build_extension(ext)
        except Exception as exc:
            if REQUIRE:
                raise
            self._failed.add(ext.name)  # an older build stays older than its source: not used
            fallback = NATIVE_FALLBACKS.get(ext.name, "its caller falls back")
            print(f"earshot setup.py: compiling {ext.name} failed ({exc}); {fallback} (same results, slower)",
                  file=sys.stderr)

    def run(self) -> None:
        self._failed: set[str] = set()
        try:
            super().run()
        except Exception as exc:  # CompileError, missing gcc/headers...
            if REQUIRE:
                raise
            _warn(f"compiling the extensions failed ({exc})")
            return
        if self.inplace:
            # Copies keep the build directory's times; enrich/_compiled.py ignores extensions older
            # than their source, so mark these as built now (after the sources they came from).
            for ext in self.extensions:
                path = ROOT / self.get_ext_filename(ext.name)
                if path.is_file() and ext.name not in self._failed:
                    os.utime(path)


def _ext_modules() -> list[object]:
    if _flag("EARSHOT_PURE_PYTHON"):
        return []
    return [*_native_extensions(), *_mypyc_extensions()]


def _mypyc_extensions() -> list[object]:
    try:
        from mypyc.build import mypycify

        # One shared library for all hot modules (native calls between them). The type-check
        # settings come from [tool.mypy] in pyproject.toml (strict on enrich/).
        return list(mypycify(["--ignore-missing-imports", *[m.replace(".", "/") + ".py" for m in HOT_MODULES]],
                             opt_level="3", verbose=False))
    except (Exception, SystemExit) as exc:  # mypy missing, or a type error mypyc refuses
        if REQUIRE:
            raise
        _warn(f"mypyc could not translate the hot modules ({exc!r})")
        return []


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
