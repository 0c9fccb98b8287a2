"""SchedulingService over gRPC: thin handlers; rules live in the domain and the planner.

Roles are checked by the runtime's gate (ROLES); ownership here: a factory key sees and
reports only its own factory's work.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from services.kit.auth import FACTORY_METADATA, actor_of, factory_of
from services.kit.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Violations,
    raising_categories,
)
from services.kit.rpc import current_principal
from services.kit.words import N_, Words
from services.kit.words_pb import words_or_none, words_pb
from services.scheduling import energy, queries, quoting, wire
from services.scheduling.application import SchedulingApplication, must_be_uuid
from services.scheduling.domain import errors
from services.scheduling.domain.network import NetworkState
from services.scheduling.planning.feed import AssignmentFeed
from services.scheduling.planning.fence import ProgressFence
from services.scheduling.rpc import maintenance, tariffs
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.model import SchedulingError
from services.scheduling.solver.search import InvalidPlanError, plan_network
from services.scheduling.solver.validator import validate_plan
from services.scheduling.wire import date_pb, objective_pb, risk_pb, ts

ROLES = {
    "SubscribeAssignments": ("admin", "factory"),
    "ReportOperation": ("admin", "factory"),  # admin: the gateway, naming the factory
    "GetSchedule": ("admin", "factory"),
    "Simulate": ("admin", "designer"),
    "Quote": ("admin", "designer", "channel"),
    "ExplainOrder": ("admin",),
    "GetFactoryTariff": ("admin", "factory"),
    "SetFactoryTariff": ("admin",),  # the chain sets tariffs (the gateway: admins only)
    "GetEnergyPlan": ("admin", "factory"),
    "GetOrderEnergy": ("admin",),
    "GetCarbonProfile": ("admin", "factory"),
    "SetCarbonProfile": ("admin",),  # the chain sets hourly CO2e profiles (admins only)
    "ListMaintenance": ("admin", "factory"),
    "AcceptMaintenance": ("admin", "factory"),  # admin: the gateway, naming the person
    "MoveMaintenance": ("admin", "factory"),
    "ReportMaintenanceDone": ("admin", "factory"),  # admin: the gateway, naming the person
    "GetToolLimits": ("admin", "factory"),
    "SetToolLimits": ("admin", "factory"),  # the factory sets its own tools' life
}
MAX_KEY_LENGTH = 128


def own_factory(factory_id: str) -> str:
    """The factory the caller may act for: a factory key its own, an admin any it names."""
    principal = current_principal()
    if principal.role == "factory":
        if factory_id and factory_id != principal.subject:
            raise PermissionDenied(Words.of(N_("factory %(subject)s may not act for factory "
                                               "%(factory_id)s"),
                subject=principal.subject, factory_id=factory_id))
        return principal.subject
    if not factory_id:
        raise InvalidArgument(Violations.one("factory_id", N_("is required")))
    return factory_id


# Scheduling's domain errors as the statuses callers get.
ERRORS = {errors.OperationNotFound: NotFound, errors.FactoryNotRegistered: NotFound,
          errors.MachineNotRegistered: NotFound, errors.PlanNotFound: NotFound,
          errors.OrderNotInPool: NotFound, errors.OrderNotPlanned: FailedPrecondition,
          errors.ReportOutOfOrder: FailedPrecondition, errors.NotAssignedToFactory: PermissionDenied,
          errors.ProgressBusy: Conflict, errors.PlanKeptChanging: Conflict,
          errors.StalePlan: Conflict, errors.MaintenanceTaskNotFound: NotFound,
          errors.MaintenanceNotUnderway: FailedPrecondition,
          errors.MaintenanceStarted: FailedPrecondition,
          errors.NoFactoryToQuote: FailedPrecondition,
          errors.OrderCannotBePromised: FailedPrecondition}


@raising_categories(ERRORS)
class SchedulingServicer(pb_grpc.SchedulingServiceServicer):
    def __init__(self, app: SchedulingApplication, state: NetworkState, feed: AssignmentFeed,
                 settings: SchedulerSettings, clock=time.time, fence: ProgressFence | None = None):
        self.app = app
        self.fence = fence or ProgressFence()  # shared with the planner
        self.state = state
        self.feed = feed
        self.settings = settings
        self.clock = clock
        self.solving = asyncio.Semaphore(1)  # what-if solves queue: the cores are shared

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def SubscribeAssignments(self, request: pb.SubscribeAssignmentsRequest, context):
        factory_id = own_factory(request.factory_id)
        if request.resume_after_sequence < 0:
            raise InvalidArgument(Violations.one("resume_after_sequence",
                                                 N_("must not be negative")))
        async for item in self.feed.subscribe(factory_id, request.resume_after_sequence,
                                              set(request.machine_ids)):
            yield wire.feed_item_pb(item)

    async def ReportOperation(self, request: pb.ReportOperationRequest, context):
        factory_id = factory_of(current_principal(), context.invocation_metadata())
        v = Violations()
        v.check(bool(factory_id), FACTORY_METADATA, N_("an admin caller names the factory it "
                                                    "reports for"))
        kind = wire.REPORT_KIND.get(request.kind)
        v.check(kind is not None, "kind", N_("must be STARTED, FINISHED or SCRAPPED"))
        key = request.idempotency_key.strip()
        v.check(0 < len(key) <= MAX_KEY_LENGTH, "idempotency_key",
                N_("is required (1-%(n)s characters, reused on retries)"),
                n=MAX_KEY_LENGTH)
        v.check(request.scrap_quantity >= 0, "scrap_quantity", N_("must not be negative"))
        planned = self.state.plan_rows.get(request.operation_id)
        machine_id = request.machine_id or (planned.machine_id if planned else "") or (
            self.app.batch_machine(factory_id, request.operation_id))
        v.check(bool(machine_id), "machine_id",
                N_("is required: the operation has no planned machine"))
        v.raise_if_any()
        at_ms = wire.ms_of(request.occurred_at) if request.HasField("occurred_at") else self._now_ms()
        # STARTED (and SCRAPPED) are recorded under the fence: never between the planner's
        # last look at the progress and the plan it saves, which must not be made without
        # them. A FINISHED operation had started before: the plan already keeps it, and its
        # order, where it runs.
        record = asyncio.to_thread if kind == "FINISHED" else self.fence.report
        outcome = await record(
            self.app.report_operation, factory_id, request.operation_id.strip(), kind, key,
            machine_id, at_ms, request.scrap_quantity, request.scrap_reason.strip()[:500])
        return pb.ReportOperationResponse(operation_id=outcome.operation_id,
                                          order_id=outcome.order_id,
                                          status=wire.OPERATION_STATUS[outcome.status],
                                          duplicate=outcome.duplicate)

    async def GetSchedule(self, request: pb.GetScheduleRequest, context):
        principal = current_principal()
        if principal.role == "factory":
            factories = [own_factory(request.factory_id)]
        else:
            factories = [request.factory_id] if request.factory_id else sorted(self.state.factories)
        window = None
        if request.HasField("window"):
            w = request.window
            if w.end_unix_ms <= w.start_unix_ms:
                raise InvalidArgument(Violations.one("window", N_("must end after it starts")))
            window = (w.start_unix_ms, w.end_unix_ms)
        state = self.state
        if request.plan_id and request.plan_id not in {str(p.id) for p in
                                                       state.publications.values()}:
            state = await asyncio.to_thread(self._state_with_plan, request.plan_id, factories)
        lanes = queries.gantt(state, self.settings, self._now_ms(), factories,
                              set(request.machine_ids), window)
        plan = state.plan
        return pb.GetScheduleResponse(
            plan_id=str(plan.id) if plan else "",
            published_at=ts(plan.published_at_ms) if plan else None,
            # The objective sums the whole network's tardiness and makespan: a factory key sees
            # figures of its own work only (its lanes), never the network's.
            objective=objective_pb(plan.objective) if plan and principal.is_admin else None,
            lanes=[wire.lane_pb(lane) for lane in lanes])

    def _state_with_plan(self, plan_id: str, factory_ids: list[str]) -> NetworkState:
        """The state with the factories' operations as plan ``plan_id`` left them."""
        plan = self.app.get_plan(must_be_uuid(plan_id, "plan_id"))
        if hasattr(plan, "operations"):  # stored whole, before plans were stored as changes
            rows = plan.operations
        else:
            rows = [r for f in factory_ids for r in self.app.factory_rows_at(f, plan.published_at_ms)]
        view = NetworkState()
        view.__dict__.update(self.state.__dict__)
        view.factory_plans = {}
        view.plan, view.plan_rows = plan, {r.operation_id: r for r in rows}
        return view

    async def Simulate(self, request: pb.SimulateRequest, context):
        s = self.settings
        options = request.options
        v = Violations()
        v.check(options.time_limit_seconds >= 0, "options.time_limit_seconds",
                N_("must not be negative"))
        v.check(options.workers >= 0, "options.workers", N_("must not be negative"))
        v.raise_if_any()
        time_limit = min(options.time_limit_seconds or s.time_limit_s, s.simulate_time_limit_max_s)
        origin = request.problem.horizon_start_unix_ms or self._now_ms()
        problem, frame = wire.problem_from_pb(request.problem, origin, s.horizon_days * 1440)
        if request.include_live_state:
            problem, frame = self._with_live_state(problem, frame)
        async with self.solving:
            started = time.perf_counter()
            try:
                plan = await asyncio.to_thread(plan_network, problem, time_limit,
                                               max(1, min(2, options.workers or s.workers)),
                                               options.seed)
            except InvalidPlanError as exc:
                return pb.SimulateResponse(plan=pb.Plan(status=pb.PLAN_STATUS_INVALID,
                                                        violations=[str(exc)]))
            except SchedulingError as exc:
                return pb.SimulateResponse(plan=pb.Plan(status=pb.PLAN_STATUS_INFEASIBLE,
                                                        violations=[str(exc)]))
            solve_s = time.perf_counter() - started
        violations = [x.message for x in validate_plan(problem, plan.operations)]
        return pb.SimulateResponse(plan=wire.plan_pb(plan, problem, frame, solve_s, violations,
                                                        s.at_risk_ms))

    def _with_live_state(self, extra, frame):
        from dataclasses import replace

        live = queries.frame(self.state, self.settings, self._now_ms())
        shift = (frame.origin_ms - live.index.origin_ms) // wire.MINUTE_MS
        moved_orders = tuple(replace(o, due=o.due + shift, release=o.release + shift)
                             for o in extra.orders)
        factories = {f.id: f for f in live.problem.factories}
        for f in extra.factories:
            factories.setdefault(f.id, _shifted_factory(f, shift))
        merged = wire.SimulationFrame(live.index.origin_ms)
        merged.op_ids = {**live.index.op_ids, **frame.op_ids}
        merged.due = {**{o.id: o.due for o in live.problem.orders},
                      **{o.id: o.due for o in moved_orders}}
        problem = replace(live.problem, factories=tuple(factories.values()),
                          orders=live.problem.orders + moved_orders,
                          horizon=max(live.problem.horizon, extra.horizon + shift),
                          last_plan=tuple(live.plan))
        return problem, merged

    async def Quote(self, request: pb.QuoteRequest, context):
        v = Violations()
        steps = wire.steps_from_specs(request.operations, "operations", v)
        v.check(request.quantity >= 0, "quantity", N_("must not be negative"))
        v.raise_if_any()
        answer = quoting.quote_routing(
            self.state, self.settings, self._now_ms(), steps,
            wire.ms_of(request.release_at) if request.HasField("release_at") else 0,
            wire.date_text(request.promised_date) if request.HasField("promised_date") else "",
            list(request.eligible_factory_ids), max(1, request.quantity))
        return wire.quote_pb(answer)

    async def ExplainOrder(self, request: pb.ExplainOrderRequest, context):
        if not request.order_id.strip():
            raise InvalidArgument(Violations.one("order_id", N_("is required")))
        e = queries.explain_order(self.state, self.settings, self._now_ms(), request.order_id.strip())
        return pb.ExplainOrderResponse(
            order_id=e.order_id, factory_id=e.factory_id, risk=risk_pb(e.risk),
            planned_end=ts(e.planned_end_ms), promised_date=date_pb(e.promised_date),
            tardiness_seconds=e.tardiness_s, summary=e.summary, plan_id=e.plan_id,
            summary_words=words_or_none(e.summary_words),
            board_waits=[words_pb(w) for w in e.board_waits],
            reasons=[_reason_pb(r) for r in e.reasons],
            suggestions=[_suggestion_pb(s) for s in e.suggestions])

    # --- energy (issue 21) --------------------------------------------------------------

    async def GetFactoryTariff(self, request: pb.GetFactoryTariffRequest, context):
        factory_id = own_factory(request.factory_id.strip())
        factory = await asyncio.to_thread(self.app.factory_capacity, factory_id)
        if factory is None:
            raise errors.FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not "
                                                          "registered"),
                factory_id=factory_id))
        return pb.GetFactoryTariffResponse(factory_tariff=tariffs.factory_tariff_pb(factory))

    async def SetFactoryTariff(self, request: pb.SetFactoryTariffRequest, context):
        factory_id = request.factory_id.strip()
        if not factory_id:
            raise InvalidArgument(Violations.one("factory_id", N_("is required")))
        tariff = tariffs.tariff_from_pb(request.tariff) if request.HasField("tariff") else None
        by = actor_of(current_principal(), context.invocation_metadata())
        factory = await asyncio.to_thread(self.app.set_tariff, factory_id, tariff,
                                          self._now_ms(), by)
        return pb.SetFactoryTariffResponse(factory_tariff=tariffs.factory_tariff_pb(factory))

    async def GetEnergyPlan(self, request: pb.GetEnergyPlanRequest, context):
        factory_id = own_factory(request.factory_id.strip())
        day = None
        if request.day:
            try:
                day = date.fromisoformat(request.day)
            except ValueError:
                raise InvalidArgument(Violations.one("day", N_("must be a date, YYYY-MM-DD"))) from None
        async with self.solving:  # the energy-blind plan is a solve (cached afterwards)
            view = await asyncio.to_thread(energy.energy_view, self.state, self.settings,
                                           self._now_ms(), factory_id, day)
        plan = self.state.plan
        return tariffs.energy_plan_pb(view, str(plan.id) if plan else "")

    async def GetOrderEnergy(self, request: pb.GetOrderEnergyRequest, context):
        order_id = request.order_id.strip()
        if not order_id:
            raise InvalidArgument(Violations.one("order_id", N_("is required")))
        found = await asyncio.to_thread(energy.order_energy, self.state, self.settings,
                                        self._now_ms(), order_id)
        return tariffs.order_energy_pb(found)

    async def GetCarbonProfile(self, request: pb.GetCarbonProfileRequest, context):
        factory_id = own_factory(request.factory_id.strip())
        factory = await asyncio.to_thread(self.app.factory_capacity, factory_id)
        if factory is None:
            raise errors.FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not "
                                                          "registered"),
                factory_id=factory_id))
        return pb.GetCarbonProfileResponse(
            factory_profile=tariffs.factory_carbon_profile_pb(factory))

    async def SetCarbonProfile(self, request: pb.SetCarbonProfileRequest, context):
        factory_id = request.factory_id.strip()
        if not factory_id:
            raise InvalidArgument(Violations.one("factory_id", N_("is required")))
        profile = (tariffs.carbon_profile_from_pb(request.profile)
                   if request.HasField("profile") else None)
        by = actor_of(current_principal(), context.invocation_metadata())
        factory = await asyncio.to_thread(self.app.set_carbon_profile, factory_id, profile,
                                          self._now_ms(), by)
        return pb.SetCarbonProfileResponse(
            factory_profile=tariffs.factory_carbon_profile_pb(factory))

    # --- maintenance (issue 22) ---------------------------------------------------------

    async def ListMaintenance(self, request: pb.ListMaintenanceRequest, context):
        return await maintenance.listed(self.app, self.state,
                                        own_factory(request.factory_id.strip()))

    async def AcceptMaintenance(self, request: pb.AcceptMaintenanceRequest, context):
        return await maintenance.accepted(
            self.app, self.state, own_factory(request.factory_id.strip()), request,
            actor_of(current_principal(), context.invocation_metadata()), self._now_ms())

    async def MoveMaintenance(self, request: pb.MoveMaintenanceRequest, context):
        return await maintenance.moved(
            self.app, self.state, own_factory(request.factory_id.strip()), request,
            actor_of(current_principal(), context.invocation_metadata()), self._now_ms())

    async def ReportMaintenanceDone(self, request: pb.ReportMaintenanceDoneRequest, context):
        return await maintenance.done(
            self.app, self.state, own_factory(request.factory_id.strip()), request,
            actor_of(current_principal(), context.invocation_metadata()), self._now_ms())

    async def GetToolLimits(self, request: pb.GetToolLimitsRequest, context):
        return await maintenance.tool_limits(self.app, own_factory(request.factory_id.strip()))

    async def SetToolLimits(self, request: pb.SetToolLimitsRequest, context):
        return await maintenance.tool_limits_set(
            self.app, own_factory(request.factory_id.strip()), request,
            actor_of(current_principal(), context.invocation_metadata()), self._now_ms())


