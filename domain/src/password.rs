//! Password hashing (argon2id, PHC strings) and one-time password generation.
//! Hashing is CPU-bound, so it runs on the blocking pool.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::rngs::OsRng;

use crate::{Error, Result};

/// Hashes at once: argon2 takes about 19 MB and tens of milliseconds of a
/// core each, so a burst of sign-ins waits its turn here instead of filling
/// the blocking pool (512 threads) and the memory with hashes, and leaves
/// one core to everything else: while 200 people sign in at 9:00, the
/// colleagues already signed in still get their lists at once.
fn at_once(cores: usize) -> usize {
    cores.saturating_sub(1).clamp(1, 4)
}

static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(at_once(cores))
});

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn hashing<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let _slot = HASHING
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("{what}: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("{what} task: {e}")))?
}

pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    hashing("hash", move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))
    })
    .await
}

pub async fn verify(password: &str, phc: &str) -> Result<bool> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    hashing("verify", move || {
        let parsed =
            PasswordHash::new(&phc).map_err(|e| Error::Internal(format!("stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// A PHC string of a password nobody knows: verifying against it costs the
/// same as a real check, so an unknown login ID is not revealed by timing.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jx2bIyhH2vcnkWLOIcw3G6aD/3mHfFhzmZCJqbhpSKU";

/// 16 characters from an alphabet without look-alikes (0/O, 1/l/I), so a
/// printed password can be typed from the console without mistakes.
pub fn generate_one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_leaves_a_core_to_everything_else() {
        assert_eq!(at_once(1), 1);
        assert_eq!(at_once(2), 1);
        assert_eq!(at_once(4), 3);
        // The cap bounds the memory of a burst (19 MB each) on large machines.
        assert_eq!(at_once(64), 4);
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("正しいパスワード").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("正しいパスワード", &h).await.unwrap());
        assert!(!verify("違うパスワード", &h).await.unwrap());
    }

    #[tokio::test]
    async fn dummy_hash_parses_and_matches_nothing_typed() {
        assert!(!verify("admin", DUMMY_HASH).await.unwrap());
    }

    #[test]
    fn one_time_passwords_differ() {
        let a = generate_one_time();
        assert_eq!(a.len(), 16);
        assert_ne!(a, generate_one_time());
    }
}
