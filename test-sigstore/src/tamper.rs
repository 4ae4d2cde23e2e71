//! Deliberate corruptions of a produced v0.3 bundle, one field at a time,
//! for negative tests that need more than a wrong knob.
//!
//! Each [`Tamper`] changes the bundle JSON the way an attacker or a broken
//! producer would, keeping it well-formed so that the verifier reaches the
//! stage the corruption targets. The stage `sigstore-verify` 0.15.1 reports
//! is documented on each variant and proved by this crate's tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// One corruption of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tamper {
    /// Flip a bit of the message or DSSE signature → signature invalid.
    Signature,
    /// Append a space to the DSSE payload (the statement stays valid JSON
    /// with the same meaning) → DSSE signature invalid.
    DssePayload,
    /// Flip a bit of the message digest → artifact mismatch.
    MessageDigest,
    /// Flip a bit of the leaf certificate's signature → chain invalid.
    Certificate,
    /// Flip a bit of the SET → inclusion promise invalid.
    SignedEntryTimestamp,
    /// Add one second to `integratedTime` → inclusion promise invalid (the
    /// SET covers it).
    IntegratedTime,
    /// Add one to `logIndex` → inclusion promise invalid.
    LogIndex,
    /// Change the canonicalized body → inclusion promise invalid.
    Body,
    /// Flip a bit of the first inclusion-proof hash → inclusion proof
    /// invalid.
    InclusionProofHash,
    /// Flip a bit of the inclusion proof's root hash → bundle invalid (the
    /// structural check finds it differs from the checkpoint's root).
    RootHash,
    /// Flip a bit of the checkpoint signature → checkpoint invalid.
    CheckpointSignature,
    /// Remove the inclusion proof → bundle invalid (v0.3 requires one).
    DropInclusionProof,
    /// Remove the SET → no verified timestamp.
    DropInclusionPromise,
    /// Remove every log entry → bundle invalid.
    DropTlogEntries,
}

/// Apply `tamper` to a v0.3 bundle produced by this crate.
///
/// # Panics
/// If the bundle lacks the field (e.g. [`Tamper::DssePayload`] on a
/// message-signature bundle) or is not JSON.
pub fn tamper(bundle_json: &str, tamper: Tamper) -> String {
    let mut bundle: Value = serde_json::from_str(bundle_json).expect("bundle is JSON");
    let entry = "/verificationMaterial/tlogEntries/0";
    match tamper {
        Tamper::Signature => {
            let path = if bundle.get("dsseEnvelope").is_some() {
                "/dsseEnvelope/signatures/0/sig"
            } else {
                "/messageSignature/signature"
            };
            flip_base64(&mut bundle, path);
        }
        Tamper::DssePayload => {
            let payload = field(&mut bundle, "/dsseEnvelope/payload");
            let mut bytes = STANDARD
                .decode(payload.as_str().expect("payload is a string"))
                .expect("payload is base64");
            bytes.push(b' ');
            *payload = Value::from(STANDARD.encode(bytes));
        }
        Tamper::MessageDigest => flip_base64(&mut bundle, "/messageSignature/messageDigest/digest"),
        Tamper::Certificate => {
            flip_base64(&mut bundle, "/verificationMaterial/certificate/rawBytes")
        }
        Tamper::SignedEntryTimestamp => flip_base64(
            &mut bundle,
            &format!("{entry}/inclusionPromise/signedEntryTimestamp"),
        ),
        Tamper::IntegratedTime => add_one(&mut bundle, &format!("{entry}/integratedTime")),
        Tamper::LogIndex => add_one(&mut bundle, &format!("{entry}/logIndex")),
        Tamper::Body => {
            let body = field(&mut bundle, &format!("{entry}/canonicalizedBody"));
            let decoded = STANDARD
                .decode(body.as_str().expect("body is a string"))
                .expect("body is base64");
            let mut value: Value = serde_json::from_slice(&decoded).expect("body is JSON");
            value["apiVersion"] = Value::from("0.0.2");
            *body =
                Value::from(STANDARD.encode(serde_json::to_vec(&value).expect("serialize body")));
        }
        Tamper::InclusionProofHash => {
            flip_base64(&mut bundle, &format!("{entry}/inclusionProof/hashes/0"));
        }
        Tamper::RootHash => flip_base64(&mut bundle, &format!("{entry}/inclusionProof/rootHash")),
        Tamper::CheckpointSignature => {
            let envelope = field(
                &mut bundle,
                &format!("{entry}/inclusionProof/checkpoint/envelope"),
            );
            let text = envelope
                .as_str()
                .expect("checkpoint is a string")
                .to_string();
            let (note, signature_line) = text
                .trim_end()
                .rsplit_once('\n')
                .expect("checkpoint has a signature line");
            let (prefix, signature) = signature_line
                .rsplit_once(' ')
                .expect("signature line has a signature");
            let mut bytes = STANDARD.decode(signature).expect("signature is base64");
            flip_last(&mut bytes);
            *envelope = Value::from(format!("{note}\n{prefix} {}\n", STANDARD.encode(bytes)));
        }
        Tamper::DropInclusionProof => remove(&mut bundle, entry, "inclusionProof"),
        Tamper::DropInclusionPromise => remove(&mut bundle, entry, "inclusionPromise"),
        Tamper::DropTlogEntries => {
            *field(&mut bundle, "/verificationMaterial/tlogEntries") = Value::Array(Vec::new());
        }
    }
    serde_json::to_string(&bundle).expect("serialize bundle")
}

fn field<'a>(bundle: &'a mut Value, pointer: &str) -> &'a mut Value {
    bundle
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("bundle has no field {pointer}"))
}

fn flip_base64(bundle: &mut Value, pointer: &str) {
    let value = field(bundle, pointer);
    let mut bytes = STANDARD
        .decode(
            value
                .as_str()
                .unwrap_or_else(|| panic!("{pointer} is not a string")),
        )
        .unwrap_or_else(|e| panic!("{pointer} is not base64: {e}"));
    flip_last(&mut bytes);
    *value = Value::from(STANDARD.encode(bytes));
}

/// Flip the lowest bit of the last byte: for a DER ECDSA signature that is
/// inside `s`, so the signature still parses and only fails to verify.
fn flip_last(bytes: &mut [u8]) {
    let last = bytes.last_mut().expect("field is not empty");
    *last ^= 0x01;
}

/// Add one to an int64 field, which protobuf JSON writes as a string.
fn add_one(bundle: &mut Value, pointer: &str) {
    let value = field(bundle, pointer);
    let number: i64 = value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{pointer} is not an int64 string"));
    *value = Value::from((number + 1).to_string());
}

fn remove(bundle: &mut Value, pointer: &str, key: &str) {
    field(bundle, pointer)
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an object"))
        .remove(key)
        .unwrap_or_else(|| panic!("{pointer} has no {key}"));
}
