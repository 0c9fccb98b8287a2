"""The plain flexible job-shop (FJSP) benchmark engine: Brandimarte-style instances solved
for the least makespan, to hold our search against published results. A benchmark command
(`python -m services.scheduling.fjsp`), not the network scheduler (that is `solver/`)."""

from .instance import FjspAssignment, FjspInstance, FjspResult, lower_bound, parse_fjsp
from .plain import solve_plain
from .solver import solve_fjsp
from .validate import validate_fjsp

__all__ = [
    "FjspAssignment", "FjspInstance", "FjspResult", "lower_bound", "parse_fjsp", "solve_fjsp",
    "solve_plain", "validate_fjsp",
]
