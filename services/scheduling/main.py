"""Composition root of the scheduling service: `python -m services.scheduling.main`."""

from __future__ import annotations

import threading

from dovetail.scheduling.v1 import (
    plan_overrides_service_pb2,
    plan_overrides_service_pb2_grpc,
    scheduling_service_pb2,
    scheduling_service_pb2_grpc,
)
from services.kit import runtime
from services.kit.runtime import Runtime, ServiceParts
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.network import NetworkState
from services.scheduling.maintenance import MaintenanceTimes
from services.scheduling.planning.feed import AssignmentFeed
from services.scheduling.planning.fence import ProgressFence
from services.scheduling.planning.follower import StateFollower
from services.scheduling.planning.partitions import PartitionAssigner, PlannerGroup
from services.scheduling.planning.planner import Planner
from services.scheduling.policies import consumers
from services.scheduling.published import to_integration
from services.scheduling.rpc.overrides import ROLES as OVERRIDE_ROLES
from services.scheduling.rpc.overrides import PlanOverridesServicer
from services.scheduling.rpc.servicer import ROLES, SchedulingServicer
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.decompose import ensure_compiled as warm_solver

NAME = "scheduling"


def build(rt: Runtime, scheduler: SchedulerSettings | None = None,
          maintenance: MaintenanceTimes | None = None) -> ServiceParts:
    assert isinstance(rt.app, SchedulingApplication)
    scheduler = scheduler or SchedulerSettings()
    rt.app.maintenance_times = maintenance or MaintenanceTimes()
    state = NetworkState()
    state.lateness_minutes_per_cny = scheduler.lateness_minutes_per_cny
    listeners: list = []
    follower = StateFollower(rt.app, rt.wakeup, state,
                             lambda change, event=None: [f(change, event) for f in listeners])
    fence = ProgressFence()  # progress is not recorded while a plan is checked and saved
    planners = {p.name: Planner(rt.app, state, follower, scheduler, fence=fence, partition=p.name)
                for p in scheduler.partitions}
    # Each partition is planned by one replica at a time, the partitions shared out among
    # the replicas; every replica follows the whole state.
    group = PlannerGroup(rt.settings.database_url, planners)
    listeners.append(group.notify)
    leader_jobs = {}
    if len(planners) > 1:  # the assignment step's choice of partition: one replica
        assigner = PartitionAssigner(rt.app, state, {n: p.scope for n, p in planners.items()})
        listeners.append(assigner.notify)
        leader_jobs["partitioner"] = assigner.run
    feed = AssignmentFeed(rt.app, rt.pool, rt.wakeup)
    servicer = SchedulingServicer(rt.app, state, feed, scheduler, fence=fence)
    rt.planner = planners[scheduler.partitions[0].name]  # type: ignore[attr-defined]  # for tests
    rt.planners = group  # type: ignore[attr-defined]
    rt.state = state  # type: ignore[attr-defined]
    # the solver's kernels compile on first use after an install: not in the first plan
    threading.Thread(target=warm_solver, name="solver-compile", daemon=True).start()

    def add_servicers(server) -> list[str]:
        scheduling_service_pb2_grpc.add_SchedulingServiceServicer_to_server(servicer, server)
        # A person's overrides of an order's planning (issue 19): a gRPC service of its own.
        plan_overrides_service_pb2_grpc.add_PlanOverridesServiceServicer_to_server(
            PlanOverridesServicer(rt.app, state), server)
        return [scheduling_service_pb2.DESCRIPTOR.services_by_name["SchedulingService"].full_name,
                plan_overrides_service_pb2.DESCRIPTOR.services_by_name[
                    "PlanOverridesService"].full_name]

    return ServiceParts(add_servicers=add_servicers, roles={**ROLES, **OVERRIDE_ROLES},
                        to_integration=to_integration,
                        consumers=consumers(rt.app, state, scheduler.setup_minutes),
                        background=[follower.run, feed.run, group.run],
                        leader_jobs=leader_jobs)


def serve() -> None:
    scheduler = SchedulerSettings.from_env()
    maintenance = MaintenanceTimes.from_env()
    runtime.main(NAME, SchedulingApplication, lambda rt: build(rt, scheduler, maintenance))


if __name__ == "__main__":
    serve()