def _shifted_factory(f, shift: int):
    from dataclasses import replace

    from services.scheduling.solver.model import Window

    def move(ws):
        return tuple(Window(w.start + shift, w.end + shift) for w in ws)

    return replace(f, shifts=move(f.shifts),
                   machines=tuple(replace(m, downtime=move(m.downtime)) for m in f.machines))


def _window(w):
    from dovetail.common.v1 import types_pb2

    return types_pb2.TimeWindow(start_unix_ms=w[0], end_unix_ms=w[1]) if w else None


def _reason_pb(r: queries.LatenessReason) -> pb.LatenessReason:
    return pb.LatenessReason(
        cause=pb.LatenessCause.Value(f"LATENESS_CAUSE_{r.cause}"), factory_id=r.factory_id,
        machine_type=wire.machine_type_pb(r.machine_type), machine_id=r.machine_id,
        window=_window(r.window), delay_seconds=r.delay_seconds, message=r.message,
        message_words=words_or_none(r.words))


def _suggestion_pb(s: queries.Suggestion) -> pb.Suggestion:
    promised = None
    if s.promised_ms is not None:
        promised = date_pb(ts(s.promised_ms).ToDatetime().date().isoformat())
    return pb.Suggestion(kind=pb.SuggestionKind.Value(f"SUGGESTION_KIND_{s.kind}"),
                         factory_id=s.factory_id, machine_id=s.machine_id,
                         window=_window(s.window), promised_date=promised, message=s.message,
                         message_words=words_or_none(s.words))
