//! Who signs: the identity a test certificate asserts, and the knobs that
//! make the signing event wrong on purpose.
//!
//! An [`Identity`] holds what Fulcio would copy from an OIDC token into a
//! certificate (the SAN, the issuer, the CI claims under the Fulcio OID arc
//! `1.3.6.1.4.1.57264.1`) and, for negative tests, how the certificate and
//! its log entry should be broken. Every knob defaults to "correct".

use std::collections::BTreeMap;

/// The OIDC issuer of GitHub Actions workload tokens.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Arc numbers of the Fulcio certificate extensions `1.3.6.1.4.1.57264.1.N`
/// (Fulcio's `docs/oid-info.md`); pass them to [`Identity::with_claim`].
pub mod claim {
    /// `.2` GitHub workflow trigger (deprecated, raw string).
    pub const GITHUB_WORKFLOW_TRIGGER: u32 = 2;
    /// `.3` GitHub workflow commit SHA (deprecated, raw string).
    pub const GITHUB_WORKFLOW_SHA: u32 = 3;
    /// `.4` GitHub workflow name (deprecated, raw string).
    pub const GITHUB_WORKFLOW_NAME: u32 = 4;
    /// `.5` GitHub workflow repository `owner/name` (deprecated, raw string).
    pub const GITHUB_WORKFLOW_REPOSITORY: u32 = 5;
    /// `.6` GitHub workflow ref (deprecated, raw string).
    pub const GITHUB_WORKFLOW_REF: u32 = 6;
    /// `.9` Build signer URI.
    pub const BUILD_SIGNER_URI: u32 = 9;
    /// `.10` Build signer digest.
    pub const BUILD_SIGNER_DIGEST: u32 = 10;
    /// `.11` Runner environment (`github-hosted`, `self-hosted`).
    pub const RUNNER_ENVIRONMENT: u32 = 11;
    /// `.12` Source repository URI.
    pub const SOURCE_REPOSITORY_URI: u32 = 12;
    /// `.13` Source repository digest (commit).
    pub const SOURCE_REPOSITORY_DIGEST: u32 = 13;
    /// `.14` Source repository ref.
    pub const SOURCE_REPOSITORY_REF: u32 = 14;
    /// `.15` Source repository identifier (immutable id).
    pub const SOURCE_REPOSITORY_IDENTIFIER: u32 = 15;
    /// `.16` Source repository owner URI.
    pub const SOURCE_REPOSITORY_OWNER_URI: u32 = 16;
    /// `.17` Source repository owner identifier (immutable id).
    pub const SOURCE_REPOSITORY_OWNER_IDENTIFIER: u32 = 17;
    /// `.18` Build config URI.
    pub const BUILD_CONFIG_URI: u32 = 18;
    /// `.19` Build config digest.
    pub const BUILD_CONFIG_DIGEST: u32 = 19;
    /// `.20` Build trigger.
    pub const BUILD_TRIGGER: u32 = 20;
    /// `.21` Run invocation URI.
    pub const RUN_INVOCATION_URI: u32 = 21;
    /// `.22` Source repository visibility at signing.
    pub const SOURCE_REPOSITORY_VISIBILITY: u32 = 22;
}

/// The Subject Alternative Name a certificate asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    /// A `uniformResourceIdentifier`, as Fulcio issues to CI workloads.
    Uri(String),
    /// An `rfc822Name`, as Fulcio issues to people.
    Email(String),
}

impl San {
    /// The SAN value, whatever its kind.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Uri(value) | Self::Email(value) => value,
        }
    }
}

/// Which Fulcio extensions carry the OIDC issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssuerEncoding {
    /// `.1.1` (raw UTF-8) and `.1.8` (DER UTF8String), as Fulcio issues today.
    #[default]
    Both,
    /// Only `.1.8`.
    CurrentOnly,
    /// Only the legacy `.1.1`, as certificates issued before `.1.8` existed.
    LegacyOnly,
    /// Neither: a certificate without an issuer claim.
    Absent,
}

/// The leaf certificate's validity window relative to the log's integrated
/// time (the verified signing time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertValidity {
    /// Issued at the signing time, valid 10 minutes.
    #[default]
    Valid,
    /// Expired 10 minutes before the entry was integrated.
    Expired,
    /// Valid only from 10 minutes after the entry was integrated.
    NotYetValid,
}

/// Whether an authority (CA or transparency log) is the one the trusted
/// root names, or a look-alike with the same names and other keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Authority {
    /// The authority in the trusted root.
    #[default]
    Trusted,
    /// Same names, different keys; absent from the trusted root.
    Untrusted,
}

/// The embedded Signed Certificate Timestamp of the leaf certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sct {
    /// One SCT from the trusted CT log over the precertificate.
    #[default]
    Embedded,
    /// No SCT-list extension at all.
    Missing,
    /// One SCT from a CT log the trusted root does not name.
    UnknownLog,
    /// One SCT from the trusted CT log over a different precertificate.
    BadSignature,
}

