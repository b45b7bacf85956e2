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

  ;; Dense product. Rows go four at a time (each load of B serves four rows); the rows that
  ;; remain go one at a time through $rows, keeping every entry of A.
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

  ;; gemm_sparse for A read transposed (ars = 8: A(r, q) is the stored A[q][r], and aqs is
  ;; the stored row's size in bytes), as in dW = Xᵀ·dY; rows p0..p1 of C, summing over m.
  ;; Row p of C needs column p of the stored A, which is strided; instead of walking each
  ;; column, one pass over the stored rows (contiguous, eight entries to a bit mask) deals every
  ;; nonzero A[i][p] into the list of its column, in increasing i. Then each row of C is a
  ;; list product. `list` is scratch of (p1 − p0)·(12·m + 4) bytes.
  (func (export "gemm_tn_sparse")
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $p0 i32) (param $p1 i32) (param $m i32)
    (param $n i32) (param $list i32)
    (local $width i32) (local $offsets i32) (local $counts i32) (local $i i32) (local $p i32)
    (local $pa i32) (local $stop i32) (local $bRow i32) (local $v f64) (local $slot i32) (local $pc i32)
    (local $mask i32) (local $column i32)
    (local.set $width (i32.sub (local.get $p1) (local.get $p0)))
    (local.set $offsets (i32.add (local.get $list) (i32.shl (i32.mul (local.get $width) (local.get $m)) (i32.const 3))))
    (local.set $counts (i32.add (local.get $offsets) (i32.shl (i32.mul (local.get $width) (local.get $m)) (i32.const 2))))
    (memory.fill (local.get $counts) (i32.const 0) (i32.shl (local.get $width) (i32.const 2)))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aqs))) (i32.shl (local.get $p0) (i32.const 3))))
      (local.set $bRow (i32.mul (local.get $i) (local.get $bqs)))
      (local.set $p (i32.const 0))
      (block $doneP (loop $nextP
        (br_if $doneP (i32.ge_u (local.get $p) (local.get $width)))
        (if (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $width))
          (then
            ;; Eight entries at once: a bit per nonzero entry, then a turn per set bit only.
            (local.set $mask (i32.or
          (i32.or (i64x2.bitmask (f64x2.ne (v128.load offset=0 (local.get $pa)) (v128.const f64x2 0 0)))
                  (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=16 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 2)))
          (i32.or (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=32 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 4))
                  (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=48 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 6)))))
            (block $doneBits (loop $nextBit
              (br_if $doneBits (i32.eqz (local.get $mask)))
              (local.set $column (i32.add (local.get $p) (i32.ctz (local.get $mask))))
              (local.set $slot (i32.add (i32.mul (local.get $column) (local.get $m))
                (i32.load (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2))))))
              (f64.store (i32.add (local.get $list) (i32.shl (local.get $slot) (i32.const 3)))
                (f64.load (i32.add (local.get $pa) (i32.shl (i32.ctz (local.get $mask)) (i32.const 3)))))
              (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 2))) (local.get $bRow))
              (i32.store (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2)))
                (i32.add (i32.sub (local.get $slot) (i32.mul (local.get $column) (local.get $m))) (i32.const 1)))
              (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
              (br $nextBit)))
            (local.set $pa (i32.add (local.get $pa) (i32.const 64)))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $nextP)))
        (local.set $stop (select (i32.add (local.get $p) (i32.const 8)) (local.get $width)
          (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $width))))
        (loop $entry
          ;; Written every time, kept (the column's count advances) only when nonzero.
          (local.set $v (f64.load (local.get $pa)))
          (local.set $slot (i32.add (i32.mul (local.get $p) (local.get $m))
            (i32.load (i32.add (local.get $counts) (i32.shl (local.get $p) (i32.const 2))))))
          (f64.store (i32.add (local.get $list) (i32.shl (local.get $slot) (i32.const 3))) (local.get $v))
          (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 2))) (local.get $bRow))
          (i32.store (i32.add (local.get $counts) (i32.shl (local.get $p) (i32.const 2)))
            (i32.add (i32.sub (local.get $slot) (i32.mul (local.get $p) (local.get $m)))
              (f64.ne (local.get $v) (f64.const 0))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $entry (i32.lt_u (local.get $p) (local.get $stop))))
        (br $nextP)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI)))
    (local.set $p (i32.const 0))
    (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $p0) (local.get $crs))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $width)))
      (call $listProduct
        (i32.add (local.get $list) (i32.shl (i32.mul (local.get $p) (local.get $m)) (i32.const 3)))
        (i32.add (local.get $offsets) (i32.shl (i32.mul (local.get $p) (local.get $m)) (i32.const 2)))
        (i32.load (i32.add (local.get $counts) (i32.shl (local.get $p) (i32.const 2))))
        (local.get $b) (local.get $pc) (local.get $n))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next))))

  ;; Rows r..r1 of C, one at a time: pack the row of A into a list, then a list product.
  (func $rows
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $list i32) (param $skipZeros i32)
    (local $offsets i32)
    (local.set $offsets (i32.add (local.get $list) (i32.shl (local.get $nq) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (call $listProduct (local.get $list) (local.get $offsets)
        (call $pack (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ars))) (local.get $aqs)
          (local.get $nq) (local.get $bqs) (local.get $list) (local.get $offsets) (local.get $skipZeros))
        (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs))) (local.get $n))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; Packs A(q) = a + q·aqs, q < nq, into values[] and the byte offsets q·bqs of the matching
  ;; rows of B into offsets[]: every entry, or only the nonzero ones. Returns how many.
  ;; Where A is contiguous and zeros are skipped, eight entries at a time become a bit mask
  ;; of the nonzero ones, and only those are visited. Elsewhere, without a branch per entry:
  ;; each is written, and the count advances when it is kept.
  (func $pack
    (param $a i32) (param $aqs i32) (param $nq i32) (param $bqs i32)
    (param $values i32) (param $offsets i32) (param $skipZeros i32) (result i32)
    (local $q i32) (local $stop i32) (local $count i32) (local $keepAll i32) (local $skipRuns i32)
    (local $v f64) (local $pa i32) (local $mask i32) (local $t i32)
    (local.set $keepAll (i32.eqz (local.get $skipZeros)))
    (local.set $skipRuns (i32.and (local.get $skipZeros) (i32.eq (local.get $aqs) (i32.const 8))))
    (local.set $pa (local.get $a))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $q) (local.get $nq)))
      (local.set $stop (select (i32.add (local.get $q) (i32.const 8)) (local.get $nq)
        (i32.le_u (i32.add (local.get $q) (i32.const 8)) (local.get $nq))))
      (if (i32.and (local.get $skipRuns) (i32.eq (local.get $stop) (i32.add (local.get $q) (i32.const 8))))
        (then
          ;; Eight entries at once: a bit per nonzero entry, then a turn per set bit only.
          (local.set $mask (i32.or
          (i32.or (i64x2.bitmask (f64x2.ne (v128.load offset=0 (local.get $pa)) (v128.const f64x2 0 0)))
                  (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=16 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 2)))
          (i32.or (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=32 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 4))
                  (i32.shl (i64x2.bitmask (f64x2.ne (v128.load offset=48 (local.get $pa)) (v128.const f64x2 0 0))) (i32.const 6)))))
          (block $doneBits (loop $nextBit
            (br_if $doneBits (i32.eqz (local.get $mask)))
            (local.set $t (i32.ctz (local.get $mask)))
            (f64.store (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 3)))
              (f64.load (i32.add (local.get $pa) (i32.shl (local.get $t) (i32.const 3)))))
            (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $count) (i32.const 2)))
              (i32.mul (i32.add (local.get $q) (local.get $t)) (local.get $bqs)))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $nextBit)))
          (local.set $pa (i32.add (local.get $pa) (i32.const 64)))
          (local.set $q (local.get $stop))
          (br $next)))
      (loop $entry
        (local.set $v (f64.load (local.get $pa)))
        (f64.store (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 3))) (local.get $v))
        (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $count) (i32.const 2)))
          (i32.mul (local.get $q) (local.get $bqs)))
        (local.set $count (i32.add (local.get $count)
          (i32.or (local.get $keepAll) (f64.ne (local.get $v) (f64.const 0)))))
        (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $entry (i32.lt_u (local.get $q) (local.get $stop))))
      (br $next)))
    (local.get $count))

  ;; One row of C (n columns) = Σ_t values[t] · (row of B at b + offsets[t]). Sixteen
  ;; columns at a time (eight accumulators in flight), then four at a time; a last partial
  ;; block is done as the full block that ends at column n, recomputing a few columns (to
  ;; the same bits) rather than running a slow scalar loop.
  (func $listProduct
    (param $values i32) (param $offsets i32) (param $count i32) (param $b i32) (param $c i32) (param $n i32)
    (local $end i32) (local $j i32)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
      (call $list16 (local.get $values) (local.get $end) (local.get $offsets)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (call $list4 (local.get $values) (local.get $end) (local.get $offsets)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (if (i32.ge_u (local.get $j) (local.get $n)) (then (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (local.set $j (i32.sub (local.get $n) (i32.const 4)))
        (call $list4 (local.get $values) (local.get $end) (local.get $offsets)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
          (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
        (return)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (call $list1 (local.get $values) (local.get $end) (local.get $offsets)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; Sixteen columns of a list product; b and c point at the first column.
  (func $list16 (param $pl i32) (param $end i32) (param $po i32) (param $b i32) (param $c i32)
    (local $av v128) (local $pb i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $av (v128.load64_splat (local.get $pl)))
      (local.set $pb (i32.add (local.get $b) (i32.load (local.get $po))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
      (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
      (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
      (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
      (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
      (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $po (i32.add (local.get $po) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1))
    (v128.store offset=32 (local.get $c) (local.get $c2))
    (v128.store offset=48 (local.get $c) (local.get $c3))
    (v128.store offset=64 (local.get $c) (local.get $c4))
    (v128.store offset=80 (local.get $c) (local.get $c5))
    (v128.store offset=96 (local.get $c) (local.get $c6))
    (v128.store offset=112 (local.get $c) (local.get $c7)))

  (func $list4 (param $pl i32) (param $end i32) (param $po i32) (param $b i32) (param $c i32)
    (local $av v128) (local $pb i32) (local $c0 v128) (local $c1 v128) (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $av (v128.load64_splat (local.get $pl)))
      (local.set $pb (i32.add (local.get $b) (i32.load (local.get $po))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $po (i32.add (local.get $po) (i32.const 4)))
      (br $next)))
    (v128.store (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1)))

  (func $list1 (param $pl i32) (param $end i32) (param $po i32) (param $b i32) (param $c i32)
    (local $s f64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $s (f64.add (local.get $s)
        (f64.mul (f64.load (local.get $pl)) (f64.load (i32.add (local.get $b) (i32.load (local.get $po)))))))
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $po (i32.add (local.get $po) (i32.const 4)))
      (br $next)))
    (f64.store (local.get $c) (local.get $s)))

  ;; Four rows of C, four columns at a time, like $listProduct's blocks: a last partial
  ;; block is the full block ending at column n; fewer than four columns go one by one.
  (func $rows4
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32) (param $n i32)
    (local $j i32)
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (call $block4x4 (local.get $a) (local.get $ars) (local.get $aqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))) (local.get $bqs)
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $crs) (local.get $nq))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (if (i32.ge_u (local.get $j) (local.get $n)) (then (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (local.set $j (i32.sub (local.get $n) (i32.const 4)))
        (call $block4x4 (local.get $a) (local.get $ars) (local.get $aqs)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))) (local.get $bqs)
          (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $crs) (local.get $nq))
        (return)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (call $block4x1 (local.get $a) (local.get $ars) (local.get $aqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))) (local.get $bqs)
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $crs) (local.get $nq))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; A 4×4 block of C: eight vector accumulators (4 rows × 2 vectors), so eight independent
  ;; multiply-adds are in flight, which hides their latency. b and c point at its first column.
  (func $block4x4
    (param $pa i32) (param $ars i32) (param $aqs i32) (param $pb i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32)
    (local $q i32) (local $ars2 i32) (local $ars3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $fma_t v128)
    (local.set $ars2 (i32.shl (local.get $ars) (i32.const 1)))
    (local.set $ars3 (i32.add (local.get $ars2) (local.get $ars)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $q) (local.get $nq)))
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
      (br $next)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; One column of four rows of C, in scalars (only for products with fewer than four columns).
  (func $block4x1
    (param $pa i32) (param $ars i32) (param $aqs i32) (param $pb i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32)
    (local $q i32) (local $bs f64) (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $q) (local.get $nq)))
      (local.set $bs (f64.load (local.get $pb)))
      (local.set $s0 (f64.add (local.get $s0) (f64.mul (f64.load (local.get $pa)) (local.get $bs))))
      (local.set $s1 (f64.add (local.get $s1) (f64.mul (f64.load (i32.add (local.get $pa) (local.get $ars))) (local.get $bs))))
      (local.set $s2 (f64.add (local.get $s2) (f64.mul (f64.load (i32.add (local.get $pa) (i32.shl (local.get $ars) (i32.const 1)))) (local.get $bs))))
      (local.set $s3 (f64.add (local.get $s3) (f64.mul (f64.load (i32.add (local.get $pa) (i32.mul (local.get $ars) (i32.const 3)))) (local.get $bs))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bqs)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $next)))
    (f64.store (local.get $c) (local.get $s0))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (f64.store (local.get $c) (local.get $s1))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (f64.store (local.get $c) (local.get $s2))
    (local.set $c (i32.add (local.get $c) (local.get $crs)))
    (f64.store (local.get $c) (local.get $s3)))

  ;; x (rows×cols) += bias on every row, two columns at a time; the same bits as one at a time.
  (func (export "add_row_vector") (param $x i32) (param $bias i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $px i32)
    (local.set $px (local.get $x))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $cols)))
        (v128.store (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3)))
          (f64x2.add (v128.load (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3))))
                     (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $j) (local.get $cols))
        (then (f64.store (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3))))
                   (f64.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 3))))))))
      (local.set $px (i32.add (local.get $px) (i32.shl (local.get $cols) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))

  ;; out (cols) = the sums of the columns of x (rows×cols), adding the rows in order.
  (func (export "column_sums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $px i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $px (local.get $x))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $cols)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
          (f64x2.add (v128.load (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
                     (v128.load (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $j) (local.get $cols))
        (then (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
          (f64.add (f64.load (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
                   (f64.load (i32.add (local.get $px) (i32.shl (local.get $j) (i32.const 3))))))))
      (local.set $px (i32.add (local.get $px) (i32.shl (local.get $cols) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))

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

  ;; y (n) += alpha · x (n). SGD's update w −= lr·g is this with alpha = −lr: (−lr·g) + w is
  ;; bitwise w − lr·g, as negation and the order of an addition's terms change no rounding.
  (func (export "add_scaled") (param $y i32) (param $x i32) (param $alpha f64) (param $n i32)
    (local $av v128) (local $end i32) (local $fma_t v128)
    (local.set $av (f64x2.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (local.get $av) (v128.load (local.get $x)) (v128.load (local.get $y)) f64x2.relaxed_madd (local.set $fma_t)
      (v128.store (local.get $y) (local.get $fma_t))
      (local.get $av) (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y)) f64x2.relaxed_madd (local.set $fma_t)
      (v128.store offset=16 (local.get $y) (local.get $fma_t))
      (local.set $x (i32.add (local.get $x) (i32.const 32)))
      (local.set $y (i32.add (local.get $y) (i32.const 32)))
      (br $next)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (f64.store (local.get $y) (f64.add (f64.mul (local.get $alpha) (f64.load (local.get $x))) (f64.load (local.get $y))))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (br $next))))

  ;; y (n) = x where x > 0, else +0: the bits of x kept under an all-ones mask where x > 0.
  (func (export "relu_forward") (param $x i32) (param $y i32) (param $n i32)
    (call $keepWherePositive (local.get $x) (local.get $x) (local.get $y) (local.get $n)))

  ;; dx (n) = dy where y > 0, else +0 (y is the forward output: y > 0 exactly where x > 0).
  (func (export "relu_backward") (param $y i32) (param $dy i32) (param $dx i32) (param $n i32)
    (call $keepWherePositive (local.get $y) (local.get $dy) (local.get $dx) (local.get $n)))

  ;; out[i] = v[i] if test[i] > 0, else +0.
  (func $keepWherePositive (param $test i32) (param $v i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      (v128.store (local.get $out)
        (v128.and (v128.load (local.get $v)) (f64x2.gt (v128.load (local.get $test)) (v128.const f64x2 0 0))))
      (local.set $test (i32.add (local.get $test) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $out)
        (select (f64.load (local.get $v)) (f64.const 0) (f64.gt (f64.load (local.get $test)) (f64.const 0)))))))

  ;; out (rows×cols): row r is the row indices[r] (i32) of the byte matrix src (cols bytes to a
  ;; row), each byte b replaced by the double table[b]. Sixteen bytes at a time: when all are
  ;; zero (most of an MNIST image), sixteen copies of table[0] are written as vectors; otherwise
  ;; each byte is looked up.
  (func (export "gather_rows")
    (param $src i32) (param $indices i32) (param $rows i32) (param $cols i32) (param $table i32) (param $out i32)
    (local $r i32) (local $ps i32) (local $end i32) (local $stop i32) (local $po i32) (local $zero v128)
    (local.set $zero (v128.load64_splat (local.get $table)))
    (local.set $po (local.get $out))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $ps (i32.add (local.get $src)
        (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $r) (i32.const 2)))) (local.get $cols))))
      (local.set $end (i32.add (local.get $ps) (local.get $cols)))
      (local.set $stop (i32.sub (local.get $end) (i32.and (local.get $cols) (i32.const 15))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $ps) (local.get $stop)))
        (if (v128.any_true (v128.load (local.get $ps)))
          (then
              (f64.store offset=0 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=0 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=8 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=1 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=16 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=2 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=24 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=3 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=32 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=4 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=40 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=5 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=48 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=6 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=56 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=7 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=64 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=8 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=72 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=9 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=80 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=10 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=88 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=11 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=96 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=12 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=104 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=13 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=112 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=14 (local.get $ps)) (i32.const 3)))))
              (f64.store offset=120 (local.get $po)
                (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u offset=15 (local.get $ps)) (i32.const 3))))))
          (else
              (v128.store offset=0 (local.get $po) (local.get $zero))
              (v128.store offset=16 (local.get $po) (local.get $zero))
              (v128.store offset=32 (local.get $po) (local.get $zero))
              (v128.store offset=48 (local.get $po) (local.get $zero))
              (v128.store offset=64 (local.get $po) (local.get $zero))
              (v128.store offset=80 (local.get $po) (local.get $zero))
              (v128.store offset=96 (local.get $po) (local.get $zero))
              (v128.store offset=112 (local.get $po) (local.get $zero))))
        (local.set $ps (i32.add (local.get $ps) (i32.const 16)))
        (local.set $po (i32.add (local.get $po) (i32.const 128)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $ps) (local.get $end)))
        (f64.store (local.get $po)
          (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u (local.get $ps)) (i32.const 3)))))
        (local.set $ps (i32.add (local.get $ps) (i32.const 1)))
        (local.set $po (i32.add (local.get $po) (i32.const 8)))
        (br $next)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR))))
)
