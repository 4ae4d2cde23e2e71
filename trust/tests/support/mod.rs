//! Test fixtures for signature verification: the sigstore-conformance
//! bundle-verification cases and the real image signature under
//! `testdata/`, and the field-by-field corruptions applied to them.

#![allow(dead_code, clippy::unwrap_used)] // test support: a fixture that cannot load is a failed test

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mcp_trust::image::Digest;
use mcp_trust::signature::{self, Artifact, Matcher, Policy, TrustRoot, Verified, VerifyError};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The default identity of the conformance suite.
pub const CONFORMANCE_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
/// The default issuer of the conformance suite.
pub const CONFORMANCE_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The real image signature's subject digest, identity and issuer.
pub const REAL_DIGEST: &str =
    "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
pub const REAL_IDENTITY: &str = "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0";
pub const REAL_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// What the bundle must sign.
#[derive(Debug, Clone)]
pub enum Subject {
    Bytes(Vec<u8>),
    Digest(Digest),
}

impl Subject {
    pub fn artifact(&self) -> Artifact<'_> {
        match self {
            Subject::Bytes(b) => Artifact::Bytes(b),
            Subject::Digest(d) => Artifact::Digest(d),
        }
    }
}

/// One bundle with everything needed to verify it.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub bundle: Vec<u8>,
    pub subject: Subject,
    /// Identity and issuer for keyless bundles.
    pub identity: Option<(String, String)>,
    /// PEM key for managed-key bundles.
    pub key_pem: Option<String>,
    pub trust_root_json: Option<Vec<u8>>,
}

impl Case {
    pub fn should_pass(&self) -> bool {
        !self.name.ends_with("_fail")
    }

    pub fn policy(&self) -> Policy {
        match (&self.key_pem, &self.identity) {
            (Some(pem), _) => Policy::public_key_pem(pem).unwrap(),
            (None, Some((id, iss))) => Policy::keyless(
                Matcher::exact(id, "identity").unwrap(),
                Matcher::exact(iss, "issuer").unwrap(),
            ),
            (None, None) => unreachable!("every case has a policy"),
        }
    }

    pub fn trust_root(&self) -> TrustRoot {
        match &self.trust_root_json {
            Some(json) => TrustRoot::from_json(json).unwrap(),
            None => TrustRoot::public_good().unwrap(),
        }
    }

    pub fn bundle_json(&self) -> Value {
        serde_json::from_slice(&self.bundle).unwrap()
    }

    pub fn verify(&self) -> Result<Verified, VerifyError> {
        self.verify_with(&self.bundle, self.subject.artifact(), &self.policy())
    }

    pub fn verify_json(&self, bundle: &Value) -> Result<Verified, VerifyError> {
        let bytes = serde_json::to_vec(bundle).unwrap();
        self.verify_with(&bytes, self.subject.artifact(), &self.policy())
    }

    pub fn verify_with(
        &self,
        bundle: &[u8],
        artifact: Artifact<'_>,
        policy: &Policy,
    ) -> Result<Verified, VerifyError> {
        signature::verify(bundle, artifact, policy, &self.trust_root())
    }

    /// The same bundle checked by `sigstore-verify` alone, with the same
    /// trust root and an exact identity policy: what the crate accepts.
    pub fn crate_alone_accepts(&self, bundle: &Value) -> bool {
        let bundle = sigstore_types::Bundle::from_json(&bundle.to_string());
        let Ok(bundle) = bundle else { return false };
        let root = match &self.trust_root_json {
            Some(json) => {
                sigstore_trust_root::TrustedRoot::from_json(std::str::from_utf8(json).unwrap())
                    .unwrap()
            }
            None => sigstore_trust_root::TrustedRoot::from_json(
                sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT,
            )
            .unwrap(),
        };
        let artifact = match &self.subject {
            Subject::Bytes(b) => sigstore_types::Artifact::from(b.as_slice()),
            Subject::Digest(d) => sigstore_types::Artifact::from(
                sigstore_types::Sha256Hash::from_hex(d.hex()).unwrap(),
            ),
        };
        match (&self.key_pem, &self.identity) {
            (Some(pem), _) => {
                let key = sigstore_types::DerPublicKey::from_pem(pem).unwrap();
                let policy = sigstore_verify::PublicKeyVerificationPolicy::new(key);
                sigstore_verify::verify(artifact, &bundle, &policy, &root).is_ok()
            }
            (None, Some((id, iss))) => {
                let policy = sigstore_verify::VerificationPolicy::new(id.as_str(), iss.as_str());
                sigstore_verify::verify(artifact, &bundle, &policy, &root).is_ok()
            }
            (None, None) => false,
        }
    }
}

