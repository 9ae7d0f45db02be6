"""What an invocation produced: a result or a classified failure, plus its REPORT figures."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


# The error codes the ABI reserves (docs/abi.md). A handler returning -408 reached the function's
# timeout by its own clock (JavaScript's timers run on virtual time and end the invocation at once).
GUEST_TIMED_OUT = -408
# A handler returning -500 failed, and the ERROR line it logged last is the whole reason: the host
# reports that line alone, with no code after it (the JavaScript runtime's failures: a thrown error,
# a rejected promise, callback(err), as Lambda's Node.js runtime logs them).
GUEST_FAILED_AS_LOGGED = -500


class ErrorKind(str, enum.Enum):
    """Why an invocation failed. The pipeline maps these to Lambda@Edge's 502/503 errors."""

    TRAP = "trap"  # the guest trapped (trap_code says which)
    OUT_OF_FUEL = "out_of_fuel"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_TOO_LARGE = "output_too_large"
    INVALID_OUTPUT = "invalid_output"  # result is not UTF-8 JSON
    NONZERO_EXIT = "nonzero_exit"
    HANDLER_ERROR = "handler_error"  # reactor handler reported an error
    LIMIT_EXCEEDED = "limit_exceeded"  # concurrency limit: no capacity within the wait
    INSTANTIATION = "instantiation"  # the instance could not be created

    @property
    def is_validation(self) -> bool:
        """Failures of the result's shape (502) rather than of execution (503)."""
        return self in (ErrorKind.OUTPUT_TOO_LARGE, ErrorKind.INVALID_OUTPUT)


@dataclass(slots=True)
class LogLine:
    level: str
    message: str
    time: float = 0.0  # when the function wrote it (epoch seconds): each line keeps its own, as CloudWatch's


@dataclass(slots=True)
class Outcome:
    """Result bytes (and the parsed JSON) or an error, with duration, fuel and peak memory."""

    result: bytes | None = None
    value: Any = None
    error: ErrorKind | None = None
    message: str = ""
    trap_code: str | None = None
    exit_code: int | None = None
    logs: list[LogLine] = field(default_factory=list)
    logs_truncated: bool = False
    duration_ms: float = 0.0
    fuel_used: int = 0
    peak_memory: int = 0
    instance_reused: bool = False
    over_budget: bool = False  # a budgeted attempt stopped early: retry with the full limits
    # A timeout the guest reported itself (GUEST_TIMED_OUT): it spent no CPU waiting, so it is
    # neither retried with more budget nor counted against the function's concurrency.
    guest_timeout: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def report(self) -> str:
        """A Lambda-style REPORT line."""
        return format_report(self.duration_ms, self.fuel_used, self.peak_memory, self.error)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error.value if self.error else None,
            "message": self.message,
            "trap_code": self.trap_code,
            "exit_code": self.exit_code,
            "logs": [{"level": line.level, "message": line.message} for line in self.logs],
            "logs_truncated": self.logs_truncated,
            "duration_ms": round(self.duration_ms, 3),
            "fuel_used": self.fuel_used,
            "peak_memory": self.peak_memory,
        }


def format_report(duration_ms: float, fuel_used: int, peak_memory: int, error: "ErrorKind | None") -> str:
    """The REPORT line of an invocation (also rendered later from a log ring's compact entry).

    A timeout's fuel is a lower bound, shown as `>=N`: optimized (Cranelift) code keeps its
    fuel count in a register and writes it back only at calls and returns, so a loop the
    timeout interrupts was running on fuel that was never written back (wasmtime reads
    what was written). Baseline code writes it at every check, and its figure is close."""
    status = "ok" if error is None else f"error={error.value}"
    fuel = f">={fuel_used}" if error is ErrorKind.TIMEOUT else str(fuel_used)
    return (
        f"REPORT Duration: {duration_ms:.3f} ms\tFuel: {fuel}\t"
        f"Max Memory Used: {peak_memory // 1024} KB\tStatus: {status}"
    )
