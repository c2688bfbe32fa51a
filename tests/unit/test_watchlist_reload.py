"""WatchlistSource: load a file, hot-reload on change, keep the old matcher when the new file is bad."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from enrich.matching import WatchlistError
from pipeline.watchlists import WatchlistSource

V1 = "topics:\n  - {id: acme, name: Acme, group: brand, terms: [acme]}\n"
V2 = "topics:\n  - {id: brewco, name: BrewCo, group: competitor, query: 'brewco OR #brewco'}\n"


def write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    # Force a visible mtime change even on coarse-grained filesystems.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_load_reload_and_keep_old_on_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "watchlist.yaml"
    write(path, V1, 0)
    source = WatchlistSource()
    first = source.load(path)
    assert first.match_ids("acme rocks") == ["acme"]
    assert source.maybe_reload() is None  # unchanged

    write(path, V2, 1)
    second = source.maybe_reload()
    assert second is not None and second.match_ids("#BrewCo") == ["brewco"]
    assert source.matcher is second

    write(path, "topics:\n  - {id: x, name: X, group: brand, query: 'a AND b OR c'}\n", 2)
    with caplog.at_level(logging.ERROR, logger="pipeline.watchlists"):
        assert source.maybe_reload() is None
        assert source.maybe_reload() is None  # the same bad file is reported once
    assert source.matcher is second
    assert len([r for r in caplog.records if "reload failed" in r.getMessage()]) == 1
    assert "topic 'x', key 'query'" in (source.last_error or "")

    path.unlink()
    assert source.maybe_reload() is None
    assert "unreadable" in (source.last_error or "")

    write(path, V1, 3)
    third = source.maybe_reload()
    assert third is not None and third.match_ids("acme") == ["acme"]
    assert source.last_error is None


def test_initial_load_errors_are_raised(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="cannot read watchlist"):
        WatchlistSource().load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics:\n  - {id: a, name: A, group: nope, terms: [a]}\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match="bad.yaml: topic 'a', key 'group'"):
        WatchlistSource().load(bad)


def test_reload_before_load_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        WatchlistSource().maybe_reload()
