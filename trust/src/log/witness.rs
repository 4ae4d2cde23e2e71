//! The witness side of `c2sp.org/tlog-witness`: what a log submits
//! (`POST /add-checkpoint`) and the checks a witness makes before it
//! cosigns, in the order the specification gives them.
//!
//! A request is `old <size>\n`, up to 63 base64 consistency-proof hashes
//! one per line, a blank line, then the log's signed checkpoint. The
//! witness cosigns only a checkpoint of a log it follows, signed by that
//! log's key, whose `old` size is the one the witness holds (else 409 with
//! the witness's size, so the log can retry), and which is consistent with
//! what the witness holds (a valid proof from the stored root; the same
//! root at the same size): a log cannot get a cosignature on a fork, or on
//! a history rolled back.

use super::LogError;
use super::note::{self, Checkpoint};
use super::tree::{Hash, empty_root, verify_consistency};
use crate::keys::PublicKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Largest request body read: a note, 63 proof lines and the `old` line.
pub const MAX_REQUEST_BYTES: usize = note::MAX_NOTE_BYTES + 64 * 46;
/// Most consistency-proof lines (a proof of a tree of up to 2^63 leaves).
pub const MAX_PROOF_LINES: usize = 63;
/// Content type of a 409 answer's body, the witness's size for the log.
pub const TLOG_SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size the log believes the witness holds.
    pub old: u64,
    /// Consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut s = format!("old {}\n", self.old);
        for h in &self.proof {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.note);
        s
    }

    /// Parses a request body.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, Refusal> {
        let bad = |why: String| Refusal::Malformed(why);
        if body.len() > MAX_REQUEST_BYTES {
            return Err(bad(format!(
                "{} bytes; at most {MAX_REQUEST_BYTES} are read",
                body.len()
            )));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("the request is not UTF-8".into()))?;
        let (first, mut rest) = text
            .split_once('\n')
            .ok_or_else(|| bad("no `old` line".into()))?;
        let old = first
            .strip_prefix("old ")
            .filter(|n| {
                !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && (n.len() == 1 || !n.starts_with('0'))
            })
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad(format!("`{}` is not `old <size>`", first.escape_debug())))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(format!("more than {MAX_PROOF_LINES} proof lines")));
            }
            let raw: [u8; 32] = B64
                .decode(line)
                .ok()
                .and_then(|r| r.try_into().ok())
                .ok_or_else(|| {
                    bad(format!(
                        "proof line `{}` is not a base64 hash",
                        line.escape_debug()
                    ))
                })?;
            proof.push(Hash::new(raw));
        }
        Ok(AddCheckpoint {
            old,
            proof,
            note: rest.to_owned(),
        })
    }
}

/// A log a witness follows: its origin and checkpoint key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedLog {
    /// The origin (the checkpoint's first line), also its note key name.
    pub origin: String,
    /// The log's Ed25519 checkpoint key.
    pub key: PublicKey,
}

impl FollowedLog {
    /// Parses the log's verifier key `<origin>+<hex key hash>+<base64(0x01 || key)>`.
    pub fn parse(vkey: &str) -> Result<FollowedLog, LogError> {
        let (name, key) = note::parse_verifier_key(vkey)?;
        Ok(FollowedLog { origin: name, key })
    }
}

/// What a witness holds of one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Tree size.
    pub size: u64,
    /// Root at that size.
    pub root: Hash,
}

/// Why a witness does not cosign; each maps to the status the
/// specification gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The request cannot be read (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The checkpoint's origin is not a log this witness follows (404).
    #[error("`{0}` is not a log this witness follows")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log's key (403).
    #[error("the checkpoint is not validly signed by the log's key: {0}")]
    BadSignature(String),
    /// `old` is not the size this witness holds (409; the body says which).
    #[error("this witness holds size {held}, not {old}")]
    OldSize {
        /// What the log said.
        old: u64,
        /// What the witness holds.
        held: u64,
    },
    /// The checkpoint is not consistent with what the witness holds (422).
    #[error("the checkpoint is not consistent with the witnessed history: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::UnknownLog(_) => 404,
            Refusal::BadSignature(_) => 403,
            Refusal::OldSize { .. } => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }
}

