//! Mutation campaign over the parsers and verifiers that read untrusted
//! bytes: valid inputs kept in the repository (a production Sigstore bundle,
//! signed DSSE envelopes and checkpoints, Merkle proofs, manifests, Docker
//! catalog entries, JSON-RPC lines through the guard, every response a
//! catalog client fetches from a registry) are mutated byte by
//! byte — flips, overwrites, insertions, deletions, duplicated and moved
//! runs, truncation — and fed back. The properties:
//!
//! - nothing panics;
//! - no mutated input verifies as something else: a verifier that still
//!   accepts a mutation must report exactly what it reported for the
//!   original (a change the signature does not cover, such as JSON
//!   whitespace, is the only way through);
//! - the guard never forwards a call to a tool outside the pinned surface,
//!   and everything it emits is one JSON-RPC object.
//!
//! Cases per target: `MCP_TRUST_FUZZ_CASES` (default 300 in `cargo test`;
//! `bench/fuzz-campaign.sh` runs 10,000); `MCP_TRUST_FUZZ_SEED` picks other
//! mutations, the same ones for the same seed. A failure names its target and
//! the minimal edits that break it; each target prints its figures.

#![allow(clippy::unwrap_used)] // helpers of this test crate
mod support;

use mcp_trust::guard::{Policy, ServerIdentity, Session};
use mcp_trust::image::Digest;
use mcp_trust::keys::SigningKey;
use mcp_trust::log::note::{self, Checkpoint};
use mcp_trust::log::tree::{self, MemoryTree};
use mcp_trust::signature::{Artifact, Matcher, Policy as SignerPolicy, TrustRoot, verify};
use mcp_trust::tools::listing::tool_from_value;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::LazyLock;
use support::*;

