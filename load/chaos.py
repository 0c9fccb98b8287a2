"""`make chaos`: the fault run of issue #17, which anyone can repeat.

`python -m load.chaos [--orders 800] [--shops 4] [--pause 0.4] [--timeout 5] [--steady 5]
 [--hold 8] [--faults orders,configurator,...,NATS,PostgreSQL] [--home DIR] [--json PATH]`

Starts the platform as `make up` does (the launcher, on shifted ports, a throwaway
DOVETAIL_HOME), has four shops deliver 800 signed orders with Shopify-like retries
(load/chaos_shops.py), and meanwhile kills with SIGKILL, in turn, every service, the gateway,
NATS and PostgreSQL. Nobody restarts anything: the launcher does. Before each kill the platform
has taken its share of the orders and run steadily for `--steady` s. A server stays down
`--hold` s before the launcher may restart it (the launcher is paused with SIGSTOP meanwhile):
the launcher brings a killed server back in about a second, and what intake does during a real
outage (how soon it answers 503, how soon it takes orders once the server is back) needs one
that lasts.

Prints, per fault window (a kill until the next): what shops were answered (5xx, 503,
timeouts, no answer), the time to the first 503, the slowest 503, when the killed process
served again ("back": a server accepting connections, as the launcher reports it; a service
SERVING its gRPC health; the gateway answering HTTP), when intake took orders again after that,
and readiness flips (/healthz). Then the reconciliation: acknowledged, lost, duplicated, stuck.
The baseline beside each recovery is the killed process's own time to serve again, measured in
the same run: intake cannot be back before it. Exit 1 when a target of the issue is missed:
0 lost, 0 duplicated, 0 × 500, nothing stuck, each server back within 10 s, a 503 within 2 s,
intake back within 5 s of each server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from infra.launcher import SERVICE_ORDER
from load.chaos_shops import NO_ANSWER, TIMEOUT, Attempt, Shops
from load.launched import Launched, Readiness, launched
from tests.e2e.reconcile import Ledger, placements, unsettled
from tests.helpers import ref

SERVERS = ("NATS", "PostgreSQL")
FAULTS = (*SERVICE_ORDER, "gateway", *SERVERS)
SERVER_BACK_S = 10.0  # the targets
FIRST_503_S = 2.0
INTAKE_BACK_S = 5.0


@dataclass
class Window:
    fault: str
    killed_at: float
    resumed_at: float | None = None  # the end of a hold: the launcher may restart it
    back_at: float | None = None  # the killed process serves again
    ends_at: float = 0.0
    answers: dict[str, int] = field(default_factory=dict)
    first_503_s: float | None = None
    slowest_503_s: float | None = None
    intake_down: bool = False
    intake_back_s: float | None = None  # first 2xx after `back_at`, counted from it
    back_s: float | None = None
    readiness: list[str] = field(default_factory=list)


async def served_again(up: Launched, fault: str, after: float, timeout: float = 120.0) -> float:
    """When the killed `fault` served again (monotonic time)."""
    if fault in SERVERS:
        at, _ = await asyncio.to_thread(up.console.wait_for, f"^\\S+ {fault} is back after",
                                        after, timeout)
        return at
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await _answers(up, fault):
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{fault} did not serve again within {timeout:.0f} s")


async def _answers(up: Launched, fault: str) -> bool:
    import grpc
    import httpx
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    if fault == "gateway":
        async with httpx.AsyncClient(timeout=1) as client:
            with contextlib.suppress(httpx.HTTPError):
                await client.get(f"{up.base_url}/healthz")
                return True
        return False
    async with grpc.aio.insecure_channel(up.settings.service_address(fault)) as channel:
        with contextlib.suppress(grpc.aio.AioRpcError):
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=1)
            return reply.status == health_pb2.HealthCheckResponse.SERVING
    return False


def pid_of(up: Launched, fault: str) -> int:
    if fault == "PostgreSQL":
        return up.postmaster_pid()
    if fault == "NATS":
        return up.nats_pid()
    return up.child_pid("gateway.main" if fault == "gateway" else f"services.{fault}.main")


async def inflict(up: Launched, shops: Shops, faults: list[str], steady: float,
                  hold: float) -> list[Window]:
    """Each fault in turn, once the platform took its share of orders and ran `steady` s; a
    server stays down `hold` s."""
    share = shops.orders // (len(faults) + 1)
    shops.allow(2 * share)
    windows: list[Window] = []
    calm_since = time.monotonic()
    for i, fault in enumerate(faults):
        while len(shops.accepted) < share * (i + 1) or time.monotonic() - calm_since < steady:
            await asyncio.sleep(0.1)
        pid = pid_of(up, fault)
        held = hold if fault in SERVERS else 0.0
        if held:
            os.kill(up.process.pid, signal.SIGSTOP)
        try:
            window = Window(fault, time.monotonic())
            os.kill(pid, signal.SIGKILL)
            shops.allow(share * (i + 3))  # shops keep delivering through the fault
            windows.append(window)
            print(f"  {time.strftime('%H:%M:%S')} kill -9 {fault} (PID {pid})"
                  + (f", held down {held:g} s" if held else "")
                  + f"; {len(shops.accepted)} orders acknowledged so far", flush=True)
            await asyncio.sleep(held)
        finally:
            if held:
                os.kill(up.process.pid, signal.SIGCONT)
        window.resumed_at = time.monotonic()
        window.back_at = await served_again(up, fault, window.killed_at)
        await _intake_taking_orders(shops, window.back_at)
        calm_since = time.monotonic()
    shops.allow(shops.orders)
    return windows


async def _intake_taking_orders(shops: Shops, since: float, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(a.ok and a.answered >= since for a in reversed(shops.attempts[-50:])):
            return
        await asyncio.sleep(0.05)


def measure(windows: list[Window], attempts: list[Attempt], readiness: Readiness,
            ended: float) -> None:
    """Fill each window with what shops and readiness saw from its kill to the next."""
    for i, w in enumerate(windows):
        w.ends_at = windows[i + 1].killed_at if i + 1 < len(windows) else ended
        sent = [a for a in attempts if w.killed_at <= a.sent < w.ends_at]
        answered = [a for a in attempts if w.killed_at <= a.answered < w.ends_at]
        counts: dict[str, int] = {}
        for a in sent:
            counts[str(a.outcome)] = counts.get(str(a.outcome), 0) + 1
        w.answers = dict(sorted(counts.items()))
        refusals = [a for a in answered if a.outcome == 503]
        if refusals:
            w.first_503_s = min(a.answered for a in refusals) - w.killed_at
            w.slowest_503_s = max(a.answered - a.sent for a in refusals)
        w.intake_down = any(not a.ok for a in answered)
        if w.back_at is not None:
            w.back_s = w.back_at - (w.resumed_at or w.killed_at)
            back = [a.answered for a in answered if a.ok and a.answered >= w.back_at]
            w.intake_back_s = (min(back) - w.back_at) if back else None
        w.readiness = [f"{'ready' if ready else 'NOT ready'} at +{at - w.killed_at:.1f} s"
                       for at, ready in readiness.flips(w.killed_at) if at < w.ends_at]


async def reconcile(up: Launched, shops: Shops, timeout: float) -> dict:
    """Acknowledged, lost, duplicated, stuck: what the shops were told against what is on
    JetStream and how far every follower got (tests/e2e/reconcile.py)."""
    orders = {e: next(iter(ids)) for e, ids in shops.accepted.items()}
    answered_twice = sorted(e for e, ids in shops.accepted.items() if len(ids) > 1)

    async def placement_problems() -> list[str]:
        placed = await placements(up.settings.nats_url, orders)
        return [e for e, seen in placed.items() if sum(seen.values()) != 1 or
                set(seen) != {orders[e]}]

    wrong = set(await unsettled(placement_problems, timeout))
    placed = await placements(up.settings.nats_url, orders)
    async with Ledger(up.settings, SERVICE_ORDER) as ledger:
        unrelayed = await unsettled(ledger.unrelayed, timeout)
        lagging = await unsettled(ledger.lagging, timeout)
    return {
        "acknowledged": len(shops.accepted),
        "deliveries": len(shops.attempts),
        "abandoned_by_shops": len(shops.abandoned),
        "lost": sorted(e for e in wrong if not placed[e]),
        "duplicated": sorted(set(answered_twice) | {e for e in wrong if placed[e]}),
        "stuck": unrelayed + lagging,
    }


def latency(attempts: list[Attempt], start: float, end: float) -> str:
    took = [a.answered - a.sent for a in attempts if a.ok and start <= a.sent < end]
    if len(took) < 2:
        return "n/a"
    q = statistics.quantiles(took, n=100)
    return f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms ({len(took)} answers)"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def missed_targets(windows: list[Window], totals: dict) -> list[str]:
    missed = [f"{len(totals[k])} {k}" for k in ("lost", "duplicated", "stuck") if totals[k]]
    for w in windows:
        fives = {k: n for k, n in w.answers.items() if k.isdigit() and int(k) >= 500 and k != "503"}
        if fives:
            missed.append(f"{w.fault}: answered {fives}")
        if w.fault in SERVERS and (w.back_s is None or w.back_s > SERVER_BACK_S):
            missed.append(f"{w.fault} back after {secs(w.back_s)} (target {SERVER_BACK_S:g} s)")
        if w.intake_down and (w.intake_back_s is None or w.intake_back_s > INTAKE_BACK_S):
            missed.append(f"{w.fault}: intake back {secs(w.intake_back_s)} after it "
                          f"(target {INTAKE_BACK_S:g} s)")
        if w.intake_down and w.fault != "gateway" and (
                w.first_503_s is None or w.first_503_s > FIRST_503_S):
            missed.append(f"{w.fault}: first 503 after {secs(w.first_503_s)} "
                          f"(target {FIRST_503_S:g} s)")
        if w.fault in SERVERS and not any(r.startswith("NOT") for r in w.readiness):
            missed.append(f"{w.fault}: readiness never false while it was down")
    return missed


def report(windows: list[Window], totals: dict, attempts: list[Attempt], started: float) -> None:
    first_kill = windows[0].killed_at if windows else time.monotonic()
    print("\nIntake latency, 2xx answers: before the first fault (baseline) "
          f"{latency(attempts, started, first_kill)}; through the faults "
          f"{latency(attempts, first_kill, time.monotonic())}")
    print(f"\n{'fault':<13}{'back':>7}{'intake back':>13}{'ratio':>7}{'1st 503':>9}"
          f"{'slowest 503':>13}  answers (by when sent)  readiness")
    for w in windows:
        ratio = (f"{(w.back_s + w.intake_back_s) / w.back_s:.1f}×"
                 if w.back_s and w.intake_back_s is not None and w.intake_down else "")
        intake = secs(w.intake_back_s) if w.intake_down else "never down"
        print(f"{w.fault:<13}{secs(w.back_s):>7}{intake:>13}{ratio:>7}{secs(w.first_503_s):>9}"
              f"{secs(w.slowest_503_s):>13}  {w.answers}  {'; '.join(w.readiness) or 'no flip'}")
    print("  back: the killed process serves again, counted from the kill (for a server, from"
          " the end of its hold): the baseline;"
          " intake back: the first 2xx after that, counted from it; ratio: kill → intake back"
          " over kill → back")
    print(f"\nReconciliation: {totals['acknowledged']} orders acknowledged "
          f"({totals['deliveries']} deliveries), {len(totals['lost'])} lost, "
          f"{len(totals['duplicated'])} duplicated, {len(totals['stuck'])} stuck, "
          f"{totals['abandoned_by_shops']} abandoned by shops, "
          f"{sum(n for w in windows for k, n in w.answers.items() if k == '500')} × 500, "
          f"{sum(n for w in windows for k, n in w.answers.items() if k == TIMEOUT)} timeouts, "
          f"{sum(n for w in windows for k, n in w.answers.items() if k == NO_ANSWER)} "
          "unanswered")
    for key in ("lost", "duplicated", "stuck"):
        if totals[key]:
            print(f"  {key}: " + "; ".join(totals[key][:10]))


async def run(args: argparse.Namespace, home: Path) -> dict:
    faults = args.faults.split(",")
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown faults {unknown}; choose among {', '.join(FAULTS)}")
    print(f"Starting the platform as make up does (DOVETAIL_HOME={home}) ...", flush=True)
    with launched(home) as up:
        shops = Shops(up.base_url, up.settings.webhook_secrets["dovetail"], ref("CHAOS"),
                      args.orders, args.shops, args.pause, args.timeout)
        readiness = Readiness(up.base_url)
        started = time.monotonic()
        watching = asyncio.create_task(readiness.watch())
        delivering = asyncio.create_task(shops.run())
        faulting = asyncio.create_task(inflict(up, shops, faults, args.steady, args.hold))
        try:
            # A fault step that fails, or shops that stop short, end the run at once.
            done, _ = await asyncio.wait({faulting, delivering},
                                         return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
            windows = await faulting
            await delivering
            ended = time.monotonic()
        finally:
            for task in (watching, delivering, faulting):
                task.cancel()
            await asyncio.gather(watching, delivering, faulting, return_exceptions=True)
        print(f"  {len(shops.accepted)} orders acknowledged; reconciling ...", flush=True)
        measure(windows, shops.attempts, readiness, ended)
        totals = await reconcile(up, shops, args.settle)
        report(windows, totals, shops.attempts, started)
    missed = missed_targets(windows, totals)
    print("\nTargets (issue #17): " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return {"windows": [asdict(w) for w in windows], "totals": totals, "missed": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=800)
    parser.add_argument("--shops", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.4,
                        help="seconds between two orders of one shop")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="how long a shop waits for an answer (Shopify: 5 s)")
    parser.add_argument("--steady", type=float, default=5.0,
                        help="seconds of steady running before each kill")
    parser.add_argument("--hold", type=float, default=8.0,
                        help="seconds a killed server stays down before it may be restarted")
    parser.add_argument("--settle", type=float, default=180.0,
                        help="seconds the reconciliation waits for the platform to catch up")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--home", help="DOVETAIL_HOME to keep (default: a temporary one)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.home:
        result = asyncio.run(run(args, Path(args.home).resolve()))
    else:
        with tempfile.TemporaryDirectory(prefix="dovetail-chaos-") as tmp:
            result = asyncio.run(run(args, Path(tmp) / "home"))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    sys.exit(1 if result["missed"] else 0)


if __name__ == "__main__":
    main()
