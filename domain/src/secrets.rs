//! Secrets at rest (mail passwords, OAuth secrets and tokens): sealed with
//! ChaCha20-Poly1305 under a key from the environment or a key file created
//! on first start with mode 0600. Each value is bound to a label (what it is,
//! e.g. "smtp.password"), so a sealed value cannot be moved to another field.
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::{Error, Result};

const KEY_FILE: &str = "secret.key";
pub const KEY_ENV: &str = "TAYORI_SECRET_KEY";
const PREFIX: &str = "v1:";

pub struct SecretBox {
    key: LessSafeKey,
    rng: SystemRandom,
}

fn key_from_b64(text: &str, origin: &str) -> Result<LessSafeKey> {
    let raw = B64
        .decode(text.trim())
        .map_err(|_| Error::Internal(format!("{origin}: not base64")))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &raw)
        .map_err(|_| Error::Internal(format!("{origin}: the key must be 32 bytes")))?;
    Ok(LessSafeKey::new(unbound))
}

impl SecretBox {
    /// The key from `TAYORI_SECRET_KEY` (base64 of 32 bytes) when given, else
    /// from `<data_dir>/secret.key`, created on first start.
    pub fn load_or_create(data_dir: &Path, env_key: Option<&str>) -> Result<Self> {
        let rng = SystemRandom::new();
        if let Some(k) = env_key {
            return Ok(Self {
                key: key_from_b64(k, KEY_ENV)?,
                rng,
            });
        }
        let path = data_dir.join(KEY_FILE);
        let io = |e: std::io::Error| Error::Internal(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Self {
                key: key_from_b64(&text, &path.display().to_string())?,
                rng,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let mut raw = [0u8; 32];
                rng.fill(&mut raw)
                    .map_err(|_| Error::Internal("no system randomness".into()))?;
                let text = B64.encode(raw);
                let mut opts = std::fs::OpenOptions::new();
                // create_new: two processes starting at once must not both
                // write a key; the loser reads the winner's.
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                match opts.open(&path) {
                    Ok(mut f) => {
                        use std::io::Write;
                        f.write_all(text.as_bytes()).map_err(io)?;
                        f.sync_all().map_err(io)?;
                        Ok(Self {
                            key: key_from_b64(&text, KEY_FILE)?,
                            rng,
                        })
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(data_dir, None)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn seal(&self, label: &str, plaintext: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| Error::Internal("no system randomness".into()))?;
        let mut buf = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut buf,
            )
            .map_err(|_| Error::Internal("seal failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    pub fn open(&self, label: &str, sealed: &str) -> Result<String> {
        let bad = || Error::Internal(format!("sealed {label} cannot be opened with this key"));
        let body = sealed.strip_prefix(PREFIX).ok_or_else(bad)?;
        let mut raw = B64.decode(body).map_err(|_| bad())?;
        if raw.len() < NONCE_LEN {
            return Err(bad());
        }
        let nonce: [u8; NONCE_LEN] = raw[..NONCE_LEN].try_into().map_err(|_| bad())?;
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut raw[NONCE_LEN..],
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> std::path::PathBuf {
        use rand::Rng;
        let d = std::env::temp_dir().join(format!(
            "tayori_secrets_{:016x}",
            rand::thread_rng().r#gen::<u64>()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = temp_dir();
        let a = SecretBox::load_or_create(&dir, None).unwrap();
        let sealed = a.seal("smtp.password", "パスワード").unwrap();
        assert!(!sealed.contains("パスワード"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let b = SecretBox::load_or_create(&dir, None).unwrap();
        assert_eq!(b.open("smtp.password", &sealed).unwrap(), "パスワード");
    }

    #[test]
    fn values_are_bound_to_their_label_and_key() {
        let dir = temp_dir();
        let a = SecretBox::load_or_create(&dir, None).unwrap();
        let sealed = a.seal("smtp.password", "secret").unwrap();
        assert_ne!(
            sealed,
            a.seal("smtp.password", "secret").unwrap(),
            "fresh nonce each time"
        );
        assert!(a.open("pop3.password", &sealed).is_err());
        let other = SecretBox::load_or_create(&dir, Some(&B64.encode([7u8; 32]))).unwrap();
        assert!(other.open("smtp.password", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(a.open("smtp.password", &tampered).is_err());
        assert!(
            SecretBox::load_or_create(&dir, Some("c2hvcnQ=")).is_err(),
            "short env key refused"
        );
    }
}
