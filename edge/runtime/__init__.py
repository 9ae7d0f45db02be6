"""The sandboxed Wasm runtime: compile once, instantiate in microseconds, contain everything.

Public surface:
    Runtime        one per process: engine, linker, artifact cache
    Function       a loaded function version (Runtime.function)
    Invoker        async admission + worker threads
    FunctionConfig, Limits, Outcome, ErrorKind, ModuleError
"""

from .engine import EngineSettings
from .function import Function
from .invoker import Invoker
from .limits import FunctionConfig, Limits
from .module import ABI_VERSION, CompiledModule, ModuleError, NotWasm
from .outcome import ErrorKind, LogLine, Outcome
from .runtime import Runtime

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
