//! Staff passwords: Argon2id hashes in PHC string format, verified offline by the tablets.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};

/// Shortest password accepted for a staff account.
pub const MIN_LENGTH: usize = 8;

/// Why a password was refused or could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("パスワードは{MIN_LENGTH}文字以上にしてください({0}文字です)")]
    TooShort(usize),
    /// The hasher failed.
    #[error("パスワードを暗号化できませんでした: {0}")]
    Hash(String),
}

/// Hashes `password` with Argon2id (default parameters) and a random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(PasswordError::TooShort(len));
    }
    let mut salt_bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt_bytes)
        .map_err(|_| PasswordError::Hash("乱数を取得できません".into()))?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
        assert_eq!(hash("short"), Err(PasswordError::TooShort(5)));
    }
}
