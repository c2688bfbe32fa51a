"""Run every benchmark, print the figures, and write bench/results.json.

    python -m bench.run            # all, full size
    python -m bench.run --quick    # smoke-sized
    python -m bench.run e2e sentiment

Each benchmark module runs in a fresh Python process, so no benchmark measures the heap or the
caches another one left behind (the enrichment figures were ~15 % lower right after the matching
benchmark had built and dropped its 10,000-topic watchlists in the same process).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

MODULES = ["sentiment", "matching", "enrich", "spikes", "queries", "e2e", "latency"]
RESULTS = Path(__file__).with_name("results.json")


def machine() -> dict[str, Any]:
    import os

    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = line.split(":", 1)[1].strip()
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu, "memory": mem,
            "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help=f"benchmarks to run (default: all of {MODULES})")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)  # internal: one module, figures here
    args = parser.parse_args(argv)
    if args.child_out is not None:
        return run_child(args.only, args.quick, args.child_out)
    unknown = set(args.only) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {MODULES}")
    names = args.only or MODULES
    results: dict[str, dict[str, Any]] = {}
    if RESULTS.exists() and args.only:  # a partial run updates the figures it measured
        results = {k: v for k, v in json.loads(RESULTS.read_text()).items() if not k.startswith("_")}
    failed = []
    print(f"machine: {machine()}")
    sys.stdout.flush()
    for name in names:
        print(f"\n== {name}", flush=True)
        t0 = time.monotonic()
        figures = run_in_subprocess(name, args.quick)
        if figures is None:
            failed.append(name)
            continue
        results.update(figures)
        print(f"   ({time.monotonic() - t0:.1f}s)")
    out = {k: results[k] for k in sorted(results)}
    out["_meta"] = {"date": time.strftime("%Y-%m-%d"), "quick": args.quick, "machine": machine()}
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print("\n== figures")
    for k, v in out.items():
        if not k.startswith("_"):
            print(f"  {k:32s} {v['value']:>14,.3f} {v['unit']}")
    print(f"\nwrote {RESULTS}")
    return 1 if failed else 0


def run_in_subprocess(name: str, quick: bool) -> dict[str, dict[str, Any]] | None:
    """Run benchmark ``name`` in a fresh interpreter; its figures, or None if it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        cmd = [sys.executable, "-m", "bench.run", name, "--child-out", str(out), *(["--quick"] if quick else [])]
        done = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], check=False)
        if done.returncode != 0 or not out.exists():
            return None
        figures: dict[str, dict[str, Any]] = json.loads(out.read_text())
        return figures


def run_child(names: list[str], quick: bool, out: Path) -> int:
    """Child side of :func:`run_in_subprocess`: run one module, write its figures to ``out``."""
    (name,) = names
    try:
        module = importlib.import_module(f"bench.bench_{name}")
    except ModuleNotFoundError as exc:
        print(f"   skipped ({exc})")
        out.write_text("{}")
        return 0
    try:
        figures = module.run(quick=quick)
    except Exception:
        traceback.print_exc()
        return 1
    out.write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
