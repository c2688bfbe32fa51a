"""Build hook: compiles the hot enrichment modules to C extensions with mypyc.

``pip install -e '.[dev]'`` (``make install``) runs this; the project metadata stays in
pyproject.toml. The modules listed in ``enrich/_compiled.py`` (``HOT_MODULES``) are compiled
together into native extensions next to their sources; everything else, and every module when
compilation is off or fails, runs as plain Python with the same results. See docs/enrichment.md,
"Performance".

It also builds ``enrich._lid`` from ``enrich/_lid.c``: a hand-written C port of fastText's inference
for the language-id model (enrich/language.py uses it instead of fasttext-predict, same results).
It is optional in the same way; without it language detection calls fasttext-predict.

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
from _compiled import HOT_MODULES  # noqa: E402  (a dependency-free module; enrich/ itself imports pydantic)

sys.path.pop(0)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


REQUIRE = _flag("EARSHOT_REQUIRE_COMPILED")


def _warn(message: str) -> None:
    print(f"earshot setup.py: {message}; enrich/ stays pure Python (same results, slower)", file=sys.stderr)


# The hand-written extension (not mypyc). Contracting a*b+c into fused multiply-adds would change the
# float rounding that makes its results identical to fastText's.
NATIVE_LID = "enrich._lid"


def _native_extensions() -> list[Extension]:
    compile_args = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]
    return [Extension(NATIVE_LID, ["enrich/_lid.c"], extra_compile_args=compile_args)]


class OptionalBuildExt(build_ext):
    """Builds the mypyc extensions; without a working C compiler, warns and leaves pure Python."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name != NATIVE_LID:
            super().build_extension(ext)
            return
        # Built first and on its own: its failure leaves the mypyc modules to build, and vice versa.
        try:
            super().build_extension(ext)
        except Exception as exc:
            if REQUIRE:
                raise
            self._failed.add(ext.name)  # an older build stays older than its source: not used
            print(f"earshot setup.py: compiling {NATIVE_LID} failed ({exc}); language detection uses "
                  "fasttext-predict (same results, slower)", file=sys.stderr)

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
