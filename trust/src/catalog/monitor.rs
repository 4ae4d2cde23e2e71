//! Signer monitoring for publishers (`mcp-verify catalog monitor`): after
//! a verified pull, what the log added since the last run in one
//! namespace, held against the signer the publisher expects. A version
//! signed by anyone else (a stolen workflow, a namespace binding widened by
//! the registry's operator, a forged publish the registry let through), a
//! status change and a key rotation are each reported: the publisher hears
//! of every entry signed in its name.

use super::client::{CatalogChange, ChangeKind, KeySeen};
use super::model::{Entry, Signer};
use serde::Serialize;

/// What a publisher expects of its namespace's entries.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The namespace (`io.github.acme`); its servers are `namespace/…`.
    pub namespace: String,
    /// The certificate identity, matched whole.
    pub identity: regex::Regex,
    /// The exact OIDC issuer.
    pub issuer: String,
}

impl Policy {
    /// A policy; `identity` is anchored (`^(?:RE)$`).
    pub fn new(namespace: &str, identity: &str, issuer: &str) -> Result<Policy, String> {
        // Compiled alone first: `x)|(.*` must not escape the anchoring.
        regex::Regex::new(identity).map_err(|e| format!("--identity `{identity}`: {e}"))?;
        let anchored = format!("^(?:{identity})$");
        let identity = regex::RegexBuilder::new(&anchored)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("--identity `{identity}`: {e}"))?;
        if namespace.is_empty()
            || namespace.contains('/')
            || namespace.chars().any(|c| c.is_ascii_uppercase())
        {
            return Err(format!(
                "--namespace `{namespace}` is not a namespace such as io.github.acme"
            ));
        }
        Ok(Policy {
            namespace: namespace.to_owned(),
            identity,
            issuer: issuer.to_owned(),
        })
    }

    fn owns(&self, name: &str) -> bool {
        name.strip_prefix(&self.namespace)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Why `signer` is outside the policy, when it is.
    fn outside(&self, signer: &Signer) -> Option<String> {
        match signer {
            Signer::Keyless(k)
                if self.identity.is_match(&k.identity) && k.issuer == self.issuer =>
            {
                None
            }
            Signer::Keyless(k) => Some(format!(
                "signed by `{}` ({}), not the expected signer",
                k.identity.escape_debug(),
                k.issuer.escape_debug()
            )),
            Signer::Key(_) => {
                Some("signed with a public key, not the expected keyless signer".into())
            }
        }
    }
}

/// One thing the publisher must hear of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `signer-outside-policy`, `status-changed` or `key-rotated`.
    pub kind: &'static str,
    /// The server, for an entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The version, for an entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// In words.
    pub detail: String,
}

