//! Tokens: `mcpr_<id>_<secret>`, 32 random bytes of secret from the system
//! RNG. The id is public (it names the token in audit records and for
//! revocation); only the SHA-256 of the secret is stored, and presented
//! secrets are compared with it in constant time. A token may carry an
//! expiry ([`Expiry`]; 90 days unless the administrator says otherwise), from
//! which moment on it authenticates nothing.

use crate::model::{Scope, TokenRecord};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use std::fmt;
use std::str::FromStr;

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

/// How long a new token lives (`--expires WHEN`, `"expires"` of the admin route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The token never expires.
    Never,
    /// The token expires this long after it is created.
    After(SignedDuration),
    /// The token expires at this time.
    At(Timestamp),
}

/// The expiry of a token when none is given: 90 days.
pub const DEFAULT_EXPIRY: &str = "90d";

/// What `WHEN` may be, for error messages.
pub const EXPIRY_GRAMMAR: &str = "a duration such as `90d`, `12h` or `30m`, an RFC 3339 timestamp such as `2026-01-31T00:00:00Z`, or `never`";

impl Expiry {
    /// Parses `WHEN`: `<N>d`, `<N>h`, `<N>m` (N > 0), an RFC 3339 timestamp, or `never`.
    pub fn parse(s: &str) -> Result<Expiry, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("never") {
            return Ok(Expiry::Never);
        }
        if let Some(t) = crate::time::parse(s) {
            return Ok(Expiry::At(t));
        }
        let bad = || format!("`{s}` is not {EXPIRY_GRAMMAR}");
        let unit_at = s.len().checked_sub(1).filter(|&i| s.is_char_boundary(i));
        let (digits, unit) = unit_at.map(|i| s.split_at(i)).ok_or_else(bad)?;
        let secs_per_unit: i64 = match unit {
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            _ => return Err(bad()),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("`{s}` is too long a duration"))?;
        if n == 0 {
            return Err(format!(
                "`{s}` is a zero duration: the token would be expired at once; give a positive duration, or `never`"
            ));
        }
        let secs = n
            .checked_mul(secs_per_unit)
            .ok_or_else(|| format!("`{s}` is too long a duration"))?;
        Ok(Expiry::After(SignedDuration::from_secs(secs)))
    }

    /// When a token created at `now` expires (`None`: never); a time not
    /// after `now` is refused, as is one beyond the last representable time.
    pub fn resolve(self, now: Timestamp) -> Result<Option<Timestamp>, String> {
        let at = match self {
            Expiry::Never => return Ok(None),
            Expiry::At(t) => t,
            Expiry::After(d) => now
                .checked_add(d)
                .map_err(|_| format!("{self} is too far in the future"))?,
        };
        if at <= now {
            return Err(format!(
                "{} is not in the future (it is now {}): the token would be expired at once",
                crate::time::format(at),
                crate::time::format(now)
            ));
        }
        Ok(Some(at))
    }
}

impl FromStr for Expiry {
    type Err = String;
    fn from_str(s: &str) -> Result<Expiry, String> {
        Expiry::parse(s)
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expiry::Never => f.write_str("never"),
            Expiry::After(d) => {
                let secs = d.as_secs();
                match (secs % 86_400, secs % 3_600) {
                    (0, _) => write!(f, "{}d", secs / 86_400),
                    (_, 0) => write!(f, "{}h", secs / 3_600),
                    _ => write!(f, "{}m", secs / 60),
                }
            }
            Expiry::At(t) => f.write_str(&crate::time::format(*t)),
        }
    }
}

/// Creates a token with `scope`, expiring at `expires_at` (`None`: never).
pub fn issue(
    scope: Scope,
    description: &str,
    now: Timestamp,
    expires_at: Option<Timestamp>,
) -> Result<IssuedToken, RandomError> {
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
            expires_at,
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

/// Why a presented token authenticates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Wrong secret, or revoked: nothing more is said.
    Invalid,
    /// The right secret of a token that is not revoked but expired at this time.
    Expired(Timestamp),
}

