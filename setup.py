"""Build hook: compiles the hot enrichment modules to C extensions with mypyc.

``pip install -e '.[dev]'`` (``make install``) runs this; the project metadata stays in
pyproject.toml. The modules listed in ``enrich/_compiled.py`` (``HOT_MODULES``) are compiled
together into native extensions next to their sources; everything else, and every module when
compilation is off or fails, runs as plain Python with the same results. See docs/enrichment.md,
"Performance".

* ``EARSHOT_PURE_PYTHON=1`` at install time: build no extensions (pure Python).
* ``EARSHOT_REQUIRE_COMPILED=1``: fail the install instead of falling back to pure Python when
  mypyc or the C compiler is missing or fails (e.g. in CI, to prove the compiled build works).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
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


class OptionalBuildExt(build_ext):
    """Builds the mypyc extensions; without a working C compiler, warns and leaves pure Python."""

    def run(self) -> None:
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
                if path.is_file():
                    os.utime(path)


def _ext_modules() -> list[object]:
    if _flag("EARSHOT_PURE_PYTHON"):
        return []
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
