//! Tokens: `mcpr_<id>_<secret>`, 32 random bytes of secret from the system
//! RNG. The id is public (it names the token in audit records and for
//! revocation); only the SHA-256 of the secret is stored, and presented
//! secrets are compared with it in constant time.

use crate::model::{Scope, TokenRecord};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use jiff::Timestamp;

/// Prefix of every token, so secret scanners and people can recognise one.
pub const PREFIX: &str = "mcpr_";
const ID_HEX_LEN: usize = 16;
const SECRET_BYTES: usize = 32;

/// A freshly created token: the full string is shown once and never stored.
#[derive(Debug)]
pub struct IssuedToken {
    /// The token to hand to its user.
    pub token: String,
    /// What is stored.
    pub record: TokenRecord,
}

/// Why a token could not be created.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

/// Creates a token with `scope`.
pub fn issue(scope: Scope, description: &str, now: Timestamp) -> Result<IssuedToken, RandomError> {
    let rng = SystemRandom::new();
    let mut id = [0u8; ID_HEX_LEN / 2];
    let mut secret = [0u8; SECRET_BYTES];
    rng.fill(&mut id).map_err(|_| RandomError)?;
    rng.fill(&mut secret).map_err(|_| RandomError)?;
    let id = hex::encode(id);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    Ok(IssuedToken {
        token: format!("{PREFIX}{id}_{secret}"),
        record: TokenRecord {
            id,
            secret_sha256: sha256_hex(secret.as_bytes()),
            scope,
            description: description.to_owned(),
            created_at: now,
            revoked_at: None,
        },
    })
}

/// Splits a presented token into its id and secret; `None` when it is not shaped like one.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    if rest.len() <= ID_HEX_LEN + 1 || !rest.is_char_boundary(ID_HEX_LEN) {
        return None;
    }
    let (id, secret) = rest.split_at(ID_HEX_LEN);
    let secret = secret.strip_prefix('_')?;
    (id.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty()).then_some((id, secret))
}

/// True when `secret` is the token's secret and the token is not revoked.
pub fn verify(record: &TokenRecord, secret: &str) -> bool {
    let presented = sha256_hex(secret.as_bytes());
    let matches =
        verify_slices_are_equal(presented.as_bytes(), record.secret_sha256.as_bytes()).is_ok();
    matches && record.revoked_at.is_none()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_and_only_its_hash_is_stored() {
        let issued = issue(Scope::Admin, "", Timestamp::UNIX_EPOCH).unwrap();
        let (id, secret) = parse(&issued.token).unwrap();
        assert_eq!(id, issued.record.id);
        assert!(verify(&issued.record, secret));
        assert!(!issued.record.secret_sha256.contains(secret));
        assert_eq!(secret.len(), 43);
    }

    #[test]
    fn rejects_tampered_secret_and_revoked_token() {
        let mut issued = issue(Scope::Admin, "", Timestamp::UNIX_EPOCH).unwrap();
        let (_, secret) = parse(&issued.token).unwrap();
        let mut tampered = secret.to_owned();
        tampered.replace_range(0..1, if secret.starts_with('A') { "B" } else { "A" });
        assert!(!verify(&issued.record, &tampered));
        issued.record.revoked_at = Some(Timestamp::UNIX_EPOCH);
        assert!(!verify(&issued.record, secret));
    }

    #[test]
    fn parse_refuses_malformed_tokens() {
        for bad in [
            "",
            "mcpr_",
            "mcpr_0123456789abcdef",
            "mcpr_0123456789abcdef_",
            "ghp_0123456789abcdef_x",
            "mcpr_0123456789abcdeg_x",
            "mcpr_0123456789abcdefXx",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