/// The repository's `testdata/`.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn read_opt(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Every sigstore-conformance bundle-verification case, sorted by name.
pub fn conformance_cases() -> Vec<Case> {
    let root = testdata().join("sigstore-conformance/bundle-verify");
    let default_artifact = std::fs::read(root.join("a.txt")).unwrap();
    let mut cases: Vec<Case> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let text = |name: &str| {
                read_opt(&dir.join(name)).map(|b| String::from_utf8(b).unwrap().trim().to_owned())
            };
            let key_pem = read_opt(&dir.join("key.pub")).map(|b| String::from_utf8(b).unwrap());
            let identity = key_pem.is_none().then(|| {
                (
                    text("identity").unwrap_or_else(|| CONFORMANCE_IDENTITY.to_owned()),
                    text("issuer").unwrap_or_else(|| CONFORMANCE_ISSUER.to_owned()),
                )
            });
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                bundle: std::fs::read(dir.join("bundle.sigstore.json")).unwrap(),
                subject: Subject::Bytes(
                    read_opt(&dir.join("artifact")).unwrap_or_else(|| default_artifact.clone()),
                ),
                identity,
                key_pem,
                trust_root_json: read_opt(&dir.join("trusted_root.json")),
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// The conformance cases that must verify.
pub fn happy_cases() -> Vec<Case> {
    conformance_cases()
        .into_iter()
        .filter(Case::should_pass)
        .collect()
}

/// One conformance case by name.
pub fn conformance_case(name: &str) -> Case {
    conformance_cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no conformance case {name}"))
}

/// The production cosign v3 image signature, verified by digest with the embedded root.
pub fn real_signature() -> Case {
    Case {
        name: "kubewarden-controller-v1.34.0".into(),
        bundle: std::fs::read(
            testdata().join("signatures/kubewarden-controller-v1.34.0.sigstore.json"),
        )
        .unwrap(),
        subject: Subject::Digest(Digest::parse(REAL_DIGEST).unwrap()),
        identity: Some((REAL_IDENTITY.into(), REAL_ISSUER.into())),
        key_pem: None,
        trust_root_json: None,
    }
}

// ---- corruptions ----------------------------------------------------------

/// Flips the lowest bit of the byte at `len / 2` of a base64 string.
pub fn flip_b64(value: &mut Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    let mut bytes = B64.decode(s).unwrap();
    if bytes.is_empty() {
        return false;
    }
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    *value = Value::String(B64.encode(bytes));
    true
}

/// `bundle` (JSON) with the lowest bit of its signature's middle byte
/// flipped, a message signature's or a DSSE envelope's.
pub fn tamper_signature(bundle: &str) -> String {
    let mut doc: Value = serde_json::from_str(bundle).unwrap();
    let pointer = if doc.pointer("/messageSignature").is_some() {
        "/messageSignature/signature"
    } else {
        "/dsseEnvelope/signatures/0/sig"
    };
    assert!(flip_b64(doc.pointer_mut(pointer).unwrap()));
    doc.to_string()
}

/// Flips the lowest bit of byte `i` of a base64 string.
pub fn flip_b64_at(value: &mut Value, i: usize) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    let mut bytes = B64.decode(s).unwrap();
    if i >= bytes.len() {
        return false;
    }
    bytes[i] ^= 1;
    *value = Value::String(B64.encode(bytes));
    true
}

