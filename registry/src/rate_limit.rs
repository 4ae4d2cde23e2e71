//! Per-key rate limits (one limiter per client IP, one per token): a token
//! bucket per key refilled continuously, answering how long to wait when
//! empty. Hand-rolled rather than `governor`: this is forty lines, while the
//! keyed limiter there brings `dashmap`, `quanta` and friends for a check that
//! runs a few thousand times a second at most.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most keys tracked before idle ones are swept.
const SWEEP_ABOVE: usize = 10_000;
/// Least time between two sweeps: a sweep walks every key, so sweeping on
/// every request once many keys are live would make each request cost as
/// much as the number of clients.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// The rate-limit key of a client address: an IPv4 address, or the /64
/// network of an IPv6 one (one host usually holds a whole /64, so keying by
/// address would give it billions of buckets). IPv4-mapped IPv6 addresses
/// count as their IPv4 address.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Token buckets keyed by client IP or token id.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    by_key: HashMap<String, Bucket>,
    swept: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_minute` requests a minute on average, bursts up to `burst`; 0 disables the limit.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets::default()),
        }
    }

    /// Whether this limiter lets everything through (a limit of 0).
    pub fn is_unlimited(&self) -> bool {
        self.per_second <= 0.0
    }

    /// Takes one request from `key`'s bucket, or says how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        // A panic while the lock was held leaves counters, nothing that could
        // grant more than the limit: keep limiting with them rather than
        // letting every request through (or refusing every one forever).
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = buckets
            .swept
            .is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY);
        if buckets.by_key.len() > SWEEP_ABOVE && due {
            // A bucket idle long enough to be full again is the same as none.
            let full_after = Duration::from_secs_f64(self.burst / self.per_second);
            buckets
                .by_key
                .retain(|_, b| now.duration_since(b.at) < full_after);
            buckets.swept = Some(now);
        }
        let bucket = buckets.by_key.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = (bucket.tokens
            + now.duration_since(bucket.at).as_secs_f64() * self.per_second)
            .min(self.burst);
        if refilled >= 1.0 {
            *bucket = Bucket {
                tokens: refilled - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket {
                tokens: refilled,
                at: now,
            };
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_burst_then_refuses_with_wait() {
        let limiter = RateLimiter::new(60, 3);
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limiter.check("b").is_ok(), "keys are independent");
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), "2001:db8:1:2::/64");
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(other));
        assert_eq!(ip_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(ip_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
        let limiter = RateLimiter::new(60, 2);
        assert!(limiter.check(&ip_key(a)).is_ok());
        assert!(limiter.check(&ip_key(b)).is_ok());
        assert!(
            limiter.check(&ip_key(a)).is_err(),
            "two addresses of one /64 share a bucket"
        );
    }

    #[test]
    fn a_poisoned_lock_keeps_limiting() {
        // One request a minute: a slow machine (a panic prints a backtrace)
        // cannot refill the bucket between the checks.
        let limiter = std::sync::Arc::new(RateLimiter::new(1, 1));
        assert!(limiter.check("k").is_ok());
        let l = limiter.clone();
        let _ = std::thread::spawn(move || {
            let _held = l.buckets.lock().unwrap();
            panic!("a panic while the buckets are locked");
        })
        .join();
        assert!(limiter.buckets.is_poisoned());
        assert!(limiter.check("k").is_err(), "the spent bucket stays spent");
        assert!(limiter.check("other").is_ok());
        assert!(limiter.check("other").is_err());
    }

    #[test]
    fn many_live_keys_are_swept_at_most_once_a_second() {
        let limiter = RateLimiter::new(60, 1);
        for i in 0..(SWEEP_ABOVE + 10) {
            assert!(limiter.check(&format!("k{i}")).is_ok());
        }
        let swept = limiter.buckets.lock().unwrap().swept;
        assert!(
            swept.is_some(),
            "a sweep ran once the keys passed the bound"
        );
        assert!(limiter.check("one more").is_ok());
        assert_eq!(
            limiter.buckets.lock().unwrap().swept,
            swept,
            "no second sweep within the second"
        );
        // The live buckets survived the sweep: their keys are still limited.
        assert!(limiter.check("k0").is_err());
    }

    #[test]
    fn zero_disables() {
        let limiter = RateLimiter::new(0, 0);
        for _ in 0..1000 {
            assert!(limiter.check("a").is_ok());
        }
    }
}