/// A GitHub Actions workflow run, the source of a CI identity's claims.
///
/// Fields are public so a test can make one claim disagree (a re-created
/// repository keeps its name but gets a new `repository_id`, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubWorkflow {
    /// `owner/name`.
    pub repository: String,
    /// Path of the workflow file, e.g. `.github/workflows/release.yml`.
    pub workflow_path: String,
    /// Git ref the workflow ran for, e.g. `refs/tags/v1.2.0`.
    pub git_ref: String,
    /// Commit SHA (40 hex).
    pub commit: String,
    /// Immutable repository id (`.15`).
    pub repository_id: String,
    /// Immutable owner id (`.17`).
    pub owner_id: String,
    /// Triggering event, e.g. `push`.
    pub trigger: String,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: String,
    /// Workflow run id.
    pub run_id: String,
    /// `public`, `private` or `internal`.
    pub visibility: String,
}

impl GitHubWorkflow {
    /// A workflow run with deterministic commit and ids derived from the
    /// repository name, so the same repository always gets the same ids.
    pub fn new(repository: &str, workflow_path: &str, git_ref: &str) -> Self {
        let seed = sigstore_crypto::sha256(repository.as_bytes());
        let number = |offset: usize| {
            let bytes: [u8; 4] = seed.as_bytes()[offset..offset + 4]
                .try_into()
                .expect("four bytes");
            (u32::from_be_bytes(bytes) % 900_000_000 + 100_000_000).to_string()
        };
        let commit_seed = sigstore_crypto::sha256(format!("{repository}@{git_ref}").as_bytes());
        Self {
            repository: repository.to_string(),
            workflow_path: workflow_path.to_string(),
            git_ref: git_ref.to_string(),
            commit: hex::encode(&commit_seed.as_bytes()[..20]),
            repository_id: number(0),
            owner_id: number(4),
            trigger: "push".to_string(),
            runner_environment: "github-hosted".to_string(),
            run_id: number(8),
            visibility: "public".to_string(),
        }
    }

    /// `https://github.com/<owner>/<name>`.
    pub fn repository_uri(&self) -> String {
        format!("https://github.com/{}", self.repository)
    }

    /// `https://github.com/<owner>`.
    pub fn owner_uri(&self) -> String {
        let owner = self.repository.split('/').next().unwrap_or_default();
        format!("https://github.com/{owner}")
    }

    /// The workflow identity Fulcio puts in the SAN:
    /// `https://github.com/<repo>/<workflow_path>@<ref>`.
    pub fn workflow_uri(&self) -> String {
        format!(
            "{}/{}@{}",
            self.repository_uri(),
            self.workflow_path,
            self.git_ref
        )
    }

    /// `https://github.com/<repo>/actions/runs/<run>/attempts/1`.
    pub fn run_invocation_uri(&self) -> String {
        format!(
            "{}/actions/runs/{}/attempts/1",
            self.repository_uri(),
            self.run_id
        )
    }
}

/// The identity of a keyless signer, and the knobs of its signing event.
#[derive(Debug, Clone)]
pub struct Identity {
    pub(crate) san: San,
    pub(crate) issuer: String,
    pub(crate) issuer_encoding: IssuerEncoding,
    pub(crate) claims: BTreeMap<u32, String>,
    pub(crate) validity: CertValidity,
    pub(crate) ca: Authority,
    pub(crate) sct: Sct,
    pub(crate) code_signing: bool,
    pub(crate) log: Authority,
    pub(crate) algorithm: crate::SigningAlgorithm,
}

impl Identity {
    /// A person: e-mail SAN and the given OIDC issuer, no CI claims.
    pub fn email(address: &str, issuer: &str) -> Self {
        Self::new(San::Email(address.to_string()), issuer)
    }

    /// A workload with a URI SAN and the given OIDC issuer, no CI claims.
    pub fn uri(uri: &str, issuer: &str) -> Self {
        Self::new(San::Uri(uri.to_string()), issuer)
    }

