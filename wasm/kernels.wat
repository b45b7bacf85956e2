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

  ;; Dense product, rows r0..r1 of C. Rows go four at a time (each load of B serves four rows).
  ;; `list` is scratch of nq·12 bytes that only this call uses.
  (func (export "gemm")
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r0 i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $list i32)
    (local $r i32) (local $indices i32)
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
    ;; The rows that remain, one at a time: the row of A is copied into a list
    ;; (values, and their indices q) and multiplied as a list product.
    (local.set $indices (i32.add (local.get $list) (i32.shl (local.get $nq) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (call $copyRow (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ars))) (local.get $aqs)
        (local.get $nq) (local.get $list) (local.get $indices))
      (call $listProduct (local.get $list) (local.get $indices) (local.get $nq) (local.get $b) (local.get $bqs)
        (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs))) (local.get $n))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; values[q] = A(q) = the double at a + q·aqs, and indices[q] = q, for q < nq.
  (func $copyRow (param $a i32) (param $aqs i32) (param $nq i32) (param $values i32) (param $indices i32)
    (local $q i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $q) (local.get $nq)))
      (f64.store (i32.add (local.get $values) (i32.shl (local.get $q) (i32.const 3))) (f64.load (local.get $a)))
      (i32.store (i32.add (local.get $indices) (i32.shl (local.get $q) (i32.const 2))) (local.get $q))
      (local.set $a (i32.add (local.get $a) (local.get $aqs)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $next))))

  ;; Product of a sparse matrix A (compressed rows: row r's entries are positions
  ;; rowStart[r] .. rowStart[r+1]−1 of column[] and value[], i32 and f64) and B (rows of bqs
  ;; bytes): rows r0..r1 of C = A·B, n columns, rows of crs bytes. Each row is a list product
  ;; over the row's nonzero entries, in increasing column order: the same sum as the dense
  ;; product's, without its zero terms.
  (func (export "sparse_matmul")
    (param $rowStart i32) (param $column i32) (param $value i32) (param $r0 i32) (param $r1 i32)
    (param $b i32) (param $bqs i32) (param $c i32) (param $crs i32) (param $n i32)
    (local $r i32) (local $first i32) (local $ps i32)
    (local.set $r (local.get $r0))
    (local.set $ps (i32.add (local.get $rowStart) (i32.shl (local.get $r0) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $first (i32.load (local.get $ps)))
      (call $listProduct
        (i32.add (local.get $value) (i32.shl (local.get $first) (i32.const 3)))
        (i32.add (local.get $column) (i32.shl (local.get $first) (i32.const 2)))
        (i32.sub (i32.load offset=4 (local.get $ps)) (local.get $first))
        (local.get $b) (local.get $bqs)
        (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs))) (local.get $n))
      (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; The transpose of a sparse matrix (rows×cols, compressed rows) as compressed rows of its
  ;; own (cols×rows): row p of the result lists the entries of column p, in increasing row
  ;; order, so that Aᵀ·B is a sparse_matmul whose sums run over the rows of A in order, like
  ;; the dense product's. A counting sort: count each column's entries, turn the counts into
  ;; starts, then deal every entry to its column's next free place.
  ;; tStart has cols+1 entries; tColumn and tValue room for every entry.
  (func (export "sparse_transpose")
    (param $rowStart i32) (param $column i32) (param $value i32) (param $rows i32) (param $cols i32)
    (param $tStart i32) (param $tColumn i32) (param $tValue i32)
    (local $t i32) (local $end i32) (local $r i32) (local $p i32) (local $sum i32) (local $count i32) (local $slot i32)
    (memory.fill (local.get $tStart) (i32.const 0) (i32.shl (i32.add (local.get $cols) (i32.const 1)) (i32.const 2)))
    (local.set $end (i32.load (i32.add (local.get $rowStart) (i32.shl (local.get $rows) (i32.const 2)))))
    ;; tStart[p + 1] = how many entries column p has.
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $slot (i32.add (local.get $tStart)
        (i32.shl (i32.load (i32.add (local.get $column) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 2))))
      (i32.store offset=4 (local.get $slot) (i32.add (i32.load offset=4 (local.get $slot)) (i32.const 1)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $next)))
    ;; tStart[p + 1] = where column p starts (the sum of the counts before it).
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $cols)))
      (local.set $slot (i32.add (local.get $tStart) (i32.shl (local.get $p) (i32.const 2))))
      (local.set $count (i32.load offset=4 (local.get $slot)))
      (i32.store offset=4 (local.get $slot) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (local.get $count)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
    ;; Deal the entries, row by row; tStart[p + 1] advances to the end of column p.
    (local.set $t (i32.const 0))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $end (i32.load (i32.add (local.get $rowStart) (i32.shl (i32.add (local.get $r) (i32.const 1)) (i32.const 2)))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $slot (i32.add (local.get $tStart)
          (i32.shl (i32.load (i32.add (local.get $column) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 2))))
        (local.set $p (i32.load offset=4 (local.get $slot)))
        (i32.store (i32.add (local.get $tColumn) (i32.shl (local.get $p) (i32.const 2))) (local.get $r))
        (f64.store (i32.add (local.get $tValue) (i32.shl (local.get $p) (i32.const 3)))
          (f64.load (i32.add (local.get $value) (i32.shl (local.get $t) (i32.const 3)))))
        (i32.store offset=4 (local.get $slot) (i32.add (local.get $p) (i32.const 1)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR))))

  ;; The largest of count i32s at p, read as unsigned (so a negative one is larger than any
  ;; other): the host checks sparse indices with it before a kernel follows them.
  (func (export "max_unsigned") (param $p i32) (param $count i32) (result i32)
    (local $end i32) (local $m v128) (local $max i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m (i32x4.max_u (local.get $m) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (local.set $max (select
      (i32x4.extract_lane 0 (local.get $m)) (i32x4.extract_lane 1 (local.get $m))
      (i32.gt_u (i32x4.extract_lane 0 (local.get $m)) (i32x4.extract_lane 1 (local.get $m)))))
    (local.set $max (select (local.get $max) (i32x4.extract_lane 2 (local.get $m))
      (i32.gt_u (local.get $max) (i32x4.extract_lane 2 (local.get $m)))))
    (local.set $max (select (local.get $max) (i32x4.extract_lane 3 (local.get $m))
      (i32.gt_u (local.get $max) (i32x4.extract_lane 3 (local.get $m)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $max (select (local.get $max) (i32.load (local.get $p))
        (i32.gt_u (local.get $max) (i32.load (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $next)))
    (local.get $max))

  ;; One row of C (n columns) = Σ_t values[t] · (row indices[t] of B, at b + indices[t]·bqs).
  ;; Sixteen columns at a time (eight accumulators in flight), then four at a time; a last
  ;; partial block is done as the full block that ends at column n, recomputing a few columns
  ;; (to the same bits) rather than running a slow scalar loop.
  (func $listProduct
    (param $values i32) (param $indices i32) (param $count i32) (param $b i32) (param $bqs i32) (param $c i32) (param $n i32)
    (local $end i32) (local $j i32)
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
      (call $list16 (local.get $values) (local.get $end) (local.get $indices) (local.get $bqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (call $list4 (local.get $values) (local.get $end) (local.get $indices) (local.get $bqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (if (i32.ge_u (local.get $j) (local.get $n)) (then (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (local.set $j (i32.sub (local.get $n) (i32.const 4)))
        (call $list4 (local.get $values) (local.get $end) (local.get $indices) (local.get $bqs)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
          (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
        (return)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (call $list1 (local.get $values) (local.get $end) (local.get $indices) (local.get $bqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; Sixteen columns of a list product; b and c point at the first column.
  (func $list16 (param $pl i32) (param $end i32) (param $pi i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $av v128) (local $pb i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $av (v128.load64_splat (local.get $pl)))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.load (local.get $pi)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
      (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
      (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
      (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
      (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
      (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $pi (i32.add (local.get $pi) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1))
    (v128.store offset=32 (local.get $c) (local.get $c2))
    (v128.store offset=48 (local.get $c) (local.get $c3))
    (v128.store offset=64 (local.get $c) (local.get $c4))
    (v128.store offset=80 (local.get $c) (local.get $c5))
    (v128.store offset=96 (local.get $c) (local.get $c6))
    (v128.store offset=112 (local.get $c) (local.get $c7)))

  (func $list4 (param $pl i32) (param $end i32) (param $pi i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $av v128) (local $pb i32) (local $c0 v128) (local $c1 v128) (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $av (v128.load64_splat (local.get $pl)))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.load (local.get $pi)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $pi (i32.add (local.get $pi) (i32.const 4)))
      (br $next)))
    (v128.store (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1)))

  (func $list1 (param $pl i32) (param $end i32) (param $pi i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $s f64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pl) (local.get $end)))
      (local.set $s (f64.add (local.get $s)
        (f64.mul (f64.load (local.get $pl)) (f64.load (i32.add (local.get $b) (i32.mul (i32.load (local.get $pi)) (local.get $bqs)))))))
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $pi (i32.add (local.get $pi) (i32.const 4)))
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

  ;; gather_rows into compressed rows (see sparse_matmul): only the nonzero bytes are listed
  ;; (table[0] is 0), each as its column and table[b]. Sixteen bytes at a time become a bit
  ;; mask of the nonzero ones, and only those are visited.
  (func (export "gather_sparse_rows")
    (param $src i32) (param $indices i32) (param $rows i32) (param $cols i32) (param $table i32)
    (param $rowStart i32) (param $column i32) (param $value i32)
    (local $r i32) (local $row i32) (local $j i32) (local $stop i32) (local $mask i32) (local $q i32)
    (local $pc i32) (local $pv i32) (local $byte i32)
    (local.set $pc (local.get $column))
    (local.set $pv (local.get $value))
    (local.set $stop (i32.and (local.get $cols) (i32.const -16)))
    (i32.store (local.get $rowStart) (i32.const 0))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.add (local.get $src)
        (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $r) (i32.const 2)))) (local.get $cols))))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $stop)))
        (local.set $mask (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $row) (local.get $j))) (v128.const i32x4 0 0 0 0))))
        (block $doneBits (loop $nextBit
          (br_if $doneBits (i32.eqz (local.get $mask)))
          (local.set $q (i32.add (local.get $j) (i32.ctz (local.get $mask))))
          (i32.store (local.get $pc) (local.get $q))
          (f64.store (local.get $pv)
            (f64.load (i32.add (local.get $table) (i32.shl (i32.load8_u (i32.add (local.get $row) (local.get $q))) (i32.const 3)))))
          (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
          (local.set $pv (i32.add (local.get $pv) (i32.const 8)))
          (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
          (br $nextBit)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $byte (i32.load8_u (i32.add (local.get $row) (local.get $j))))
        (if (local.get $byte)
          (then
            (i32.store (local.get $pc) (local.get $j))
            (f64.store (local.get $pv) (f64.load (i32.add (local.get $table) (i32.shl (local.get $byte) (i32.const 3)))))
            (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
            (local.set $pv (i32.add (local.get $pv) (i32.const 8)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (i32.store (i32.add (local.get $rowStart) (i32.shl (local.get $r) (i32.const 2)))
        (i32.shr_u (i32.sub (local.get $pc) (local.get $column)) (i32.const 2)))
      (br $nextR))))
)
