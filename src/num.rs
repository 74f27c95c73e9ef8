//! Rounding on hot paths: `f64::round` calls libm on a baseline x86-64 build and its branches
//! follow coin-toss fractions; these give the same bits with a few instructions.

/// `x.round()` (half away from zero) without a libm call or a branch on the fraction: the same
/// bits for every value, NaN and infinities included.
#[inline]
pub fn round(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x; // 2^52 and up are whole already
    }
    let t = x as i64 as f64; // truncated toward zero, exactly
    let frac = x - t; // exact
    let up = f64::from(u8::from(frac >= 0.5)) - f64::from(u8::from(frac <= -0.5));
    (t + up).copysign(x) // the sign of a zero follows `x`, as `round` keeps it
}

/// `(x * scale).round() / scale`: e.g. `round_to(x, 100.0)` keeps two decimals.
#[inline]
pub fn round_to(x: f64, scale: f64) -> f64 {
    round(x * scale) / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bits_as_round_half_away_from_zero() {
        let mut cases = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -4_503_599_627_370_495.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -0.3,
            0.3,
        ];
        // A fixed pseudo-random walk over magnitudes 1e-3 .. 1e17 (64-bit LCG).
        let mut state: u64 = 1;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..200_000 {
            let x = (next() - 0.5) * 10f64.powi((next() * 20.0) as i32 - 3);
            cases.extend([x, (x * 2.0).round() / 2.0]);
        }
        for x in cases {
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x}");
        }
        assert!(round(f64::NAN).is_nan());
        assert_eq!(round_to(2.345_678, 100.0), 2.35);
    }
}
