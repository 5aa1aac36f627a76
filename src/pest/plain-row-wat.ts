// A plain row of an ensemble CSV read in WebAssembly: the module's text, which
// plain-row-wasm.ts compiles (kept in a module, so that it goes wherever the code goes).
export const PLAIN_ROW_WAT = `;; A plain row of an ensemble CSV read in WebAssembly: the same rows, the same doubles as
;; plain-row.ts and decimal-bytes.ts (their comments say how), in about half the time JavaScript
;; takes to go through the bytes. Compiled when first needed (plain-row-wasm.ts).
;;
;; Memory (shared with the other reading threads): the powers of ten from byte 0 (for e from
;; -280 to 280, at (e + 280) × 16: the nearest double, then the nearest double to what is
;; left), the exact powers 10^0 ... 10^22 from byte 8976, then the file and at least one zero
;; byte (which ends any number or row, as the end of the file does), then a row of values per
;; thread.
(module
  (import "env" "memory" (memory 1 65536 shared))


  ;; a × b − fl(a × b), exactly (Dekker).
  (func $productError (param $a f64) (param $b f64) (param $p f64) (result f64)
    (local $t f64) (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64)
    (local.set $t (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $ah (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $t (f64.mul (f64.const 134217729) (local.get $b)))
    (local.set $bh (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (f64.add
      (f64.add
        (f64.add (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $p))
                 (f64.mul (local.get $ah) (local.get $bl)))
        (f64.mul (local.get $al) (local.get $bh)))
      (f64.mul (local.get $al) (local.get $bl))))

  ;; W × 10^e correctly rounded, written at $out; 0 (nothing written) when unsure.
  (func $store (param $w i64) (param $e i32) (param $negative i32) (param $out i32) (result i32)
    (local $wh f64) (local $wl f64) (local $th f64) (local $tl f64) (local $ph f64)
    (local $t f64) (local $r f64) (local $d f64) (local $size f64) (local $m f64) (local $v f64)
    (if (i32.and (i64.le_u (local.get $w) (i64.const 9007199254740992))
                 (i32.le_u (i32.add (local.get $e) (i32.const 22)) (i32.const 44)))
      (then
        (local.set $v (f64.convert_i64_u (local.get $w)))
        (local.set $v
          (if (result f64) (i32.ge_s (local.get $e) (i32.const 0))
            (then (f64.mul (local.get $v) (f64.load (i32.add (i32.const 8976) (i32.shl (local.get $e) (i32.const 3))))))
            (else (f64.div (local.get $v)
              (f64.load (i32.add (i32.const 8976) (i32.shl (i32.sub (i32.const 0) (local.get $e)) (i32.const 3))))))))
        (f64.store (local.get $out) (select (f64.neg (local.get $v)) (local.get $v) (local.get $negative)))
        (return (i32.const 1))))
    (if (i32.gt_u (i32.add (local.get $e) (i32.const 280)) (i32.const 560)) (then (return (i32.const 0))))
    ;; W as an exact pair: its nearest double and the (small, whole) rest.
    (local.set $wh (f64.convert_i64_u (local.get $w)))
    (local.set $wl (f64.convert_i64_s (i64.sub (local.get $w) (i64.trunc_f64_u (local.get $wh)))))
    (local.set $th (f64.load (i32.shl (i32.add (local.get $e) (i32.const 280)) (i32.const 4))))
    (local.set $tl (f64.load offset=8 (i32.shl (i32.add (local.get $e) (i32.const 280)) (i32.const 4))))
    (local.set $ph (f64.mul (local.get $wh) (local.get $th)))
    (local.set $t (f64.add (call $productError (local.get $wh) (local.get $th) (local.get $ph))
                           (f64.add (f64.mul (local.get $wh) (local.get $tl)) (f64.mul (local.get $wl) (local.get $th)))))
    (local.set $r (f64.add (local.get $ph) (local.get $t)))
    (local.set $d (f64.sub (local.get $t) (f64.sub (local.get $r) (local.get $ph))))
    (local.set $size (f64.abs (local.get $r)))
    (if (i32.eqz (i32.and (f64.gt (local.get $size) (f64.const 0x1p-900)) (f64.lt (local.get $size) (f64.const 0x1p900))))
      (then (return (i32.const 0))))
    ;; The exact value lies within m of r + d: if both ends of that interval round to r, so does it.
    (local.set $m (f64.mul (local.get $size) (f64.const 0x1p-90)))
    (if (i32.or (f64.ne (f64.add (local.get $r) (f64.sub (local.get $d) (local.get $m))) (local.get $r))
                (f64.ne (f64.add (local.get $r) (f64.add (local.get $d) (local.get $m))) (local.get $r)))
      (then (return (i32.const 0))))
    (f64.store (local.get $out) (select (f64.neg (local.get $r)) (local.get $r) (local.get $negative)))
    (i32.const 1))

  ;; Reads the number at $i into $out. Returns the index after it, or 0 when there is none or
  ;; it is left to JavaScript (a 20th significant digit, an exponent out of range, unsure).
  (func $number (param $i i32) (param $end i32) (param $out i32) (result i32)
    (local $c i32) (local $negative i32) (local $mantissa i32) (local $k i32) (local $w i64)
    (local $e i32) (local $point i32) (local $sign i32) (local $x i32) (local $digits i32)
    (local.set $c (i32.load8_u (local.get $i)))
    (local.set $negative (i32.eq (local.get $c) (i32.const 45)))
    (if (i32.or (local.get $negative) (i32.eq (local.get $c) (i32.const 43)))
      (then (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))))
    (local.set $mantissa (local.get $i))
    ;; Leading zeros of the whole part.
    (block $b (loop $l
      (br_if $b (i32.ne (local.get $c) (i32.const 48)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $i)))
      (br $l)))
    ;; Digits of the whole part: the first 19 significant ones make W, zeros after them raise e.
    (block $b (loop $l
      (br_if $b (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
      (if (i32.lt_u (local.get $k) (i32.const 19))
        (then (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1))))
        (else (if (i32.ne (local.get $c) (i32.const 48)) (then (return (i32.const 0))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $i)))
      (br $l)))
    (if (i32.eq (local.get $c) (i32.const 46))
      (then
        (local.set $point (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.eqz (local.get $k))
          (then (block $b (loop $l
            (br_if $b (i32.ne (local.get $c) (i32.const 48)))
            (local.set $e (i32.sub (local.get $e) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))
            (br $l)))))
        (block $b (loop $l
          (br_if $b (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
          (if (i32.lt_u (local.get $k) (i32.const 19))
            (then (local.set $w (i64.add (i64.mul (local.get $w) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (local.set $e (i32.sub (local.get $e) (i32.const 1))))
            (else (if (i32.ne (local.get $c) (i32.const 48)) (then (return (i32.const 0))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $i)))
          (br $l)))))
    ;; At least one digit.
    (if (i32.eqz (i32.sub (i32.sub (local.get $i) (local.get $mantissa)) (local.get $point))) (then (return (i32.const 0))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 101)) (i32.eq (local.get $c) (i32.const 69)))
      (then
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $sign (i32.const 1))
        (if (i32.or (i32.eq (local.get $c) (i32.const 45)) (i32.eq (local.get $c) (i32.const 43)))
          (then (if (i32.eq (local.get $c) (i32.const 45)) (then (local.set $sign (i32.const -1))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $c (i32.load8_u (local.get $i)))))
        (local.set $digits (local.get $i))
        (block $b (loop $l
          (br_if $b (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
          (if (i32.lt_u (local.get $x) (i32.const 100000))
            (then (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $c (i32.load8_u (local.get $i)))
          (br $l)))
        (if (i32.eq (local.get $i) (local.get $digits)) (then (return (i32.const 0))))
        (local.set $e (i32.add (local.get $e) (i32.mul (local.get $sign) (local.get $x))))))
    (if (i32.eqz (local.get $k))
      (then (f64.store (local.get $out) (select (f64.const -0) (f64.const 0) (local.get $negative)))
            (return (local.get $i))))
    (if (i32.eqz (call $store (local.get $w) (local.get $e) (local.get $negative) (local.get $out)))
      (then (return (i32.const 0))))
    (local.get $i))

  ;; The row at $pos: a name up to the first comma (no quote or line break in it), then $width
  ;; plain numbers separated by commas, blanks around them allowed, ending the line (LF, CRLF or
  ;; the end). The values go to $out, 8 bytes each. Returns the row's length with its line
  ;; break, or -1 when it is not such a row (JavaScript reads it then).
  (func (export "row") (param $pos i32) (param $end i32) (param $width i32) (param $out i32) (result i32)
    (local $i i32) (local $c i32) (local $k i32) (local $next i32)
    (local.set $i (local.get $pos))
    (block $b (loop $l
      (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const -1))))
      (local.set $c (i32.load8_u (local.get $i)))
      (br_if $b (i32.eq (local.get $c) (i32.const 44)))
      (if (i32.or (i32.eq (local.get $c) (i32.const 34))
                  (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))
        (then (return (i32.const -1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (block $cells (loop $cell
      (br_if $cells (i32.ge_u (local.get $k) (local.get $width)))
      (block $b (loop $l
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $b (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.set $next (call $number (local.get $i) (local.get $end)
                         (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 3)))))
      (if (i32.eqz (local.get $next)) (then (return (i32.const -1))))
      (local.set $i (local.get $next))
      (block $b (loop $l
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $b (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.ne (local.get $c) (i32.const 9))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (if (i32.lt_u (local.get $k) (i32.sub (local.get $width) (i32.const 1)))
        (then (if (i32.ne (local.get $c) (i32.const 44)) (then (return (i32.const -1))))
              (local.set $i (i32.add (local.get $i) (i32.const 1))))
        (else
          (if (i32.eq (local.get $c) (i32.const 10))
            (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
            (else (if (i32.and (i32.eq (local.get $c) (i32.const 13))
                               (i32.eq (i32.load8_u (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))
              (then (local.set $i (i32.add (local.get $i) (i32.const 2))))
              (else (if (i32.lt_u (local.get $i) (local.get $end)) (then (return (i32.const -1))))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $cell)))
    (i32.sub (local.get $i) (local.get $pos)))
)
`;
