;; Edge reactor that returns its event unchanged and logs one line.
(module
  (import "edge" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "echo called")
  (func (export "edge_abi_version") (result i32) (i32.const 1))
  (func (export "edge_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    ;; grow memory when the bump pointer passes the end
    (block $ok
      (br_if $ok (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (drop (memory.grow (i32.add (i32.div_u (local.get $n) (i32.const 65536)) (i32.const 1)))))
    (local.get $p))
  (func (export "edge_handle") (param $p i32) (param $n i32) (result i64)
    (call $log (i32.const 1) (i32.const 16) (i32.const 11))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))