/// Flips a bit of the seconds in the signed `genTime` of an RFC 3161 token.
pub fn flip_gen_time(value: &mut Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    let mut bytes = B64.decode(s).unwrap();
    // GeneralizedTime, tag 0x18, `YYYYMMDDHHMMSS` then optional fraction and `Z`.
    let Some(i) = bytes
        .windows(2)
        .position(|w| w[0] == 0x18 && (15..=24).contains(&w[1]))
    else {
        return false;
    };
    bytes[i + 2 + 12] ^= 1;
    *value = Value::String(B64.encode(bytes));
    true
}

/// Flips the lowest bit of an integer carried as a JSON string (protobuf int64).
pub fn bump_int_string(value: &mut Value) -> bool {
    let Some(n) = value.as_str().and_then(|s| s.parse::<u64>().ok()) else {
        return false;
    };
    *value = Value::String((n ^ 1).to_string());
    true
}

pub fn entry(b: &mut Value) -> &mut Value {
    &mut b["verificationMaterial"]["tlogEntries"][0]
}

fn at<'a>(b: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    b.pointer_mut(pointer)
}

/// Rewrites one line of the checkpoint note.
fn edit_checkpoint(b: &mut Value, edit: impl FnOnce(&mut Vec<String>) -> bool) -> bool {
    let Some(v) = at(
        b,
        "/verificationMaterial/tlogEntries/0/inclusionProof/checkpoint/envelope",
    ) else {
        return false;
    };
    let mut lines: Vec<String> = v.as_str().unwrap().split('\n').map(str::to_owned).collect();
    if !edit(&mut lines) {
        return false;
    }
    *v = Value::String(lines.join("\n"));
    true
}

fn flip_char(s: &mut String, i: usize) {
    let mut bytes = std::mem::take(s).into_bytes();
    bytes[i] ^= 1;
    *s = String::from_utf8(bytes).unwrap();
}

/// The log's own signature line (`— name base64`, name starting the origin).
fn first_signature_line(lines: &mut [String]) -> Option<&mut String> {
    let origin = lines[0].clone();
    lines.iter_mut().find(|l| {
        l.strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split(' ').next())
            .is_some_and(|name| origin == name || origin.starts_with(&format!("{name} - ")))
    })
}

/// Edits the base64 part (hint + signature) of the first signature line.
fn edit_signature_bytes(lines: &mut [String], i: impl Fn(usize) -> usize) -> bool {
    let Some(line) = first_signature_line(lines) else {
        return false;
    };
    let (head, sig) = line.rsplit_once(' ').unwrap();
    let mut v = Value::String(sig.to_owned());
    let n = B64.decode(sig).unwrap().len();
    flip_b64_at(&mut v, i(n));
    *line = format!("{head} {}", v.as_str().unwrap());
    true
}

/// The signing certificate's base64 DER, in either bundle layout.
pub fn leaf_certificate(b: &mut Value) -> Option<&mut Value> {
    let pointer = if b
        .pointer("/verificationMaterial/certificate/rawBytes")
        .is_some()
    {
        "/verificationMaterial/certificate/rawBytes"
    } else {
        "/verificationMaterial/x509CertificateChain/certificates/0/rawBytes"
    };
    b.pointer_mut(pointer)
}

/// A named corruption of one security-relevant field.
#[derive(Debug, Clone, Copy)]
pub struct Corruption {
    pub field: &'static str,
    pub apply: fn(&mut Value) -> bool,
}

