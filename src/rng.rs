//! Deterministic random streams. Every (seed, table, shard) pair gets its own xoshiro stream,
//! positioned by a stable hash, so output never depends on thread scheduling.

use rand_core::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

/// FNV-1a over the parts, finished with splitmix64: stable across platforms and releases.
pub fn stable_hash(seed: u64, name: &str, index: u64) -> u64 {
    StreamKey::new(seed, name).hash(index)
}

/// The (seed, name) part of [`stable_hash`], hashed once: for streams drawn per row (a device
/// and day), whose names would otherwise be hashed again for every row.
#[derive(Clone, Copy, Debug)]
pub struct StreamKey(u64);

const FNV_PRIME: u64 = 0x0100_0000_01b3;

impl StreamKey {
    pub fn new(seed: u64, name: &str) -> StreamKey {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u8| {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        };
        seed.to_le_bytes().into_iter().for_each(&mut eat);
        name.bytes().for_each(&mut eat);
        eat(0xff);
        StreamKey(h)
    }

    /// `stable_hash(seed, name, index)`.
    #[inline]
    pub fn hash(self, index: u64) -> u64 {
        let mut h = self.0;
        for b in index.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        splitmix(h)
    }

    /// `Rand::new(seed, name, index)`.
    #[inline]
    pub fn rand(self, index: u64) -> Rand {
        Rand::from_hash(self.hash(index))
    }
}

/// A cheap stable hash of a key already hashed by [`stable_hash`] and an index (e.g. a user and
/// a day): one splitmix64 round.
pub fn mix(key: u64, index: u64) -> u64 {
    splitmix(key ^ index.wrapping_mul(0xd6e8_feb8_6659_fd93))
}

/// A hash as a uniform draw in [0, 1).
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A log-normal with the given median and log-space sigma, built once for draws on a hot path
/// (no logarithm per draw).
pub struct LogNormalDist(LogNormal<f64>);

impl LogNormalDist {
    pub fn new(median: f64, sigma: f64) -> LogNormalDist {
        LogNormalDist(LogNormal::new(median.ln(), sigma).expect("valid lognormal"))
    }
}

/// A random stream with the handful of draws the generators need.
#[derive(Clone)]
pub struct Rand(Xoshiro256PlusPlus);

impl Rand {
    pub fn new(seed: u64, name: &str, index: u64) -> Self {
        Rand::from_hash(stable_hash(seed, name, index))
    }

    /// The stream positioned by a hash from [`stable_hash`] or [`mix`].
    pub fn from_hash(h: u64) -> Self {
        Rand(Xoshiro256PlusPlus::seed_from_u64(h))
    }

    #[inline]
    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n); n must be > 0. Lemire's multiply-shift, no division.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] (inclusive).
    #[inline]
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(hi >= lo);
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    #[inline]
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Index drawn with the given (not necessarily normalised) weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        Normal::new(mean, sd)
            .expect("valid normal")
            .sample(&mut self.0)
    }

    /// Log-normal with the given median and log-space sigma.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        self.lognormal_of(&LogNormalDist::new(median, sigma))
    }

    /// A draw from a log-normal built once (same value as [`Rand::lognormal`]).
    #[inline]
    pub fn lognormal_of(&mut self, d: &LogNormalDist) -> f64 {
        d.0.sample(&mut self.0)
    }

    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        Poisson::new(lambda)
            .expect("valid poisson")
            .sample(&mut self.0) as u64
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rand::new(42, "t", 0).u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rand::new(42, "t", 0).u64(), Rand::new(42, "t", 1).u64());
        assert_ne!(Rand::new(42, "t", 0).u64(), Rand::new(43, "t", 0).u64());
    }

    #[test]
    fn weighted_follows_weights() {
        let mut r = Rand::new(1, "w", 0);
        let mut n = [0u32; 3];
        for _ in 0..100_000 {
            n[r.weighted(&[50.0, 35.0, 15.0])] += 1;
        }
        assert!((n[0] as f64 / 1000.0 - 50.0).abs() < 1.0, "{n:?}");
        assert!((n[2] as f64 / 1000.0 - 15.0).abs() < 1.0, "{n:?}");
    }
}
