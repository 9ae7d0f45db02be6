"""A catalogue of real test modules in WAT: well-behaved ones and hostile ones.

Each reactor shares the ABI prelude (memory, bump allocator, edge_abi_version)
and differs in its `edge_handle` body.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

ECHO = (HERE / "wasm" / "echo.wat").read_text()


def reactor(
    handle_body: str, *, extra: str = "", memory: str = "2", imports: str = "", abi: int = 1, heap: int = 1024
) -> str:
    """A reactor module whose edge_handle($p, $n) -> i64 runs handle_body."""
    return f"""
(module
  {imports}
  (memory (export "memory") {memory})
  (global $heap (mut i32) (i32.const {heap}))
  (func (export "edge_abi_version") (result i32) (i32.const {abi}))
  (func $alloc (export "edge_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (drop (memory.grow (i32.add (i32.div_u (local.get $n) (i32.const 65536)) (i32.const 1)))))
    (local.get $p))
  (func $pack (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n))))
  {extra}
  (func (export "edge_handle") (param $p i32) (param $n i32) (result i64)
    {handle_body}))
"""


def returning(json_text: str) -> str:
    """A reactor that ignores its event and returns a fixed result."""
    data = json_text.encode()
    escaped = "".join(f"\\{b:02x}" for b in data)
    heap = (64 + len(data) + 1023) // 1024 * 1024  # events are written after the fixed result
    pages = heap // 65536 + 2
    return reactor(
        f"(call $pack (i32.const 64) (i32.const {len(data)}))",
        extra=f'(data (i32.const 64) "{escaped}")', heap=heap, memory=str(pages),
    )


INFINITE_LOOP = reactor("(loop $l (br $l)) (i64.const 0)")

MEMORY_BOMB = reactor(
    """(loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable"""
)

RECURSION = reactor(
    "(call $down (i32.const 0)) (i64.const 0)",
    extra="(func $down (param $x i32) (call $down (i32.add (local.get $x) (i32.const 1))))",
)

UNREACHABLE = reactor("unreachable")

OUT_OF_BOUNDS = reactor("(drop (i32.load (i32.const -8))) (i64.const 0)")

HUGE_OUTPUT = reactor("(call $pack (i32.const 0) (i32.const 4194304))", memory="100")

NOT_JSON = returning("this is not json")

RESULT_OUTSIDE_MEMORY = reactor("(call $pack (i32.const 100000) (i32.const 200000))")

HANDLER_ERROR = reactor(
    """(call $log (i32.const 3) (i32.const 64) (i32.const 13))
    (i64.const -7)""",
    imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
    extra='(data (i32.const 64) "bad input: 42")',
)

UNKNOWN_IMPORT = reactor(
    "(call $fetch) (i64.const 0)",
    imports='(import "env" "fetch" (func $fetch)) (import "edge" "http_get" (func $get))',
)

WRONG_ABI = reactor("(i64.const 0)", abi=99)

BIG_INITIAL_MEMORY = reactor("(i64.const 0)", memory="3000")  # 187.5 MiB

NOT_EDGE = "(module (func (export \"hello\")))"

# A global that counts invocations: {"count":N} shows whether state survives between invocations.
COUNTER = reactor(
    """(global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store8 (i32.const 73) (i32.add (i32.const 48) (global.get $count)))
    (call $pack (i32.const 64) (i32.const 11))""",
    extra='(global $count (mut i32) (i32.const 0)) (data (i32.const 64) "{\\"count\\":0}")',
)

# Logs "hello" from _initialize and from every handle call.
LOGGER = reactor(
    """(call $log (i32.const 1) (i32.const 64) (i32.const 5))
    (call $pack (i32.const 80) (i32.const 2))""",
    imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
    extra='(data (i32.const 64) "hello") (data (i32.const 80) "{}")',
)

# Floods edge.log with 1 KiB lines.
LOG_FLOOD = reactor(
    """(local $i i32)
    (loop $l
      (call $log (i32.const 1) (i32.const 0) (i32.const 1024))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (call $pack (i32.const 2000) (i32.const 2))""",
    imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
    extra='(data (i32.const 2000) "{}")',
)

# Spins for a bounded number of iterations, then echoes: CPU-bound work with a known cost.
def spin(iterations: int) -> str:
    return reactor(
        f"""(local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const {iterations}))))
    (call $pack (local.get $p) (local.get $n))"""
    )


_WASI_IO = """
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
"""

# WASI command: copies stdin to stdout (an echo function), writes one line to stderr.
COMMAND_ECHO = f"""
(module
  {_WASI_IO}
  (data (i32.const 16) "echo command\\n")
  (func (export "_start")
    (local $got i32)
    ;; stderr line: iovec at 0 -> (16, 13)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (block $done
      (loop $more
        ;; read up to 64 KiB into 65536
        (i32.store (i32.const 32) (i32.const 65536))
        (i32.store (i32.const 36) (i32.const 65536))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
        (local.set $got (i32.load (i32.const 40)))
        (br_if $done (i32.eqz (local.get $got)))
        (i32.store (i32.const 32) (i32.const 65536))
        (i32.store (i32.const 36) (local.get $got))
        (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 44)))
        (br $more)))))
