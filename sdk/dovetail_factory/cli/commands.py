"""The `dovetail-factory` commands: each reads the profile, talks through the SDK, prints."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import hashlib
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dovetail_factory.cli import config, views
from dovetail_factory.client import FactoryClient
from dovetail_factory.connection import discover
from dovetail_factory.errors import NotFound, ServerUnavailable
from dovetail_factory.i18n import _
from dovetail_factory.models import MachineStatus, TelemetryResult
from dovetail_factory.telemetry import make_batches, read_csv


class Io:
    """The consoles a command writes to (stdout for results, stderr for notes)."""

    def __init__(self) -> None:
        self.out = Console(highlight=False, soft_wrap=False,
                           width=None if sys.stdout.isatty() else 160)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)


async def _deadline(seconds: float | None) -> None:
    if seconds is None:
        await asyncio.Event().wait()
    else:
        await asyncio.sleep(seconds)


async def _run_for(work, seconds: float | None) -> None:
    """Run `work` until it ends or `seconds` pass (forever without)."""
    task = asyncio.ensure_future(work)
    timer = asyncio.ensure_future(_deadline(seconds))
    try:
        done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
    finally:
        for t in (task, timer):
            t.cancel()
        await asyncio.gather(task, timer, return_exceptions=True)


# ---- login ---------------------------------------------------------------------------------

def _read_key(args: argparse.Namespace) -> str:
    if args.key:
        return args.key.strip()
    if sys.stdin.isatty():
        return getpass.getpass("Factory API key: ").strip()
    return sys.stdin.readline().strip()


async def login(args: argparse.Namespace, io: Io) -> int:
    if args.target and not args.iot_target:
        found = await asyncio.to_thread(discover, args.target)
        if found is not None:  # the portal's address: the gateway names the services
            io.out.print(_("Found scheduling at %(scheduling)s and iot at %(iot)s (%(tls)s) "
                           "through %(target)s", scheduling=found.scheduling, iot=found.iot,
                           tls="TLS" if found.tls else _("plaintext"), target=args.target))
            args.target, args.iot_target = found.scheduling, found.iot
            args.configurator_target = found.configurator or args.configurator_target
            args.tls = args.tls or found.tls
    current = config.load(args.target, args.iot_target, args.configurator_target)
    profile = replace(current, key=_read_key(args), factory_id="",
                      tls=args.tls or current.tls, ca_file=args.ca or current.ca_file,
                      cert_file=args.cert or current.cert_file,
                      cert_key_file=args.cert_key or current.cert_key_file)
    if not args.no_verify:
        async with profile.client() as client:
            try:
                factory = await client.factory()
                profile = replace(profile, factory_id=factory.factory_id)
                io.out.print(_("Key accepted: factory %(factory)s (%(name)s) at %(where)s",
                               factory=f"[bold]{factory.factory_id}[/]", name=factory.name,
                               where=client.endpoints.scheduling))
            except NotFound:
                await client.schedule()  # the key works with scheduling at least
                io.err.print(_("Key accepted, but iot has no factory for it yet: ask the chain "
                               "leader to register your factory."))
    path = config.save(profile)
    io.out.print(_("Saved to %(path)s (readable by you only).", path=path))
    return 0


# ---- machines ------------------------------------------------------------------------------

async def machines(args: argparse.Namespace, io: Io) -> int:
    async with config.load(args.target, args.iot_target).client() as client:
        listed = await client.machines(include_inactive=args.all)
        if not args.watch:
            if not listed:
                io.out.print(_("No machines registered yet."))
                return 0
            io.out.print(views.machines_table(listed))
            return 0
        live: dict[str, MachineStatus] = {}
        with Live(views.machines_table(listed), console=io.out, auto_refresh=False) as screen:
            async def follow() -> None:
                async for status in client.watch_machines():
                    live[status.machine_id] = status
                    screen.update(views.machines_table(listed, live), refresh=True)

            with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
                await _run_for(follow(), args.seconds)
    return 0


# ---- assignments ---------------------------------------------------------------------------

async def assignments(args: argparse.Namespace, io: Io) -> int:
    wanted = sorted(args.machine or [])
    consumer = "cli" + (f"-{hashlib.sha256('|'.join(wanted).encode()).hexdigest()[:8]}"
                        if wanted else "")
    async with config.load(args.target, args.iot_target).client(consumer) as client:
        if not args.follow:
            rows = [r for r in await client.schedule() if not wanted or r.machine_id in wanted]
            if not rows:
                io.out.print(_("Nothing assigned to this factory right now."))
                return 0
            io.out.print(views.schedule_table(rows, args.all))
            return 0
        if args.reset:
            client.book.reset()
        if io.out.is_terminal:
            await _follow_live(client, wanted, args.seconds, io)
        else:
            await _follow_lines(client, wanted, args.seconds, io)
    return 0


async def _follow_live(client: FactoryClient, wanted: list[str], seconds: float | None,
                       io: Io) -> None:
    book = client.book
    with Live(views.next_work_table(book, client.link), console=io.out,
              refresh_per_second=2) as screen:
        client.on_link = lambda link: screen.update(views.next_work_table(book, link))

        async def follow() -> None:
            async for _ in client.assignments(machine_ids=wanted):
                screen.update(views.next_work_table(book, client.link))

        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            await _run_for(follow(), seconds)


async def _follow_lines(client: FactoryClient, wanted: list[str], seconds: float | None,
                        io: Io) -> None:
    client.on_link = lambda link: io.err.print(f"link: {link}", markup=False)

    async def follow() -> None:
        async for change in client.assignments(machine_ids=wanted):
            io.out.print(views.change_line(change), markup=False)

    await _run_for(follow(), seconds)
    io.out.print(views.next_work_table(client.book))


# ---- report --------------------------------------------------------------------------------

async def report(args: argparse.Namespace, io: Io) -> int:
    at = datetime.fromisoformat(args.at) if args.at else None
    async with config.load(args.target, args.iot_target).client() as client:
        receipt = await client.report(args.operation_id, args.kind, args.machine or "",
                                      quantity=args.quantity, reason=args.reason or "",
                                      note=args.note or "", occurred_at=at,
                                      idempotency_key=args.idempotency_key)
    verb = {"start": _("started"), "finish": _("finished"), "scrap": _("scrapped")}[args.kind]
    repeat = " " + _("(already reported with this key: nothing changed)") \
        if receipt.duplicate else ""
    io.out.print(_("Operation %(operation)s %(verb)s%(repeat)s: it is now %(status)s (order "
                   "%(order)s).", operation=receipt.operation_id, verb=verb, repeat=repeat,
                   status=views.word(receipt.status).lower(), order=receipt.order_id),
                 markup=False)
    io.err.print(_("idempotency key %(key)s (pass --idempotency-key to retry this exact report "
                   "safely)", key=receipt.idempotency_key), markup=False)
    return 0


# ---- telemetry -----------------------------------------------------------------------------

def _summary(io: Io, result: TelemetryResult) -> None:
    io.out.print(_("Sent %(batches)s batches: %(accepted)s samples accepted, %(rejected)s "
                   "rejected", batches=result.batches_sent, accepted=result.samples_accepted,
                   rejected=result.samples_rejected)
                 + (_(", %(n)s already received", n=result.samples_duplicate)
                    if result.samples_duplicate else "") + ".", markup=False)
    for rejection in result.rejections:
        io.out.print("  " + _("rejected: %(why)s", why=rejection), markup=False)
    if result.batches_dropped:
        io.err.print(_("The buffer was full: the %(n)s oldest batches were dropped.",
                       n=result.batches_dropped), markup=False)


def _left_behind(result: TelemetryResult, where: str) -> None:
    if result.batches_buffered:
        raise ServerUnavailable(
            f"the iot service at {where} cannot be reached: {result.batches_buffered} batches "
            "are kept in the local buffer; run `dovetail-factory telemetry flush` later")


async def telemetry_send(args: argparse.Namespace, io: Io) -> int:
    samples = list(read_csv(Path(args.file)))
    async with config.load(args.target, args.iot_target).client(disk_spool=True) as client:
        batches = make_batches(samples, max_samples=args.batch_size)
        dropped = client.spool.put(batches)
        total = len(client.spool)
        io.err.print(f"{len(samples)} samples of {len({s.machine_id for s in samples})} machines"
                     f" in {len(batches)} batches ({total} to send with earlier ones)",
                     markup=False)
        with Progress(TextColumn("sending"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=io.err, transient=True,
                      disable=not io.err.is_terminal) as progress:
            bar = progress.add_task("batches", total=total)
            result = await client.flush_telemetry(
                on_progress=lambda n: progress.advance(bar, n))
        result.batches_dropped += dropped
        _summary(io, result)
        _left_behind(result, client.endpoints.iot)
    return 0


async def telemetry_flush(args: argparse.Namespace, io: Io) -> int:
    async with config.load(args.target, args.iot_target).client(disk_spool=True) as client:
        if not len(client.spool):
            io.out.print(_("Nothing buffered."))
            return 0
        result = await client.flush_telemetry()
        _summary(io, result)
        _left_behind(result, client.endpoints.iot)
    return 0


async def telemetry_simulate(args: argparse.Namespace, io: Io) -> int:
    from dovetail_factory.simulate import SyntheticFloor

    async with config.load(args.target, args.iot_target).client() as client:
        listed = [m for m in await client.machines() if not args.machine
                  or m.machine_id in args.machine]
        if not listed:
            io.err.print(_("No machines to simulate: register machines first."))
            return 1
        floor = SyntheticFloor(listed, period_s=args.period, seed=args.seed)
        io.err.print(f"Streaming synthetic telemetry for {len(floor.machines)} machines every "
                     f"{args.period:g} s (Ctrl-C to stop).", markup=False)
        total = TelemetryResult()

        async def stream() -> None:
            tick = time.monotonic()
            reported = tick
            while True:
                result = await client.send_telemetry(floor.tick(int(time.time() * 1000)))
                total.add(result)
                if time.monotonic() - reported >= 10 or result.link_down != total.link_down:
                    reported = time.monotonic()
                    state = f"link down, {result.batches_buffered} buffered" \
                        if result.link_down else "link up"
                    io.err.print(f"{total.samples_accepted} samples accepted ({state})",
                                 markup=False)
                tick += args.period
                await asyncio.sleep(max(0.0, tick - time.monotonic()))

        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            await _run_for(stream(), args.seconds)
        final = await client.flush_telemetry()
        total.add(final)
        _summary(io, total)
        _left_behind(final, client.endpoints.iot)
    return 0
