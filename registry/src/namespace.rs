//! Namespaces bind a server-name prefix to a signer. The binding is checked on
//! the signer that verification established — certificate identity (regexp,
//! matched whole), OIDC issuer (exact) and, where configured, the Fulcio
//! source-repository and owner identifiers, which survive renames and change
//! when a repository is deleted and re-created — never on what the manifest
//! claims, so a publisher cannot name somebody else's signer.

use crate::model::Namespace;
use crate::verify::VerifiedSigner;
use mcp_trust::Finding;
use regex::Regex;

/// Why a namespace definition is refused.
#[derive(Debug, thiserror::Error)]
pub enum NamespaceError {
    /// The name is not reverse-DNS.
    #[error(
        "namespace `{0}` is not a reverse-DNS name such as `io.github.acme` (lowercase letters, digits, '-', at least two labels separated by '.')"
    )]
    Name(String),
    /// The identity regexp does not compile.
    #[error("signer identity regexp does not compile: {0}")]
    Regexp(#[from] regex::Error),
    /// The issuer is empty or not an https URL.
    #[error("signer issuer `{0}` is not an https:// URL")]
    Issuer(String),
    /// A repository or owner id is not a decimal number.
    #[error("`{0}` is not a numeric identifier")]
    Identifier(String),
}

/// Checks a namespace definition before it is stored.
pub fn validate(ns: &Namespace) -> Result<(), NamespaceError> {
    let labels: Vec<&str> = ns.name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            // Lowercase only: `io.github.ACME` beside `io.github.acme` would
            // be an impersonation that reads the same.
            && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if labels.len() < 2 || ns.name.len() > 100 || !labels.iter().all(label_ok) {
        return Err(NamespaceError::Name(ns.name.clone()));
    }
    Binding::new(ns)?;
    if !ns.signer_issuer.starts_with("https://") || ns.signer_issuer.len() <= "https://".len() {
        return Err(NamespaceError::Issuer(ns.signer_issuer.clone()));
    }
    for id in [&ns.source_repository_id, &ns.owner_id]
        .into_iter()
        .flatten()
    {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NamespaceError::Identifier(id.clone()));
        }
    }
    Ok(())
}

/// The namespace part of a server name (`io.github.acme` in `io.github.acme/weather`).
pub fn of_server(name: &str) -> Option<&str> {
    name.split_once('/').map(|(ns, _)| ns)
}

/// A namespace's signer binding, compiled.
#[derive(Debug, Clone)]
pub struct Binding {
    identity: Regex,
    identity_source: String,
    issuer: String,
    source_repository_id: Option<String>,
    owner_id: Option<String>,
}

impl Binding {
    /// Compiles the binding; the identity regexp is anchored as `^(?:RE)$`.
    pub fn new(ns: &Namespace) -> Result<Binding, regex::Error> {
        Ok(Binding {
            identity: mcp_trust::signature::anchored_regex(&ns.signer_identity_regexp)?,
            identity_source: ns.signer_identity_regexp.clone(),
            issuer: ns.signer_issuer.clone(),
            source_repository_id: ns.source_repository_id.clone(),
            owner_id: ns.owner_id.clone(),
        })
    }

