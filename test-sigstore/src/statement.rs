//! In-toto statements the test Sigstore signs into DSSE envelopes: cosign v3
//! image signatures and SLSA v1 build provenance.

use serde_json::json;
use sigstore_types::Sha256Hash;

use crate::identity::GitHubWorkflow;

/// DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// in-toto Statement v1 `_type`.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// Predicate type of a cosign v3 image signature.
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
/// Predicate type of SLSA v1 provenance.
pub const SLSA_PROVENANCE_V1_PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// Media type of a v0.3 bundle; cosign v3 pushes each bundle as the single
/// layer of an OCI referrer whose `artifactType` is this media type.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Referrer manifest annotation cosign v3 sets to `dsse-envelope`.
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// Referrer manifest annotation holding the statement's predicate type.
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// Build type GitHub's artifact attestations use for workflow builds.
pub const GITHUB_WORKFLOW_BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";

/// The statement `cosign sign` (v3, new bundle format) signs for an image:
/// one subject with only the manifest digest, an empty predicate.
pub fn cosign_sign_statement(digest: &str) -> Vec<u8> {
    let digest = parse_digest(digest);
    serde_json::to_vec(&json!({
        "_type": STATEMENT_V1,
        "subject": [{"digest": {"sha256": digest.to_hex()}, "annotations": {}}],
        "predicateType": COSIGN_SIGN_PREDICATE_TYPE,
        "predicate": {},
    }))
    .expect("serialize statement")
}

/// What a SLSA v1 provenance statement claims about a build.
///
/// Fields are public so a test can make one disagree with the signing
/// certificate (another source ref, another builder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlsaFacts {
    /// Subject name, e.g. the image repository `registry.test/acme/weather`.
    pub subject_name: String,
    /// `runDetails.builder.id`.
    pub builder_id: String,
    /// `buildDefinition.buildType`.
    pub build_type: String,
    /// Source repository URI, e.g. `https://github.com/acme/weather`.
    pub repository_uri: String,
    /// Workflow file path inside the repository.
    pub workflow_path: String,
    /// Source ref, e.g. `refs/tags/v1.2.0`.
    pub git_ref: String,
    /// Source commit (40 hex).
    pub commit: String,
    /// Triggering event.
    pub event_name: String,
    /// Immutable repository id.
    pub repository_id: String,
    /// Immutable owner id.
    pub owner_id: String,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: String,
    /// `runDetails.metadata.invocationId`.
    pub invocation_id: String,
}

impl SlsaFacts {
    /// The provenance GitHub's artifact attestation action records for a
    /// build of `subject_name` by `workflow`; it agrees with the claims of
    /// [`crate::Identity::github`] for the same workflow.
    pub fn github(subject_name: &str, workflow: &GitHubWorkflow) -> Self {
        Self {
            subject_name: subject_name.to_string(),
            builder_id: format!(
                "https://github.com/actions/runner/{}",
                workflow.runner_environment
            ),
            build_type: GITHUB_WORKFLOW_BUILD_TYPE.to_string(),
            repository_uri: workflow.repository_uri(),
            workflow_path: workflow.workflow_path.clone(),
            git_ref: workflow.git_ref.clone(),
            commit: workflow.commit.clone(),
            event_name: workflow.trigger.clone(),
            repository_id: workflow.repository_id.clone(),
            owner_id: workflow.owner_id.clone(),
            runner_environment: workflow.runner_environment.clone(),
            invocation_id: workflow.run_invocation_uri(),
        }
    }
}

/// A SLSA v1 provenance statement whose subject is `digest`.
pub fn slsa_provenance_statement(digest: &str, facts: &SlsaFacts) -> Vec<u8> {
    let digest = parse_digest(digest);
    serde_json::to_vec(&json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": facts.subject_name, "digest": {"sha256": digest.to_hex()}}],
        "predicateType": SLSA_PROVENANCE_V1_PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": facts.build_type,
                "externalParameters": {
                    "workflow": {
                        "ref": facts.git_ref,
                        "repository": facts.repository_uri,
                        "path": facts.workflow_path,
                    },
                },
                "internalParameters": {
                    "github": {
                        "event_name": facts.event_name,
                        "repository_id": facts.repository_id,
                        "repository_owner_id": facts.owner_id,
                        "runner_environment": facts.runner_environment,
                    },
                },
                "resolvedDependencies": [{
                    "uri": format!("git+{}@{}", facts.repository_uri, facts.git_ref),
                    "digest": {"gitCommit": facts.commit},
                }],
            },
            "runDetails": {
                "builder": {"id": facts.builder_id},
                "metadata": {"invocationId": facts.invocation_id},
            },
        },
    }))
    .expect("serialize statement")
}

/// Parse `sha256:<64 lowercase hex>`.
///
/// # Panics
/// On any other form: fixtures are built from digests the test chose.
pub(crate) fn parse_digest(digest: &str) -> Sha256Hash {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|hex| {
            hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
        .unwrap_or_else(|| panic!("expected a digest `sha256:<64 lowercase hex>`, got {digest:?}"));
    Sha256Hash::from_hex(hex).expect("64 hex digits")
}
