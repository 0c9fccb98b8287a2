"""What `make up` does when something it started dies: restart at once, back off when it keeps
dying, give up with the reason when a server cannot be restarted."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.servers import require_free_port
from infra.supervision import SERVER_POLICY, GiveUp, RestartPolicy, Supervisor, describe_exit

pytestmark = pytest.mark.unit


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Process:
    """A supervised process whose deaths and restarts the test decides."""

    name: str
    clock: Clock
    status: int | None = None
    start_takes: float = 0.0
    refuse: list[Exception] = field(default_factory=list)  # the next restarts raise these
    starts: list[float] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        return Path(f"logs/{self.name}.log")

    def exit_status(self) -> int | None:
        return self.status

    def restart(self) -> None:
        self.clock.now += self.start_takes
        if self.refuse:
            raise self.refuse.pop(0)
        self.starts.append(self.clock.now)
        self.status = None

    def die(self, status: int = -9) -> None:
        self.status = status


def supervised(policy: RestartPolicy = SERVER_POLICY, name: str = "PostgreSQL"):
    clock = Clock()
    said: list[str] = []
    supervisor = Supervisor(said.append, clock)
    process = Process(name, clock)
    supervisor.watch(process, policy)
    return supervisor, process, clock, said


def test_a_killed_server_is_restarted_at_once_and_the_operator_told_twice():
    supervisor, postgres, clock, said = supervised()
    clock.now += 60
    postgres.start_takes = 1.5
    postgres.die(-9)
    supervisor.tick()
    assert postgres.starts == [1061.5]
    assert said == ["PostgreSQL killed by SIGKILL after running 60.0 s; restarting now "
                    "(see logs/PostgreSQL.log)",
                    "PostgreSQL is back after 1.5 s (restart 1)"]


def test_nothing_happens_while_everything_runs():
    supervisor, postgres, clock, said = supervised()
    for _ in range(3):
        clock.now += 10
        supervisor.tick()
    assert (postgres.starts, said) == ([], [])


def test_a_process_that_keeps_dying_waits_longer_each_time():
    supervisor, nats, clock, said = supervised(RestartPolicy(delays=(0, 1, 2, 4), stable_s=30),
                                               name="NATS")
    restarted_after = []
    for _ in range(5):
        clock.now += 5  # dies 5 s after each start: a crash loop
        nats.die(1)
        died = clock.now
        while nats.status is not None:
            supervisor.tick()
            clock.now += 0.25
        restarted_after.append(nats.starts[-1] - died)
    assert restarted_after == [0, 1, 2, 4, 4]
    assert said[2] == ("NATS exited with code 1 after running 5.2 s; restarting in 1 s (it died "
                       "2 times in a row, each within 30 s of a restart) (see logs/NATS.log)")


def test_a_death_after_a_stable_run_is_restarted_at_once_again():
    supervisor, nats, clock, _ = supervised(RestartPolicy(delays=(0, 1, 2, 4), stable_s=30))
    for _ in range(3):
        clock.now += 5
        nats.die()
        while nats.status is not None:
            supervisor.tick()
            clock.now += 0.25
    clock.now += 31
    nats.die()
    died = clock.now
    supervisor.tick()
    assert nats.starts[-1] == died


def test_a_restart_that_fails_is_tried_again_after_a_pause():
    supervisor, postgres, clock, said = supervised()
    postgres.refuse = [RuntimeError("PostgreSQL exited with code 1")]
    clock.now += 60
    postgres.die()
    supervisor.tick()
    assert postgres.starts == [] and said[-1] == (
        "PostgreSQL did not restart: PostgreSQL exited with code 1; trying again in 1 s")
    clock.now += 0.5
    supervisor.tick()
    assert postgres.starts == []
    clock.now += 0.5
    supervisor.tick()
    assert postgres.starts == [1061.0]
    assert said[-1] == "PostgreSQL is back after 1.0 s (restart 1)"


def test_a_server_whose_port_was_taken_stops_the_platform_with_the_reason():
    with socket.socket() as thief:
        thief.bind(("127.0.0.1", 0))
        thief.listen()
        port = thief.getsockname()[1]
        supervisor, postgres, clock, said = supervised()

        def restart() -> None:
            require_free_port(port, "PostgreSQL")

        postgres.restart = restart  # type: ignore[method-assign]
        clock.now += 60
        postgres.die()
        with pytest.raises(GiveUp) as gave_up:
            for _ in range(200):
                supervisor.tick()
                clock.now += 0.5
    assert str(gave_up.value).startswith(
        f"PostgreSQL could not be restarted (5 tries in 15 s): port {port} for PostgreSQL is "
        "already taken by another process")
    assert [line.split(";")[-1] for line in said[1:]] == [
        " trying again in 1 s", " trying again in 2 s", " trying again in 4 s",
        " trying again in 8 s"]


def test_a_service_is_never_given_up():
    supervisor, orders, clock, said = supervised(RestartPolicy(delays=(0, 1)), name="orders")
    orders.refuse = [OSError("no such file")] * 20
    orders.die(1)
    for _ in range(100):
        supervisor.tick()
        clock.now += 0.5
    assert len(said) == 22 and said[-1] == "orders is back after 20.0 s (restart 1)"


def test_a_server_back_wakes_what_waits_for_its_next_try():
    clock = Clock()
    said: list[str] = []
    supervisor = Supervisor(said.append, clock)
    postgres, orders = Process("PostgreSQL", clock), Process("orders", clock)
    supervisor.watch(postgres, SERVER_POLICY)
    supervisor.watch(orders, RestartPolicy(delays=(0, 30)))
    orders.refuse = [RuntimeError("cannot reach PostgreSQL")]
    clock.now += 60
    postgres.die()
    orders.die(1)
    postgres.refuse = [RuntimeError("not yet")]
    supervisor.tick()  # both tried once and failed; orders would wait 30 s
    clock.now += 1
    supervisor.tick()  # PostgreSQL back: orders tried at once
    assert postgres.starts == [1061.0] and orders.starts == [1061.0]


@pytest.mark.parametrize(("status", "said"), [
    (-9, "killed by SIGKILL"), (-15, "killed by SIGTERM"), (1, "exited with code 1"),
    (0, "exited with code 0"), (-200, "killed by signal 200")])
def test_an_exit_is_said_in_words(status, said):
    assert describe_exit(status) == said
