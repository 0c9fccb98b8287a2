"""A crashed server's lock file: removed when stale (its PID gone, a zombie, another program,
or the server we just reaped), never when its PID is a live server of that program."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from infra.leftovers import (
    POSTMASTER,
    LiveServerError,
    ProcessSeen,
    Verdict,
    clear_stale_lock,
    lock_pid,
    seen,
    verdict,
)

pytestmark = pytest.mark.unit

POSTMASTER_PID = "4242\n/home/op/.dovetail/postgres/data\n1764921600\n54329\n\n127.0.0.1\n  5432001     0\nready   \n"


DATA = Path("/home/op/.dovetail/postgres/data")


def postmaster(state: str = "S", cwd: Path | None = DATA) -> ProcessSeen:
    return ProcessSeen(state, "postgres", 1, ("/opt/pg/bin/postgres", "-D", str(cwd)), cwd)


@pytest.mark.parametrize(("pid", "process", "reaped", "expected"), [
    (None, None, None, Verdict.ABSENT),
    (4242, None, None, Verdict.STALE),  # nobody has the PID
    (4242, postmaster("Z"), None, Verdict.STALE),  # dead, never reaped
    (4242, ProcessSeen("S", "python3", cwd=DATA), None, Verdict.STALE),  # the PID went elsewhere
    (4242, postmaster(), 4242, Verdict.STALE),  # the postmaster we just reaped
    (4242, postmaster(cwd=Path("/srv/other/data")), None, Verdict.STALE),  # another data dir
    (4242, postmaster(), None, Verdict.LIVE),
    (4242, postmaster("R"), 17, Verdict.LIVE),
    (4242, postmaster(cwd=None), None, Verdict.LIVE),  # where it works cannot be read: live
], ids=["no file", "pid gone", "zombie", "pid reused", "we reaped it", "another data dir",
        "live", "live, other reaped", "live, unknown directory"])
def test_what_a_lock_file_naming_a_pid_means(pid, process, reaped, expected):
    assert verdict(pid, process, POSTMASTER, reaped, DATA) is expected


@pytest.mark.parametrize(("text", "pid"), [(POSTMASTER_PID, 4242), ("", None), ("x\n", None)])
def test_the_pid_is_the_first_line(tmp_path, text, pid):
    (tmp_path / "postmaster.pid").write_text(text)
    assert lock_pid(tmp_path / "postmaster.pid") == pid


def test_a_lock_file_naming_another_program_is_removed(tmp_path):
    lock = tmp_path / "postmaster.pid"
    lock.write_text(POSTMASTER_PID.replace("4242", str(os.getpid())))  # this test: not postgres
    assert clear_stale_lock(lock, POSTMASTER, "a PostgreSQL") is Verdict.STALE
    assert not lock.exists()


def test_a_lock_file_naming_a_live_postmaster_is_kept_and_the_start_refused(tmp_path):
    lock = tmp_path / "postmaster.pid"
    # A live process whose program name is "postgres", as /proc shows a postmaster.
    live = subprocess.Popen(["postgres", "60"], executable="sleep")
    try:
        lock.write_text(POSTMASTER_PID.replace("4242", str(live.pid)))
        # Popen returns when exec has closed its pipe, a moment before the kernel sets the new
        # program's argv up: until then /proc shows an empty command line (seen under load).
        for _ in range(500):
            if seen(live.pid).program:
                break
            time.sleep(0.01)
        assert seen(live.pid).program == "postgres"
        with pytest.raises(LiveServerError) as refused:
            clear_stale_lock(lock, POSTMASTER, "a PostgreSQL")
        assert lock.exists()
        assert str(refused.value) == (
            f"{lock} names a PostgreSQL process {live.pid}, which is still running; stop it (or "
            "choose another DOVETAIL_HOME) before Dovetail can start its own")
    finally:
        live.kill()
        live.wait()


def test_a_dead_unreaped_postmaster_is_seen_as_a_zombie(tmp_path):
    dead = subprocess.Popen(["postgres"], executable="true")
    os.waitid(os.P_PID, dead.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
    try:
        assert seen(dead.pid).state == "Z"  # (its command line is gone with it)
        lock = tmp_path / "postmaster.pid"
        lock.write_text(f"{dead.pid}\n")
        assert clear_stale_lock(lock, POSTMASTER, "a PostgreSQL") is Verdict.STALE
    finally:
        dead.wait()