    /// Every way the verified signer falls outside the binding (empty when it is inside).
    pub fn check(&self, signer: &VerifiedSigner) -> Vec<Finding> {
        let mut out = Vec::new();
        if !self.identity.is_match(&signer.keyless.identity) {
            out.push(
                Finding::error(
                    "signer-identity-outside-namespace",
                    "",
                    format!(
                        "the image was signed by `{}`, which does not match the namespace's signer identity `^(?:{})$`",
                        signer.keyless.identity, self.identity_source
                    ),
                )
                .hint("sign with the namespace's workflow, or ask an administrator to change the namespace binding"),
            );
        }
        if signer.keyless.issuer != self.issuer {
            out.push(
                Finding::error(
                    "signer-issuer-outside-namespace",
                    "",
                    format!(
                        "the signing certificate was issued for OIDC issuer `{}`; the namespace requires `{}`",
                        signer.keyless.issuer, self.issuer
                    ),
                )
                .hint("sign through the namespace's identity provider"),
            );
        }
        for (code, oid, want, got) in [
            (
                "signer-repository-id-mismatch",
                "1.3.6.1.4.1.57264.1.15",
                &self.source_repository_id,
                &signer.source_repository_id,
            ),
            (
                "signer-owner-id-mismatch",
                "1.3.6.1.4.1.57264.1.17",
                &self.owner_id,
                &signer.source_repository_owner_id,
            ),
        ] {
            if let Some(want) = want
                && got.as_ref() != Some(want)
            {
                out.push(
                    Finding::error(
                        code,
                        "",
                        format!(
                            "the signing certificate's extension {oid} is {}; the namespace requires `{want}`",
                            got.as_ref().map_or("absent".to_owned(), |g| format!("`{g}`")),
                        ),
                    )
                    .hint("the repository was re-created or transferred; an administrator must confirm and update the binding"),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn acme() -> Namespace {
        Namespace {
            name: "io.github.acme".into(),
            signer_identity_regexp: "https://github.com/acme/.+".into(),
            signer_issuer: "https://token.actions.githubusercontent.com".into(),
            source_repository_id: Some("123".into()),
            owner_id: Some("42".into()),
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn signer(identity: &str) -> VerifiedSigner {
        VerifiedSigner {
            keyless: mcp_trust::signature::KeylessSigner {
                identity: identity.into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
            },
            source_repository_uri: None,
            source_repository_id: Some("123".into()),
            source_repository_digest: None,
            source_repository_ref: None,
            source_repository_owner_id: Some("42".into()),
            attestation_signers: Vec::new(),
        }
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn accepts_signer_inside_binding() {
        let b = Binding::new(&acme()).unwrap();
        assert!(
            b.check(&signer(
                "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1"
            ))
            .is_empty()
        );
    }

    #[test]
    fn identity_regexp_is_anchored_both_ends() {
        let b = Binding::new(&acme()).unwrap();
        for outside in [
            "https://github.com/evil/x?https://github.com/acme/x",
            "xhttps://github.com/acme/weather",
            "https://github.com/acmeevil/weather",
        ] {
            assert_eq!(
                codes(&b.check(&signer(outside))),
                ["signer-identity-outside-namespace"],
                "{outside}"
            );
        }
    }

    #[test]
    fn rejects_other_issuer_and_recreated_repository() {
        let b = Binding::new(&acme()).unwrap();
        let mut s = signer("https://github.com/acme/weather");
        s.keyless.issuer = "https://accounts.google.com".into();
        s.source_repository_id = Some("999".into());
        s.source_repository_owner_id = None;
        assert_eq!(
            codes(&b.check(&s)),
            [
                "signer-issuer-outside-namespace",
                "signer-repository-id-mismatch",
                "signer-owner-id-mismatch"
            ]
        );
    }

    #[test]
    fn validate_refuses_bad_definitions() {
        let mut ns = acme();
        ns.name = "acme".into();
        assert!(matches!(validate(&ns), Err(NamespaceError::Name(_))));
        let mut ns = acme();
        ns.name = "io.github.ACME".into();
        assert!(matches!(validate(&ns), Err(NamespaceError::Name(_))));
        let mut ns = acme();
        ns.signer_identity_regexp = "(".into();
        assert!(matches!(validate(&ns), Err(NamespaceError::Regexp(_))));
        let mut ns = acme();
        ns.signer_identity_regexp = "https://github.com/acme/x)|(?:.*".into();
        assert!(
            matches!(validate(&ns), Err(NamespaceError::Regexp(_))),
            "a pattern breaking out of the anchors"
        );
        let mut ns = acme();
        ns.signer_issuer = "http://x".into();
        assert!(matches!(validate(&ns), Err(NamespaceError::Issuer(_))));
        let mut ns = acme();
        ns.owner_id = Some("abc".into());
        assert!(matches!(validate(&ns), Err(NamespaceError::Identifier(_))));
        assert!(validate(&acme()).is_ok());
    }
}
