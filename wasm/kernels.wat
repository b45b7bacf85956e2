;; The matrix products of nnt in WebAssembly SIMD (f64x2: two doubles per vector).
;;
;; One general product serves matmul, matmulTransA and matmulTransB (after a transpose):
;;
;;   C[r][j] = Σ_q A(r,q) · B[q][j]      r in [r0, r1), j in [0, n), q in [0, nq)
;;
;; A is read through two strides (bytes between rows r and between columns q), so A and Aᵀ
;; are the same code; rows of B and C are contiguous. Every sum runs over q in increasing
;; order, starting from 0, whatever the blocking: a result does not depend on which rows a
;; thread was given, on whether zeros were skipped (0·b adds nothing to a sum that starts at
;; +0), or on the block an element fell in. With plain mul+add (the "simd" build) the sums
;; are bitwise those of the TypeScript reference; with fused multiply-add (the
;; "relaxed-simd" build) they differ from it by rounding only.
;;
;; Every product is written `a b acc f64x2.relaxed_madd`, on the value stack: the build
;; script (scripts/build-wasm.js) makes the plain-SIMD module by replacing that one
;; instruction with `local.set $fma_t f64x2.mul local.get $fma_t f64x2.add`, which is why
;; each function that multiplies declares a spare local $fma_t.
;;
;; All addresses are byte offsets into the shared memory the host gives us.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Dense product. Rows go four at a time (each B load is used by four rows), and the
  ;; rows that remain one at a time through $row with every entry of A kept.
  ;; `list` is scratch of nq·12 bytes that only this call uses.
  (func (export "gemm")
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r0 i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $list i32)
    (local $r i32)
    (local.set $r (local.get $r0))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $r1)))
      (call $rows4
        (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ars))) (local.get $ars) (local.get $aqs)
        (local.get $b) (local.get $bqs)
        (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs))) (local.get $crs)
        (local.get $nq) (local.get $n))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $next)))
    (call $rows (local.get $a) (local.get $ars) (local.get $aqs) (local.get $b) (local.get $bqs)
      (local.get $c) (local.get $crs) (local.get $r) (local.get $r1) (local.get $nq) (local.get $n)
      (local.get $list) (i32.const 0)))

  ;; The same product for an A that is mostly zeros (MNIST pixels): each row of A is first
  ;; packed into a list of its nonzero entries, and only those are multiplied.
  (func (export "gemm_sparse")
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r0 i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $list i32)
    (call $rows (local.get $a) (local.get $ars) (local.get $aqs) (local.get $b) (local.get $bqs)
      (local.get $c) (local.get $crs) (local.get $r0) (local.get $r1) (local.get $nq) (local.get $n)
      (local.get $list) (i32.const 1)))

  (func $rows
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $list i32) (param $skipZeros i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (call $row
        (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ars))) (local.get $aqs)
        (local.get $b) (local.get $bqs)
        (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs)))
        (local.get $nq) (local.get $n) (local.get $list) (local.get $skipZeros))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; Four rows of C, four columns at a time: eight vector accumulators (4 rows × 2 vectors),
  ;; so eight independent multiply-adds are in flight, which hides their latency. An odd
  ;; column or two at the end of the row go through scalar sums.
  (func $rows4
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32) (param $n i32)
    (local $j i32) (local $q i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $ars2 i32) (local $ars3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $bs f64)
    (local $fma_t v128)
    (local.set $ars2 (i32.shl (local.get $ars) (i32.const 1)))
    (local.set $ars3 (i32.add (local.get $ars2) (local.get $ars)))
    (block $doneVec (loop $nextVec
      (br_if $doneVec (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
      (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
      (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
      (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
      (local.set $pa (local.get $a))
      (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $q (i32.const 0))
      (block $doneQ (loop $nextQ
        (br_if $doneQ (i32.ge_u (local.get $q) (local.get $nq)))
        (local.set $a0 (v128.load64_splat (local.get $pa)))
        (local.set $a1 (v128.load64_splat (i32.add (local.get $pa) (local.get $ars))))
        (local.set $a2 (v128.load64_splat (i32.add (local.get $pa) (local.get $ars2))))
        (local.set $a3 (v128.load64_splat (i32.add (local.get $pa) (local.get $ars3))))
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.get $a0) (local.get $b0) (local.get $c00) f64x2.relaxed_madd (local.set $c00)
        (local.get $a0) (local.get $b1) (local.get $c01) f64x2.relaxed_madd (local.set $c01)
        (local.get $a1) (local.get $b0) (local.get $c10) f64x2.relaxed_madd (local.set $c10)
        (local.get $a1) (local.get $b1) (local.get $c11) f64x2.relaxed_madd (local.set $c11)
        (local.get $a2) (local.get $b0) (local.get $c20) f64x2.relaxed_madd (local.set $c20)
        (local.get $a2) (local.get $b1) (local.get $c21) f64x2.relaxed_madd (local.set $c21)
        (local.get $a3) (local.get $b0) (local.get $c30) f64x2.relaxed_madd (local.set $c30)
        (local.get $a3) (local.get $b1) (local.get $c31) f64x2.relaxed_madd (local.set $c31)
        (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
        (local.set $pb (i32.add (local.get $pb) (local.get $bqs)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $nextQ)))
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (v128.store (local.get $pc) (local.get $c00))
      (v128.store offset=16 (local.get $pc) (local.get $c01))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (v128.store (local.get $pc) (local.get $c10))
      (v128.store offset=16 (local.get $pc) (local.get $c11))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (v128.store (local.get $pc) (local.get $c20))
      (v128.store offset=16 (local.get $pc) (local.get $c21))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (v128.store (local.get $pc) (local.get $c30))
      (v128.store offset=16 (local.get $pc) (local.get $c31))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $nextVec)))
    (block $doneScalar (loop $nextScalar
      (br_if $doneScalar (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $s0 (f64.const 0)) (local.set $s1 (f64.const 0))
      (local.set $s2 (f64.const 0)) (local.set $s3 (f64.const 0))
      (local.set $pa (local.get $a))
      (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $q (i32.const 0))
      (block $doneQ (loop $nextQ
        (br_if $doneQ (i32.ge_u (local.get $q) (local.get $nq)))
        (local.set $bs (f64.load (local.get $pb)))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (f64.load (local.get $pa)) (local.get $bs))))
        (local.set $s1 (f64.add (local.get $s1) (f64.mul (f64.load (i32.add (local.get $pa) (local.get $ars))) (local.get $bs))))
        (local.set $s2 (f64.add (local.get $s2) (f64.mul (f64.load (i32.add (local.get $pa) (local.get $ars2))) (local.get $bs))))
        (local.set $s3 (f64.add (local.get $s3) (f64.mul (f64.load (i32.add (local.get $pa) (local.get $ars3))) (local.get $bs))))
        (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
        (local.set $pb (i32.add (local.get $pb) (local.get $bqs)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $nextQ)))
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (f64.store (local.get $pc) (local.get $s0))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (f64.store (local.get $pc) (local.get $s1))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (f64.store (local.get $pc) (local.get $s2))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (f64.store (local.get $pc) (local.get $s3))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextScalar))))

  ;; One row of C. The row of A is first packed into a list of (value, byte offset of the
  ;; matching row of B) — every entry, or only the nonzero ones — so the loops below run
  ;; without a branch per entry. Then sixteen columns at a time (eight accumulators), four
  ;; at a time, and single columns.
  (func $row
    (param $a i32) (param $aqs i32) (param $b i32) (param $bqs i32) (param $c i32)
    (param $nq i32) (param $n i32) (param $list i32) (param $skipZeros i32)
    (local $keepAll i32) (local $q i32) (local $count i32) (local $v f64)
    (local $pa i32) (local $offsets i32) (local $end i32) (local $pl i32) (local $po i32)
    (local $j i32) (local $pb i32) (local $pc i32) (local $av v128) (local $s f64)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $fma_t v128)
    (local.set $keepAll (i32.eqz (local.get $skipZeros)))
    (local.set $offsets (i32.add (local.get $list) (i32.shl (local.get $nq) (i32.const 3))))
    (local.set $pa (local.get $a))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $q) (local.get $nq)))
      (local.set $v (f64.load (local.get $pa)))
      ;; Written every time, kept (count advances) only when nonzero or keeping all.
      (f64.store (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))) (local.get $v))
      (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $count) (i32.const 2)))
        (i32.mul (local.get $q) (local.get $bqs)))
      (local.set $count (i32.add (local.get $count)
        (i32.or (local.get $keepAll) (f64.ne (local.get $v) (f64.const 0)))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $next)))
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))

    (block $done16 (loop $next16
      (br_if $done16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
      (local.set $c0 (v128.const i64x2 0 0)) (local.set $c1 (v128.const i64x2 0 0))
      (local.set $c2 (v128.const i64x2 0 0)) (local.set $c3 (v128.const i64x2 0 0))
      (local.set $c4 (v128.const i64x2 0 0)) (local.set $c5 (v128.const i64x2 0 0))
      (local.set $c6 (v128.const i64x2 0 0)) (local.set $c7 (v128.const i64x2 0 0))
      (local.set $pl (local.get $list))
      (local.set $po (local.get $offsets))
      (block $doneT (loop $nextT
        (br_if $doneT (i32.ge_u (local.get $pl) (local.get $end)))
        (local.set $av (v128.load64_splat (local.get $pl)))
        (local.set $pb (i32.add (i32.add (local.get $b) (i32.load (local.get $po))) (i32.shl (local.get $j) (i32.const 3))))
        (local.get $av) (v128.load (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
        (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
        (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
        (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
        (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
        (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
        (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
        (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
        (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
        (local.set $po (i32.add (local.get $po) (i32.const 4)))
        (br $nextT)))
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (v128.store (local.get $pc) (local.get $c0))
      (v128.store offset=16 (local.get $pc) (local.get $c1))
      (v128.store offset=32 (local.get $pc) (local.get $c2))
      (v128.store offset=48 (local.get $pc) (local.get $c3))
      (v128.store offset=64 (local.get $pc) (local.get $c4))
      (v128.store offset=80 (local.get $pc) (local.get $c5))
      (v128.store offset=96 (local.get $pc) (local.get $c6))
      (v128.store offset=112 (local.get $pc) (local.get $c7))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next16)))

    (block $done4 (loop $next4
      (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (local.set $c0 (v128.const i64x2 0 0)) (local.set $c1 (v128.const i64x2 0 0))
      (local.set $pl (local.get $list))
      (local.set $po (local.get $offsets))
      (block $doneT (loop $nextT
        (br_if $doneT (i32.ge_u (local.get $pl) (local.get $end)))
        (local.set $av (v128.load64_splat (local.get $pl)))
        (local.set $pb (i32.add (i32.add (local.get $b) (i32.load (local.get $po))) (i32.shl (local.get $j) (i32.const 3))))
        (local.get $av) (v128.load (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
        (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
        (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
        (local.set $po (i32.add (local.get $po) (i32.const 4)))
        (br $nextT)))
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (v128.store (local.get $pc) (local.get $c0))
      (v128.store offset=16 (local.get $pc) (local.get $c1))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next4)))

    (block $done1 (loop $next1
      (br_if $done1 (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $s (f64.const 0))
      (local.set $pl (local.get $list))
      (local.set $po (local.get $offsets))
      (block $doneT (loop $nextT
        (br_if $doneT (i32.ge_u (local.get $pl) (local.get $end)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.load (local.get $pl))
            (f64.load (i32.add (i32.add (local.get $b) (i32.load (local.get $po))) (i32.shl (local.get $j) (i32.const 3)))))))
        (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
        (local.set $po (i32.add (local.get $po) (i32.const 4)))
        (br $nextT)))
      (f64.store (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $s))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next1))))

  ;; dst (cols×rows) = srcᵀ (src rows×cols), so that A·Bᵀ becomes a product with contiguous rows.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $ps i32)
    (local.set $ps (local.get $src))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.ge_u (local.get $j) (local.get $cols)))
        (f64.store
          (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 3)))
          (f64.load (local.get $ps)))
        (local.set $ps (i32.add (local.get $ps) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $nextJ)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))
)
