"""What went wrong in a guest, in the words outcomes use: wasmtime's errors and traps
classified (fuel, time, exit status, trap name) and shortened to one readable line."""

from __future__ import annotations

import orjson

from . import capi
from .limits import Limits
from .outcome import ErrorKind, Outcome


class InstantiationError(Exception):
    def __init__(
        self, kind: ErrorKind, message: str, trap_code: str | None = None, over_budget: bool = False
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.trap_code = trap_code
        self.over_budget = over_budget  # on the event loop, start-up code outgrew its budget


# C and Zig put the stack first in linear memory (edge/toolchain.py): an overflow wraps below
# address 0 to an address out of bounds, so the trap itself cannot say "stack overflow".
STACK_HINT = ("; a C or Zig function built by `edge build` also traps this way when it overflows its "
              "stack, which is 48 KiB unless edge-build.toml raises it (cflags = [\"-Wl,-z,stack-size=262144\"] "
              "or zigflags = [\"--stack\", \"262144\"])")
# A JavaScript function has no stack setting: its engine throws a catchable RangeError before
# either stack runs out (docs/javascript.md, Limits), so a trap is the engine's own path past
# that check: wasmtime's native stack exhausted by deep recursion or nesting, or, out of bounds,
# a fault in the engine (recursion in its C code past the linear stack among the causes).
JS_STACK_HINT = ("; in a JavaScript function: recursion, or data nested (JSON, a regular expression, "
                 "structuredClone), went deeper than the engine's native stack holds before its own check "
                 "(a catchable RangeError) stopped it: recurse less deeply or nest the data less, and please report it")
JS_FAULT_HINT = ("; in a JavaScript function this is a fault in the engine, not an error the code can catch: "
                 "please report it, with what the function was doing (recursion or data nested deeply "
                 "enough can cause it)")

# Failures reported as `memory_limit` when they leave memory at the cap (Slot._at_memory_cap).
MEMORY_CAUSED = frozenset({ErrorKind.TRAP, ErrorKind.HANDLER_ERROR, ErrorKind.OUT_OF_FUEL, ErrorKind.TIMEOUT})


def failure(err: int | None, trap: int | None, limits: Limits, *, javascript: bool = False) -> Outcome:
    """The outcome of a guest call that returned an owned error or trap (freed here);
    `javascript`: the module is the JavaScript engine (CompiledModule.javascript)."""
    kind, message, code = classify(err, trap, limits, javascript=javascript)
    outcome = Outcome(error=kind, message=message, trap_code=code if kind is ErrorKind.TRAP else None)
    if kind is ErrorKind.NONZERO_EXIT:
        outcome.exit_code = int(code or 1)
    return outcome


def classify(err: int | None, trap: int | None, limits: Limits, *,
             javascript: bool = False) -> tuple[ErrorKind, str, str | None]:
    """Turn an owned error or trap pointer into (kind, message, trap name or exit code)."""
    if err:
        message, status = capi.take_error(err)
        if status is not None:
            if status == 0:
                return ErrorKind.NONZERO_EXIT, "exit(0)", "0"
            return ErrorKind.NONZERO_EXIT, f"exited with status {status}", str(status)
        return ErrorKind.TRAP, short(message), None
    message, code = capi.take_trap(trap)  # type: ignore[arg-type]
    if code == capi.TRAP_OUT_OF_FUEL:
        return ErrorKind.OUT_OF_FUEL, (
            f"ran out of fuel ({limits.fuel} units, the function's budget of work per invocation): a loop that "
            "does not end, or more work than the budget allows: raise it with the function's limits "
            "(manifest `limits = { fuel = N }`, `edge deploy --fuel N`)"), None
    if code == capi.TRAP_INTERRUPT:
        return ErrorKind.TIMEOUT, f"timed out after {limits.timeout_ms} ms", None
    name = capi.TRAP_NAMES.get(code, f"code_{code}") if code is not None else None
    return ErrorKind.TRAP, short(message) + trap_hint(name, javascript), name


def trap_hint(name: str | None, javascript: bool) -> str:
    """What a trap's message adds about stacks, for the kind of function that trapped."""
    if javascript:
        return {"stack_overflow": JS_STACK_HINT, "memory_out_of_bounds": JS_FAULT_HINT}.get(name or "", "")
    return STACK_HINT if name == "memory_out_of_bounds" else ""


def short(message: str) -> str:
    """One readable line from a wasmtime error: the causes, plus the innermost frame."""
    message = message.replace("\x00", "").strip()
    head, _, causes = message.partition("Caused by:")
    lines = [line.strip() for line in (causes or head).splitlines() if line.strip()]
    cleaned = [line.split(": ", 1)[1] if line.split(": ", 1)[0].isdigit() else line for line in lines]
    if not causes:
        return cleaned[0] if cleaned else "unknown error"
    summary = cleaned[-1]
    if len(cleaned) > 1:
        summary += " (" + "; ".join(cleaned[:-1]) + ")"
    frame = next((ln.strip() for ln in head.splitlines() if ln.strip().startswith("0:")), "")
    if "!" in frame:
        summary += f" in {frame.rsplit('!', 1)[1]}"
    return summary


def parse_result(data: bytes) -> Outcome:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return Outcome(error=ErrorKind.INVALID_OUTPUT, message=f"result is not valid UTF-8 JSON: {exc}", result=data)
    return Outcome(result=data, value=value)
