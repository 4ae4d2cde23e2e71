//! SLSA provenance checks on a verified in-toto statement: the statement
//! must name the image digest as a subject, its builder and source must be
//! the required ones, and the source it claims must agree with the Fulcio
//! extensions of the certificate that signed it (a provenance document
//! signed by a workflow of one repository cannot speak for another).
//!
//! Only payloads whose signature already verified reach this module.

use crate::image::Digest;
use crate::signature::FulcioClaims;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

/// SLSA provenance predicate type, version 1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance predicate type, version 0.2.
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// in-toto statement type, version 1.
pub const IN_TOTO_V1: &str = "https://in-toto.io/Statement/v1";
/// in-toto statement type, version 0.1.
pub const IN_TOTO_V01: &str = "https://in-toto.io/Statement/v0.1";

/// What the policy requires of the provenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaRequirements {
    /// Source repository URI, e.g. `https://github.com/acme/weather`.
    pub source_repository: Option<String>,
    /// Source ref, e.g. `refs/tags/v1.4.2`.
    pub source_ref: Option<String>,
    /// Builder id.
    pub builder_id: Option<String>,
}

/// What a provenance statement proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceFacts {
    /// The predicate type.
    pub predicate_type: String,
    /// Builder id.
    pub builder_id: Option<String>,
    /// Source repository URI (without `git+` and `@ref`).
    pub source_repository: Option<String>,
    /// Source ref.
    pub source_ref: Option<String>,
    /// Source commit.
    pub source_commit: Option<String>,
    /// Build type.
    pub build_type: Option<String>,
}

/// Why a provenance statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProvenanceError {
    /// Not an in-toto statement with an SLSA provenance predicate.
    #[error("not SLSA provenance: {0}")]
    NotProvenance(String),
    /// No subject carries the image digest.
    #[error("provenance subjects {subjects:?} do not include the image digest {image}")]
    SubjectMismatch {
        /// The image digest.
        image: String,
        /// The subject digests found.
        subjects: Vec<String>,
    },
    /// A required fact differs.
    #[error("provenance {field} is {actual}, but the policy requires {required}")]
    PolicyMismatch {
        /// Which fact.
        field: &'static str,
        /// What the provenance says (`absent` when it says nothing).
        actual: String,
        /// What the policy requires.
        required: String,
    },
    /// The provenance contradicts the signing certificate's Fulcio extensions.
    #[error("provenance {field} is {provenance}, but the signing certificate says {certificate}")]
    CertificateMismatch {
        /// Which fact.
        field: &'static str,
        /// What the provenance says.
        provenance: String,
        /// What the certificate says.
        certificate: String,
    },
}

