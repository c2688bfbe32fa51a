"""Loads the watchlist YAML file and hot-reloads it: poll the file, rebuild the matcher, swap.

No Faust here: the worker calls :meth:`WatchlistSource.maybe_reload` every few seconds and, when it gets a
new matcher, uses it for the next mentions. A broken new file never replaces a working matcher.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from enrich.matching import WatchlistError, WatchlistMatcher, parse_watchlist

log = logging.getLogger(__name__)

_Signature = tuple[int, int, int]  # inode, size, mtime in ns


def _signature(path: Path) -> _Signature:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


class WatchlistSource:
    """The watchlist file currently in use, and the matcher built from it."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.matcher: WatchlistMatcher | None = None
        self._signature: _Signature | None = None
        self.last_error: str | None = None

    def load(self, path: str | os.PathLike[str]) -> WatchlistMatcher:
        """Load ``path`` now; raises WatchlistError (naming the file, topic and key) if it is invalid."""
        self.path = Path(path)
        try:
            signature = _signature(self.path)
            matcher = self._build(self.path)
        except OSError as exc:
            raise WatchlistError(f"cannot read watchlist: {exc.strerror or exc}", str(self.path)) from None
        self.matcher, self._signature, self.last_error = matcher, signature, None
        log.info("watchlist %s loaded: %s", self.path, matcher.stats)
        return matcher

    def maybe_reload(self) -> WatchlistMatcher | None:
        """A new matcher if the file changed and is valid; None otherwise (errors are logged, old kept)."""
        if self.path is None:
            raise RuntimeError("WatchlistSource.maybe_reload() called before load()")
        try:
            signature = _signature(self.path)
        except OSError as exc:
            self._report(f"watchlist {self.path} unreadable, keeping the previous one: {exc.strerror or exc}")
            return None
        if signature == self._signature:
            return None
        try:
            matcher = self._build(self.path)
            if _signature(self.path) != signature:
                # Changed while we read it (an editor still writing): try again at the next poll.
                return None
        except (WatchlistError, OSError) as exc:
            # Remember the bad version so the same error is logged once, not on every poll.
            self._signature = signature
            self._report(f"watchlist reload failed, keeping the previous one: {exc}")
            return None
        self.matcher, self._signature, self.last_error = matcher, signature, None
        log.info("watchlist %s reloaded: %s", self.path, matcher.stats)
        return matcher

    def _report(self, message: str) -> None:
        if message != self.last_error:
            log.error("%s", message)
        self.last_error = message

    @staticmethod
    def _build(path: Path) -> WatchlistMatcher:
        text = path.read_text(encoding="utf-8")
        return WatchlistMatcher(parse_watchlist(text, source=str(path)))
