"""The sandboxed Wasm runtime: compile once, instantiate in microseconds, contain everything.

Public surface:
    Runtime        one per process: engine, linker, artifact cache
    Function       a loaded function version (Runtime.function)
    Invoker        async admission + worker threads
    FunctionConfig, Limits, Outcome, ErrorKind, ModuleError

Each name is imported from its module when first used (PEP 562), so taking the outcome or
limit types from here (`edge logs`, the configuration) does not load wasmtime and the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import EngineSettings
    from .function import Function
    from .invoker import Invoker
    from .limits import FunctionConfig, Limits
    from .module import ABI_VERSION, CompiledModule, ModuleError, NotWasm
    from .outcome import ErrorKind, LogLine, Outcome
    from .runtime import Runtime

# each public name -> the module that defines it
_HOMES = {
    "ABI_VERSION": "module",
    "CompiledModule": "module",
    "EngineSettings": "engine",
    "ErrorKind": "outcome",
    "Function": "function",
    "FunctionConfig": "limits",
    "Invoker": "invoker",
    "Limits": "limits",
    "LogLine": "outcome",
    "ModuleError": "module",
    "NotWasm": "module",
    "Outcome": "outcome",
    "Runtime": "runtime",
}

__all__ = [
    "ABI_VERSION",
    "CompiledModule",
    "EngineSettings",
    "ErrorKind",
    "Function",
    "FunctionConfig",
    "Invoker",
    "Limits",
    "LogLine",
    "ModuleError",
    "NotWasm",
    "Outcome",
    "Runtime",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:  # a submodule (`from edge.runtime import capi`) is imported by the import system
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