/// The alerts of one pull: `entries` is the whole accepted catalog,
/// `changes` what changed since the previous state (`initial`: there was
/// none, and every entry of the namespace is new to the monitor), `keys`
/// the catalog and checkpoint keys before and after.
pub fn check(
    policy: &Policy,
    initial: bool,
    changes: &[CatalogChange],
    entries: &[Entry],
    keys: Option<[&KeySeen; 2]>,
    now_keys: [&KeySeen; 2],
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let signer_alert = |e: &Entry| {
        policy.outside(&e.signer).map(|why| Alert {
            kind: "signer-outside-policy",
            name: Some(e.name.clone()),
            version: Some(e.version.clone()),
            detail: format!("{why}; image {}", e.image),
        })
    };
    if initial {
        alerts.extend(
            entries
                .iter()
                .filter(|e| policy.owns(&e.name))
                .filter_map(signer_alert),
        );
    } else {
        let by_version: std::collections::HashMap<(&str, &str), &Entry> = entries
            .iter()
            .filter(|e| policy.owns(&e.name))
            .map(|e| ((e.name.as_str(), e.version.as_str()), e))
            .collect();
        for c in changes.iter().filter(|c| policy.owns(&c.name)) {
            match c.change {
                ChangeKind::Added => {
                    if let Some(e) = by_version.get(&(c.name.as_str(), c.version.as_str())) {
                        alerts.extend(signer_alert(e));
                    }
                }
                ChangeKind::Yanked | ChangeKind::Revoked => alerts.push(Alert {
                    kind: "status-changed",
                    name: Some(c.name.clone()),
                    version: Some(c.version.clone()),
                    detail: match c.change {
                        ChangeKind::Yanked => "yanked".to_owned(),
                        _ => "revoked".to_owned(),
                    },
                }),
            }
        }
    }
    if let Some(before) = keys {
        for ((role, old), new) in ["catalog", "checkpoint"].iter().zip(before).zip(now_keys) {
            if old.keyid != new.keyid || old.serial != new.serial {
                alerts.push(Alert {
                    kind: "key-rotated",
                    name: None,
                    version: None,
                    detail: format!(
                        "the {role} key changed: serial {} ({}) to {} ({})",
                        old.serial, old.keyid, new.serial, new.keyid
                    ),
                });
            }
        }
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{KeylessSigner, RuntimeHints, Status};
    use crate::image::Digest;

    fn entry(name: &str, version: &str, identity: &str) -> Entry {
        Entry {
            name: name.into(),
            version: version.into(),
            status: Status::Active,
            manifest_sha256: Digest::of(b"m"),
            image: format!("ghcr.io/x@{}", Digest::of(version.as_bytes())),
            signer: Signer::Keyless(KeylessSigner {
                identity: identity.into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
            }),
            tool_surface: Digest::of(b"t"),
            tools_changed: false,
            runtime: RuntimeHints {
                network: crate::manifest::Network::None,
                read_only: true,
                secrets: vec![],
            },
            published_at: jiff::Timestamp::UNIX_EPOCH,
            log_index: 0,
        }
    }

    fn policy() -> Policy {
        Policy::new(
            "io.github.acme",
            r"https://github\.com/acme/[^/]+/\.github/workflows/release\.yml@refs/tags/v.+",
            "https://token.actions.githubusercontent.com",
        )
        .unwrap()
    }

    const GOOD: &str = "https://github.com/acme/weather/.github/workflows/release.yml@refs/tags/v1";

    fn key(serial: u64) -> KeySeen {
        KeySeen {
            serial,
            keyid: format!("k{serial}"),
        }
    }

    #[test]
    fn one_foreign_signer_among_ten_thousand_entries_is_found() {
        let mut entries: Vec<Entry> = (0..10_000)
            .map(|i| {
                entry(
                    &format!("io.github.acme/s{}", i % 100),
                    &format!("1.0.{i}"),
                    GOOD,
                )
            })
            .collect();
        entries[7_777].signer = Signer::Keyless(KeylessSigner {
            identity: "https://github.com/acme/weather/.github/workflows/ci.yml@refs/heads/main"
                .into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
        });
        // Other namespaces' signers are not this publisher's concern, nor
        // a look-alike namespace.
        entries.push(entry("io.github.other/x", "1.0.0", "https://evil"));
        entries.push(entry("io.github.acme-evil/x", "1.0.0", "https://evil"));
        let (k1, k2) = (key(1), key(2));
        let started = std::time::Instant::now();
        let alerts = check(&policy(), true, &[], &entries, None, [&k1, &k2]);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].kind, "signer-outside-policy");
        assert_eq!(alerts[0].version.as_deref(), Some("1.0.7777"));
        assert!(alerts[0].detail.contains("ci.yml"));
    }

    #[test]
    fn later_runs_report_new_versions_status_changes_and_rotations_only() {
        let entries = vec![
            entry("io.github.acme/w", "1.0.0", GOOD),
            entry(
                "io.github.acme/w",
                "2.0.0",
                "https://github.com/mallory/x/.github/workflows/release.yml@refs/tags/v1",
            ),
        ];
        let change = |kind, version: &str| CatalogChange {
            change: kind,
            name: "io.github.acme/w".into(),
            version: version.into(),
            reapproval_needed: false,
            tool_surface: String::new(),
        };
        let (k1, k2, k3) = (key(1), key(2), key(3));
        // Nothing changed: nothing to say, though 2.0.0 is foreign (it was
        // reported when it was added).
        assert_eq!(
            check(
                &policy(),
                false,
                &[],
                &entries,
                Some([&k1, &k2]),
                [&k1, &k2]
            ),
            vec![]
        );
        let alerts = check(
            &policy(),
            false,
            &[
                change(ChangeKind::Added, "2.0.0"),
                change(ChangeKind::Yanked, "1.0.0"),
            ],
            &entries,
            Some([&k1, &k2]),
            [&k1, &k3],
        );
        let kinds: Vec<&str> = alerts.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            ["signer-outside-policy", "status-changed", "key-rotated"]
        );
        assert!(
            alerts[2]
                .detail
                .contains("checkpoint key changed: serial 2 (k2) to 3 (k3)")
        );
    }

    #[test]
    fn policies_are_anchored_and_checked() {
        let p = policy();
        assert!(
            p.outside(&entry("io.github.acme/w", "1", &format!("prefix{GOOD}")).signer)
                .is_some()
        );
        assert!(Policy::new("io.github.acme", "(", "i").is_err());
        assert!(Policy::new("io.github.acme", "x)|(.*", "i").is_err());
        assert!(Policy::new("io.github.Acme", ".*", "i").is_err());
        assert!(Policy::new("io.github.acme/w", ".*", "i").is_err());
        let wrong_issuer = Entry {
            signer: Signer::Keyless(KeylessSigner {
                identity: GOOD.into(),
                issuer: "https://gitlab.com".into(),
            }),
            ..entry("io.github.acme/w", "1", GOOD)
        };
        assert!(p.outside(&wrong_issuer.signer).is_some());
    }
}