/// Every field corruption; each returns false when the bundle lacks the field.
pub fn corruptions() -> Vec<Corruption> {
    fn c(field: &'static str, apply: fn(&mut Value) -> bool) -> Corruption {
        Corruption { field, apply }
    }
    vec![
        c("message signature", |b| {
            at(b, "/messageSignature/signature").is_some_and(flip_b64)
        }),
        c("message digest", |b| {
            at(b, "/messageSignature/messageDigest/digest").is_some_and(flip_b64)
        }),
        c("certificate", |b| leaf_certificate(b).is_some_and(flip_b64)),
        c("certificate signature", |b| {
            leaf_certificate(b).is_some_and(|v| {
                let n = B64.decode(v.as_str().unwrap()).unwrap().len();
                flip_b64_at(v, n - 10)
            })
        }),
        c("dsse payload", |b| {
            at(b, "/dsseEnvelope/payload").is_some_and(flip_b64)
        }),
        c("dsse payload type", |b| {
            at(b, "/dsseEnvelope/payloadType").is_some_and(|v| {
                *v = Value::String("application/vnd.in-toto+jsoN".into());
                true
            })
        }),
        c("dsse signature", |b| {
            at(b, "/dsseEnvelope/signatures/0/sig").is_some_and(flip_b64)
        }),
        c("inclusion promise (SET)", |b| {
            at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
            )
            .is_some_and(flip_b64)
        }),
        c("integrated time", |b| {
            at(b, "/verificationMaterial/tlogEntries/0/integratedTime").is_some_and(bump_int_string)
        }),
        c("log index", |b| {
            at(b, "/verificationMaterial/tlogEntries/0/logIndex").is_some_and(bump_int_string)
        }),
        c("log id", |b| {
            at(b, "/verificationMaterial/tlogEntries/0/logId/keyId").is_some_and(flip_b64)
        }),
        c("kind version", |b| {
            at(b, "/verificationMaterial/tlogEntries/0/kindVersion/version").is_some_and(|v| {
                let next = if v == "0.0.1" { "0.0.2" } else { "0.0.1" };
                *v = Value::String(next.into());
                true
            })
        }),
        c("canonicalized body", |b| {
            at(b, "/verificationMaterial/tlogEntries/0/canonicalizedBody").is_some_and(flip_b64)
        }),
        c("inclusion proof first hash", |b| {
            at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
            )
            .is_some_and(flip_b64)
        }),
        c("inclusion proof last hash", |b| {
            let Some(hashes) = at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionProof/hashes",
            )
            .and_then(Value::as_array_mut) else {
                return false;
            };
            hashes.last_mut().is_some_and(flip_b64)
        }),
        c("inclusion proof root hash", |b| {
            at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionProof/rootHash",
            )
            .is_some_and(flip_b64)
        }),
        c("inclusion proof tree size", |b| {
            at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionProof/treeSize",
            )
            .is_some_and(bump_int_string)
        }),
        c("inclusion proof log index", |b| {
            at(
                b,
                "/verificationMaterial/tlogEntries/0/inclusionProof/logIndex",
            )
            .is_some_and(bump_int_string)
        }),
        c("checkpoint origin", |b| {
            edit_checkpoint(b, |l| {
                flip_char(&mut l[0], 0);
                true
            })
        }),
        c("checkpoint tree size", |b| {
            edit_checkpoint(b, |l| {
                let n: u64 = l[1].parse().unwrap();
                l[1] = (n ^ 1).to_string();
                true
            })
        }),
        c("checkpoint root hash", |b| {
            edit_checkpoint(b, |l| {
                let mut v = Value::String(l[2].clone());
                flip_b64(&mut v);
                l[2] = v.as_str().unwrap().to_owned();
                true
            })
        }),
        c("checkpoint signature", |b| {
            edit_checkpoint(b, |l| edit_signature_bytes(l, |n| n - 3))
        }),
        c("checkpoint key hint", |b| {
            edit_checkpoint(b, |l| edit_signature_bytes(l, |_| 0))
        }),
        c("checkpoint signer name", |b| {
            edit_checkpoint(b, |l| {
                first_signature_line(l).is_some_and(|line| {
                    let i = "\u{2014} ".len();
                    flip_char(line, i);
                    true
                })
            })
        }),
        c("rfc3161 timestamp signed time", |b| {
            at(
                b,
                "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp",
            )
            .is_some_and(flip_gen_time)
        }),
        c("rfc3161 timestamp middle byte", |b| {
            at(
                b,
                "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp",
            )
            .is_some_and(flip_b64)
        }),
        c("media type", |b| {
            at(b, "/mediaType").is_some_and(|v| {
                *v = Value::String("application/vnd.dev.sigstore.bundle.v0.9+json".into());
                true
            })
        }),
    ]
}