/// The log `note` belongs to and its checkpoint, signed by one of that
/// log's keys (several during a key rotation): 404 for a log not followed,
/// 403 for no valid signature of its keys.
pub fn open<'a>(
    note: &str,
    logs: &'a [FollowedLog],
) -> Result<(&'a FollowedLog, Checkpoint), Refusal> {
    let origin = note.split('\n').next().unwrap_or_default();
    let mut last = None;
    for log in logs.iter().filter(|l| l.origin == origin) {
        match note::open(note.as_bytes(), &log.origin, &log.key) {
            Ok(checkpoint) => return Ok((log, checkpoint)),
            Err(LogError::NoteMalformed(why)) => return Err(Refusal::Malformed(why)),
            Err(other) => last = Some(Refusal::BadSignature(other.to_string())),
        }
    }
    Err(last.unwrap_or_else(|| Refusal::UnknownLog(origin.escape_debug().to_string())))
}

/// The checks of `c2sp.org/tlog-witness` on `request`, for a witness that
/// follows `logs` and holds `held(origin)` of each: the checkpoint to
/// cosign, and its body (the signed text), when every check passes.
pub fn check(
    request: &AddCheckpoint,
    logs: &[FollowedLog],
    held: impl FnOnce(&str) -> Option<Held>,
) -> Result<(Checkpoint, String), Refusal> {
    let (log, checkpoint) = open(&request.note, logs)?;
    if request.old > checkpoint.size {
        return Err(Refusal::Malformed(format!(
            "old size {} is larger than the checkpoint's {}",
            request.old, checkpoint.size
        )));
    }
    let held = held(&log.origin);
    let held_size = held.as_ref().map_or(0, |h| h.size);
    if request.old != held_size {
        return Err(Refusal::OldSize {
            old: request.old,
            held: held_size,
        });
    }
    if checkpoint.size == 0 && checkpoint.root != empty_root() {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must carry the empty tree's root".into(),
        ));
    }
    match held {
        None => {
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "a proof from size 0 must be empty".into(),
                ));
            }
        }
        Some(held) if held.size == checkpoint.size => {
            if held.root != checkpoint.root {
                return Err(Refusal::Inconsistent(format!(
                    "size {} was witnessed with another root: the log forked",
                    held.size
                )));
            }
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "a proof between equal sizes must be empty".into(),
                ));
            }
        }
        Some(held) => verify_consistency(
            held.size,
            checkpoint.size,
            &request.proof,
            &held.root,
            &checkpoint.root,
        )
        .map_err(|e| Refusal::Inconsistent(e.to_string()))?,
    }
    let body = checkpoint.body();
    Ok((checkpoint, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use crate::log::{MemoryTree, consistency_proof, leaf_hash};

    struct Log {
        key: SigningKey,
        tree: MemoryTree,
    }

    impl Log {
        fn new() -> Log {
            Log {
                key: SigningKey::generate().unwrap(),
                tree: MemoryTree::new(),
            }
        }
        fn grow(&mut self, n: u64) {
            for i in 0..n {
                let size = self.tree.size();
                self.tree.push(format!("leaf {}", size + i).as_bytes());
            }
        }
        fn note(&self) -> String {
            let cp = Checkpoint {
                origin: "registry.example/log".into(),
                size: self.tree.size(),
                root: self.tree.root(),
                extensions: vec![],
            };
            note::sign(&cp, "registry.example/log", &self.key).unwrap()
        }
        fn followed(&self) -> Vec<FollowedLog> {
            vec![FollowedLog {
                origin: "registry.example/log".into(),
                key: self.key.public_key(),
            }]
        }
        fn request(&self, old: u64) -> AddCheckpoint {
            let proof = if old == 0 || old == self.tree.size() {
                vec![]
            } else {
                consistency_proof(&self.tree, old, self.tree.size()).unwrap()
            };
            AddCheckpoint {
                old,
                proof,
                note: self.note(),
            }
        }
    }

    #[test]
    fn a_request_round_trips_and_broken_ones_are_malformed() {
        let mut log = Log::new();
        log.grow(5);
        let mut request = log.request(0);
        request.old = 3;
        request.proof = consistency_proof(&log.tree, 3, 5).unwrap();
        let parsed = AddCheckpoint::parse(request.to_body().as_bytes()).unwrap();
        assert_eq!(parsed, request);
        for bad in [
            "old 01\n\nx",
            "old -1\n\nx",
            "old\n\nx",
            "new 1\n\nx",
            "old 1\nnot-base64\n\nx",
            "old 1\nAAAA\n\nx",
            "old 1\n",
        ] {
            assert!(
                matches!(
                    AddCheckpoint::parse(bad.as_bytes()),
                    Err(Refusal::Malformed(_))
                ),
                "{bad:?}"
            );
        }
        let many = format!(
            "old 1\n{}\nx",
            format!("{}\n", empty_root().to_base64()).repeat(64)
        );
        assert!(AddCheckpoint::parse(many.as_bytes()).is_err());
    }

    #[test]
    fn a_consistent_history_is_cosigned_step_by_step() {
        let mut log = Log::new();
        log.grow(3);
        let (cp, _) = check(&log.request(0), &log.followed(), |_| None).unwrap();
        assert_eq!(cp.size, 3);
        let held = Held {
            size: 3,
            root: log.tree.root(),
        };
        log.grow(4);
        let (cp, body) = check(&log.request(3), &log.followed(), |_| Some(held.clone())).unwrap();
        assert_eq!(cp.size, 7);
        assert_eq!(body, cp.body());
        // The same checkpoint again: fine.
        let same = Held {
            size: 7,
            root: log.tree.root(),
        };
        check(&log.request(7), &log.followed(), |_| Some(same)).unwrap();
    }

    #[test]
    fn each_refusal_has_its_status() {
        let mut log = Log::new();
        log.grow(3);
        let held = Held {
            size: 3,
            root: log.tree.root(),
        };
        log.grow(2);
        let followed = log.followed();
        // Unknown log.
        let stranger = Log::new();
        let refused = check(&log.request(3), &[], |_| None).unwrap_err();
        assert_eq!(refused.status(), 404);
        // Signed by another key.
        let refused = check(&log.request(3), &stranger.followed(), |_| None).unwrap_err();
        assert_eq!(refused.status(), 403);
        // Old size not the one held: 409 naming it.
        let refused = check(&log.request(0), &followed, |_| Some(held.clone())).unwrap_err();
        assert_eq!(refused, Refusal::OldSize { old: 0, held: 3 });
        assert_eq!(refused.status(), 409);
        // Old larger than the checkpoint: 400.
        let mut r = log.request(5);
        r.old = 6;
        assert_eq!(check(&r, &followed, |_| None).unwrap_err().status(), 400);
        // A wrong proof: 422.
        let mut r = log.request(3);
        r.proof[0] = leaf_hash(b"forged");
        assert_eq!(
            check(&r, &followed, |_| Some(held.clone()))
                .unwrap_err()
                .status(),
            422
        );
        // A fork: the same size witnessed with another root.
        let fork = Held {
            size: 5,
            root: leaf_hash(b"other history"),
        };
        assert_eq!(
            check(&log.request(5), &followed, |_| Some(fork))
                .unwrap_err()
                .status(),
            422
        );
        // A proof from size 0.
        let mut r = log.request(0);
        r.proof = vec![leaf_hash(b"x")];
        assert_eq!(check(&r, &followed, |_| None).unwrap_err().status(), 422);
        // A rollback: the witness holds 5, the log offers 3.
        let mut short = Log {
            key: SigningKey::from_seed(&[0; 32]).unwrap(),
            tree: MemoryTree::new(),
        };
        short.grow(3);
        let ahead = Held {
            size: 5,
            root: log.tree.root(),
        };
        let refused = check(&short.request(0), &short.followed(), |_| Some(ahead)).unwrap_err();
        assert_eq!(refused, Refusal::OldSize { old: 0, held: 5 });
    }
}