/// Accepts `secret` at `now` when it is the token's secret and the token is
/// neither revoked nor expired. Only the holder of the right secret learns
/// that the token expired (and when).
pub fn verify(record: &TokenRecord, secret: &str, now: Timestamp) -> Result<(), Rejected> {
    let presented = sha256_hex(secret.as_bytes());
    let matches =
        verify_slices_are_equal(presented.as_bytes(), record.secret_sha256.as_bytes()).is_ok();
    if !matches || record.revoked_at.is_some() {
        return Err(Rejected::Invalid);
    }
    match expired_at(record, now) {
        Some(at) => Err(Rejected::Expired(at)),
        None => Ok(()),
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's id (audit records name it).
    pub token_id: String,
    /// What it may do.
    pub scope: Scope,
}

impl Principal {
    /// True when the token's namespace owns `server_name`.
    pub fn owns(&self, server_name: &str) -> bool {
        matches!(&self.scope, Scope::Namespace(ns) if crate::namespace::of_server(server_name) == Some(ns.as_str()))
    }
}

/// What a caller that presented an expired token's right secret is told;
/// `meanwhile` is appended after the time.
pub fn expired_detail(at: Timestamp, meanwhile: &str) -> String {
    format!(
        "the token expired at {}{meanwhile}; ask the registry operator for a new one (`mcp-registry admin token rotate`)",
        crate::time::format(at)
    )
}

/// When the token expired, if it has by `now` (a token is expired from its `expires_at` on).
pub fn expired_at(record: &TokenRecord, now: Timestamp) -> Option<Timestamp> {
    record.expires_at.filter(|&at| now >= at)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn issued_token_verifies_and_only_its_hash_is_stored() {
        let issued = issue(Scope::Admin, "", Timestamp::UNIX_EPOCH, None).unwrap();
        let (id, secret) = parse(&issued.token).unwrap();
        assert_eq!(id, issued.record.id);
        assert_eq!(
            verify(&issued.record, secret, Timestamp::UNIX_EPOCH),
            Ok(())
        );
        assert!(!issued.record.secret_sha256.contains(secret));
        assert_eq!(secret.len(), 43);
    }

    #[test]
    fn rejects_tampered_secret_and_revoked_token() {
        let now = Timestamp::UNIX_EPOCH;
        let mut issued = issue(Scope::Admin, "", now, None).unwrap();
        let (_, secret) = parse(&issued.token).unwrap();
        let mut tampered = secret.to_owned();
        tampered.replace_range(0..1, if secret.starts_with('A') { "B" } else { "A" });
        assert_eq!(
            verify(&issued.record, &tampered, now),
            Err(Rejected::Invalid)
        );
        issued.record.revoked_at = Some(now);
        assert_eq!(verify(&issued.record, secret, now), Err(Rejected::Invalid));
    }

    #[test]
    fn a_token_is_valid_until_its_expiry_and_refused_from_then_on() {
        let created = at("2025-01-01T00:00:00Z");
        let expires = at("2025-04-01T00:00:00Z");
        let issued = issue(Scope::Admin, "", created, Some(expires)).unwrap();
        let (_, secret) = parse(&issued.token).unwrap();
        let just_before = expires.checked_sub(SignedDuration::from_secs(1)).unwrap();
        assert_eq!(verify(&issued.record, secret, just_before), Ok(()));
        assert_eq!(
            verify(&issued.record, secret, expires),
            Err(Rejected::Expired(expires))
        );
        assert_eq!(
            verify(&issued.record, secret, at("2030-01-01T00:00:00Z")),
            Err(Rejected::Expired(expires))
        );
        assert_eq!(expired_at(&issued.record, just_before), None);
        assert_eq!(expired_at(&issued.record, expires), Some(expires));
    }

    #[test]
    fn an_expired_token_with_a_wrong_secret_or_revoked_says_nothing_of_its_expiry() {
        let issued = issue(
            Scope::Admin,
            "",
            Timestamp::UNIX_EPOCH,
            Some(at("2000-01-01T00:00:00Z")),
        )
        .unwrap();
        let now = at("2025-01-01T00:00:00Z");
        assert_eq!(
            verify(&issued.record, "not-the-secret", now),
            Err(Rejected::Invalid)
        );
        let (_, secret) = parse(&issued.token).unwrap();
        let mut revoked = issued.record.clone();
        revoked.revoked_at = Some(now);
        assert_eq!(verify(&revoked, secret, now), Err(Rejected::Invalid));
    }

    #[test]
    fn expiry_parses_durations_timestamps_and_never() {
        let now = at("2025-01-01T00:00:00Z");
        for (when, expected) in [
            ("90d", Some("2025-04-01T00:00:00Z")),
            ("12h", Some("2025-01-01T12:00:00Z")),
            ("30m", Some("2025-01-01T00:30:00Z")),
            ("2026-01-31T00:00:00Z", Some("2026-01-31T00:00:00Z")),
            ("2025-01-01T02:00:00+01:00", Some("2025-01-01T01:00:00Z")),
            ("never", None),
        ] {
            let expiry = Expiry::parse(when).unwrap_or_else(|e| panic!("{when}: {e}"));
            assert_eq!(expiry.resolve(now).unwrap(), expected.map(at), "{when}");
        }
        assert_eq!(Expiry::parse(DEFAULT_EXPIRY).unwrap().to_string(), "90d");
    }

    #[test]
    fn expiry_refuses_zero_past_and_malformed_values() {
        let now = at("2025-01-01T00:00:00Z");
        for bad in [
            "",
            "d",
            "0d",
            "0h",
            "00m",
            "-1d",
            "+1d",
            "1.5d",
            "10",
            "10s",
            "10w",
            "1 d",
            "90D",
            "2025-13-01T00:00:00Z",
            "2026-01-31",
            "forever",
            "1é",
        ] {
            assert!(Expiry::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert!(Expiry::parse("0d").unwrap_err().contains("zero duration"));
        for past in ["2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"] {
            let e = Expiry::parse(past).unwrap().resolve(now).unwrap_err();
            assert!(e.contains("not in the future"), "{e}");
        }
        assert!(
            Expiry::parse("99999999999999d")
                .unwrap()
                .resolve(now)
                .unwrap_err()
                .contains("too far")
        );
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