fn cases() -> u32 {
    std::env::var("MCP_TRUST_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// `MCP_TRUST_FUZZ_SEED` picks other mutations (the same ones for the same
/// seed); 0 by default, so `cargo test` runs the same cases every time.
fn fuzz_seed() -> u64 {
    std::env::var("MCP_TRUST_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Shrinking a byte-level failure takes long and the seed is kept anyway.
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

/// What one mutated input came to.
enum Seen {
    /// Refused or handled as bad input.
    Refused,
    /// Accepted: verified (with the original's claims) or parsed.
    Accepted,
}

/// Runs `cases()` mutations of one target and prints its figures: cases,
/// how many were still accepted, time. Fails on the first broken property.
fn campaign<S: Strategy>(
    target: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<Seen, TestCaseError>,
) {
    let accepted = std::cell::Cell::new(0usize);
    let started = std::time::Instant::now();
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&fuzz_seed().to_le_bytes());
    seed[8..8 + target.len().min(24)].copy_from_slice(&target.as_bytes()[..target.len().min(24)]);
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        config(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &seed,
        ),
    );
    let outcome = runner.run(&strategy, |value| {
        if let Seen::Accepted = test(value)? {
            accepted.set(accepted.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{target}: {e}");
    }
    eprintln!(
        "fuzz {target} (seed {}): {} mutated inputs, {} still accepted, 0 panics, 0 accepted as something else, {:.2} s",
        fuzz_seed(),
        cases(),
        accepted.get(),
        started.elapsed().as_secs_f64()
    );
}

/// One byte-level edit; positions are taken modulo the input's length.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Move(usize, usize, usize),
    Truncate(usize),
    /// A byte that means something to JSON or a note: quote, brace, newline …
    Structural(usize, usize),
}

const STRUCTURAL: &[u8] = b"\"{}[],:\\\n 0-+.eEtfn=/";

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Duplicate(p, n)),
        (any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(p, n, q)| Edit::Move(p, n, q)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 0..STRUCTURAL.len()).prop_map(|(p, i)| Edit::Structural(p, i)),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(), 1..6)
}

fn apply(input: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = input.to_vec();
    for e in edits {
        if b.is_empty() {
            break;
        }
        let at = |p: usize| p % b.len();
        match *e {
            Edit::Flip(p, bit) => {
                let i = at(p);
                b[i] ^= 1 << bit;
            }
            Edit::Set(p, v) => {
                let i = at(p);
                b[i] = v;
            }
            Edit::Insert(p, v) => {
                let i = at(p);
                b.insert(i, v);
            }
            Edit::Delete(p, n) => {
                let i = at(p);
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Edit::Duplicate(p, n) => {
                let i = at(p);
                let end = (i + n).min(b.len());
                let run = b[i..end].to_vec();
                b.splice(end..end, run);
            }
            Edit::Move(p, n, q) => {
                let i = at(p);
                let end = (i + n).min(b.len());
                let run: Vec<u8> = b.drain(i..end).collect();
                let to = if b.is_empty() { 0 } else { q % b.len() };
                b.splice(to..to, run);
            }
            Edit::Truncate(p) => {
                let i = at(p);
                b.truncate(i);
            }
            Edit::Structural(p, s) => {
                let i = at(p);
                b[i] = STRUCTURAL[s];
            }
        }
    }
    b
}

// ---------------------------------------------------------------- bundles

static BUNDLE: LazyLock<Vec<u8>> = LazyLock::new(|| real_signature().bundle);
static ROOT: LazyLock<TrustRoot> = LazyLock::new(|| TrustRoot::public_good().unwrap());

fn bundle_policy() -> SignerPolicy {
    SignerPolicy::keyless(
        Matcher::exact(REAL_IDENTITY, "identity").unwrap(),
        Matcher::exact(REAL_ISSUER, "issuer").unwrap(),
    )
}

/// What a verification proved, as the CLI would print it.
fn proved(bytes: &[u8]) -> Option<Value> {
    let digest = Digest::parse(REAL_DIGEST).unwrap();
    verify(bytes, Artifact::Digest(&digest), &bundle_policy(), &ROOT)
        .ok()
        .map(|v| serde_json::to_value(&v).unwrap())
}

static BUNDLE_PROVED: LazyLock<Value> =
    LazyLock::new(|| proved(&BUNDLE).expect("the real bundle verifies"));

#[test]
fn a_mutated_real_bundle_never_verifies_as_something_else() {
    campaign("bundle", edits(), |e| {
        let mutated = apply(&BUNDLE, &e);
        let Some(mut v) = proved(&mutated) else {
            return Ok(Seen::Refused);
        };
        // Verification material that is optional may be lost (a renamed
        // `timestampVerificationData` is an unknown field, and the log's
        // time still stands): the times proved may only be fewer.
        let mut original = BUNDLE_PROVED.clone();
        let times = v["times"].take();
        let all = original["times"].take();
        for t in times.as_array().into_iter().flatten() {
            prop_assert!(
                all.as_array().unwrap().contains(t),
                "a time the original did not prove: {}",
                t
            );
        }
        prop_assert!(
            times.as_array().is_some_and(|t| !t.is_empty()),
            "verified without a time"
        );
        prop_assert_eq!(&v, &original, "a mutation verified as something else");
        Ok(Seen::Accepted)
    });
}

// ------------------------------------------------------------------ DSSE

static DSSE_KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
const PAYLOAD_TYPE: &str = "application/vnd.mcp-trust.test+json";
const PAYLOAD: &[u8] = br#"{"catalog":"version 7","entries":["io.example/a@1.0.0"]}"#;
static ENVELOPE: LazyLock<Vec<u8>> =
    LazyLock::new(|| mcp_trust::dsse::sign(PAYLOAD_TYPE, PAYLOAD, &DSSE_KEY).to_bytes());

#[test]
fn a_mutated_dsse_envelope_never_opens_to_another_payload() {
    campaign("dsse", edits(), |e| {
        let mutated = apply(&ENVELOPE, &e);
        let Ok(envelope) = mcp_trust::dsse::Envelope::from_bytes(&mutated) else {
            return Ok(Seen::Refused);
        };
        let Ok(payload) = mcp_trust::dsse::open(&envelope, PAYLOAD_TYPE, &DSSE_KEY.public_key())
        else {
            return Ok(Seen::Refused);
        };
        prop_assert_eq!(payload.as_slice(), PAYLOAD);
        Ok(Seen::Accepted)
    });
}

// ----------------------------------------------------- checkpoints, proofs

static LOG: LazyLock<MemoryTree> = LazyLock::new(|| {
    let mut t = MemoryTree::new();
    for i in 0..37u32 {
        t.push(format!("record {i}").as_bytes());
    }
    t
});
static NOTE_KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
const NOTE_NAME: &str = "registry.example/log";
static CHECKPOINT: LazyLock<Checkpoint> = LazyLock::new(|| Checkpoint {
    origin: NOTE_NAME.into(),
    size: LOG.size(),
    root: LOG.root(),
    extensions: vec!["catalog 12".into()],
});
static NOTE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    note::sign(&CHECKPOINT, NOTE_NAME, &NOTE_KEY)
        .unwrap()
        .into_bytes()
});

