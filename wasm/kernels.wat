;; The matrix products of nnt in WebAssembly SIMD (f64x2: two doubles per vector).
;;
;; One general product serves matmul, matmulTransA and matmulTransB (after a transpose):
;;
;;   C[r][j] = Σ_q A(r,q) · B[q][j]      r in [r0, r1), j in [0, n), q in [0, nq)
;;
;; A is read through two strides (bytes between rows r and between columns q), so A and Aᵀ
;; are the same code; rows of B and C are contiguous. Every sum runs over q in increasing
;; order, starting from 0, whatever the blocking: a result does not depend on which rows a
;; thread was given, or on the block an element fell in. With plain mul+add (the "simd"
;; build) the sums are bitwise those of the TypeScript reference; with fused multiply-add
;; (the "relaxed-simd" build) they differ from it by rounding only.
;;
;; A sparse A (MNIST batches: the nonzero pixels only, src/core/sparse.ts) has a product of
;; its own, sparse_matmul, a list product, for A·B and Aᵀ·B: it leaves out A's zeros, which
;; add nothing to a sum that starts at +0, and keeps the order of the rest. Then the gather
;; that lists a batch's nonzero bytes (list_bytes, gather_lists).
;;
;; Every product is written `a b acc f64x2.relaxed_madd`, on the value stack: the build
;; script (scripts/build-wasm.js) makes the plain-SIMD module by replacing that one
;; instruction with `local.set $fma_t f64x2.mul local.get $fma_t f64x2.add`, which is why
;; each function that multiplies declares a spare local $fma_t.
;;
;; All addresses are byte offsets into the shared memory the host gives us.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Dense product, rows r0..r1 of C:
  ;;
  ;;   C[r][j] = Σ_q A(r,q) · B[q][j]      r in [r0, r1), j in [0, n), q in [0, nq)
  ;;
  ;; B(q,j) is at b + q·bqs + j·bjs: B, or Bᵀ of a row-major matrix for A·Bᵀ. A small or
  ;; narrow product goes straight through ($gemmDirect, B read in place; see $direct). Any
  ;; other is cut in blocks of at most $KC values of q and $NC columns: each block of B is
  ;; packed into scratch as panels of $NR columns ([q][NR], contiguous), which stay in the
  ;; second-level cache while every four rows of A, packed in turn ([q][4]), run over them in
  ;; 4×4 tiles ($block4x4). A tile's sums resume from what C holds after the first K-block,
  ;; so each is still one sum over q in increasing order from +0: the blocks change no bits,
  ;; and neither does the thread a row was given to. Tiles at the edges (fewer than four
  ;; rows or NR columns) go through a tile of scratch.
  ;; `scratch` is gemm_scratch(nq, n) bytes that only this call uses.
  (func (export "gemm")
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32) (param $bjs i32)
    (param $c i32) (param $crs i32) (param $r0 i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $scratch i32)
    (local $q0 i32) (local $kc i32) (local $j0 i32) (local $nc i32) (local $r i32) (local $j i32)
    (local $ap i32) (local $bp i32) (local $cp i32) (local $rows i32) (local $cols i32) (local $kb i32) (local $nb i32)
    (local $pb i32)
    (if (i32.and (i32.eq (local.get $bjs) (i32.const 8)) (call $direct (local.get $nq) (local.get $n))) (then
      (call $gemmDirect (local.get $a) (local.get $ars) (local.get $aqs) (local.get $b) (local.get $bqs)
        (local.get $c) (local.get $crs) (local.get $r0) (local.get $r1) (local.get $nq) (local.get $n) (local.get $scratch))
      (return)))
    ;; A small Bᵀ (or one with few terms, as in dY·Wᵀ of a last layer): transposed into
    ;; scratch, after what $gemmDirect uses, and multiplied in place (the same sums).
    (if (i32.and (i32.and (i32.eq (local.get $bqs) (i32.const 8)) (i32.eq (local.get $bjs) (i32.shl (local.get $nq) (i32.const 3))))
      (call $directT (local.get $nq) (local.get $n))) (then
      (local.set $bp (i32.add (local.get $scratch) (i32.shl (i32.add (local.get $nq) (local.get $n)) (i32.const 5))))
      (call $transpose (local.get $b) (local.get $bp) (local.get $n) (local.get $nq))
      (call $gemmDirect (local.get $a) (local.get $ars) (local.get $aqs) (local.get $bp) (i32.shl (local.get $n) (i32.const 3))
        (local.get $c) (local.get $crs) (local.get $r0) (local.get $r1) (local.get $nq) (local.get $n) (local.get $scratch))
      (return)))
    ;; scratch: an edge tile (4×NR), A's four rows ($KC×4), B's block ($KC × $NC rounded up to NR).
    (local.set $ap (i32.add (local.get $scratch) (i32.shl (global.get $NR) (i32.const 5))))
    (local.set $bp (i32.add (local.get $ap) (i32.shl (global.get $KC) (i32.const 5))))
    ;; Blocks of equal size (not KC, KC, …, and a sliver), each at most KC terms and NC columns.
    (local.set $kb (call $evenBlock (local.get $nq) (global.get $KC) (i32.const 1)))
    (local.set $nb (call $evenBlock (local.get $n) (global.get $NC) (global.get $NR)))
    (block $doneQ (loop $nextQ
      (br_if $doneQ (i32.ge_u (local.get $q0) (local.get $nq)))
      (local.set $kc (call $min (local.get $kb) (i32.sub (local.get $nq) (local.get $q0))))
      (local.set $j0 (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $nc (call $min (local.get $nb) (i32.sub (local.get $n) (local.get $j0))))
        (call $packB (i32.add (local.get $b) (i32.add (i32.mul (local.get $q0) (local.get $bqs)) (i32.mul (local.get $j0) (local.get $bjs))))
          (local.get $bqs) (local.get $bjs) (local.get $kc) (local.get $nc) (local.get $bp))
        (local.set $r (local.get $r0))
        (block $doneR (loop $nextR
          (br_if $doneR (i32.ge_u (local.get $r) (local.get $r1)))
          (local.set $rows (call $min (i32.const 4) (i32.sub (local.get $r1) (local.get $r))))
          ;; Four rows of A, packed ([q][4]): read in place, a transposed A's rows (every
          ;; q a cache line of its own, often in the same cache set) measured half as fast.
          (call $packA (i32.add (local.get $a) (i32.add (i32.mul (local.get $r) (local.get $ars)) (i32.mul (local.get $q0) (local.get $aqs))))
            (local.get $ars) (local.get $aqs) (local.get $rows) (local.get $kc) (local.get $ap))
          (local.set $j (i32.const 0))
          (block $doneT (loop $nextT
            (br_if $doneT (i32.ge_u (local.get $j) (local.get $nc)))
            (local.set $cols (call $min (global.get $NR) (i32.sub (local.get $nc) (local.get $j))))
            (local.set $cp (i32.add (local.get $c) (i32.add (i32.mul (local.get $r) (local.get $crs))
              (i32.shl (i32.add (local.get $j0) (local.get $j)) (i32.const 3)))))
            (local.set $pb (i32.add (local.get $bp) (i32.mul (local.get $j) (i32.shl (local.get $kc) (i32.const 3)))))
            (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (global.get $NR)))
              (then (call $block4x4 (local.get $ap) (i32.const 8) (i32.const 32) (local.get $pb) (i32.shl (global.get $NR) (i32.const 3))
                (local.get $cp) (local.get $crs) (local.get $kc) (local.get $q0)))
              (else (call $edgeTile (local.get $ap) (local.get $pb) (local.get $kc)
                (local.get $cp) (local.get $crs) (local.get $q0) (local.get $rows) (local.get $cols) (local.get $scratch))))
            (local.set $j (i32.add (local.get $j) (global.get $NR)))
            (br $nextT)))
          (local.set $r (i32.add (local.get $r) (i32.const 4)))
          (br $nextR)))
        (local.set $j0 (i32.add (local.get $j0) (local.get $nb)))
        (br $nextJ)))
      (local.set $q0 (i32.add (local.get $q0) (local.get $kb)))
      (br $nextQ))))

  ;; The bytes of scratch that a gemm call over nq terms into n columns needs: the direct
  ;; product's (with a transposed B), or the blocked one's, whichever is larger.
  (func (export "gemm_scratch") (param $nq i32) (param $n i32) (result i32)
    (call $max
      (i32.add (i32.shl (i32.add (local.get $nq) (local.get $n)) (i32.const 5))
        (select (i32.shl (i32.mul (local.get $nq) (local.get $n)) (i32.const 3)) (i32.const 0) (call $directT (local.get $nq) (local.get $n))))
      (i32.add (i32.shl (i32.add (global.get $NR) (global.get $KC)) (i32.const 5))
        (i32.shl (i32.mul (global.get $KC) (i32.and (i32.add (global.get $NC) (i32.sub (global.get $NR) (i32.const 1))) (i32.sub (i32.const 0) (global.get $NR))))
          (i32.const 3)))))

  ;; Whether B (nq×n, rows contiguous) is read in place rather than packed: when it is small
  ;; (nq·n ≤ DIRECT: it stays in the second-level cache, and packing costs more than it
  ;; saves) or narrow (n ≤ NARROW: too few tiles would use each packed block of A). Bᵀ is
  ;; transposed whole then, or with few terms (dY·Wᵀ of a last layer).
  (func $direct (param $nq i32) (param $n i32) (result i32)
    (i32.or (i32.le_u (local.get $n) (global.get $NARROW)) (i32.le_u (i32.mul (local.get $nq) (local.get $n)) (global.get $DIRECT))))
  (func $directT (param $nq i32) (param $n i32) (result i32)
    (i32.or (i32.le_u (local.get $nq) (global.get $NARROW)) (call $direct (local.get $nq) (local.get $n))))

  ;; Tuning of gemm: terms per K-block, columns per N-block, columns per tile, and the size
  ;; (nq·n) up to which B is read in place. A packed block of B is KC·NC·8 bytes (512 KB):
  ;; half the second-level cache of the machine this was measured on (AMD EPYC, 48 KB L1d,
  ;; 1 MB L2). Tiles of 4×8 (sixteen vector sums) measured slower than 4×4: V8 keeps only
  ;; fifteen vectors in registers on x64, and the rest spill; 6×4 (twelve) no faster. NR = 4
  ;; is also written into $packB's vector copies and $block4x4.
  (global $KC i32 (i32.const 256))
  (global $NC i32 (i32.const 256))
  (global $NR i32 (i32.const 4))
  (global $DIRECT i32 (i32.const 40000))
  (global $NARROW i32 (i32.const 16))

  (func $min (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.lt_u (local.get $x) (local.get $y))))
  ;; The size of each of the fewest equal blocks, at most `most` and a multiple of `unit`, that cover `size`.
  (func $evenBlock (param $size i32) (param $most i32) (param $unit i32) (result i32)
    (local $blocks i32)
    (local.set $blocks (i32.div_u (i32.add (local.get $size) (i32.sub (local.get $most) (i32.const 1))) (local.get $most)))
    (local.set $size (i32.div_u (i32.add (local.get $size) (i32.sub (local.get $blocks) (i32.const 1))) (local.get $blocks)))
    (i32.mul (local.get $unit) (i32.div_u (i32.add (local.get $size) (i32.sub (local.get $unit) (i32.const 1))) (local.get $unit))))
  (func $max (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.gt_u (local.get $x) (local.get $y))))

  ;; ap ([q][4], kc values of q) = rows of A from pa (the first `rows` of them; the others zeros).
  (func $packA (param $pa i32) (param $ars i32) (param $aqs i32) (param $rows i32) (param $kc i32) (param $ap i32)
    (local $i i32) (local $p i32) (local $d i32) (local $end i32)
    (local.set $end (i32.add (local.get $ap) (i32.shl (local.get $kc) (i32.const 5))))
    (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $ars) (i32.const 8)))
      (then
        ;; Aᵀ of a row-major matrix: the four rows are next to each other at every q.
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $ap) (local.get $end)))
          (v128.store (local.get $ap) (v128.load (local.get $pa)))
          (v128.store offset=16 (local.get $ap) (v128.load offset=16 (local.get $pa)))
          (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
          (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
          (br $next)))
        (return)))
    (if (i32.lt_u (local.get $rows) (i32.const 4))
      (then (memory.fill (local.get $ap) (i32.const 0) (i32.shl (local.get $kc) (i32.const 5)))))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $p (i32.add (local.get $pa) (i32.mul (local.get $i) (local.get $ars))))
      (local.set $d (i32.add (local.get $ap) (i32.shl (local.get $i) (i32.const 3))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
        (f64.store (local.get $d) (f64.load (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $aqs)))
        (local.set $d (i32.add (local.get $d) (i32.const 32)))
        (br $next)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))

  ;; bp = kc rows × nc columns of B from pb (bqs bytes between rows, bjs between columns), as
  ;; panels of NR columns ([q][NR] each, one after another); the last panel's missing columns
  ;; are zeros.
  (func $packB (param $pb i32) (param $bqs i32) (param $bjs i32) (param $kc i32) (param $nc i32) (param $bp i32)
    (local $j i32) (local $cols i32) (local $p i32) (local $d i32) (local $end i32) (local $jj i32)
    (block $doneJ (loop $nextJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $nc)))
      (local.set $cols (call $min (global.get $NR) (i32.sub (local.get $nc) (local.get $j))))
      (local.set $p (i32.add (local.get $pb) (i32.mul (local.get $j) (local.get $bjs))))
      (local.set $end (i32.add (local.get $bp) (i32.mul (local.get $kc) (i32.shl (global.get $NR) (i32.const 3)))))
      (if (i32.and (i32.eq (local.get $cols) (global.get $NR)) (i32.eq (local.get $bjs) (i32.const 8)))
        (then
          ;; Rows of B are contiguous: NR columns are two vectors.
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $bp) (local.get $end)))
            (v128.store (local.get $bp) (v128.load (local.get $p)))
            (v128.store offset=16 (local.get $bp) (v128.load offset=16 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $bqs)))
            (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
            (br $next))))
        (else (if (i32.eq (local.get $cols) (global.get $NR))
        (then
          ;; Bᵀ of a row-major matrix: the four columns are four contiguous rows, read together.
          (local.set $jj (i32.mul (local.get $bjs) (i32.const 3)))
          (local.set $d (i32.shl (local.get $bjs) (i32.const 1)))
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $bp) (local.get $end)))
            (f64.store (local.get $bp) (f64.load (local.get $p)))
            (f64.store offset=8 (local.get $bp) (f64.load (i32.add (local.get $p) (local.get $bjs))))
            (f64.store offset=16 (local.get $bp) (f64.load (i32.add (local.get $p) (local.get $d))))
            (f64.store offset=24 (local.get $bp) (f64.load (i32.add (local.get $p) (local.get $jj))))
            (local.set $p (i32.add (local.get $p) (local.get $bqs)))
            (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
            (br $next))))
        (else
          ;; The last panel, column by column, the missing ones zeros.
          (if (i32.lt_u (local.get $cols) (global.get $NR))
            (then (memory.fill (local.get $bp) (i32.const 0) (i32.sub (local.get $end) (local.get $bp)))))
          (local.set $jj (i32.const 0))
          (block $doneC (loop $nextC
            (br_if $doneC (i32.ge_u (local.get $jj) (local.get $cols)))
            (local.set $d (i32.add (local.get $bp) (i32.shl (local.get $jj) (i32.const 3))))
            (local.set $p (i32.add (local.get $pb) (i32.mul (i32.add (local.get $j) (local.get $jj)) (local.get $bjs))))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
              (f64.store (local.get $d) (f64.load (local.get $p)))
              (local.set $p (i32.add (local.get $p) (local.get $bqs)))
              (local.set $d (i32.add (local.get $d) (i32.shl (global.get $NR) (i32.const 3))))
              (br $next)))
            (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
            (br $nextC)))
          (local.set $bp (local.get $end))))))
      (local.set $j (i32.add (local.get $j) (global.get $NR)))
      (br $nextJ))))

  ;; A tile at an edge of C (rows × cols, fewer than 4 × NR): through a whole tile in scratch
  ;; (tmp), whose other entries are never copied back.
  (func $edgeTile (param $ap i32) (param $pb i32) (param $kc i32)
    (param $c i32) (param $crs i32) (param $resume i32) (param $rows i32) (param $cols i32) (param $tmp i32)
    (if (local.get $resume) (then (call $copyTile (local.get $tmp) (i32.shl (global.get $NR) (i32.const 3))
      (local.get $c) (local.get $crs) (local.get $rows) (local.get $cols))))
    (call $block4x4 (local.get $ap) (i32.const 8) (i32.const 32) (local.get $pb) (i32.shl (global.get $NR) (i32.const 3))
      (local.get $tmp) (i32.shl (global.get $NR) (i32.const 3)) (local.get $kc) (local.get $resume))
    (call $copyTile (local.get $c) (local.get $crs) (local.get $tmp) (i32.shl (global.get $NR) (i32.const 3)) (local.get $rows) (local.get $cols)))

  ;; rows × cols doubles from src to dst, rows ds and ss bytes apart.
  (func $copyTile (param $dst i32) (param $ds i32) (param $src i32) (param $ss i32) (param $rows i32) (param $cols i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $rows)))
      (memory.copy (local.get $dst) (local.get $src) (i32.shl (local.get $cols) (i32.const 3)))
      (local.set $dst (i32.add (local.get $dst) (local.get $ds)))
      (local.set $src (i32.add (local.get $src) (local.get $ss)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $next))))

  ;; gemm in place, for a small B: rows go four at a time (each load of B serves four rows).
  ;; `scratch` is (nq + n)·32 bytes that only this call uses.
  (func $gemmDirect
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $r0 i32) (param $r1 i32) (param $nq i32)
    (param $n i32) (param $scratch i32)
    (local $r i32) (local $left i32) (local $i i32) (local $q i32) (local $pa i32) (local $ps i32) (local $cs i32)
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
    ;; The one to three rows that remain are copied into four rows of scratch (the others
    ;; zeros), multiplied as four rows, and copied out: each row's sums are the same bits.
    (local.set $left (i32.sub (local.get $r1) (local.get $r)))
    (if (i32.le_s (local.get $left) (i32.const 0)) (then (return)))
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $nq) (i32.const 5)))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $left)))
      (local.set $pa (i32.add (local.get $a) (i32.mul (i32.add (local.get $r) (local.get $i)) (local.get $ars))))
      (local.set $ps (i32.add (local.get $scratch) (i32.shl (i32.mul (local.get $i) (local.get $nq)) (i32.const 3))))
      (local.set $q (i32.const 0))
      (block $doneQ (loop $nextQ
        (br_if $doneQ (i32.ge_u (local.get $q) (local.get $nq)))
        (f64.store (i32.add (local.get $ps) (i32.shl (local.get $q) (i32.const 3))) (f64.load (local.get $pa)))
        (local.set $pa (i32.add (local.get $pa) (local.get $aqs)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $nextQ)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $cs (i32.add (local.get $scratch) (i32.shl (local.get $nq) (i32.const 5))))
    (call $rows4 (local.get $scratch) (i32.shl (local.get $nq) (i32.const 3)) (i32.const 8) (local.get $b) (local.get $bqs)
      (local.get $cs) (i32.shl (local.get $n) (i32.const 3)) (local.get $nq) (local.get $n))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $left)))
      (memory.copy (i32.add (local.get $c) (i32.mul (i32.add (local.get $r) (local.get $i)) (local.get $crs)))
        (i32.add (local.get $cs) (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 3)))
        (i32.shl (local.get $n) (i32.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; Rows k0..k1 of C = list products: row k of C is Σ value · (row `index` of B) over the
  ;; entries of list k, positions start[k] .. start[k+1]−1 of entry[] (i32: index·256 + code,
  ;; value = table[code]), in increasing index order. For a sparse A kept by rows (the lists
  ;; its rows, the indices its columns) that is C = A·B; kept by columns, C = Aᵀ·B. A list
  ;; with no entries (a third of the pixels of an MNIST batch) is a row of zeros, written once.
  ;; Then C goes in blocks of columns ($blockWidth), list by list: a list's sums in a block
  ;; stay in registers over all its entries ($list24 …), one load of B and one multiply-add
  ;; per two columns and entry, and each sum runs over the list in order from +0, whichever
  ;; block its column falls in. Tried and dropped (measured slower): rows of B in tiles of 256
  ;; for the first-level cache (a bound check per entry); two entries per loop turn (the sums
  ;; spilled); the loop over the lists inside $list24 (a spilled stride).
  (func (export "sparse_matmul")
    (param $start i32) (param $entry i32) (param $table i32) (param $k0 i32) (param $k1 i32)
    (param $b i32) (param $bqs i32) (param $c i32) (param $crs i32) (param $n i32)
    (local $j i32) (local $w i32) (local $r i32) (local $lo i32) (local $hi i32) (local $bj i32) (local $cj i32)
    (local.set $r (local.get $k0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $k1)))
      (if (i32.eq (i32.load (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2))))
                  (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))))
        (then (memory.fill (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $crs))) (i32.const 0) (i32.shl (local.get $n) (i32.const 3)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next)))
    (block $doneBlocks (loop $nextBlock
      (br_if $doneBlocks (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $w (call $blockWidth (i32.sub (local.get $n) (local.get $j))))
      ;; The last one to three columns, when there are four or more: the four-column block
      ;; that ends at column n (the columns it shares with the block before come out the same).
      (if (i32.and (i32.lt_u (local.get $w) (i32.const 4)) (i32.ge_u (local.get $n) (i32.const 4)))
        (then
          (local.set $j (i32.sub (local.get $n) (i32.const 4)))
          (local.set $w (i32.const 4))))
      (local.set $bj (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $cj (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $r (local.get $k0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $k1)))
        (local.set $lo (i32.load (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $hi (i32.load offset=4 (i32.add (local.get $start) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.ne (local.get $lo) (local.get $hi))
          (then (call $listBlock (local.get $w)
            (i32.add (local.get $entry) (i32.shl (local.get $lo) (i32.const 2))) (i32.add (local.get $entry) (i32.shl (local.get $hi) (i32.const 2)))
            (local.get $table) (local.get $bqs) (local.get $bj) (i32.add (local.get $cj) (i32.mul (local.get $r) (local.get $crs))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next)))
      (local.set $j (i32.add (local.get $j) (local.get $w)))
      (br $nextBlock))))

  ;; The columns of sparse_matmul's next block, r of them left: 24 (twelve vector sums; with
  ;; the multiplier and a vector of B, fifteen registers, all V8 has on x64: more would
  ;; spill), or 26 where two columns would be left over (50 = 26 + 24), 16 where eight would
  ;; (200 = 16 + 7·24 + 16); then 16, 4, and one at a time.
  (func $blockWidth (param $r i32) (result i32)
    (local $m i32)
    (local.set $m (i32.rem_u (local.get $r) (i32.const 24)))
    (if (i32.eq (local.get $r) (i32.const 26)) (then (return (i32.const 26))))
    (if (i32.and (i32.ge_u (local.get $r) (i32.const 26)) (i32.eq (local.get $m) (i32.const 2))) (then (return (i32.const 26))))
    (if (i32.and (i32.ge_u (local.get $r) (i32.const 52)) (i32.eq (local.get $m) (i32.const 4))) (then (return (i32.const 26))))
    (if (i32.and (i32.ge_u (local.get $r) (i32.const 32)) (i32.eq (local.get $m) (i32.const 8))) (then (return (i32.const 16))))
    (if (i32.ge_u (local.get $r) (i32.const 24)) (then (return (i32.const 24))))
    (if (i32.ge_u (local.get $r) (i32.const 16)) (then (return (i32.const 16))))
    (if (i32.ge_u (local.get $r) (i32.const 4)) (then (return (i32.const 4))))
    (i32.const 1))

  ;; One list (entries pe..end) into one block of sparse_matmul, w columns wide (b and c
  ;; point at its first column).
  (func $listBlock (param $w i32) (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (if (i32.eq (local.get $w) (i32.const 24))
      (then (return (call $list24 (local.get $pe) (local.get $end) (local.get $table) (local.get $bqs) (local.get $b) (local.get $c)))))
    (if (i32.eq (local.get $w) (i32.const 26))
      (then (return (call $list26 (local.get $pe) (local.get $end) (local.get $table) (local.get $bqs) (local.get $b) (local.get $c)))))
    (if (i32.eq (local.get $w) (i32.const 16))
      (then (return (call $list16 (local.get $pe) (local.get $end) (local.get $table) (local.get $bqs) (local.get $b) (local.get $c)))))
    (if (i32.eq (local.get $w) (i32.const 4))
      (then (return (call $list4 (local.get $pe) (local.get $end) (local.get $table) (local.get $bqs) (local.get $b) (local.get $c)))))
    (call $list1 (local.get $pe) (local.get $end) (local.get $table) (local.get $bqs) (local.get $b) (local.get $c)))

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

  ;; Twenty-four columns of a list product (sparse_matmul): C's row at c (its first column
  ;; of the block) = Σ table[code] · (B's row `index` at b) over the entries pe..end (i32:
  ;; index·256 + code, the index's row bqs bytes apart), from +0, in order; the twelve vector
  ;; sums stay in registers over all the entries.
  (func $list24 (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $e i32) (local $pb i32) (local $av v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128) (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pe) (local.get $end)))
      (local.set $e (i32.load (local.get $pe)))
      (local.set $av (v128.load64_splat
        (i32.add (local.get $table) (i32.shl (i32.and (local.get $e) (i32.const 255)) (i32.const 3)))))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $e) (i32.const 8)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
      (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
      (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
      (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
      (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
      (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
      (local.get $av) (v128.load offset=128 (local.get $pb)) (local.get $c8) f64x2.relaxed_madd (local.set $c8)
      (local.get $av) (v128.load offset=144 (local.get $pb)) (local.get $c9) f64x2.relaxed_madd (local.set $c9)
      (local.get $av) (v128.load offset=160 (local.get $pb)) (local.get $c10) f64x2.relaxed_madd (local.set $c10)
      (local.get $av) (v128.load offset=176 (local.get $pb)) (local.get $c11) f64x2.relaxed_madd (local.set $c11)
      (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1))
    (v128.store offset=32 (local.get $c) (local.get $c2))
    (v128.store offset=48 (local.get $c) (local.get $c3))
    (v128.store offset=64 (local.get $c) (local.get $c4))
    (v128.store offset=80 (local.get $c) (local.get $c5))
    (v128.store offset=96 (local.get $c) (local.get $c6))
    (v128.store offset=112 (local.get $c) (local.get $c7))
    (v128.store offset=128 (local.get $c) (local.get $c8))
    (v128.store offset=144 (local.get $c) (local.get $c9))
    (v128.store offset=160 (local.get $c) (local.get $c10))
    (v128.store offset=176 (local.get $c) (local.get $c11)))

  ;; $list24 for 26 columns (thirteen sums: the last register).
  (func $list26 (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $e i32) (local $pb i32) (local $av v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128) (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pe) (local.get $end)))
      (local.set $e (i32.load (local.get $pe)))
      (local.set $av (v128.load64_splat
        (i32.add (local.get $table) (i32.shl (i32.and (local.get $e) (i32.const 255)) (i32.const 3)))))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $e) (i32.const 8)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
      (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
      (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
      (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
      (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
      (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
      (local.get $av) (v128.load offset=128 (local.get $pb)) (local.get $c8) f64x2.relaxed_madd (local.set $c8)
      (local.get $av) (v128.load offset=144 (local.get $pb)) (local.get $c9) f64x2.relaxed_madd (local.set $c9)
      (local.get $av) (v128.load offset=160 (local.get $pb)) (local.get $c10) f64x2.relaxed_madd (local.set $c10)
      (local.get $av) (v128.load offset=176 (local.get $pb)) (local.get $c11) f64x2.relaxed_madd (local.set $c11)
      (local.get $av) (v128.load offset=192 (local.get $pb)) (local.get $c12) f64x2.relaxed_madd (local.set $c12)
      (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1))
    (v128.store offset=32 (local.get $c) (local.get $c2))
    (v128.store offset=48 (local.get $c) (local.get $c3))
    (v128.store offset=64 (local.get $c) (local.get $c4))
    (v128.store offset=80 (local.get $c) (local.get $c5))
    (v128.store offset=96 (local.get $c) (local.get $c6))
    (v128.store offset=112 (local.get $c) (local.get $c7))
    (v128.store offset=128 (local.get $c) (local.get $c8))
    (v128.store offset=144 (local.get $c) (local.get $c9))
    (v128.store offset=160 (local.get $c) (local.get $c10))
    (v128.store offset=176 (local.get $c) (local.get $c11))
    (v128.store offset=192 (local.get $c) (local.get $c12)))

  ;; $list24 for sixteen columns.
  (func $list16 (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $e i32) (local $pb i32) (local $av v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pe) (local.get $end)))
      (local.set $e (i32.load (local.get $pe)))
      (local.set $av (v128.load64_splat
        (i32.add (local.get $table) (i32.shl (i32.and (local.get $e) (i32.const 255)) (i32.const 3)))))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $e) (i32.const 8)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.get $av) (v128.load offset=32 (local.get $pb)) (local.get $c2) f64x2.relaxed_madd (local.set $c2)
      (local.get $av) (v128.load offset=48 (local.get $pb)) (local.get $c3) f64x2.relaxed_madd (local.set $c3)
      (local.get $av) (v128.load offset=64 (local.get $pb)) (local.get $c4) f64x2.relaxed_madd (local.set $c4)
      (local.get $av) (v128.load offset=80 (local.get $pb)) (local.get $c5) f64x2.relaxed_madd (local.set $c5)
      (local.get $av) (v128.load offset=96 (local.get $pb)) (local.get $c6) f64x2.relaxed_madd (local.set $c6)
      (local.get $av) (v128.load offset=112 (local.get $pb)) (local.get $c7) f64x2.relaxed_madd (local.set $c7)
      (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1))
    (v128.store offset=32 (local.get $c) (local.get $c2))
    (v128.store offset=48 (local.get $c) (local.get $c3))
    (v128.store offset=64 (local.get $c) (local.get $c4))
    (v128.store offset=80 (local.get $c) (local.get $c5))
    (v128.store offset=96 (local.get $c) (local.get $c6))
    (v128.store offset=112 (local.get $c) (local.get $c7)))

  ;; $list24 for four columns.
  (func $list4 (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $e i32) (local $pb i32) (local $av v128)
    (local $c0 v128) (local $c1 v128)
    (local $fma_t v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pe) (local.get $end)))
      (local.set $e (i32.load (local.get $pe)))
      (local.set $av (v128.load64_splat
        (i32.add (local.get $table) (i32.shl (i32.and (local.get $e) (i32.const 255)) (i32.const 3)))))
      (local.set $pb (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $e) (i32.const 8)) (local.get $bqs))))
      (local.get $av) (v128.load offset=0 (local.get $pb)) (local.get $c0) f64x2.relaxed_madd (local.set $c0)
      (local.get $av) (v128.load offset=16 (local.get $pb)) (local.get $c1) f64x2.relaxed_madd (local.set $c1)
      (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
      (br $next)))
    (v128.store offset=0 (local.get $c) (local.get $c0))
    (v128.store offset=16 (local.get $c) (local.get $c1)))

  ;; $list24 for one column, in scalars.
  (func $list1 (param $pe i32) (param $end i32) (param $table i32) (param $bqs i32) (param $b i32) (param $c i32)
    (local $s f64) (local $e i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $pe) (local.get $end)))
      (local.set $e (i32.load (local.get $pe)))
      (local.set $s (f64.add (local.get $s)
        (f64.mul (f64.load (i32.add (local.get $table) (i32.shl (i32.and (local.get $e) (i32.const 255)) (i32.const 3))))
          (f64.load (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $e) (i32.const 8)) (local.get $bqs)))))))
      (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
      (br $next)))
    (f64.store (local.get $c) (local.get $s)))

  ;; Four rows of C, four columns at a time: a last partial block is the full block ending
  ;; at column n (recomputing a few columns, to the same bits, rather than running a slow
  ;; scalar loop); fewer than four columns go one by one.
  (func $rows4
    (param $a i32) (param $ars i32) (param $aqs i32) (param $b i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32) (param $n i32)
    (local $j i32)
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (call $block4x4 (local.get $a) (local.get $ars) (local.get $aqs)
        (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))) (local.get $bqs)
        (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $crs) (local.get $nq) (i32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (if (i32.ge_u (local.get $j) (local.get $n)) (then (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (local.set $j (i32.sub (local.get $n) (i32.const 4)))
        (call $block4x4 (local.get $a) (local.get $ars) (local.get $aqs)
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))) (local.get $bqs)
          (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 3))) (local.get $crs) (local.get $nq) (i32.const 0))
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
  ;; The sums start from +0, or, if resume, from what C holds (gemm's K-blocks before this one).
  (func $block4x4
    (param $pa i32) (param $ars i32) (param $aqs i32) (param $pb i32) (param $bqs i32)
    (param $c i32) (param $crs i32) (param $nq i32) (param $resume i32)
    (local $q i32) (local $ars2 i32) (local $ars3 i32) (local $pc i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $fma_t v128)
    (local.set $ars2 (i32.shl (local.get $ars) (i32.const 1)))
    (local.set $ars3 (i32.add (local.get $ars2) (local.get $ars)))
    (if (local.get $resume) (then
      (local.set $pc (local.get $c))
      (local.set $c00 (v128.load (local.get $pc)))
      (local.set $c01 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (local.set $c10 (v128.load (local.get $pc)))
      (local.set $c11 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (local.set $c20 (v128.load (local.get $pc)))
      (local.set $c21 (v128.load offset=16 (local.get $pc)))
      (local.set $pc (i32.add (local.get $pc) (local.get $crs)))
      (local.set $c30 (v128.load (local.get $pc)))
      (local.set $c31 (v128.load offset=16 (local.get $pc)))))
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
  (func $transpose (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
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
  (func $addScaled (export "add_scaled") (param $y i32) (param $x i32) (param $alpha f64) (param $n i32)
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

  ;; add_scaled with alpha as the two halves of its bits: worker threads take i32 arguments only.
  (func (export "add_scaled_bits") (param $y i32) (param $x i32) (param $alphaLow i32) (param $alphaHigh i32) (param $n i32)
    (call $addScaled (local.get $y) (local.get $x)
      (f64.reinterpret_i64 (i64.or (i64.extend_i32_u (local.get $alphaLow)) (i64.shl (i64.extend_i32_u (local.get $alphaHigh)) (i64.const 32))))
      (local.get $n)))

  ;; The optimizers' updates (Kernels.updateWeights), two weights at a time: w, g and the
  ;; state s (and t) advance together; k points to the rule's coefficients (f64). Separate
  ;; multiplies and adds in both builds, in the reference's order, so every build gives its bits.
  ;; w, s (n even; the caller does an odd last one) by momentum: s ← mu·s − lr·g; w ← w + s. k: mu, lr.
  (func (export "momentum_step") (param $w i32) (param $g i32) (param $s i32) (param $k i32) (param $n i32)
    (local $mu v128) (local $lr v128) (local $end i32) (local $gv v128) (local $sv v128) (local $tv v128)
    (local.set $mu (v128.load64_splat offset=0 (local.get $k)))
    (local.set $lr (v128.load64_splat offset=8 (local.get $k)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $sv (f64x2.sub (f64x2.mul (local.get $mu) (v128.load (local.get $s))) (f64x2.mul (local.get $lr) (local.get $gv))))
      (v128.store (local.get $s) (local.get $sv))
      (v128.store (local.get $w) (f64x2.add (v128.load (local.get $w)) (local.get $sv)))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $next))))

  ;; by Nesterov: s ← mu·s − lr·g; w ← w + (mu·s − lr·g). k: mu, lr.
  (func (export "nesterov_step") (param $w i32) (param $g i32) (param $s i32) (param $k i32) (param $n i32)
    (local $mu v128) (local $lr v128) (local $end i32) (local $gv v128) (local $sv v128) (local $tv v128)
    (local.set $mu (v128.load64_splat offset=0 (local.get $k)))
    (local.set $lr (v128.load64_splat offset=8 (local.get $k)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $sv (f64x2.sub (f64x2.mul (local.get $mu) (v128.load (local.get $s))) (f64x2.mul (local.get $lr) (local.get $gv))))
      (v128.store (local.get $s) (local.get $sv))
      (v128.store (local.get $w) (f64x2.add (v128.load (local.get $w))
        (f64x2.sub (f64x2.mul (local.get $mu) (local.get $sv)) (f64x2.mul (local.get $lr) (local.get $gv)))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $next))))

  ;; by AdaGrad: s ← s + g·g; w ← w − lr·g / (√s + eps). k: lr, eps.
  (func (export "adagrad_step") (param $w i32) (param $g i32) (param $s i32) (param $k i32) (param $n i32)
    (local $lr v128) (local $eps v128) (local $end i32) (local $gv v128) (local $sv v128) (local $tv v128)
    (local.set $lr (v128.load64_splat offset=0 (local.get $k)))
    (local.set $eps (v128.load64_splat offset=8 (local.get $k)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $sv (f64x2.add (v128.load (local.get $s)) (f64x2.mul (local.get $gv) (local.get $gv))))
      (v128.store (local.get $s) (local.get $sv))
      (v128.store (local.get $w) (f64x2.sub (v128.load (local.get $w))
        (f64x2.div (f64x2.mul (local.get $lr) (local.get $gv)) (f64x2.add (f64x2.sqrt (local.get $sv)) (local.get $eps)))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $next))))

  ;; by RMSprop: s ← rho·s + (1 − rho)·g·g; w ← w − lr·g / (√s + eps). k: rho, 1 − rho, lr, eps.
  (func (export "rmsprop_step") (param $w i32) (param $g i32) (param $s i32) (param $k i32) (param $n i32)
    (local $rho v128) (local $rho1 v128) (local $lr v128) (local $eps v128) (local $end i32) (local $gv v128) (local $sv v128) (local $tv v128)
    (local.set $rho (v128.load64_splat offset=0 (local.get $k)))
    (local.set $rho1 (v128.load64_splat offset=8 (local.get $k)))
    (local.set $lr (v128.load64_splat offset=16 (local.get $k)))
    (local.set $eps (v128.load64_splat offset=24 (local.get $k)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $sv (f64x2.add (f64x2.mul (local.get $rho) (v128.load (local.get $s)))
        (f64x2.mul (f64x2.mul (local.get $rho1) (local.get $gv)) (local.get $gv))))
      (v128.store (local.get $s) (local.get $sv))
      (v128.store (local.get $w) (f64x2.sub (v128.load (local.get $w))
        (f64x2.div (f64x2.mul (local.get $lr) (local.get $gv)) (f64x2.add (f64x2.sqrt (local.get $sv)) (local.get $eps)))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br $next))))

  ;; by Adam: s ← b1·s + (1 − b1)·g; t ← b2·t + (1 − b2)·g·g; w ← w − step·s / (√t·scale + eps),
  ;; the paper's w − lr·(s/c1) / (√(t/c2) + eps) with step = lr/c1 and scale = 1/√c2 made once a
  ;; step by the host (one division and one root per weight). k: b1, 1 − b1, b2, 1 − b2, step, scale, eps.
  (func (export "adam_step") (param $w i32) (param $g i32) (param $s i32) (param $t i32) (param $k i32) (param $n i32)
    (local $b1 v128) (local $b11 v128) (local $b2 v128) (local $b21 v128) (local $step v128) (local $scale v128) (local $eps v128) (local $end i32) (local $gv v128) (local $sv v128) (local $tv v128)
    (local.set $b1 (v128.load64_splat offset=0 (local.get $k)))
    (local.set $b11 (v128.load64_splat offset=8 (local.get $k)))
    (local.set $b2 (v128.load64_splat offset=16 (local.get $k)))
    (local.set $b21 (v128.load64_splat offset=24 (local.get $k)))
    (local.set $step (v128.load64_splat offset=32 (local.get $k)))
    (local.set $scale (v128.load64_splat offset=40 (local.get $k)))
    (local.set $eps (v128.load64_splat offset=48 (local.get $k)))
    (local.set $end (i32.add (local.get $w) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (local.set $sv (f64x2.add (f64x2.mul (local.get $b1) (v128.load (local.get $s))) (f64x2.mul (local.get $b11) (local.get $gv))))
      (v128.store (local.get $s) (local.get $sv))
      (local.set $tv (f64x2.add (f64x2.mul (local.get $b2) (v128.load (local.get $t)))
        (f64x2.mul (f64x2.mul (local.get $b21) (local.get $gv)) (local.get $gv))))
      (v128.store (local.get $t) (local.get $tv))
      (v128.store (local.get $w) (f64x2.sub (v128.load (local.get $w))
        (f64x2.div (f64x2.mul (local.get $step) (local.get $sv))
          (f64x2.add (f64x2.mul (f64x2.sqrt (local.get $tv)) (local.get $scale)) (local.get $eps)))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
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

  ;; The other element-wise layers' kernels: sigmoid, dropout's mask and batch norm. Separate
  ;; multiplies and adds in both builds (no $fma_t here), in the reference's order, so every
  ;; build gives the reference's bits.

  ;; y (n) = 1 / (1 + e^−x), with $exp: the operations of src/core/exp.ts.
  (func (export "sigmoid_forward") (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $one v128)
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (v128.store (local.get $y)
        (f64x2.div (local.get $one) (f64x2.add (local.get $one) (call $exp (f64x2.neg (v128.load (local.get $x)))))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (v128.store64_lane 0 (local.get $y)
        (f64x2.div (local.get $one) (f64x2.add (local.get $one) (call $exp (f64x2.neg (v128.load64_zero (local.get $x))))))))))

  ;; Softmax of each row of x (rows×cols) into out, as tsKernels.softmaxRows does it: the row's
  ;; largest value (x > max, so NaNs are passed over), e_j = e^(x_j − max) with $exp, their sum
  ;; from j = 0 up, then each e_j / sum. Two rows at a time, one per lane (the last one twice
  ;; when rows is odd). stats gets each row's max and sum (2·rows doubles); the caller adds
  ;; log(sum) to max, as the reference does, for the log-sum-exp.
  (func (export "softmax_rows") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $stats i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $xa i32) (local $xb i32) (local $oa i32) (local $ob i32)
    (local $second i32) (local $max v128) (local $sum v128) (local $v v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 3)))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      ;; Byte offset of the second lane's row from the first's: the next row, or 0 for the odd last one.
      (local.set $second (select (local.get $bytes) (i32.const 0) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))
      (local.set $xa (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))))
      (local.set $oa (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $bytes))))
      (local.set $xb (i32.add (local.get $xa) (local.get $second)))
      (local.set $ob (i32.add (local.get $oa) (local.get $second)))
      (local.set $max (f64x2.splat (f64.const -inf)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $v (v128.load64_lane 1 (i32.add (local.get $xb) (local.get $j))
          (v128.load64_zero (i32.add (local.get $xa) (local.get $j)))))
        (local.set $max (v128.bitselect (local.get $v) (local.get $max) (f64x2.gt (local.get $v) (local.get $max))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $next)))
      (local.set $sum (f64x2.splat (f64.const 0)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $v (call $exp (f64x2.sub
          (v128.load64_lane 1 (i32.add (local.get $xb) (local.get $j)) (v128.load64_zero (i32.add (local.get $xa) (local.get $j))))
          (local.get $max))))
        (v128.store64_lane 0 (i32.add (local.get $oa) (local.get $j)) (local.get $v))
        (v128.store64_lane 1 (i32.add (local.get $ob) (local.get $j)) (local.get $v))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $v)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $next)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $v (f64x2.div
          (v128.load64_lane 1 (i32.add (local.get $ob) (local.get $j)) (v128.load64_zero (i32.add (local.get $oa) (local.get $j))))
          (local.get $sum)))
        (v128.store64_lane 0 (i32.add (local.get $oa) (local.get $j)) (local.get $v))
        (v128.store64_lane 1 (i32.add (local.get $ob) (local.get $j)) (local.get $v))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $next)))
      (local.set $xa (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 4))))
      (local.set $xb (i32.add (local.get $xa) (select (i32.const 16) (i32.const 0) (local.get $second))))
      (v128.store64_lane 0 (local.get $xa) (local.get $max))
      (v128.store64_lane offset=8 0 (local.get $xa) (local.get $sum))
      (v128.store64_lane 1 (local.get $xb) (local.get $max))
      (v128.store64_lane offset=8 1 (local.get $xb) (local.get $sum))
      (local.set $r (i32.add (local.get $r) (i32.const 2)))
      (br $nextR))))

  ;; e^x of two doubles: src/core/exp.ts (fdlibm's method, V8's Math.exp) step for step, so
  ;; the same bits. pmax/pmin (x < c ? c : x) are Math.max/min here: the bounds are not zeros,
  ;; and a NaN x stays NaN. k is picked by |x|'s high 32 bits (hx) as fdlibm picks it. An
  ;; integer j below 2^51 has the bits of R + j (R = 1.5·2^52) minus those of R, so 2^j is
  ;; (bits(R + j) − bits(R) + 1023) << 52, for j = k1 and k − k1.
  (func $exp (param $x v128) (result v128)
    (local $k v128) (local $hi v128) (local $lo v128) (local $r v128) (local $t v128) (local $c v128) (local $y v128)
    (local $k1 v128) (local $bias v128) (local $hx v128) (local $sign v128) (local $given v128)
    (local.set $given (local.get $x))
    (local.set $x (f64x2.pmin (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -746))) (f64x2.splat (f64.const 710))))
    (local.set $hx (i64x2.shr_u (v128.and (local.get $x) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff)) (i32.const 32)))
    (local.set $sign (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000)))
    ;; k = x·log₂e ± ½ truncated beyond 1.5·ln2; ±1 beyond ln2/2; 0 below.
    (local.set $k (f64x2.trunc (f64x2.add
      (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634)))
      (v128.or (f64x2.splat (f64.const 0.5)) (local.get $sign)))))
    (local.set $k (v128.bitselect (v128.or (f64x2.splat (f64.const 1)) (local.get $sign)) (local.get $k)
      (i64x2.lt_s (local.get $hx) (i64x2.splat (i64.const 0x3ff0a2b2)))))
    (local.set $k (v128.bitselect (v128.const i64x2 0 0) (local.get $k)
      (i64x2.le_s (local.get $hx) (i64x2.splat (i64.const 0x3fd62e42)))))
    (local.set $hi (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-1)))))
    (local.set $lo (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10))))
    (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
    (local.set $t (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $c (f64x2.mul (local.get $t) (f64x2.splat (f64.const 4.13813679705723846039e-8))))
    (local.set $c (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const -1.65339022054652515390e-6)) (local.get $c))))
    (local.set $c (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const 6.61375632143793436117e-5)) (local.get $c))))
    (local.set $c (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const -2.77777777770155933842e-3)) (local.get $c))))
    (local.set $c (f64x2.mul (local.get $t) (f64x2.add (f64x2.splat (f64.const 1.66666666666666019037e-1)) (local.get $c))))
    (local.set $c (f64x2.sub (local.get $r) (local.get $c)))
    (local.set $y (f64x2.sub (f64x2.splat (f64.const 1))
      (f64x2.sub
        (f64x2.sub (local.get $lo) (f64x2.div (f64x2.mul (local.get $r) (local.get $c)) (f64x2.sub (f64x2.splat (f64.const 2)) (local.get $c))))
        (local.get $hi))))
    ;; k1 = floor(k/2); bias = bits(R) − 1023, so (bits(R + j) − bias) << 52 is 2^j.
    (local.set $k1 (f64x2.floor (f64x2.div (local.get $k) (f64x2.splat (f64.const 2)))))
    (local.set $bias (i64x2.sub (f64x2.splat (f64.const 6755399441055744)) (i64x2.splat (i64.const 1023))))
    (local.set $y (f64x2.mul
      (f64x2.mul (local.get $y)
        (i64x2.shl (i64x2.sub (f64x2.add (local.get $k1) (f64x2.splat (f64.const 6755399441055744))) (local.get $bias)) (i32.const 52)))
      (i64x2.shl (i64x2.sub (f64x2.add (f64x2.sub (local.get $k) (local.get $k1)) (f64x2.splat (f64.const 6755399441055744))) (local.get $bias)) (i32.const 52))))
    ;; 1 + x below 2^−28, and V8's e for x = 1.
    (local.set $y (v128.bitselect (f64x2.add (f64x2.splat (f64.const 1)) (local.get $x)) (local.get $y)
      (i64x2.lt_s (local.get $hx) (i64x2.splat (i64.const 0x3e300000)))))
    (v128.bitselect (f64x2.splat (f64.const 2.718281828459045)) (local.get $y)
      (f64x2.eq (local.get $given) (f64x2.splat (f64.const 1)))))

  ;; dx (n) = dy·(1 − y)·y, with y sigmoid's forward output.
  (func (export "sigmoid_backward") (param $y i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $end i32) (local $one v128) (local $yv v128)
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $end (i32.add (local.get $dx) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $dx) (local.get $end)))
      (local.set $yv (v128.load (local.get $y)))
      (v128.store (local.get $dx)
        (f64x2.mul (f64x2.mul (v128.load (local.get $dy)) (f64x2.sub (local.get $one) (local.get $yv))) (local.get $yv)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $dx)
        (f64.mul (f64.mul (f64.load (local.get $dy)) (f64.sub (f64.const 1) (f64.load (local.get $y)))) (f64.load (local.get $y)))))))

  ;; y (n) = x·mask: dropout's forward (x the input) and backward (x the gradient).
  (func (export "apply_mask") (param $x i32) (param $mask i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (v128.store (local.get $y) (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $mask))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $mask (i32.add (local.get $mask) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y) (f64.mul (f64.load (local.get $x)) (f64.load (local.get $mask)))))))

  ;; Batch norm's statistics of x (rows×cols), by column: mean = Σ x / rows, then
  ;; variance = Σ (x − mean)² / rows, each sum over the rows in order (as the reference's
  ;; column loops), two columns at a time.
  (func (export "bn_stats") (param $x i32) (param $mean i32) (param $var i32) (param $rows i32) (param $cols i32)
    (call $columnSums2 (local.get $x) (local.get $mean) (local.get $mean) (i32.const 0) (local.get $rows) (local.get $cols))
    (call $divideBy (local.get $mean) (f64.convert_i32_u (local.get $rows)) (local.get $cols))
    (call $columnSums2 (local.get $x) (local.get $mean) (local.get $var) (i32.const 1) (local.get $rows) (local.get $cols))
    (call $divideBy (local.get $var) (f64.convert_i32_u (local.get $rows)) (local.get $cols)))

  ;; out (cols) = Σ over the rows of x, or with `centered` Σ (x − mean)²; the rows in order.
  (func $columnSums2 (param $x i32) (param $mean i32) (param $out i32) (param $centered i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $at i32) (local $v v128) (local $c f64)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $cols)))
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $at))))
        (if (local.get $centered) (then
          (local.set $v (f64x2.sub (local.get $v) (v128.load (i32.add (local.get $mean) (local.get $at)))))
          (local.set $v (f64x2.mul (local.get $v) (local.get $v)))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (f64x2.add (v128.load (i32.add (local.get $out) (local.get $at))) (local.get $v)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $j) (local.get $cols)) (then
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $c (f64.load (i32.add (local.get $x) (local.get $at))))
        (if (local.get $centered) (then
          (local.set $c (f64.sub (local.get $c) (f64.load (i32.add (local.get $mean) (local.get $at)))))
          (local.set $c (f64.mul (local.get $c) (local.get $c)))))
        (f64.store (i32.add (local.get $out) (local.get $at)) (f64.add (f64.load (i32.add (local.get $out) (local.get $at))) (local.get $c)))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))

  ;; v (n) = v / d, one by one.
  (func $divideBy (param $v i32) (param $d f64) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
      (f64.store (local.get $v) (f64.div (f64.load (local.get $v)) (local.get $d)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (br $next))))

  ;; Batch norm's forward from the statistics, each (i, j) of x (rows×cols):
  ;; xc = x − mean_j; xn = xc / std_j; out = gamma_j·xn + beta_j.
  (func (export "bn_normalize")
    (param $x i32) (param $mean i32) (param $std i32) (param $gamma i32) (param $beta i32)
    (param $xc i32) (param $xn i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $end i32) (local $j i32) (local $at i32) (local $c v128) (local $z v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 3))))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $j (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $cols)))
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (local.set $c (f64x2.sub (v128.load (i32.add (local.get $x) (local.get $at))) (v128.load (i32.add (local.get $mean) (local.get $at)))))
        (local.set $z (f64x2.div (local.get $c) (v128.load (i32.add (local.get $std) (local.get $at)))))
        (v128.store (i32.add (local.get $xc) (local.get $at)) (local.get $c))
        (v128.store (i32.add (local.get $xn) (local.get $at)) (local.get $z))
        (v128.store (i32.add (local.get $out) (local.get $at))
          (f64x2.add (f64x2.mul (v128.load (i32.add (local.get $gamma) (local.get $at))) (local.get $z)) (v128.load (i32.add (local.get $beta) (local.get $at)))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $j) (local.get $cols)) (then
        (local.set $at (i32.shl (local.get $j) (i32.const 3)))
        (call $normalize1 (i32.add (local.get $x) (local.get $at)) (i32.add (local.get $mean) (local.get $at)) (i32.add (local.get $std) (local.get $at))
          (i32.add (local.get $gamma) (local.get $at)) (i32.add (local.get $beta) (local.get $at))
          (i32.add (local.get $xc) (local.get $at)) (i32.add (local.get $xn) (local.get $at)) (i32.add (local.get $out) (local.get $at)))))
      (local.set $at (i32.shl (local.get $cols) (i32.const 3)))
      (local.set $x (i32.add (local.get $x) (local.get $at)))
      (local.set $xc (i32.add (local.get $xc) (local.get $at)))
      (local.set $xn (i32.add (local.get $xn) (local.get $at)))
      (local.set $out (i32.add (local.get $out) (local.get $at)))
      (br $nextI))))

  ;; bn_normalize of one value, in scalars (a last odd column).
  (func $normalize1 (param $x i32) (param $mean i32) (param $std i32) (param $gamma i32) (param $beta i32) (param $xc i32) (param $xn i32) (param $out i32)
    (local $c f64) (local $z f64)
    (local.set $c (f64.sub (f64.load (local.get $x)) (f64.load (local.get $mean))))
    (local.set $z (f64.div (local.get $c) (f64.load (local.get $std))))
    (f64.store (local.get $xc) (local.get $c))
    (f64.store (local.get $xn) (local.get $z))
    (f64.store (local.get $out) (f64.add (f64.mul (f64.load (local.get $gamma)) (local.get $z)) (f64.load (local.get $beta)))))