"""

# WASI command that never returns: guest code the Python path calls (calls.c's low lane too).
COMMAND_LOOP = f"""
(module
  {_WASI_IO}
  (func (export "_start") (loop $l (br $l))))
"""

COMMAND_EXIT_1 = f"""
(module
  {_WASI_IO}
  (func (export "_start") (call $proc_exit (i32.const 1))))
"""

# Reads environment variable count via WASI and returns it as {"env":N}.
ENV_COUNT = reactor(
    """(drop (call $sizes (i32.const 8) (i32.const 12)))
    (i32.store8 (i32.const 71) (i32.add (i32.const 48) (i32.load (i32.const 8))))
    (call $pack (i32.const 64) (i32.const 9))""",
    imports='(import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))',
    extra='(data (i32.const 64) "{\\"env\\":0}")',
)

# Tries to open a file through WASI: with no preopens this must fail (errno != 0).
OPEN_FILE = reactor(
    """(i32.store8 (i32.const 72)
      (i32.add (i32.const 48)
        (i32.ne (i32.const 0)
          (call $path_open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 11)
            (i32.const 0) (i64.const 1) (i64.const 1) (i32.const 0) (i32.const 16)))))
    (call $pack (i32.const 64) (i32.const 10))""",
    imports="""(import "wasi_snapshot_preview1" "path_open"
      (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))""",
    extra='(data (i32.const 64) "{\\"fail\\":0}") (data (i32.const 200) "/etc/passwd")',
)


def passthrough(key: str) -> str:
    """A reactor that logs its whole event (level DEBUG) and returns the object under
    `"<key>":` unchanged: the identity function of a hook, written in WAT.

    The scan skips JSON strings, so braces inside values do not confuse it.
    """
    needle = f'"{key}":'.encode()
    escaped = "".join(f"\\{b:02x}" for b in needle)
    return reactor(
        f"""(local $i i32) (local $end i32) (local $start i32) (local $depth i32) (local $c i32)
    (local $instr i32) (local $k i32)
    (call $log (i32.const 0) (local.get $p) (local.get $n))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $i (local.get $p))
    ;; find the needle
    (block $found
      (loop $search
        (br_if $found (i32.ge_u (i32.add (local.get $i) (i32.const {len(needle)})) (local.get $end)))
        (local.set $k (i32.const 0))
        (block $mismatch
          (loop $cmp
            (br_if $mismatch (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $k)))
                                     (i32.load8_u (i32.add (i32.const 32) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $cmp (i32.lt_u (local.get $k) (i32.const {len(needle)}))))
          (local.set $start (i32.add (local.get $i) (i32.const {len(needle)})))
          (br $found))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $search)))
    (if (i32.eqz (local.get $start)) (then (return (i64.const -1))))
    ;; match braces from $start, skipping strings
    (local.set $i (local.get $start))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (local.get $instr)
          (then
            (if (i32.eq (local.get $c) (i32.const 92)) (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
              (else (if (i32.eq (local.get $c) (i32.const 34)) (then (local.set $instr (i32.const 0)))))))
          (else
            (if (i32.eq (local.get $c) (i32.const 34)) (then (local.set $instr (i32.const 1))))
            (if (i32.eq (local.get $c) (i32.const 123)) (then (local.set $depth (i32.add (local.get $depth) (i32.const 1)))))
            (if (i32.eq (local.get $c) (i32.const 125))
              (then
                (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
                (if (i32.eqz (local.get $depth))
                  (then (return (call $pack (local.get $start)
                    (i32.add (i32.sub (local.get $i) (local.get $start)) (i32.const 1))))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (i64.const -2)""",
        imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
        extra=f'(data (i32.const 32) "{escaped}")',
        memory="4",
    )


PASS_REQUEST = passthrough("request")
PASS_RESPONSE = passthrough("response")