/// Checks a verified statement payload against the image digest, the requirements and the signer's claims.
pub fn check(
    payload: &[u8],
    image: &Digest,
    required: &SlsaRequirements,
    claims: Option<&FulcioClaims>,
) -> Result<ProvenanceFacts, ProvenanceError> {
    let statement: Value = serde_json::from_slice(payload)
        .map_err(|e| ProvenanceError::NotProvenance(format!("payload is not JSON: {e}")))?;
    let statement_type = statement
        .get("_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if statement_type != IN_TOTO_V1 && statement_type != IN_TOTO_V01 {
        return Err(ProvenanceError::NotProvenance(format!(
            "statement type `{statement_type}`"
        )));
    }
    let predicate_type = statement
        .get("predicateType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let predicate = statement.get("predicate").cloned().unwrap_or(Value::Null);
    let facts = match predicate_type.as_str() {
        SLSA_V1 => facts_v1(&predicate, predicate_type.clone()),
        SLSA_V02 => facts_v02(&predicate, predicate_type.clone()),
        other => {
            return Err(ProvenanceError::NotProvenance(format!(
                "predicate type `{other}`"
            )));
        }
    };

    let subjects: Vec<String> = statement
        .get("subject")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.pointer("/digest/sha256").and_then(Value::as_str))
        .map(|h| format!("sha256:{h}"))
        .collect();
    if !subjects.iter().any(|s| s == image.as_str()) {
        return Err(ProvenanceError::SubjectMismatch {
            image: image.to_string(),
            subjects,
        });
    }

    for (field, actual, wanted) in [
        (
            "source repository",
            &facts.source_repository,
            &required.source_repository,
        ),
        ("source ref", &facts.source_ref, &required.source_ref),
        ("builder id", &facts.builder_id, &required.builder_id),
    ] {
        if let Some(wanted) = wanted
            && actual.as_deref() != Some(wanted.as_str())
        {
            return Err(ProvenanceError::PolicyMismatch {
                field,
                actual: actual.clone().unwrap_or_else(|| "absent".into()),
                required: wanted.clone(),
            });
        }
    }

    if let Some(c) = claims {
        for (field, from_provenance, from_cert) in [
            (
                "source repository",
                &facts.source_repository,
                &c.source_repository_uri,
            ),
            ("source ref", &facts.source_ref, &c.source_repository_ref),
            (
                "source commit",
                &facts.source_commit,
                &c.source_repository_digest,
            ),
        ] {
            if let (Some(p), Some(cert)) = (from_provenance, from_cert)
                && p != cert
            {
                return Err(ProvenanceError::CertificateMismatch {
                    field,
                    provenance: p.clone(),
                    certificate: cert.clone(),
                });
            }
        }
        // A required fact must be attested by the certificate, not only
        // claimed by the signer in the statement it signed.
        for (field, wanted, from_cert) in [
            (
                "source repository",
                &required.source_repository,
                &c.source_repository_uri,
            ),
            ("source ref", &required.source_ref, &c.source_repository_ref),
        ] {
            if let Some(wanted) = wanted
                && from_cert.as_deref() != Some(wanted.as_str())
            {
                return Err(ProvenanceError::CertificateMismatch {
                    field,
                    provenance: wanted.clone(),
                    certificate: from_cert.clone().unwrap_or_else(|| "nothing".into()),
                });
            }
        }
        // The builder: the certificate's build signer (a reusable workflow
        // such as slsa-github-generator), or the GitHub runner environment
        // it names (`https://github.com/actions/runner/github-hosted`).
        if let Some(wanted) = &required.builder_id {
            let runner = c
                .runner_environment
                .as_deref()
                .map(|env| format!("https://github.com/actions/runner/{env}"));
            if c.build_signer_uri.as_deref() != Some(wanted.as_str())
                && runner.as_deref() != Some(wanted.as_str())
            {
                return Err(ProvenanceError::CertificateMismatch {
                    field: "builder id",
                    provenance: wanted.clone(),
                    certificate: runner
                        .or_else(|| c.build_signer_uri.clone())
                        .unwrap_or_else(|| "nothing".into()),
                });
            }
        }
    }
    Ok(facts)
}

fn s(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

/// `git+https://github.com/acme/weather@refs/tags/v1` → (`https://github.com/acme/weather`, `refs/tags/v1`).
fn split_git_uri(uri: &str) -> (String, Option<String>) {
    let uri = uri.strip_prefix("git+").unwrap_or(uri);
    match uri.rsplit_once('@') {
        Some((repo, r)) if r.starts_with("refs/") => {
            (repo.trim_end_matches(".git").to_owned(), Some(r.to_owned()))
        }
        _ => (uri.trim_end_matches(".git").to_owned(), None),
    }
}

fn facts_v1(p: &Value, predicate_type: String) -> ProvenanceFacts {
    let def = p.get("buildDefinition").cloned().unwrap_or(Value::Null);
    let workflow = def.pointer("/externalParameters/workflow");
    let mut repo = workflow.and_then(|w| s(w.get("repository")));
    let mut git_ref = workflow.and_then(|w| s(w.get("ref")));
    let mut commit = None;
    // The source is the resolved dependency that the workflow came from (or the first git one).
    for dep in def
        .get("resolvedDependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(uri) = dep.get("uri").and_then(Value::as_str) else {
            continue;
        };
        if !uri.starts_with("git+") {
            continue;
        }
        let (dep_repo, dep_ref) = split_git_uri(uri);
        if repo.as_deref().is_none_or(|r| r == dep_repo) {
            repo.get_or_insert(dep_repo);
            if git_ref.is_none() {
                git_ref = dep_ref;
            }
            commit = s(dep.pointer("/digest/gitCommit")).or_else(|| s(dep.pointer("/digest/sha1")));
            break;
        }
    }
    ProvenanceFacts {
        predicate_type,
        builder_id: s(p.pointer("/runDetails/builder/id")),
        source_repository: repo,
        source_ref: git_ref,
        source_commit: commit,
        build_type: s(def.get("buildType")),
    }
}