;; Batch norm's backward (see Kernels.batchNormBackward), x (rows×cols) row by row, two
  ;; columns at a time (an odd last one alone), each column's sums over the rows in order:
  ;;   dbeta = Σ dy;  dgamma = Σ xn·dy;  dsum = Σ (gamma·dy)·xc;
  ;;   dx = (gamma·dy)/std [− xc·dsum / (rows·std·std·std)];  then [dx −= (Σ dx) / rows]
  ;; (the bracketed parts only after a training forward: `trained`). sums: 2·cols scratch,
  ;; dsum then Σ dx.
  (func (export "bn_backward")
    (param $dy i32) (param $xc i32) (param $xn i32) (param $gamma i32) (param $std i32)
    (param $dgamma i32) (param $dbeta i32) (param $sums i32) (param $dx i32) (param $rows i32) (param $cols i32) (param $trained i32)
    (local $i i32) (local $at i32) (local $end i32) (local $pairs i32) (local $n f64) (local $dxSum i32)
    (local.set $n (f64.convert_i32_u (local.get $rows)))
    (local.set $dxSum (i32.add (local.get $sums) (i32.shl (local.get $cols) (i32.const 3))))
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (memory.fill (local.get $dbeta) (i32.const 0) (local.get $end))
    (memory.fill (local.get $dgamma) (i32.const 0) (local.get $end))
    (memory.fill (local.get $sums) (i32.const 0) (i32.shl (local.get $cols) (i32.const 4)))
    ;; The column sums of dy, xn·dy and (gamma·dy)·xc.
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.ge_u (local.get $at) (local.get $pairs)))
        (call $bnSums2 (i32.add (local.get $dy) (local.get $at)) (i32.add (local.get $xc) (local.get $at)) (i32.add (local.get $xn) (local.get $at))
          (i32.add (local.get $gamma) (local.get $at)) (i32.add (local.get $dgamma) (local.get $at)) (i32.add (local.get $dbeta) (local.get $at)) (i32.add (local.get $sums) (local.get $at)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $at) (local.get $end))
        (then (call $bnSums1 (i32.add (local.get $dy) (local.get $at)) (i32.add (local.get $xc) (local.get $at)) (i32.add (local.get $xn) (local.get $at))
          (i32.add (local.get $gamma) (local.get $at)) (i32.add (local.get $dgamma) (local.get $at)) (i32.add (local.get $dbeta) (local.get $at)) (i32.add (local.get $sums) (local.get $at)))))
      (local.set $dy (i32.add (local.get $dy) (local.get $end)))
      (local.set $xc (i32.add (local.get $xc) (local.get $end)))
      (local.set $xn (i32.add (local.get $xn) (local.get $end)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI)))
    ;; dx, and the column sums of dx (dy, xc back at their first rows).
    (local.set $dy (i32.sub (local.get $dy) (i32.mul (local.get $rows) (local.get $end))))
    (local.set $xc (i32.sub (local.get $xc) (i32.mul (local.get $rows) (local.get $end))))
    (local.set $i (i32.const 0))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.ge_u (local.get $at) (local.get $pairs)))
        (call $bnDx2 (i32.add (local.get $dy) (local.get $at)) (i32.add (local.get $xc) (local.get $at)) (i32.add (local.get $gamma) (local.get $at))
          (i32.add (local.get $std) (local.get $at)) (i32.add (local.get $sums) (local.get $at)) (i32.add (local.get $dx) (local.get $at))
          (i32.add (local.get $dxSum) (local.get $at)) (local.get $n) (local.get $trained))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $at) (local.get $end))
        (then (call $bnDx1 (i32.add (local.get $dy) (local.get $at)) (i32.add (local.get $xc) (local.get $at)) (i32.add (local.get $gamma) (local.get $at))
          (i32.add (local.get $std) (local.get $at)) (i32.add (local.get $sums) (local.get $at)) (i32.add (local.get $dx) (local.get $at))
          (i32.add (local.get $dxSum) (local.get $at)) (local.get $n) (local.get $trained))))
      (local.set $dy (i32.add (local.get $dy) (local.get $end)))
      (local.set $xc (i32.add (local.get $xc) (local.get $end)))
      (local.set $dx (i32.add (local.get $dx) (local.get $end)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI)))
    (if (i32.eqz (local.get $trained)) (then (return)))
    ;; dx −= (Σ dx) / rows: a row vector taken from every row (dx back at its first row).
    (call $divideBy (local.get $dxSum) (local.get $n) (local.get $cols))
    (call $subtractRowVector (i32.sub (local.get $dx) (i32.mul (local.get $rows) (local.get $end))) (local.get $dxSum) (local.get $rows) (local.get $cols)))

  ;; bn_backward's first pass at two columns: dbeta += dy; dgamma += xn·dy; dsum += (gamma·dy)·xc.
  (func $bnSums2 (param $dy i32) (param $xc i32) (param $xn i32) (param $gamma i32) (param $dgamma i32) (param $dbeta i32) (param $dsum i32)
    (local $d v128)
    (local.set $d (v128.load (local.get $dy)))
    (v128.store (local.get $dbeta) (f64x2.add (v128.load (local.get $dbeta)) (local.get $d)))
    (v128.store (local.get $dgamma) (f64x2.add (v128.load (local.get $dgamma)) (f64x2.mul (v128.load (local.get $xn)) (local.get $d))))
    (v128.store (local.get $dsum) (f64x2.add (v128.load (local.get $dsum))
      (f64x2.mul (f64x2.mul (v128.load (local.get $gamma)) (local.get $d)) (v128.load (local.get $xc))))))

  ;; $bnSums2 at one column.
  (func $bnSums1 (param $dy i32) (param $xc i32) (param $xn i32) (param $gamma i32) (param $dgamma i32) (param $dbeta i32) (param $dsum i32)
    (local $d f64)
    (local.set $d (f64.load (local.get $dy)))
    (f64.store (local.get $dbeta) (f64.add (f64.load (local.get $dbeta)) (local.get $d)))
    (f64.store (local.get $dgamma) (f64.add (f64.load (local.get $dgamma)) (f64.mul (f64.load (local.get $xn)) (local.get $d))))
    (f64.store (local.get $dsum) (f64.add (f64.load (local.get $dsum))
      (f64.mul (f64.mul (f64.load (local.get $gamma)) (local.get $d)) (f64.load (local.get $xc))))))

  ;; bn_backward's second pass at two columns: v = (gamma·dy)/s [− (xc·dsum)/(((n·s)·s)·s)]; dx = v; dxSum += v.
  (func $bnDx2 (param $dy i32) (param $xc i32) (param $gamma i32) (param $std i32) (param $dsum i32) (param $dx i32) (param $dxSum i32)
    (param $n f64) (param $trained i32)
    (local $s v128) (local $v v128)
    (local.set $s (v128.load (local.get $std)))
    (local.set $v (f64x2.div (f64x2.mul (v128.load (local.get $gamma)) (v128.load (local.get $dy))) (local.get $s)))
    (if (local.get $trained) (then
      (local.set $v (f64x2.sub (local.get $v)
        (f64x2.div (f64x2.mul (v128.load (local.get $xc)) (v128.load (local.get $dsum)))
          (f64x2.mul (f64x2.mul (f64x2.mul (f64x2.splat (local.get $n)) (local.get $s)) (local.get $s)) (local.get $s)))))))
    (v128.store (local.get $dx) (local.get $v))
    (v128.store (local.get $dxSum) (f64x2.add (v128.load (local.get $dxSum)) (local.get $v))))

  ;; $bnDx2 at one column.
  (func $bnDx1 (param $dy i32) (param $xc i32) (param $gamma i32) (param $std i32) (param $dsum i32) (param $dx i32) (param $dxSum i32)
    (param $n f64) (param $trained i32)
    (local $s f64) (local $v f64)
    (local.set $s (f64.load (local.get $std)))
    (local.set $v (f64.div (f64.mul (f64.load (local.get $gamma)) (f64.load (local.get $dy))) (local.get $s)))
    (if (local.get $trained) (then
      (local.set $v (f64.sub (local.get $v)
        (f64.div (f64.mul (f64.load (local.get $xc)) (f64.load (local.get $dsum)))
          (f64.mul (f64.mul (f64.mul (local.get $n) (local.get $s)) (local.get $s)) (local.get $s)))))))
    (f64.store (local.get $dx) (local.get $v))
    (f64.store (local.get $dxSum) (f64.add (f64.load (local.get $dxSum)) (local.get $v))))

  ;; x (rows×cols) −= v on every row, two columns at a time.
  (func $subtractRowVector (param $x i32) (param $v i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $at i32) (local $pairs i32) (local $end i32)
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 3)))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $at (i32.const 0))
      (block $doneJ (loop $nextJ
        (br_if $doneJ (i32.ge_u (local.get $at) (local.get $pairs)))
        (v128.store (i32.add (local.get $x) (local.get $at))
          (f64x2.sub (v128.load (i32.add (local.get $x) (local.get $at))) (v128.load (i32.add (local.get $v) (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $nextJ)))
      (if (i32.lt_u (local.get $at) (local.get $end))
        (then (f64.store (i32.add (local.get $x) (local.get $at))
          (f64.sub (f64.load (i32.add (local.get $x) (local.get $at))) (f64.load (i32.add (local.get $v) (local.get $at)))))))
      (local.set $x (i32.add (local.get $x) (local.get $end)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI))))

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

  ;; The sparse batch gather (gatherSparse) in two steps. Once per byte matrix (a data set's
  ;; images), list_bytes lists each row's nonzero bytes as entries (i32: column·256 + byte).
  ;; Then each batch, gather_lists copies its rows' lists and sorts their entries by column:
  ;; it reads a fifth of the bytes the images take, and does not look at zeros again.

  ;; The nonzero bytes of the first `rows` rows of src (cols bytes a row), sixteen bytes at a
  ;; time: a byte compared with 0 gives a bit mask of the nonzero ones, which are counted.
  (func (export "count_bytes") (param $src i32) (param $rows i32) (param $cols i32) (result i32)
    (local $p i32) (local $end i32) (local $n i32)
    (local.set $p (local.get $src))
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $cols))))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $n (i32.add (local.get $n)
        (i32.popcnt (i8x16.bitmask (i8x16.ne (v128.load (local.get $p)) (v128.const i64x2 0 0))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (i32.add (local.get $n) (i32.popcnt (call $nonzeroBits (local.get $p) (i32.sub (local.get $end) (local.get $p))))))

  ;; Lists the first `rows` rows of src: starts[r] = where row r's entries begin in entries[]
  ;; (the first at n0), entries[t] = column·256 + byte for each nonzero byte, in column order;
  ;; starts[rows] = the end. Returns it.
  (func (export "list_bytes")
    (param $src i32) (param $rows i32) (param $cols i32) (param $starts i32) (param $entries i32) (param $n0 i32)
    (result i32)
    (local $r i32) (local $ps i32) (local $q i32) (local $mask i32) (local $at i32) (local $pe i32)
    (local.set $pe (i32.add (local.get $entries) (i32.shl (local.get $n0) (i32.const 2))))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (i32.store (i32.add (local.get $starts) (i32.shl (local.get $r) (i32.const 2)))
        (i32.shr_u (i32.sub (local.get $pe) (local.get $entries)) (i32.const 2)))
      (local.set $ps (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $cols))))
      (local.set $q (i32.const 0))
      (block $done (loop $nextQ
        (br_if $done (i32.ge_u (local.get $q) (local.get $cols)))
        (local.set $mask
          (if (result i32) (i32.le_u (i32.add (local.get $q) (i32.const 16)) (local.get $cols))
            (then (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $ps) (local.get $q))) (v128.const i64x2 0 0))))
            ;; The last few bytes, one bit each.
            (else (call $nonzeroBits (i32.add (local.get $ps) (local.get $q)) (i32.sub (local.get $cols) (local.get $q))))))
        (block $doneBits (loop $nextBit
          (br_if $doneBits (i32.eqz (local.get $mask)))
          (local.set $at (i32.add (local.get $q) (i32.ctz (local.get $mask))))
          (i32.store (local.get $pe) (i32.or (i32.shl (local.get $at) (i32.const 8))
            (i32.load8_u (i32.add (local.get $ps) (local.get $at)))))
          (local.set $pe (i32.add (local.get $pe) (i32.const 4)))
          (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
          (br $nextBit)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $nextQ)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR)))
    (local.set $n0 (i32.shr_u (i32.sub (local.get $pe) (local.get $entries)) (i32.const 2)))
    (i32.store (i32.add (local.get $starts) (i32.shl (local.get $rows) (i32.const 2))) (local.get $n0))
    (local.get $n0))

  ;; A batch as a sparse matrix: row r is listed row indices[r] of (starts, entries) (see
  ;; list_bytes), with cols columns. By rows: rowStart[r] and the copied entries rowEntry[].
  ;; By columns: a counting sort of the same entries. next[q] (cols i32s of scratch) counts
  ;; column q's entries, then becomes where its next one goes, as each row's entries are dealt
  ;; in turn, so each column lists its rows in increasing order: colStart[q], and colEntry[]
  ;; = row·256 + byte.
  (func (export "gather_lists")
    (param $starts i32) (param $entries i32) (param $indices i32) (param $rows i32) (param $cols i32)
    (param $rowStart i32) (param $rowEntry i32) (param $next i32) (param $colStart i32) (param $colEntry i32)
    (local $r i32) (local $ps i32) (local $count i32) (local $n i32) (local $t i32) (local $e i32) (local $pn i32) (local $slot i32) (local $end i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $ps (i32.add (local.get $starts)
        (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
      (local.set $count (i32.sub (i32.load offset=4 (local.get $ps)) (i32.load (local.get $ps))))
      (i32.store (i32.add (local.get $rowStart) (i32.shl (local.get $r) (i32.const 2))) (local.get $n))
      (memory.copy (i32.add (local.get $rowEntry) (i32.shl (local.get $n) (i32.const 2)))
        (i32.add (local.get $entries) (i32.shl (i32.load (local.get $ps)) (i32.const 2)))
        (i32.shl (local.get $count) (i32.const 2)))
      (local.set $n (i32.add (local.get $n) (local.get $count)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next)))
    (i32.store (i32.add (local.get $rowStart) (i32.shl (local.get $rows) (i32.const 2))) (local.get $n))
    (memory.fill (local.get $next) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $n)))
      (local.set $pn (i32.add (local.get $next)
        (i32.shl (i32.shr_u (i32.load (i32.add (local.get $rowEntry) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 8)) (i32.const 2))))
      (i32.store (local.get $pn) (i32.add (i32.load (local.get $pn)) (i32.const 1)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $next)))
    ;; Counts to starts.
    (local.set $n (i32.const 0))
    (local.set $t (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $cols)))
      (local.set $pn (i32.add (local.get $next) (i32.shl (local.get $t) (i32.const 2))))
      (local.set $count (i32.load (local.get $pn)))
      (i32.store (i32.add (local.get $colStart) (i32.shl (local.get $t) (i32.const 2))) (local.get $n))
      (i32.store (local.get $pn) (local.get $n))
      (local.set $n (i32.add (local.get $n) (local.get $count)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $next)))
    (i32.store (i32.add (local.get $colStart) (i32.shl (local.get $cols) (i32.const 2))) (local.get $n))
    ;; Deal.
    (local.set $r (i32.const 0))
    (local.set $t (i32.const 0))
    (block $doneR (loop $nextR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $end (i32.load offset=4 (i32.add (local.get $rowStart) (i32.shl (local.get $r) (i32.const 2)))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $e (i32.load (i32.add (local.get $rowEntry) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $pn (i32.add (local.get $next) (i32.shl (i32.shr_u (local.get $e) (i32.const 8)) (i32.const 2))))
        (local.set $slot (i32.load (local.get $pn)))
        (i32.store (i32.add (local.get $colEntry) (i32.shl (local.get $slot) (i32.const 2)))
          (i32.or (i32.shl (local.get $r) (i32.const 8)) (i32.and (local.get $e) (i32.const 255))))
        (i32.store (local.get $pn) (i32.add (local.get $slot) (i32.const 1)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextR))))

  ;; Bit i set where byte p + i is nonzero, for i < n (n < 16).
  (func $nonzeroBits (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $bits i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $bits (i32.or (local.get $bits)
        (i32.shl (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 0)) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $bits))

  ;; ---- Window operations of the convolutional layers (src/core/im2col.ts is the reference) ----
  ;; Images are planes of h×w doubles, one per (image, channel); a window of fh×fw moves by
  ;; $stride over the plane padded with $pad zeros; (oy, ox) is an output position, (ky, kx)
  ;; a place in the window. Results are exactly the reference's: copies, maxima, and col2im's
  ;; sums added in the same order.

  ;; The byte offset of pixel (y, x) of the plane at $plane, or -1 when it lies in the padding.
  (func $pixelAt (param $plane i32) (param $y i32) (param $x i32) (param $h i32) (param $w i32) (result i32)
    (if (result i32)
      (i32.and
        (i32.lt_u (local.get $y) (local.get $h))   ;; unsigned: a negative y is out too
        (i32.lt_u (local.get $x) (local.get $w)))
      (then (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (i32.const 3))))
      (else (i32.const -1))))

  ;; im2col ($toCol = 1: col[r][(c, ky, kx)] = pixel) and col2im ($toCol = 0: pixel += col entry),
  ;; rows r = (n, oy, ox) in order, as in the reference. col2im's caller zeroes x first. A window
  ;; row (fw pixels of one image row) that lies wholly inside the image, as every one does
  ;; without padding, is copied (or added) two pixels at a time by $windowRow; only rows that
  ;; cross the padding go pixel by pixel. Each pixel gets the same adds in the same order.
  (func $windows (param $x i32) (param $col i32) (param $n i32) (param $c i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32) (param $toCol i32)
    (local $oh i32) (local $ow i32) (local $i i32) (local $oy i32) (local $ox i32) (local $ch i32)
    (local $ky i32) (local $kx i32) (local $plane i32) (local $at i32) (local $y i32) (local $x0 i32)
    (local.set $oh (i32.add (i32.div_u (i32.sub (i32.add (local.get $h) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fh)) (local.get $stride)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_u (i32.sub (i32.add (local.get $w) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fw)) (local.get $stride)) (i32.const 1)))
    (local.set $i (i32.const 0))
    (block $doneN (loop $eachN
      (br_if $doneN (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $oy (i32.const 0))
      (block $doneY (loop $eachY
        (br_if $doneY (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $doneX (loop $eachX
          (br_if $doneX (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $stride)) (local.get $pad)))
          (local.set $ch (i32.const 0))
          (block $doneC (loop $eachC
            (br_if $doneC (i32.ge_u (local.get $ch) (local.get $c)))
            (local.set $plane (i32.add (local.get $x)
              (i32.shl (i32.mul (i32.add (i32.mul (local.get $i) (local.get $c)) (local.get $ch)) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
            (local.set $ky (i32.const 0))
            (block $doneKy (loop $eachKy
              (br_if $doneKy (i32.ge_u (local.get $ky) (local.get $fh)))
              (local.set $y (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (local.get $pad)))
              (if (i32.and (i32.lt_u (local.get $y) (local.get $h))
                    (i32.and (i32.ge_s (local.get $x0) (i32.const 0)) (i32.le_s (i32.add (local.get $x0) (local.get $fw)) (local.get $w))))
                (then
                  (call $windowRow (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x0)) (i32.const 3)))
                    (local.get $col) (local.get $fw) (local.get $toCol))
                  (local.set $col (i32.add (local.get $col) (i32.shl (local.get $fw) (i32.const 3)))))
                (else
                  (local.set $kx (i32.const 0))
                  (block $doneKx (loop $eachKx
                    (br_if $doneKx (i32.ge_u (local.get $kx) (local.get $fw)))
                    (local.set $at (call $pixelAt (local.get $plane) (local.get $y) (i32.add (local.get $x0) (local.get $kx)) (local.get $h) (local.get $w)))
                    (if (local.get $toCol)
                      (then (f64.store (local.get $col)
                        (if (result f64) (i32.ge_s (local.get $at) (i32.const 0)) (then (f64.load (local.get $at))) (else (f64.const 0)))))
                      (else (if (i32.ge_s (local.get $at) (i32.const 0))
                        (then (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.load (local.get $col))))))))
                    (local.set $col (i32.add (local.get $col) (i32.const 8)))
                    (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                    (br $eachKx)))))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $eachKy)))
            (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
            (br $eachC)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $eachX)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $eachY)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $eachN))))

  ;; $count doubles from the pixels at $px to col ($toCol = 1), or added from col onto them
  ;; ($toCol = 0): two at a time, then a last one alone.
  (func $windowRow (param $px i32) (param $col i32) (param $count i32) (param $toCol i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $px) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $px) (local.get $end)))
      (if (local.get $toCol)
        (then (v128.store (local.get $col) (v128.load (local.get $px))))
        (else (v128.store (local.get $px) (f64x2.add (v128.load (local.get $px)) (v128.load (local.get $col))))))
      (local.set $px (i32.add (local.get $px) (i32.const 16)))
      (local.set $col (i32.add (local.get $col) (i32.const 16)))
      (br $pairs)))
    (if (i32.and (local.get $count) (i32.const 1))
      (then (if (local.get $toCol)
        (then (f64.store (local.get $col) (f64.load (local.get $px))))
        (else (f64.store (local.get $px) (f64.add (f64.load (local.get $px)) (f64.load (local.get $col)))))))))

  (func (export "im2col") (param $x i32) (param $col i32) (param $n i32) (param $c i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (call $windows (local.get $x) (local.get $col) (local.get $n) (local.get $c) (local.get $h) (local.get $w)
      (local.get $fh) (local.get $fw) (local.get $stride) (local.get $pad) (i32.const 1)))

  (func (export "col2im") (param $col i32) (param $x i32) (param $n i32) (param $c i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (call $windows (local.get $x) (local.get $col) (local.get $n) (local.get $c) (local.get $h) (local.get $w)
      (local.get $fh) (local.get $fw) (local.get $stride) (local.get $pad) (i32.const 0)))

  ;; im2col's matrix transposed, image by image: colT holds n blocks of (c·fh·fw) × (oh·ow),
  ;; row (ch, ky, kx) of block i the pixel each output position's window has there. With
  ;; stride 1 such a row is oh runs of ow neighbouring pixels, copied two at a time
  ;; ($windowRow); a run that crosses the padding, or any other stride, goes pixel by pixel.
  (func (export "im2col_transposed") (param $x i32) (param $colT i32) (param $n i32) (param $c i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (local $oh i32) (local $ow i32) (local $planes i32) (local $p i32) (local $plane i32) (local $ky i32) (local $kx i32)
    (local $oy i32) (local $ox i32) (local $y i32) (local $x0 i32) (local $at i32)
    (local.set $oh (i32.add (i32.div_u (i32.sub (i32.add (local.get $h) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fh)) (local.get $stride)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_u (i32.sub (i32.add (local.get $w) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fw)) (local.get $stride)) (i32.const 1)))
    ;; Planes (image, channel) in order: block i's rows are its channels' (ky, kx) rows in turn.
    (local.set $planes (i32.mul (local.get $n) (local.get $c)))
    (block $doneP (loop $eachP
      (br_if $doneP (i32.ge_u (local.get $p) (local.get $planes)))
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
      (local.set $ky (i32.const 0))
      (block $doneKy (loop $eachKy
        (br_if $doneKy (i32.ge_u (local.get $ky) (local.get $fh)))
        (local.set $kx (i32.const 0))
        (block $doneKx (loop $eachKx
          (br_if $doneKx (i32.ge_u (local.get $kx) (local.get $fw)))
          (local.set $x0 (i32.sub (local.get $kx) (local.get $pad)))
          (local.set $oy (i32.const 0))
          (block $doneY (loop $eachY
            (br_if $doneY (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $y (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (local.get $pad)))
            (if (i32.and (i32.and (i32.eq (local.get $stride) (i32.const 1)) (i32.lt_u (local.get $y) (local.get $h)))
                  (i32.and (i32.ge_s (local.get $x0) (i32.const 0)) (i32.le_s (i32.add (local.get $x0) (local.get $ow)) (local.get $w))))
              (then
                (call $windowRow (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x0)) (i32.const 3)))
                  (local.get $colT) (local.get $ow) (i32.const 1))
                (local.set $colT (i32.add (local.get $colT) (i32.shl (local.get $ow) (i32.const 3)))))
              (else
                (local.set $ox (i32.const 0))
                (block $doneX (loop $eachX
                  (br_if $doneX (i32.ge_u (local.get $ox) (local.get $ow)))
                  (local.set $at (call $pixelAt (local.get $plane) (local.get $y)
                    (i32.add (i32.mul (local.get $ox) (local.get $stride)) (local.get $x0)) (local.get $h) (local.get $w)))
                  (f64.store (local.get $colT)
                    (if (result f64) (i32.ge_s (local.get $at) (i32.const 0)) (then (f64.load (local.get $at))) (else (f64.const 0))))
                  (local.set $colT (i32.add (local.get $colT) (i32.const 8)))
                  (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                  (br $eachX)))))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $eachY)))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $eachKx)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $eachKy)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $eachP))))

  ;; Max pooling over planes p0 .. p1−1 of x: out[o] = the largest pixel of window o (padding
  ;; counts as 0), argmax[o] = its index in x (in doubles), -1 for padding; the first of equals
  ;; wins. out and argmax point at plane p0's first output (a thread's share of the planes).
  (func (export "max_pool_forward") (param $x i32) (param $out i32) (param $argmax i32) (param $p0 i32) (param $p1 i32)
      (param $h i32) (param $w i32) (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (local $oh i32) (local $ow i32) (local $p i32) (local $plane i32) (local $oy i32) (local $ox i32)
    (local $ky i32) (local $kx i32) (local $y i32) (local $at i32) (local $best f64) (local $bestAt i32) (local $v f64)
    (local.set $oh (i32.add (i32.div_u (i32.sub (i32.add (local.get $h) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fh)) (local.get $stride)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_u (i32.sub (i32.add (local.get $w) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fw)) (local.get $stride)) (i32.const 1)))
    (local.set $p (local.get $p0))
    (block $doneP (loop $eachP
      (br_if $doneP (i32.ge_u (local.get $p) (local.get $p1)))
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
      (local.set $oy (i32.const 0))
      (block $doneY (loop $eachY
        (br_if $doneY (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $doneX (loop $eachX
          (br_if $doneX (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $best (f64.const -inf))
          (local.set $bestAt (i32.const -1))
          (local.set $ky (i32.const 0))
          (block $doneKy (loop $eachKy
            (br_if $doneKy (i32.ge_u (local.get $ky) (local.get $fh)))
            (local.set $y (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (local.get $pad)))
            (local.set $kx (i32.const 0))
            (block $doneKx (loop $eachKx
              (br_if $doneKx (i32.ge_u (local.get $kx) (local.get $fw)))
              ;; Without padding every pixel of a window is inside: no bounds test.
              (local.set $at (if (result i32) (local.get $pad)
                (then (call $pixelAt (local.get $plane) (local.get $y)
                  (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $stride)) (local.get $kx)) (local.get $pad)) (local.get $h) (local.get $w)))
                (else (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w))
                  (i32.add (i32.mul (local.get $ox) (local.get $stride)) (local.get $kx))) (i32.const 3))))))
              (local.set $v (if (result f64) (i32.ge_s (local.get $at) (i32.const 0)) (then (f64.load (local.get $at))) (else (f64.const 0))))
              ;; The new maximum, without a branch (which random data would mispredict half the time).
              (local.set $bestAt (select
                (if (result i32) (i32.ge_s (local.get $at) (i32.const 0))
                  (then (i32.shr_u (i32.sub (local.get $at) (local.get $x)) (i32.const 3))) (else (i32.const -1)))
                (local.get $bestAt)
                (f64.gt (local.get $v) (local.get $best))))
              (local.set $best (select (local.get $v) (local.get $best) (f64.gt (local.get $v) (local.get $best))))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br $eachKx)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $eachKy)))
          (f64.store (local.get $out) (local.get $best))
          (i32.store (local.get $argmax) (local.get $bestAt))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))
          (local.set $argmax (i32.add (local.get $argmax) (i32.const 4)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $eachX)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $eachY)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $eachP))))

  ;; dx = the max pool's backward for planes p0 .. p1−1 (outputs o0 .. o0+outputs−1, which lie
  ;; there; dout and argmax point at o0): dx[lo .. lo+size) is zeroed, then dx[argmax[o]] +=
  ;; dout[o]. An index outside lo .. lo+size−1 (another thread's planes; -1 is padding) is
  ;; dropped, never written.
  (func (export "max_pool_backward") (param $dout i32) (param $argmax i32) (param $dx i32) (param $outputs i32)
      (param $lo i32) (param $size i32)
    (local $o i32) (local $at i32) (local $to i32)
    (memory.fill (i32.add (local.get $dx) (i32.shl (local.get $lo) (i32.const 3))) (i32.const 0) (i32.shl (local.get $size) (i32.const 3)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $o) (local.get $outputs)))
      (local.set $at (i32.load (i32.add (local.get $argmax) (i32.shl (local.get $o) (i32.const 2)))))
      (if (i32.lt_u (i32.sub (local.get $at) (local.get $lo)) (local.get $size))
        (then
          (local.set $to (i32.add (local.get $dx) (i32.shl (local.get $at) (i32.const 3))))
          (f64.store (local.get $to) (f64.add (f64.load (local.get $to)) (f64.load (i32.add (local.get $dout) (i32.shl (local.get $o) (i32.const 3))))))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $each))))

  ;; The common 2×2 pool with stride 2 and no padding, max_pool_forward's results: two outputs
  ;; at a time, a lane each. Lane j of A, B, C, D holds its window's pixels in the reference's
  ;; order (top left, top right, bottom left, bottom right) and their indices; each in turn
  ;; replaces the best so far where it is larger, so ties keep the first, as the reference's.
  (func (export "max_pool_2x2") (param $x i32) (param $out i32) (param $argmax i32) (param $p0 i32) (param $p1 i32)
      (param $h i32) (param $w i32)
    (local $r0 i32) (local $r1 i32) (local $last i32) (local $i i32) (local $rows i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $best v128) (local $at v128)
    (local $idx v128) (local $one v128) (local $wide v128) (local $wide1 v128)
    (local.set $one (i64x2.splat (i64.const 1)))
    (local.set $wide (i64x2.splat (i64.extend_i32_u (local.get $w))))
    (local.set $wide1 (i64x2.add (local.get $wide) (local.get $one)))
    (local.set $i (i32.mul (local.get $p0) (i32.mul (local.get $h) (local.get $w))))
    (local.set $rows (i32.mul (i32.sub (local.get $p1) (local.get $p0)) (i32.shr_u (local.get $h) (i32.const 1))))
    (block $done (loop $eachRow
      (br_if $done (i32.eqz (local.get $rows)))
      ;; One row of outputs: image rows r0 and r0 + w; indices i (of r0's first pixel) on.
      (local.set $r0 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $last (i32.add (local.get $r0) (i32.shl (local.get $w) (i32.const 3))))
      (local.set $r1 (local.get $last))
      (local.set $idx (i64x2.replace_lane 1 (i64x2.splat (i64.extend_i32_u (local.get $i))) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 2)))))
      (block $rowDone (loop $pairs
        (br_if $rowDone (i32.gt_u (i32.add (local.get $r0) (i32.const 32)) (local.get $last)))
        (local.set $a (v128.load (local.get $r0)))
        (local.set $b (v128.load offset=16 (local.get $r0)))
        (local.set $c (v128.load (local.get $r1)))
        (local.set $d (v128.load offset=16 (local.get $r1)))
        (call $take (call $take (call $take (call $take (f64x2.splat (f64.const -inf)) (i64x2.splat (i64.const -1))
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b)) (local.get $idx))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b)) (i64x2.add (local.get $idx) (local.get $one)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d)) (i64x2.add (local.get $idx) (local.get $wide)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d)) (i64x2.add (local.get $idx) (local.get $wide1)))
        (local.set $at) (local.set $best)
        (v128.store (local.get $out) (local.get $best))
        (i32.store (local.get $argmax) (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $at))))
        (i32.store offset=4 (local.get $argmax) (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $at))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $argmax (i32.add (local.get $argmax) (i32.const 8)))
        (local.set $idx (i64x2.add (local.get $idx) (i64x2.splat (i64.const 4))))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 32)))
        (local.set $r1 (i32.add (local.get $r1) (i32.const 32)))
        (br $pairs)))
      ;; An odd last output: the same steps in lane 0 alone.
      (if (i32.lt_u (local.get $r0) (local.get $last))
        (then
          (call $take (call $take (call $take (call $take (f64x2.splat (f64.const -inf)) (i64x2.splat (i64.const -1))
                  (v128.load64_splat (local.get $r0)) (local.get $idx))
                (v128.load64_splat offset=8 (local.get $r0)) (i64x2.add (local.get $idx) (local.get $one)))
              (v128.load64_splat (local.get $r1)) (i64x2.add (local.get $idx) (local.get $wide)))
            (v128.load64_splat offset=8 (local.get $r1)) (i64x2.add (local.get $idx) (local.get $wide1)))
          (local.set $at) (local.set $best)
          (f64.store (local.get $out) (f64x2.extract_lane 0 (local.get $best)))
          (i32.store (local.get $argmax) (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $at))))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))
          (local.set $argmax (i32.add (local.get $argmax) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.shl (local.get $w) (i32.const 1))))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $eachRow))))

  ;; One step of max_pool_2x2: where v > best (per lane), v and its index idx replace best and at.
  (func $take (param $best v128) (param $at v128) (param $v v128) (param $idx v128) (result v128 v128)
    (local $m v128)
    (local.set $m (f64x2.gt (local.get $v) (local.get $best)))
    (v128.bitselect (local.get $v) (local.get $best) (local.get $m))
    (v128.bitselect (local.get $idx) (local.get $at) (local.get $m)))

  ;; max_pool_backward for max_pool_2x2 (whose windows tile the planes, so every pixel gets
  ;; one term or none): dx, planes p0 .. p1−1, written whole, = dout[o] + 0 at argmax[o] (the
  ;; reference's 0 + dout[o]: the same bits, −0 made +0), 0 elsewhere. Two outputs at a time.
  (func (export "max_pool_2x2_backward") (param $dout i32) (param $argmax i32) (param $dx i32) (param $p0 i32) (param $p1 i32)
      (param $h i32) (param $w i32)
    (local $r0 i32) (local $r1 i32) (local $last i32) (local $i i32) (local $rows i32)
    (local $g v128) (local $am v128) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $idx v128) (local $one v128) (local $wide v128) (local $wide1 v128)
    (local.set $one (i64x2.splat (i64.const 1)))
    (local.set $wide (i64x2.splat (i64.extend_i32_u (local.get $w))))
    (local.set $wide1 (i64x2.add (local.get $wide) (local.get $one)))
    (local.set $i (i32.mul (local.get $p0) (i32.mul (local.get $h) (local.get $w))))
    (local.set $rows (i32.mul (i32.sub (local.get $p1) (local.get $p0)) (i32.shr_u (local.get $h) (i32.const 1))))
    (block $done (loop $eachRow
      (br_if $done (i32.eqz (local.get $rows)))
      (local.set $r0 (i32.add (local.get $dx) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $last (i32.add (local.get $r0) (i32.shl (local.get $w) (i32.const 3))))
      (local.set $r1 (local.get $last))
      (local.set $idx (i64x2.replace_lane 1 (i64x2.splat (i64.extend_i32_u (local.get $i))) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 2)))))
      (block $rowDone (loop $pairs
        (br_if $rowDone (i32.gt_u (i32.add (local.get $r0) (i32.const 32)) (local.get $last)))
        (local.set $g (f64x2.add (v128.load (local.get $dout)) (f64x2.splat (f64.const 0))))
        (local.set $am (i64x2.extend_low_i32x4_s (v128.load64_zero (local.get $argmax))))
        (local.set $a (v128.and (local.get $g) (i64x2.eq (local.get $am) (local.get $idx))))
        (local.set $b (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $one)))))
        (local.set $c (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $wide)))))
        (local.set $d (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $wide1)))))
        (v128.store (local.get $r0) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b)))
        (v128.store offset=16 (local.get $r0) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b)))
        (v128.store (local.get $r1) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d)))
        (v128.store offset=16 (local.get $r1) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d)))
        (local.set $dout (i32.add (local.get $dout) (i32.const 16)))
        (local.set $argmax (i32.add (local.get $argmax) (i32.const 8)))
        (local.set $idx (i64x2.add (local.get $idx) (i64x2.splat (i64.const 4))))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 32)))
        (local.set $r1 (i32.add (local.get $r1) (i32.const 32)))
        (br $pairs)))
      ;; An odd last output: the same steps, lane 0 stored.
      (if (i32.lt_u (local.get $r0) (local.get $last))
        (then
          (local.set $g (f64x2.add (v128.load64_splat (local.get $dout)) (f64x2.splat (f64.const 0))))
          (local.set $am (i64x2.splat (i64.extend_i32_s (i32.load (local.get $argmax)))))
          (f64.store (local.get $r0) (f64x2.extract_lane 0 (v128.and (local.get $g) (i64x2.eq (local.get $am) (local.get $idx)))))
          (f64.store offset=8 (local.get $r0) (f64x2.extract_lane 0 (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $one))))))
          (f64.store (local.get $r1) (f64x2.extract_lane 0 (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $wide))))))
          (f64.store offset=8 (local.get $r1) (f64x2.extract_lane 0 (v128.and (local.get $g) (i64x2.eq (local.get $am) (i64x2.add (local.get $idx) (local.get $wide1))))))
          (local.set $dout (i32.add (local.get $dout) (i32.const 8)))
          (local.set $argmax (i32.add (local.get $argmax) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.shl (local.get $w) (i32.const 1))))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $eachRow))))

  ;; Average pooling over planes p0 .. p1−1 (the reference's loops: padding counts as zeros,
  ;; each window's sum in row order, then divided by fh·fw). Forward ($back = 0): $out[o] = the
  ;; mean of window o of the planes at $x. Backward ($back = 1): the planes of $x (dx) are
  ;; zeroed, then each input of window o gets += $out[o] / (fh·fw), in output order. $out
  ;; points at plane p0's first output.
  (func $avgPool (param $x i32) (param $out i32) (param $p0 i32) (param $p1 i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32) (param $back i32)
    (local $oh i32) (local $ow i32) (local $p i32) (local $plane i32) (local $oy i32) (local $ox i32)
    (local $ky i32) (local $kx i32) (local $at i32) (local $sum f64) (local $size f64)
    (local.set $oh (i32.add (i32.div_u (i32.sub (i32.add (local.get $h) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fh)) (local.get $stride)) (i32.const 1)))
    (local.set $ow (i32.add (i32.div_u (i32.sub (i32.add (local.get $w) (i32.shl (local.get $pad) (i32.const 1))) (local.get $fw)) (local.get $stride)) (i32.const 1)))
    (local.set $size (f64.convert_i32_u (i32.mul (local.get $fh) (local.get $fw))))
    (if (local.get $back)
      (then (memory.fill (i32.add (local.get $x) (i32.shl (i32.mul (local.get $p0) (i32.mul (local.get $h) (local.get $w))) (i32.const 3)))
        (i32.const 0) (i32.shl (i32.mul (i32.sub (local.get $p1) (local.get $p0)) (i32.mul (local.get $h) (local.get $w))) (i32.const 3)))))
    (local.set $p (local.get $p0))
    (block $doneP (loop $eachP
      (br_if $doneP (i32.ge_u (local.get $p) (local.get $p1)))
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (local.get $p) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
      (local.set $oy (i32.const 0))
      (block $doneY (loop $eachY
        (br_if $doneY (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $doneX (loop $eachX
          (br_if $doneX (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $sum (if (result f64) (local.get $back)
            (then (f64.div (f64.load (local.get $out)) (local.get $size))) (else (f64.const 0))))
          (local.set $ky (i32.const 0))
          (block $doneKy (loop $eachKy
            (br_if $doneKy (i32.ge_u (local.get $ky) (local.get $fh)))
            (local.set $kx (i32.const 0))
            (block $doneKx (loop $eachKx
              (br_if $doneKx (i32.ge_u (local.get $kx) (local.get $fw)))
              (local.set $at (call $pixelAt (local.get $plane)
                (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (local.get $pad))
                (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $stride)) (local.get $kx)) (local.get $pad)) (local.get $h) (local.get $w)))
              (if (i32.ge_s (local.get $at) (i32.const 0))
                (then (if (local.get $back)
                  (then (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $sum))))
                  (else (local.set $sum (f64.add (local.get $sum) (f64.load (local.get $at))))))))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br $eachKx)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $eachKy)))
          (if (i32.eqz (local.get $back)) (then (f64.store (local.get $out) (f64.div (local.get $sum) (local.get $size)))))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $eachX)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $eachY)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $eachP))))

  (func (export "avg_pool_forward") (param $x i32) (param $out i32) (param $p0 i32) (param $p1 i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (call $avgPool (local.get $x) (local.get $out) (local.get $p0) (local.get $p1) (local.get $h) (local.get $w)
      (local.get $fh) (local.get $fw) (local.get $stride) (local.get $pad) (i32.const 0)))

  (func (export "avg_pool_backward") (param $dout i32) (param $dx i32) (param $p0 i32) (param $p1 i32) (param $h i32) (param $w i32)
      (param $fh i32) (param $fw i32) (param $stride i32) (param $pad i32)
    (call $avgPool (local.get $dx) (local.get $dout) (local.get $p0) (local.get $p1) (local.get $h) (local.get $w)
      (local.get $fh) (local.get $fw) (local.get $stride) (local.get $pad) (i32.const 1)))
)
