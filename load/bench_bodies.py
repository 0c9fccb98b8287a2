"""Bodies built to be slow: what the gateway's body checks cost against json.loads.

`python -m load.bench_bodies [--repeat 5]`

A webhook or REST body is checked (`gateway.bodies.check_json`: UTF-8, depth, a key twice, a
lone surrogate) before any decoder sees it. Bodies an attacker builds to make such a scan slow
(100,000 brackets deep; 300,000 escaped quotes or backslashes, which make a careless string
pattern quadratic) must cost in proportion to their size. Baseline, in the same run: the
standard library's `json.loads` reading a valid body of the same size (one long string), what
an honest body that large costs to decode. Prints, per body, the best of `--repeat` runs of
each, the ratio and our cost per KB; each body is run at two sizes, and the cost per KB staying
about the same when the body doubles is what shows the scan linear.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from gateway.bodies import UndecodableBody, check_json


def nested(depth: int) -> bytes:
    return (b'{"a":' * depth) + b"1" + (b"}" * depth)


def bodies(scale: int) -> dict[str, bytes]:
    n = 300_000 * scale
    return {
        f"brackets {100_000 * scale:,} deep": b"[" * (100_000 * scale) + b"]" * (100_000 * scale),
        f"objects {5_000 * scale:,} deep in an order": b'{"items":[{"options":' + nested(
            5000 * scale) + b"}]}",
        f"{n:,} escaped quotes in a string": b'"' + b'\\"' * n,
        f"{n:,} backslash-quote pairs": b'"\\' * n,
        f"{n:,} in an array, unclosed": b'["\\' * n,
        f"{2 * n:,} quotes": b'"' * (2 * n),
    }


def best(run: Callable[[bytes], object], body: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(body)
        times.append(time.perf_counter() - started)
    return min(times)


def ours(body: bytes) -> None:
    try:
        check_json(body)
    except UndecodableBody:
        pass


def baseline(body: bytes) -> None:
    json.loads(b'"' + b"a" * max(0, len(body) - 2) + b'"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'body':44} {'json.loads ms':>14} {'check_json ms':>14} {'ratio':>7} "
          f"{'us per KB':>10}")
    worst = 0.0
    for scale in (1, 2):
        for name, body in bodies(scale).items():
            base, our = best(baseline, body, args.repeat), best(ours, body, args.repeat)
            ratio = our / base if base else float("inf")
            worst = max(worst, ratio)
            print(f"{name:44} {base * 1e3:14.2f} {our * 1e3:14.2f} {ratio:6.1f}x "
                  f"{our * 1e6 / (len(body) / 1024):10.1f}")
    print(f"worst ratio: {worst:.1f}x; doubling a body should leave its cost per KB about the same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