/// A proof as bytes: 32-byte hashes back to back.
fn proof_bytes(proof: &[tree::Hash]) -> Vec<u8> {
    proof
        .iter()
        .flat_map(|h| h.as_bytes().iter().copied())
        .collect()
}

fn proof_from(bytes: &[u8]) -> Vec<tree::Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| tree::Hash::new(<[u8; 32]>::try_from(c).unwrap()))
        .collect()
}

#[test]
fn a_mutated_checkpoint_never_opens_to_another_checkpoint() {
    campaign("checkpoint", edits(), |e| {
        let mutated = apply(&NOTE, &e);
        let Ok(c) = note::open(&mutated, NOTE_NAME, &NOTE_KEY.public_key()) else {
            return Ok(Seen::Refused);
        };
        prop_assert_eq!(&c, &*CHECKPOINT);
        Ok(Seen::Accepted)
    });
}

#[test]
fn a_mutated_inclusion_proof_never_proves_another_leaf() {
    campaign(
        "inclusion proof",
        (0u64..37, edits(), 0u64..37),
        |(index, e, other)| {
            let proof = tree::inclusion_proof(&*LOG, index, LOG.size()).unwrap();
            let mutated = proof_from(&apply(&proof_bytes(&proof), &e));
            // The same proof never places another leaf at this index.
            if other != index {
                let wrong = tree::leaf_hash(format!("record {other}").as_bytes());
                prop_assert!(
                    tree::verify_inclusion(&wrong, index, LOG.size(), &mutated, &LOG.root())
                        .is_err()
                );
            }
            let leaf = tree::leaf_hash(format!("record {index}").as_bytes());
            if tree::verify_inclusion(&leaf, index, LOG.size(), &mutated, &LOG.root()).is_err() {
                return Ok(Seen::Refused);
            }
            prop_assert_eq!(&mutated, &proof);
            Ok(Seen::Accepted)
        },
    );
}

#[test]
fn a_mutated_consistency_proof_never_links_other_trees() {
    campaign("consistency proof", (1u64..37, edits()), |(old, e)| {
        let mut small = MemoryTree::new();
        for i in 0..old {
            small.push(format!("record {i}").as_bytes());
        }
        let proof = tree::consistency_proof(&*LOG, old, LOG.size()).unwrap();
        let mutated = proof_from(&apply(&proof_bytes(&proof), &e));
        if tree::verify_consistency(old, LOG.size(), &mutated, &small.root(), &LOG.root()).is_err()
        {
            return Ok(Seen::Refused);
        }
        prop_assert_eq!(&mutated, &proof);
        Ok(Seen::Accepted)
    });
}

// --------------------------------------------- manifests, Docker catalog

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

static MANIFESTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(workspace().join("testdata/manifests/valid")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            out.push(std::fs::read(path).unwrap());
        }
    }
    out.sort();
    assert!(out.len() >= 3, "seed manifests in testdata/manifests/valid");
    out
});

/// A Docker catalog entry: `server.yaml`, and `tools.json` when it has one.
type DockerEntry = (Vec<u8>, Option<Vec<u8>>);

static DOCKER: LazyLock<Vec<DockerEntry>> = LazyLock::new(|| {
    let dir = workspace().join("testdata/corpus/docker-mcp-registry");
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("server.yaml").is_file())
        .collect();
    names.sort();
    // Every fifth server, with its tools.json when it has one.
    for path in names.iter().step_by(5) {
        let tools = std::fs::read(path.join("tools.json")).ok();
        out.push((std::fs::read(path.join("server.yaml")).unwrap(), tools));
    }
    out
});

#[test]
fn mutated_manifests_are_validated_without_panicking() {
    campaign(
        "manifest",
        (any::<prop::sample::Index>(), edits()),
        |(seed, e)| {
            let input: &Vec<u8> = seed.get(&MANIFESTS);
            let mutated = apply(input, &e);
            let report = mcp_trust::manifest::validate::validate(&mutated, Default::default());
            // Every finding is something a client can print.
            serde_json::to_string(&report.findings).unwrap();
            Ok(if report.is_ok() {
                Seen::Accepted
            } else {
                Seen::Refused
            })
        },
    );
}

