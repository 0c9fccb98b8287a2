"""Dovetail for a small factory: an SDK (`FactoryClient`) and the `dovetail-factory` command.

See docs/factory-client.md.
"""

from dovetail_factory.book import AssignmentBook
from dovetail_factory.client import FactoryClient
from dovetail_factory.connection import RetryPolicy, TlsConfig
from dovetail_factory.errors import (
    Conflict,
    FactoryClientError,
    InvalidRequest,
    NotAllowed,
    NotFound,
    OutOfOrder,
    ServerUnavailable,
    Violation,
    WrongKey,
)
from dovetail_factory.models import (
    Assignment,
    AssignmentChange,
    CurrentSample,
    EnergyReport,
    Factory,
    Machine,
    MachineStatus,
    OeeDay,
    ReportKind,
    ReportReceipt,
    Shift,
    TelemetryResult,
)
from dovetail_factory.spool import DiskSpool, MemorySpool
from dovetail_factory.stock import BatchDetail, BoardKind, Stock

__all__ = [
    "Assignment", "AssignmentBook", "AssignmentChange", "BatchDetail", "BoardKind", "Conflict",
    "CurrentSample", "DiskSpool",
    "EnergyReport", "Factory", "FactoryClient", "FactoryClientError", "InvalidRequest",
    "Machine", "MachineStatus", "MemorySpool", "NotAllowed", "NotFound", "OeeDay",
    "OutOfOrder", "ReportKind", "ReportReceipt", "RetryPolicy", "ServerUnavailable", "Shift",
    "Stock", "TelemetryResult", "TlsConfig", "Violation", "WrongKey",
]
