"""Run every benchmark, print the figures, and write bench/results.json.

    python -m bench.run            # all, full size
    python -m bench.run --quick    # smoke-sized
    python -m bench.run e2e sentiment
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
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
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {MODULES}")
    names = args.only or MODULES
    results: dict[str, dict[str, Any]] = {}
    if RESULTS.exists() and args.only:  # a partial run updates the figures it measured
        results = {k: v for k, v in json.loads(RESULTS.read_text()).items() if not k.startswith("_")}
    failed = []
    print(f"machine: {machine()}")
    for name in names:
        try:
            module = importlib.import_module(f"bench.bench_{name}")
        except ModuleNotFoundError as exc:
            print(f"\n== {name}: skipped ({exc})")
            continue
        print(f"\n== {name}")
        t0 = time.monotonic()
        try:
            figures = module.run(quick=args.quick)
        except Exception:
            traceback.print_exc()
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


if __name__ == "__main__":
    sys.exit(main())
