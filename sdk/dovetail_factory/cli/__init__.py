"""`dovetail-factory`: a small factory's command line for the Dovetail chain.

    dovetail-factory login --target http://127.0.0.1:8000 --key dvt_factory_…   (the portal's address)
    dovetail-factory machines [--watch]
    dovetail-factory assignments [--follow]
    dovetail-factory report start|finish|scrap OPERATION_ID --machine M [--quantity N --reason R]
    dovetail-factory telemetry send FILE.csv | flush | simulate
    dovetail-factory stock list | receive | count | batches | batch BATCH [--out DIR]
    dovetail-factory --lang zh-CN --tz Asia/Shanghai …   (else LANG / LC_ALL; times on this zone)

Exit codes: 0 done, 1 other failure, 2 invalid input, 3 wrong or missing key, 4 not allowed,
5 not found, 6 operation out of order, 7 server unreachable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence

from dovetail_factory import i18n
from dovetail_factory.cli import commands, stock_commands
from dovetail_factory.errors import (
    FactoryClientError,
    InvalidRequest,
    OutOfOrder,
    ServerUnavailable,
    WrongKey,
)
from dovetail_factory.i18n import N_, _
from dovetail_factory.telemetry import CsvError

HINTS = {
    WrongKey: N_("check the key (dovetail-factory login) or DOVETAIL_FACTORY_KEY"),
    ServerUnavailable: N_("is the server running? set its address with `dovetail-factory login "
                          "--target HOST[:PORT]` or DOVETAIL_FACTORY_TARGET"),
    OutOfOrder: N_("report operations in order: start, then finish (or scrap)"),
}


def _reader_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help=_("zh-CN or en (default: LC_ALL / LC_MESSAGES / LANG)"))
    parser.add_argument("--tz", help=_("the time zone times are shown in (default: "
                                     "DOVETAIL_FACTORY_TIME_ZONE, else Asia/Shanghai)"))


def choose_reader(argv: Sequence[str] | None) -> None:
    """The language and zone, read before the parser is built so its help is in them too."""
    early = argparse.ArgumentParser(add_help=False)
    _reader_flags(early)
    known, _rest = early.parse_known_args(argv)
    i18n.use(i18n.choose(known.lang),
             known.tz or os.environ.get("DOVETAIL_FACTORY_TIME_ZONE") or i18n.DEFAULT_ZONE)


def _connection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help=_("server address: the portal's (http://HOST:8000: "
                                         "login asks it where the services are), HOST (default "
                                         "ports), HOST:PORT, or https://HOST:PORT for TLS"))
    parser.add_argument("--iot-target", help=_("the iot service's address, if elsewhere"))
    parser.add_argument("--configurator-target",
                        help=_("the configurator's address (board stock), if elsewhere"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dovetail-factory", description=_("A factory's client of the Dovetail chain."),
        epilog=_("Exit codes: 0 ok, 2 invalid input, 3 wrong key, 4 not allowed, 5 not found, "
                 "6 out of order, 7 server unreachable."))
    _reader_flags(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("login", help=_("check and store the server address and factory key"))
    _connection_flags(p)
    p.add_argument("--key", help=_("the factory's API key (prompted for, or read from stdin, "
                                 "when omitted)"))
    p.add_argument("--tls", action="store_true", help=_("use TLS with the system's roots"))
    p.add_argument("--ca", help=_("PEM file of the CA to trust (turns TLS on)"))
    p.add_argument("--cert", help=_("client certificate chain (PEM), for mutual TLS"))
    p.add_argument("--cert-key", help=_("the client certificate's private key (PEM)"))
    p.add_argument("--no-verify", action="store_true", help=_("store without asking the server"))
    p.set_defaults(run=commands.login)

    p = sub.add_parser("machines", help=_("list the factory's machines with their live state"))
    _connection_flags(p)
    p.add_argument("--watch", action="store_true", help=_("keep the table live"))
    p.add_argument("--all", action="store_true", help=_("include inactive machines"))
    p.add_argument("--seconds", type=float, help=_("with --watch: stop after this long"))
    p.set_defaults(run=commands.machines)

    p = sub.add_parser("assignments", help=_("what to make next, per machine"))
    _connection_flags(p)
    p.add_argument("--follow", "-f", action="store_true",
                   help=_("follow the assignment stream live (resumes where it left off)"))
    p.add_argument("--machine", action="append", help=_("only this machine (repeatable)"))
    p.add_argument("--all", action="store_true", help=_("list every queued operation, not just "
                                                      "the next one per machine"))
    p.add_argument("--reset", action="store_true",
                   help=_("with --follow: forget what was seen and start from what is held now"))
    p.add_argument("--seconds", type=float, help=_("with --follow: stop after this long"))
    p.set_defaults(run=commands.assignments)

    p = sub.add_parser("report", help=_("report an operation started, finished or scrapped"))
    _connection_flags(p)
    p.add_argument("kind", choices=["start", "finish", "scrap"])
    p.add_argument("operation_id")
    p.add_argument("--machine", help=_("the machine it ran on (default: the planned one)"))
    p.add_argument("--quantity", type=int, default=0, help=_("scrap: pieces lost"))
    p.add_argument("--reason", help=_("scrap: why"))
    p.add_argument("--note")
    p.add_argument("--at", help=_("when it happened (ISO 8601; default now)"))
    p.add_argument("--idempotency-key", help=_("reuse the key of an earlier attempt to retry it"))
    p.set_defaults(run=commands.report)

    p = sub.add_parser("telemetry", help=_("send machine telemetry"))
    tsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    t = tsub.add_parser("send", help=_("send a CSV file: machine_id,timestamp,amperes"
                                     "[,voltage,power_factor]"))
    _connection_flags(t)
    t.add_argument("file")
    t.add_argument("--batch-size", type=int, default=500, help=_("samples per batch"))
    t.set_defaults(run=commands.telemetry_send)
    t = tsub.add_parser("flush", help=_("send what an earlier send left in the local buffer"))
    _connection_flags(t)
    t.set_defaults(run=commands.telemetry_flush)
    t = tsub.add_parser("simulate", help=_("stream synthetic current for this factory's machines"))
    _connection_flags(t)
    t.add_argument("--machine", action="append", help=_("only this machine (repeatable)"))
    t.add_argument("--period", type=float, default=1.0, help=_("seconds between samples"))
    t.add_argument("--seconds", type=float, help=_("stop after this long (default: Ctrl-C)"))
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(run=commands.telemetry_simulate)
    stock_commands.add_parser(sub, _connection_flags)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code (never a traceback for expected failures)."""
    try:
        choose_reader(argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return InvalidRequest.exit_code
    try:
        with i18n.argparse_speaking():  # its usage, section titles and errors too
            args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has printed
        return int(exc.code or 0)
    io = commands.Io()
    try:
        return asyncio.run(args.run(args, io))
    except FactoryClientError as exc:
        io.err.print(_("error: %(message)s", message=exc.message), markup=False)
        hint = next((h for kind, h in HINTS.items() if isinstance(exc, kind)), None)
        if hint:
            io.err.print(_("hint: %(hint)s", hint=_(hint)), markup=False)
        return exc.exit_code
    except (CsvError, ValueError, OSError) as exc:
        io.err.print(_("error: %(message)s", message=exc), markup=False)
        return InvalidRequest.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a person reads this, not a debugger
        if os.environ.get("DOVETAIL_FACTORY_DEBUG"):
            traceback.print_exc()
        io.err.print(f"error: unexpected {type(exc).__name__}: {exc} "
                     "(set DOVETAIL_FACTORY_DEBUG=1 for details)", markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
