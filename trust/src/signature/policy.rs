//! Who must have signed: a keyless signer (certificate identity and OIDC
//! issuer, each exact or an anchored regular expression) or the holder of a
//! public key. A keyless policy always names both an identity and an issuer:
//! there is no "any signer" policy, because a valid Sigstore signature by
//! anyone at all proves nothing about who made an image.
//!
//! Identity and issuer are matched here, after every cryptographic stage has
//! passed, against the values of the verified certificate. Regular
//! expressions are compiled as `^(?:RE)$`: they must match the whole value.
//! This is stricter than cosign's `--certificate-identity-regexp`, which
//! accepts a match anywhere in the value (so `github.com/acme/` there also
//! matches `https://evil.example/github.com/acme/…`).

use regex::Regex;
use sigstore_types::DerPublicKey;
use std::fmt;
use thiserror::Error;

/// Why a policy could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The regular expression does not compile.
    #[error("`{pattern}` is not a valid regular expression: {reason}")]
    BadRegex {
        /// The pattern as given.
        pattern: String,
        /// The compiler's complaint.
        reason: String,
    },
    /// An exact value or pattern is empty.
    #[error("the {what} must not be empty")]
    Empty {
        /// Which value was empty.
        what: &'static str,
    },
    /// A policy source (a manifest) names no value for a required part.
    #[error("the policy names no {what}")]
    Missing {
        /// Which part is missing.
        what: &'static str,
    },
    /// The public key is not a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of a supported algorithm.
    #[error("the public key is not a usable PEM public key: {0}")]
    BadKey(String),
}

/// How a certificate value (identity or issuer) must look.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The value must equal this string, byte for byte.
    Exact(String),
    /// The whole value must match this expression (compiled as `^(?:RE)$`).
    Regex(AnchoredRegex),
}

/// A regular expression that must match a whole value.
#[derive(Debug, Clone)]
pub struct AnchoredRegex {
    pattern: String,
    compiled: Regex,
}

/// Compiles `pattern` to match whole strings only, as `^(?:pattern)$`. The
/// pattern must compile on its own first: `x)|(?:.*` would otherwise close
/// the group early and become `^(?:x)|(?:.*)$`, which matches anything.
pub fn anchored_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(pattern)?;
    Regex::new(&format!("^(?:{pattern})$"))
}

impl AnchoredRegex {
    /// Compiles `pattern` as `^(?:pattern)$` (see [`anchored_regex`]).
    pub fn new(pattern: &str) -> Result<AnchoredRegex, PolicyError> {
        if pattern.is_empty() {
            return Err(PolicyError::Empty {
                what: "regular expression",
            });
        }
        let compiled = anchored_regex(pattern).map_err(|e| PolicyError::BadRegex {
            pattern: pattern.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(AnchoredRegex {
            pattern: pattern.to_owned(),
            compiled,
        })
    }

    /// The pattern as given (without the added anchors).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// True when the whole of `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled.is_match(value)
    }
}

impl Matcher {
    /// A matcher for exactly `value`; empty values are refused.
    pub fn exact(value: &str, what: &'static str) -> Result<Matcher, PolicyError> {
        if value.is_empty() {
            return Err(PolicyError::Empty { what });
        }
        Ok(Matcher::Exact(value.to_owned()))
    }

    /// A matcher for values the whole of which match `pattern`.
    pub fn regex(pattern: &str) -> Result<Matcher, PolicyError> {
        AnchoredRegex::new(pattern).map(Matcher::Regex)
    }

    /// True when `value` satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(expected) => expected == value,
            Matcher::Regex(re) => re.is_match(value),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(v) => write!(f, "`{v}`"),
            Matcher::Regex(re) => write!(f, "a value matching `^(?:{})$`", re.pattern()),
        }
    }
}

/// The signer a bundle must prove.
#[derive(Debug, Clone)]
pub enum Policy {
    /// A Fulcio certificate whose identity and OIDC issuer both match.
    Keyless {
        /// The certificate's SAN (URI or email).
        identity: Matcher,
        /// The certificate's OIDC issuer extension.
        issuer: Matcher,
    },
    /// A signature made with this key (a managed-key bundle: no certificate).
    PublicKey(PublicKeyPolicy),
}

/// A public key a managed-key bundle must be signed with.
#[derive(Debug, Clone)]
pub struct PublicKeyPolicy {
    pub(crate) key: DerPublicKey,
}

impl PublicKeyPolicy {
    /// The key's SubjectPublicKeyInfo in DER.
    pub fn der(&self) -> &[u8] {
        self.key.as_bytes()
    }
}

impl Policy {
    /// A keyless policy.
    pub fn keyless(identity: Matcher, issuer: Matcher) -> Policy {
        Policy::Keyless { identity, issuer }
    }

    /// A public-key policy from a PEM `PUBLIC KEY` block.
    pub fn public_key_pem(pem: &str) -> Result<Policy, PolicyError> {
        let key = DerPublicKey::from_pem(pem).map_err(|e| PolicyError::BadKey(e.to_string()))?;
        sigstore_crypto::KeyAlgorithm::from_spki(&key)
            .map_err(|e| PolicyError::BadKey(e.to_string()))?;
        Ok(Policy::PublicKey(PublicKeyPolicy { key }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_that_breaks_out_of_the_anchoring_group_is_refused() {
        // `^(?:x)|(?:.*)$` would match any identity.
        for breakout in ["x)|(?:.*", "x)|.*|(?:y", ".*)|("] {
            assert!(
                matches!(
                    AnchoredRegex::new(breakout),
                    Err(PolicyError::BadRegex { .. })
                ),
                "{breakout}"
            );
            assert!(anchored_regex(breakout).is_err(), "{breakout}");
        }
        let re = anchored_regex("https://github.com/acme/.+").unwrap();
        assert!(re.is_match("https://github.com/acme/x"));
        assert!(!re.is_match("https://github.com/evil/x?https://github.com/acme/x"));
    }

    #[test]
    fn regex_must_match_the_whole_value() {
        let re = Matcher::regex("https://github.com/acme/.*").unwrap();
        assert!(re.matches("https://github.com/acme/x/.github/workflows/r.yml@refs/tags/v1"));
        assert!(!re.matches("https://evil.example/https://github.com/acme/x"));
        let prefix = Matcher::regex("https://github.com/acme").unwrap();
        assert!(!prefix.matches("https://github.com/acme/x"));
    }

    #[test]
    fn alternation_is_anchored_as_a_whole() {
        let re = Matcher::regex("a|b").unwrap();
        assert!(re.matches("a") && re.matches("b"));
        assert!(!re.matches("ab") && !re.matches("xa") && !re.matches("bx"));
    }

    #[test]
    fn rejects_bad_or_empty_patterns() {
        assert!(matches!(
            Matcher::regex("("),
            Err(PolicyError::BadRegex { .. })
        ));
        assert!(matches!(Matcher::regex(""), Err(PolicyError::Empty { .. })));
        assert!(matches!(
            Matcher::exact("", "identity"),
            Err(PolicyError::Empty { .. })
        ));
    }

    #[test]
    fn exact_matcher_is_byte_exact() {
        let m = Matcher::exact("https://a", "identity").unwrap();
        assert!(m.matches("https://a"));
        assert!(!m.matches("https://a/") && !m.matches("HTTPS://A") && !m.matches("https://"));
    }

    #[test]
    fn rejects_non_key_pem() {
        assert!(matches!(
            Policy::public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            Err(PolicyError::BadKey(_))
        ));
        assert!(matches!(
            Policy::public_key_pem("not pem"),
            Err(PolicyError::BadKey(_))
        ));
    }
}
