//! Slows repeated failed logins, per account and per client address.
//!
//! After a few free mistakes each further failure doubles the wait before the
//! next attempt on that key is even checked (up to five minutes). Kept in
//! memory: a restart forgives, which is acceptable for slowing guessing.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures without a wait: per account, and per client address more, as
/// a whole office signs in from behind one address (and an attempt counts
/// until its password proves right, so colleagues signing in at the same
/// moment are failures in flight for a while).
const FREE_FAILURES: u32 = 3;
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Entries idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

fn wait_for(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let exp = (failures - free).min(16);
    Duration::from_secs(1u64 << exp).min(MAX_WAIT)
}

impl LoginThrottle {
    fn keys(account: &str, ip: &str) -> [String; 2] {
        // Bounded whatever the request carried: no login ID is longer
        // (users::LOGIN_ID_MAX), and a megabyte-long one must not be kept.
        let account: String = account
            .trim()
            .chars()
            .take(crate::users::LOGIN_ID_MAX)
            .collect();
        [
            format!("acct:{}", account.to_lowercase()),
            format!("ip:{}", ip.chars().take(64).collect::<String>()),
        ]
    }

    /// How long the caller must still wait before this attempt is checked.
    pub fn retry_after(&self, account: &str, ip: &str, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Self::wait(&entries, account, ip, now)
    }

    fn wait(
        entries: &HashMap<String, Entry>,
        account: &str,
        ip: &str,
        now: Instant,
    ) -> Option<Duration> {
        Self::keys(account, ip)
            .iter()
            .zip([FREE_FAILURES, FREE_FAILURES_PER_ADDRESS])
            .filter_map(|(k, free)| Some((entries.get(k)?, free)))
            // No wait is no wait, whenever the entry was last touched: a
            // concurrent attempt may have stamped it after `now` was taken.
            .map(|(e, free)| (e.last, wait_for(e.failures, free)))
            .filter(|(_, wait)| !wait.is_zero())
            .filter_map(|(last, wait)| (last + wait).checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    /// Checks and counts a sign-in attempt in one step, before its password
    /// is checked, so a burst of concurrent attempts cannot all pass the
    /// check before any of them is counted. The attempt counts as a failure
    /// until `succeeded` says otherwise. `Err(wait)`: not now.
    pub fn attempt(&self, account: &str, ip: &str, now: Instant) -> Result<(), Duration> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(wait) = Self::wait(&entries, account, ip, now) {
            return Err(wait);
        }
        Self::count(&mut entries, account, ip, now);
        Ok(())
    }

    pub fn failed(&self, account: &str, ip: &str, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Self::count(&mut entries, account, ip, now);
    }

    fn count(entries: &mut HashMap<String, Entry>, account: &str, ip: &str, now: Instant) {
        entries.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
        for k in Self::keys(account, ip) {
            let e = entries.entry(k).or_insert(Entry {
                failures: 0,
                last: now,
            });
            e.failures += 1;
            e.last = now;
        }
    }

    /// A correct password clears the account's record and takes back the
    /// address's count of this attempt, not its earlier failures: one good
    /// login must not unlock guessing at other accounts.
    pub fn succeeded(&self, account: &str, ip: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let [acct, addr] = Self::keys(account, ip);
        entries.remove(&acct);
        if let Some(e) = entries.get_mut(&addr) {
            e.failures = e.failures.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_login_id_is_remembered_in_bounded_space() {
        let t = LoginThrottle::default();
        let huge = "a".repeat(1 << 20);
        t.failed(&huge, "192.0.2.1", Instant::now());
        let entries = t.entries.lock().expect("lock");
        assert!(entries.keys().all(|k| k.len() <= 80), "keys are bounded");
        assert!(entries.contains_key(&format!("acct:{}", "a".repeat(64))));
    }

    #[test]
    fn first_failures_are_free_then_waits_double() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(t.retry_after("yamada", "10.0.0.1", now), None);
            t.failed("yamada", "10.0.0.1", now);
        }
        assert_eq!(
            t.retry_after("yamada", "10.0.0.1", now),
            Some(Duration::from_secs(1))
        );
        t.failed("yamada", "10.0.0.1", now);
        assert_eq!(
            t.retry_after("Yamada", "10.0.0.2", now),
            Some(Duration::from_secs(2)),
            "account key is case-insensitive and independent of the address"
        );
        assert_eq!(
            t.retry_after("suzuki", "10.0.0.1", now),
            None,
            "one person's mistakes do not slow the office behind the address"
        );
        for _ in FREE_FAILURES + 1..FREE_FAILURES_PER_ADDRESS {
            t.failed("other", "10.0.0.1", now);
        }
        assert_eq!(
            t.retry_after("suzuki", "10.0.0.1", now),
            Some(Duration::from_secs(1)),
            "guessing across accounts from one address is slowed"
        );
        assert_eq!(t.retry_after("suzuki", "10.0.0.3", now), None);
        assert_eq!(
            t.retry_after("yamada", "10.0.0.1", now + Duration::from_secs(3)),
            None
        );
    }

    #[test]
    fn success_clears_account_but_not_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            t.failed("yamada", "10.0.0.1", now);
        }
        t.succeeded("yamada", "10.0.0.1");
        assert_eq!(t.retry_after("yamada", "10.0.0.9", now), None);
        // Four of the five still count against the address.
        for _ in 4..FREE_FAILURES_PER_ADDRESS {
            t.failed("other", "10.0.0.1", now);
        }
        assert!(t.retry_after("third", "10.0.0.1", now).is_some());
    }

    #[test]
    fn a_concurrent_burst_is_counted_before_any_password_is_checked() {
        let t = std::sync::Arc::new(LoginThrottle::default());
        let now = Instant::now();
        let admitted: u32 = std::thread::scope(|s| {
            let runs: Vec<_> = (0..32)
                .map(|_| {
                    let t = t.clone();
                    s.spawn(move || u32::from(t.attempt("yamada", "10.0.0.1", now).is_ok()))
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap_or(0)).sum()
        });
        assert_eq!(
            admitted, FREE_FAILURES,
            "only the free attempts get through"
        );
    }

    #[test]
    fn colleagues_behind_one_address_sign_in_at_the_same_moment() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let admitted = (0..FREE_FAILURES_PER_ADDRESS)
            .filter(|i| t.attempt(&format!("user{i}"), "10.0.0.1", now).is_ok())
            .count();
        assert_eq!(admitted as u32, FREE_FAILURES_PER_ADDRESS);
    }

    #[test]
    fn an_entry_stamped_after_now_was_taken_is_no_reason_to_wait() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        // A colleague's attempt, counted a moment after this one's clock.
        t.attempt("sato", "10.0.0.1", now + Duration::from_millis(5))
            .expect("first attempt");
        assert_eq!(t.attempt("suzuki", "10.0.0.1", now), Ok(()));
    }

    #[test]
    fn a_good_sign_in_does_not_count_against_its_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for user in ["a", "b", "c", "d", "e", "f"] {
            assert!(t.attempt(user, "10.0.0.1", now).is_ok(), "{user}");
            t.succeeded(user, "10.0.0.1");
        }
    }

    #[test]
    fn wait_is_capped() {
        assert_eq!(wait_for(100, FREE_FAILURES), MAX_WAIT);
    }
}