    /// A GitHub Actions workflow as Fulcio certifies it: workflow URI SAN,
    /// the GitHub Actions issuer, and every CI claim (`.2`–`.6`, `.9`–`.22`).
    pub fn github(workflow: &GitHubWorkflow) -> Self {
        let workflow_uri = workflow.workflow_uri();
        let mut identity = Self::new(San::Uri(workflow_uri.clone()), GITHUB_ACTIONS_ISSUER);
        let workflow_name = workflow
            .workflow_path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".yml")
            .trim_end_matches(".yaml")
            .to_string();
        let claims = [
            (claim::GITHUB_WORKFLOW_TRIGGER, workflow.trigger.clone()),
            (claim::GITHUB_WORKFLOW_SHA, workflow.commit.clone()),
            (claim::GITHUB_WORKFLOW_NAME, workflow_name),
            (
                claim::GITHUB_WORKFLOW_REPOSITORY,
                workflow.repository.clone(),
            ),
            (claim::GITHUB_WORKFLOW_REF, workflow.git_ref.clone()),
            (claim::BUILD_SIGNER_URI, workflow_uri.clone()),
            (claim::BUILD_SIGNER_DIGEST, workflow.commit.clone()),
            (
                claim::RUNNER_ENVIRONMENT,
                workflow.runner_environment.clone(),
            ),
            (claim::SOURCE_REPOSITORY_URI, workflow.repository_uri()),
            (claim::SOURCE_REPOSITORY_DIGEST, workflow.commit.clone()),
            (claim::SOURCE_REPOSITORY_REF, workflow.git_ref.clone()),
            (
                claim::SOURCE_REPOSITORY_IDENTIFIER,
                workflow.repository_id.clone(),
            ),
            (claim::SOURCE_REPOSITORY_OWNER_URI, workflow.owner_uri()),
            (
                claim::SOURCE_REPOSITORY_OWNER_IDENTIFIER,
                workflow.owner_id.clone(),
            ),
            (claim::BUILD_CONFIG_URI, workflow_uri),
            (claim::BUILD_CONFIG_DIGEST, workflow.commit.clone()),
            (claim::BUILD_TRIGGER, workflow.trigger.clone()),
            (claim::RUN_INVOCATION_URI, workflow.run_invocation_uri()),
            (
                claim::SOURCE_REPOSITORY_VISIBILITY,
                workflow.visibility.clone(),
            ),
        ];
        identity.claims.extend(claims);
        identity
    }

    fn new(san: San, issuer: &str) -> Self {
        Self {
            san,
            issuer: issuer.to_string(),
            issuer_encoding: IssuerEncoding::default(),
            claims: BTreeMap::new(),
            validity: CertValidity::default(),
            ca: Authority::default(),
            sct: Sct::default(),
            code_signing: true,
            log: Authority::default(),
            algorithm: crate::SigningAlgorithm::default(),
        }
    }

    /// Certify an ephemeral key of `algorithm` instead of ECDSA P-256.
    pub fn with_algorithm(mut self, algorithm: crate::SigningAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Replace the SAN.
    pub fn with_san(mut self, san: San) -> Self {
        self.san = san;
        self
    }

    /// Replace the OIDC issuer.
    pub fn with_issuer(mut self, issuer: &str) -> Self {
        self.issuer = issuer.to_string();
        self
    }

    /// Choose which extensions carry the issuer.
    pub fn with_issuer_encoding(mut self, encoding: IssuerEncoding) -> Self {
        self.issuer_encoding = encoding;
        self
    }

    /// Set the Fulcio claim `1.3.6.1.4.1.57264.1.<arc>` (see [`claim`]).
    /// Arcs 2–6 are written as raw strings, the rest as DER UTF8String.
    ///
    /// # Panics
    /// For arcs 1 and 8, the issuer: use [`Identity::with_issuer`].
    pub fn with_claim(mut self, arc: u32, value: &str) -> Self {
        assert!(
            arc != 1 && arc != 8,
            "arc {arc} is the OIDC issuer: use with_issuer / with_issuer_encoding"
        );
        self.claims.insert(arc, value.to_string());
        self
    }

    /// Remove the Fulcio claim `1.3.6.1.4.1.57264.1.<arc>`.
    pub fn without_claim(mut self, arc: u32) -> Self {
        self.claims.remove(&arc);
        self
    }

    /// Knob: the certificate's validity window relative to the signing time.
    pub fn with_validity(mut self, validity: CertValidity) -> Self {
        self.validity = validity;
        self
    }

    /// Knob: which CA issues the certificate.
    pub fn issued_by(mut self, ca: Authority) -> Self {
        self.ca = ca;
        self
    }

    /// Knob: the certificate's embedded SCT.
    pub fn with_sct(mut self, sct: Sct) -> Self {
        self.sct = sct;
        self
    }

    /// Knob: omit the codeSigning extended key usage.
    pub fn without_code_signing(mut self) -> Self {
        self.code_signing = false;
        self
    }

    /// Knob: which transparency log records the signature (its SET,
    /// checkpoint and log ID).
    pub fn logged_by(mut self, log: Authority) -> Self {
        self.log = log;
        self
    }

    /// The SAN.
    pub fn san(&self) -> &San {
        &self.san
    }

    /// The OIDC issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The Fulcio claim under arc `arc`, if set.
    pub fn claim(&self, arc: u32) -> Option<&str> {
        self.claims.get(&arc).map(String::as_str)
    }
}
