"""Run every bench/bench_*.py module's main() and print its table.

Run: .venv/bin/python bench/run.py   (``make bench`` does this)

Modules are imported by path, so bench/ needs no __init__.py. A bench that
raises is reported and the rest still run; the exit status is always 0
(benchmarks inform, they do not gate).
"""
from __future__ import annotations

import glob
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load(path):
    name = "bench_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    paths = sorted(glob.glob(os.path.join(HERE, "bench_*.py")))
    if not paths:
        print("no bench/bench_*.py modules found")
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        print(f"== {rel} ==", flush=True)
        start = time.perf_counter()
        try:
            load(path).main()
        except Exception:  # a broken bench must not hide the others
            traceback.print_exc()
            print(f"!! {rel} failed (see traceback above)")
        print(f"({rel} took {time.perf_counter() - start:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
