"""The rule evaluator: interprets the rules a catalogue carries as data.

Each rule kind names a check (or an effect) registered here; a rule applies when every
condition in its `when` holds for the line's facts. Checks run in stages, because later
stages need what earlier ones vouch for: a layout needs a known board, panels need a layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .layout import Layout
from .model import Catalogue, ProductTemplate, Rule
from .panels import Panel
from .rejection import Reason

CHOICES, VALUES, GEOMETRY, PANELS = "choices", "values", "geometry", "panels"
STAGES = (CHOICES, VALUES, GEOMETRY, PANELS)


@dataclass
class RuleContext:
    """What a rule may look at; later stages fill in layout and panels."""

    catalogue: Catalogue
    product: ProductTemplate
    options: dict[str, Any]
    layout: Layout | None = None
    panels: tuple[Panel, ...] = ()

    @property
    def board(self):
        return self.catalogue.boards[self.options["board"]]

    @property
    def finish(self):
        return self.catalogue.finishes[self.options["finish"]]

    @property
    def door_style(self):
        return self.catalogue.door_styles[self.options["door_style"]]

    def facts(self) -> dict[str, Any]:
        """Options plus derived facts a `when` may name, e.g. "finish.kind"."""
        facts = dict(self.options, product=self.product.code)
        for name, table in (
            ("board", self.catalogue.boards),
            ("finish", self.catalogue.finishes),
            ("door_style", self.catalogue.door_styles),
        ):
            item = table.get(self.options.get(name))
            if item is not None:
                facts[f"{name}.kind"] = item.kind
        return facts


Check = Callable[[Rule, RuleContext], list[Reason]]
_CHECKS: dict[str, tuple[str, Check]] = {}
EFFECT_KINDS = {"adds_operations"}


def check(kind: str, stage: str) -> Callable[[Check], Check]:
    """Register the check behind a rule kind, and the stage it runs in."""

    def register(fn: Check) -> Check:
        _CHECKS[kind] = (stage, fn)
        return fn

    return register


def known_kinds() -> set[str]:
    return set(_CHECKS) | EFFECT_KINDS


def applies(rule: Rule, facts: dict[str, Any]) -> bool:
    """A rule applies when each `when` condition holds: equal, one of a list, or min/max."""
    for name, wanted in rule.when.items():
        value = facts.get(name)
        if isinstance(wanted, dict):
            if not isinstance(value, (int, float)):
                continue  # not resolved yet: check rather than skip
            if "min" in wanted and value < wanted["min"]:
                return False
            if "max" in wanted and value > wanted["max"]:
                return False
        elif isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def evaluate(stage: str, context: RuleContext) -> list[Reason]:
    """Reasons from every applicable rule of one stage, in catalogue order."""
    facts = context.facts()
    reasons: list[Reason] = []
    for rule in context.product.rules:
        entry = _CHECKS.get(rule.kind)
        if entry is None or entry[0] != stage or not applies(rule, facts):
            continue
        reasons.extend(entry[1](rule, context))
    return reasons


def added_operations(context: RuleContext) -> list[dict[str, Any]]:
    """Extra routing steps the applicable `adds_operations` rules ask for, in order."""
    facts = context.facts()
    steps: list[dict[str, Any]] = []
    for rule in context.product.rules:
        if rule.kind == "adds_operations" and applies(rule, facts):
            steps.extend(rule.params.get("operations", ()))
    return steps


def unknown_rule_kinds(catalogue: Catalogue) -> list[str]:
    """Rule kinds (and added routing steps) a catalogue names that this evaluator does not
    know, as "product:kind"; a catalogue with any must not be published."""
    from .routing import ADDED_STEPS

    kinds = known_kinds()
    unknown = set()
    for product in catalogue.products.values():
        for rule in product.rules:
            if rule.kind not in kinds:
                unknown.add(f"{product.code}:{rule.kind}")
            elif rule.kind == "adds_operations":
                for step in rule.params.get("operations", ()):
                    if step.get("step") not in ADDED_STEPS:
                        unknown.add(f"{product.code}:adds_operations:{step.get('step')}")
    return sorted(unknown)