fn facts_v02(p: &Value, predicate_type: String) -> ProvenanceFacts {
    let (repo, git_ref) = match p
        .pointer("/invocation/configSource/uri")
        .and_then(Value::as_str)
    {
        Some(uri) => {
            let (r, g) = split_git_uri(uri);
            (Some(r), g)
        }
        None => (None, None),
    };
    ProvenanceFacts {
        predicate_type,
        builder_id: s(p.pointer("/builder/id")),
        source_repository: repo,
        source_ref: git_ref,
        source_commit: s(p.pointer("/invocation/configSource/digest/sha1")),
        build_type: s(p.get("buildType")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const IMG: &str = "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";

    fn statement(subject_hex: &str, repo: &str, git_ref: &str, commit: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "_type": IN_TOTO_V1,
            "subject": [{"name": "ghcr.io/acme/weather", "digest": {"sha256": subject_hex}}],
            "predicateType": SLSA_V1,
            "predicate": {
                "buildDefinition": {
                    "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                    "externalParameters": {"workflow": {"repository": repo, "ref": git_ref, "path": ".github/workflows/release.yml"}},
                    "resolvedDependencies": [{"uri": format!("git+{repo}@{git_ref}"), "digest": {"gitCommit": commit}}]
                },
                "runDetails": {"builder": {"id": "https://github.com/actions/runner/github-hosted"}}
            }
        }))
        .unwrap()
    }

    fn digest() -> Digest {
        Digest::parse(IMG).unwrap()
    }

    fn claims(repo: &str, git_ref: &str, commit: &str) -> FulcioClaims {
        FulcioClaims {
            source_repository_uri: Some(repo.into()),
            source_repository_ref: Some(git_ref.into()),
            source_repository_digest: Some(commit.into()),
            ..Default::default()
        }
    }

    const REPO: &str = "https://github.com/acme/weather";

    #[test]
    fn accepts_matching_provenance() {
        let p = statement(&IMG[7..], REPO, "refs/tags/v1", "abc123");
        let req = SlsaRequirements {
            source_repository: Some(REPO.into()),
            source_ref: Some("refs/tags/v1".into()),
            builder_id: None,
        };
        let facts = check(
            &p,
            &digest(),
            &req,
            Some(&claims(REPO, "refs/tags/v1", "abc123")),
        )
        .unwrap();
        assert_eq!(facts.source_commit.as_deref(), Some("abc123"));
        assert_eq!(
            facts.builder_id.as_deref(),
            Some("https://github.com/actions/runner/github-hosted")
        );
    }

    #[test]
    fn a_builder_the_certificate_does_not_attest_is_refused() {
        // The statement says github-hosted; the certificate says the job ran
        // on a self-hosted runner.
        let p = statement(&IMG[7..], REPO, "refs/tags/v1", "abc123");
        let req = SlsaRequirements {
            builder_id: Some("https://github.com/actions/runner/github-hosted".into()),
            ..Default::default()
        };
        let mut self_hosted = claims(REPO, "refs/tags/v1", "abc123");
        self_hosted.runner_environment = Some("self-hosted".into());
        let err = check(&p, &digest(), &req, Some(&self_hosted)).unwrap_err();
        assert!(
            matches!(
                err,
                ProvenanceError::CertificateMismatch {
                    field: "builder id",
                    ..
                }
            ),
            "{err}"
        );
        let mut hosted = claims(REPO, "refs/tags/v1", "abc123");
        hosted.runner_environment = Some("github-hosted".into());
        assert!(check(&p, &digest(), &req, Some(&hosted)).is_ok());
        // No runner environment and no build signer: nothing attests it.
        let err = check(
            &p,
            &digest(),
            &req,
            Some(&claims(REPO, "refs/tags/v1", "abc123")),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ProvenanceError::CertificateMismatch {
                    field: "builder id",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_required_source_the_certificate_does_not_carry_is_refused() {
        // An email certificate carries no source extensions: the statement's
        // own claim of a repository is not enough.
        let p = statement(&IMG[7..], REPO, "refs/tags/v1", "abc123");
        let req = SlsaRequirements {
            source_repository: Some(REPO.into()),
            ..Default::default()
        };
        let err = check(&p, &digest(), &req, Some(&FulcioClaims::default())).unwrap_err();
        assert!(
            matches!(
                err,
                ProvenanceError::CertificateMismatch {
                    field: "source repository",
                    ..
                }
            ),
            "{err}"
        );
        let req = SlsaRequirements {
            source_ref: Some("refs/tags/v1".into()),
            ..Default::default()
        };
        assert!(check(&p, &digest(), &req, Some(&FulcioClaims::default())).is_err());
    }

    #[test]
    fn provenance_subject_mismatch_is_refused() {
        let p = statement(&"0".repeat(64), REPO, "refs/tags/v1", "abc");
        assert!(matches!(
            check(&p, &digest(), &SlsaRequirements::default(), None),
            Err(ProvenanceError::SubjectMismatch { .. })
        ));
    }

    #[test]
    fn provenance_from_another_repository_is_refused() {
        let p = statement(
            &IMG[7..],
            "https://github.com/acme/weather-evil",
            "refs/tags/v1",
            "abc",
        );
        let req = SlsaRequirements {
            source_repository: Some(REPO.into()),
            ..Default::default()
        };
        assert!(matches!(
            check(&p, &digest(), &req, None),
            Err(ProvenanceError::PolicyMismatch {
                field: "source repository",
                ..
            })
        ));
    }

    #[test]
    fn provenance_from_another_ref_is_refused() {
        let p = statement(&IMG[7..], REPO, "refs/heads/dev", "abc");
        let req = SlsaRequirements {
            source_ref: Some("refs/tags/v1".into()),
            ..Default::default()
        };
        assert!(matches!(
            check(&p, &digest(), &req, None),
            Err(ProvenanceError::PolicyMismatch {
                field: "source ref",
                ..
            })
        ));
    }

    #[test]
    fn provenance_contradicting_the_certificate_is_refused() {
        let p = statement(&IMG[7..], REPO, "refs/tags/v1", "abc");
        let err = check(
            &p,
            &digest(),
            &SlsaRequirements::default(),
            Some(&claims(
                "https://github.com/evil/repo",
                "refs/tags/v1",
                "abc",
            )),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ProvenanceError::CertificateMismatch {
                field: "source repository",
                ..
            }
        ));
        let err = check(
            &p,
            &digest(),
            &SlsaRequirements::default(),
            Some(&claims(REPO, "refs/tags/v1", "def")),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ProvenanceError::CertificateMismatch {
                field: "source commit",
                ..
            }
        ));
    }

    #[test]
    fn other_predicates_are_not_provenance() {
        let p = serde_json::to_vec(&json!({"_type": IN_TOTO_V1, "subject": [], "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {}})).unwrap();
        assert!(matches!(
            check(&p, &digest(), &SlsaRequirements::default(), None),
            Err(ProvenanceError::NotProvenance(_))
        ));
    }

    #[test]
    fn missing_required_builder_is_refused() {
        let p = statement(&IMG[7..], REPO, "refs/tags/v1", "abc");
        let req = SlsaRequirements {
            builder_id: Some("https://example.com/builder".into()),
            ..Default::default()
        };
        assert!(matches!(
            check(&p, &digest(), &req, None),
            Err(ProvenanceError::PolicyMismatch {
                field: "builder id",
                ..
            })
        ));
    }
}
