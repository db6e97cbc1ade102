//! Passwords, tokens and identifiers.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::ports::{Random, random_bytes};
use crate::values::EmailAddress;

/// Argon2id at the OWASP-recommended minimum: 19 MiB, two passes, one lane.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
/// zxcvbn's score (0–4) a password must reach: 3 is "safely unguessable" for an online attack
/// and resists offline guessing of a slow hash.
const PASSWORD_MIN_SCORE: u8 = 3;

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's documented bounds.
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .unwrap_or_else(|_| unreachable!("constant argon2 parameters are valid"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password that meets the policy. Never logged, never serialized.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Checks the policy: 8 to 128 characters, any characters (passphrases welcome, no
    /// composition rules), not a common or easily guessed password, and not containing the
    /// e-mail's local part or the person's names.
    pub fn parse(raw: &str, email: Option<&EmailAddress>, names: &[&str]) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"));
        }
        let lower = raw.to_lowercase();
        if let Some(email) = email {
            let local = email.local_part();
            if local.chars().count() >= 3 && lower.contains(local) {
                return Err("must not contain your e-mail address".to_owned());
            }
        }
        let mut inputs: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
        if let Some(email) = email {
            inputs.push(email.as_str());
            inputs.push(email.local_part());
        }
        // zxcvbn's matching grows with length; the first 100 characters tell enough.
        let sample: String = raw.chars().take(100).collect();
        let entropy = zxcvbn::zxcvbn(&sample, &inputs);
        if u8::from(entropy.score()) < PASSWORD_MIN_SCORE {
            let hint = entropy
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| "It is too easy to guess.".to_owned());
            return Err(format!(
                "is too easy to guess: {hint} Try a few unrelated words."
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Hashes with argon2id off the async runtime.
    pub async fn hash(self, random: &dyn Random) -> Result<String> {
        let salt = random_bytes::<16>(random);
        tokio::task::spawn_blocking(move || {
            let salt =
                SaltString::encode_b64(&salt).map_err(|e| Error::Internal(format!("salt: {e}")))?;
            argon2()
                .hash_password(self.0.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
        })
        .await
        .map_err(|e| Error::Internal(format!("hashing task: {e}")))?
    }
}

/// Verifies a password against a stored PHC hash off the async runtime. `None` verifies against
/// a dummy hash of the same cost, so an unknown e-mail takes as long as a known one.
pub async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed =
            PasswordHash::new(&phc).map_err(|e| Error::Internal(format!("stored hash: {e}")))?;
        let matches = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(|e| Error::Internal(format!("verifying task: {e}")))?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"dummy-salt-16byt")
            .unwrap_or_else(|_| unreachable!("16 bytes encode"));
        argon2()
            .hash_password(b"not a password anyone has", &salt)
            .map(|h| h.to_string())
            .unwrap_or_else(|_| unreachable!("hashing a constant with valid parameters"))
    })
}

/// Computes the dummy hash now, so the first unknown-e-mail login is not faster than later ones.
pub fn warm_up() {
    let _ = dummy_hash();
}

/// A secret token for a link or a session: 256 random bits, base64url. Only its hash is stored.
pub fn new_token(random: &dyn Random) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>(random))
}

/// What is stored of a token: its SHA-256 in hex (the token has 256 bits of entropy, so a fast
/// hash is enough to make a leaked table useless).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a presented token has the shape we issue (saves a lookup for garbage).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A random identifier: 128 bits, lower-case hex in UUID form.
pub fn new_id(random: &dyn Random) -> String {
    uuid::Builder::from_random_bytes(random_bytes::<16>(random))
        .into_uuid()
        .to_string()
}

pub fn is_id(raw: &str) -> bool {
    uuid::Uuid::try_parse(raw).is_ok() && raw.len() == 36
}

/// Compares a presented API key with the stored SHA-256, in constant time.
pub fn api_key_matches(presented: &str, stored_sha256: &[u8; 32]) -> bool {
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    digest.ct_eq(stored_sha256).into()
}

/// Constant-time equality of two short secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SystemRandom;

    fn email() -> EmailAddress {
        EmailAddress::parse("ada.lovelace@example.org").unwrap()
    }

    #[test]
    fn password_policy() {
        let e = email();
        assert!(Password::parse("short", Some(&e), &[]).is_err());
        assert!(
            Password::parse("password1", Some(&e), &[])
                .unwrap_err()
                .contains("guess")
        );
        assert!(Password::parse("qwertyuiop", Some(&e), &[]).is_err());
        assert!(
            Password::parse("xx ada.lovelace xx 9!", Some(&e), &[])
                .unwrap_err()
                .contains("e-mail")
        );
        assert!(Password::parse("Lovelace1815", Some(&e), &["Ada", "Lovelace"]).is_err());
        assert!(Password::parse("correct horse battery staple", Some(&e), &[]).is_ok());
        let long = "plum kettle orbit ".repeat(7);
        assert!(long.chars().count() <= 128 && long.chars().count() >= 64);
        assert!(Password::parse(&long, Some(&e), &[]).is_ok());
        assert!(Password::parse(&"x".repeat(129), Some(&e), &[]).is_err());
    }

    #[tokio::test]
    async fn hashes_verify_and_the_dummy_never_matches() {
        let hash = Password::parse("correct horse battery staple", None, &[])
            .unwrap()
            .hash(&SystemRandom)
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify_password("correct horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("not a password anyone has", None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn tokens_are_long_and_hashed() {
        let t = new_token(&SystemRandom);
        assert!(looks_like_token(&t));
        assert_ne!(t, new_token(&SystemRandom));
        assert_eq!(token_hash(&t).len(), 64);
        assert!(is_id(&new_id(&SystemRandom)));
        let key_hash: [u8; 32] = Sha256::digest(b"records-key").into();
        assert!(api_key_matches("records-key", &key_hash));
        assert!(!api_key_matches("records-kez", &key_hash));
    }
}