#[test]
fn mutated_docker_catalog_entries_import_without_panicking() {
    campaign(
        "docker catalog import",
        (any::<prop::sample::Index>(), edits(), any::<bool>()),
        |(seed, e, mutate_tools)| {
            let (yaml, tools) = seed.get(DOCKER.as_slice());
            let (yaml, tools) = if mutate_tools && tools.is_some() {
                (yaml.clone(), tools.as_ref().map(|t| apply(t, &e)))
            } else {
                (apply(yaml, &e), tools.clone())
            };
            let imported = mcp_trust::import::docker_catalog::import(
                &yaml,
                tools.as_deref(),
                "io.github.example",
            );
            Ok(if imported.manifest.is_some() {
                Seen::Accepted
            } else {
                Seen::Refused
            })
        },
    );
}

// ------------------------------------------------------------ the guard

fn pinned() -> Vec<mcp_trust::manifest::Tool> {
    [
        json!({"name": "echo", "description": "Echoes the text back.",
               "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}),
        json!({"name": "add", "description": "Adds two numbers.",
               "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}}}}),
    ]
    .iter()
    .map(|v| tool_from_value(v, "").unwrap())
    .collect()
}

fn session() -> Session {
    let mut policy = Policy::new(pinned());
    policy.allow_tools = Some(["echo".to_owned()].into());
    Session::new(
        policy,
        ServerIdentity {
            name: "io.example/echo".into(),
            version: Some("1.0.0".into()),
            image_digest: None,
        },
        false,
    )
    .unwrap()
}

/// A conversation that reaches an approved surface: initialize, list, call.
const CLIENT_LINES: &[&str] = &[
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#,
    r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}"#,
    r#"[{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{}}},{"jsonrpc":"2.0","id":6,"method":"ping"}]"#,
];

/// Each message the guard emits is one JSON-RPC object; every call it
/// forwards names an allowed tool.
fn check_outcome(out: &mcp_trust::guard::Outcome) -> Result<(), TestCaseError> {
    for bytes in out.to_server.iter().chain(&out.to_client) {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| TestCaseError::fail(format!("emitted non-JSON: {e}")))?;
        prop_assert!(v.is_object(), "emitted {v}");
        prop_assert_eq!(&v["jsonrpc"], "2.0");
    }
    for bytes in &out.to_server {
        let v: Value = serde_json::from_slice(bytes).unwrap();
        if v["method"] == "tools/call" {
            prop_assert_eq!(&v["params"]["name"], "echo", "forwarded {}", v);
        }
    }
    Ok(())
}

/// The server's answer to a forwarded request: the pinned surface for a listing.
fn answer(request: &Value) -> Option<Vec<u8>> {
    let id = request.get("id")?;
    let result = if request["method"] == "tools/list" {
        json!({"tools": [
            {"name": "echo", "description": "Echoes the text back.",
             "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
            {"name": "add", "description": "Adds two numbers.",
             "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}}}}]})
    } else {
        json!({})
    };
    Some(serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": id, "result": result})).unwrap())
}

#[test]
fn mutated_client_lines_never_reach_the_server_outside_the_allowed_surface() {
    campaign(
        "guard, client side",
        (0..CLIENT_LINES.len(), edits()),
        |(which, e)| {
            let mut s = session();
            let mut forwarded_call = false;
            for (i, line) in CLIENT_LINES.iter().enumerate() {
                let bytes = if i == which {
                    apply(line.as_bytes(), &e)
                } else {
                    line.as_bytes().to_vec()
                };
                let out = s.from_client(&bytes);
                check_outcome(&out)?;
                for fwd in &out.to_server {
                    let v: Value = serde_json::from_slice(fwd).unwrap();
                    forwarded_call |= i == which && v["method"] == "tools/call";
                    if let Some(a) = answer(&v) {
                        check_outcome(&s.from_server(&a))?;
                    }
                }
            }
            Ok(if forwarded_call {
                Seen::Accepted
            } else {
                Seen::Refused
            })
        },
    );
}

#[test]
fn mutated_server_lines_are_handled_without_panicking() {
    campaign("guard, server side", edits(), |e| {
        let mut s = session();
        check_outcome(&s.from_client(CLIENT_LINES[0].as_bytes()))?;
        let init = br#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"s","version":"1"},"instructions":"Echo server."}}"#;
        check_outcome(&s.from_server(&apply(init, &e)))?;
        let listing = br#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo","description":"Echoes the text back.","inputSchema":{"type":"object","properties":{"text":{"type":"string"}}}}]}}"#;
        check_outcome(&s.from_client(CLIENT_LINES[2].as_bytes()))?;
        check_outcome(&s.from_server(&apply(listing, &e)))?;
        let out = s.from_client(CLIENT_LINES[3].as_bytes());
        check_outcome(&out)?;
        Ok(if out.to_server.is_empty() {
            Seen::Refused
        } else {
            Seen::Accepted
        })
    });
}

// ------------------------------------------------------ the catalog client

mod catalog_responses {
    use super::*;
    use mcp_trust::catalog::client::{
        Client, FetchError, Fetched, Fetcher, NoShards, Options, Pulled, Resource,
    };
    use mcp_trust::catalog::memory::{MemoryRegistry, synthetic_entry};
    use mcp_trust::catalog::mirror::MirrorFetcher;
    use std::cell::Cell;

    fn t0() -> jiff::Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    /// A registry of 20 servers, served from a directory, and what an
    /// untampered pull of it accepts.
    struct Served {
        registry: MemoryRegistry,
        dir: tempfile::TempDir,
        accepted: (mcp_trust::catalog::IndexPayload, Vec<Vec<u8>>),
    }

    // The registry's keys are not Sync; each test thread builds its own.
    thread_local! {
        static SERVED: Served = {
            let entries = (0..20).map(|i| synthetic_entry(i, t0())).collect();
            let registry =
                MemoryRegistry::with_entries("registry.example.com/log", t0(), entries).unwrap();
            let dir = tempfile::tempdir().unwrap();
            registry.mirror().write(dir.path()).unwrap();
            let pulled = pull(&registry, dir.path(), None).unwrap();
            let accepted = claims(&pulled);
            Served { registry, dir, accepted }
        };
    }

    fn claims(p: &Pulled) -> (mcp_trust::catalog::IndexPayload, Vec<Vec<u8>>) {
        let mut shards: Vec<Vec<u8>> = p.new_shards.iter().map(|(_, b)| b.clone()).collect();
        shards.sort();
        (p.index.clone(), shards)
    }

    /// Mutates the body of the `which`-th fetch of one pull.
    struct Mutating<'a> {
        inner: MirrorFetcher,
        which: usize,
        edits: &'a [Edit],
        seen: Cell<usize>,
    }

    impl Fetcher for Mutating<'_> {
        fn fetch(
            &self,
            resource: &Resource,
            cap: u64,
            etag: Option<&str>,
        ) -> Result<Fetched, FetchError> {
            let n = self.seen.get();
            self.seen.set(n + 1);
            match self.inner.fetch(resource, cap, etag)? {
                Fetched::Body { bytes, etag } if n == self.which => Ok(Fetched::Body {
                    bytes: apply(&bytes, self.edits),
                    etag,
                }),
                other => Ok(other),
            }
        }
    }

    fn pull(
        registry: &MemoryRegistry,
        dir: &Path,
        mutate: Option<(usize, &[Edit])>,
    ) -> Result<Pulled, mcp_trust::catalog::client::ClientError> {
        let (which, edits) = mutate.unwrap_or((usize::MAX, &[]));
        let fetcher = Mutating {
            inner: MirrorFetcher::new(dir, 1000),
            which,
            edits,
            seen: Cell::new(0),
        };
        let options = Options {
            now: Some(t0()),
            ..Options::default()
        };
        Client::new(fetcher, registry.root_public_key(), options).pull(None, &NoShards)
    }

    #[test]
    fn a_mutated_response_never_yields_another_catalog() {
        campaign("catalog responses", (0usize..12, edits()), |(which, e)| {
            SERVED.with(
                |s| match pull(&s.registry, s.dir.path(), Some((which, &e))) {
                    Err(_) => Ok(Seen::Refused),
                    Ok(p) => {
                        prop_assert_eq!(
                            &claims(&p),
                            &s.accepted,
                            "a mutated response was accepted as another catalog"
                        );
                        Ok(Seen::Accepted)
                    }
                },
            )
        });
    }
}
