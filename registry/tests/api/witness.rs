//! `mcp-registry witness`: the c2sp.org/tlog-witness server on loopback,
//! fed by a real log (a Merkle tree and a checkpoint key), over HTTP.

use mcp_registry::witness::{self, Witness};
use mcp_trust::keys::SigningKey;
use mcp_trust::log::cosignature::{self, WitnessKey};
use mcp_trust::log::witness::{AddCheckpoint, FollowedLog};
use mcp_trust::log::{Checkpoint, MemoryTree, consistency_proof, note};
use std::sync::Arc;

const ORIGIN: &str = "registry.example/log";

struct Log {
    key: SigningKey,
    tree: MemoryTree,
}

impl Log {
    /// A log whose checkpoint key is made of `seed` (the same seed: the same key).
    fn new(seed: u8) -> Log {
        Log {
            key: SigningKey::from_seed(&[seed; 32]).unwrap(),
            tree: MemoryTree::new(),
        }
    }

    fn grow(&mut self, n: usize, label: &str) {
        for i in 0..n {
            self.tree.push(format!("{label} {i}").as_bytes());
        }
    }

    fn note(&self) -> String {
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: self.tree.size(),
            root: self.tree.root(),
            extensions: vec![],
        };
        note::sign(&cp, ORIGIN, &self.key).unwrap()
    }

    fn vkey(&self) -> String {
        note::verifier_key(ORIGIN, &self.key.public_key())
    }

    fn request(&self, old: u64) -> String {
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
        .to_body()
    }
}

struct Served {
    runtime: tokio::runtime::Runtime,
    base: String,
    vkey: WitnessKey,
    dir: tempfile::TempDir,
}

fn serve(log: &Log) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let vkey = witness::init(dir.path(), "witness.example").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let logs = vec![FollowedLog::parse(&log.vkey()).unwrap()];
    let w = Arc::new(Witness::open(dir.path(), logs).unwrap());
    let base = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, witness::router(w)).await });
        base
    });
    Served {
        runtime,
        base,
        vkey: WitnessKey::parse(&vkey).unwrap(),
        dir,
    }
}

fn post(s: &Served, body: &str) -> (u16, Option<String>, String) {
    s.runtime.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/add-checkpoint", s.base))
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ty = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, ty, r.text().await.unwrap())
    })
}

#[test]
fn the_witness_cosigns_what_extends_its_history_and_nothing_else() {
    let mut log = Log::new(7);
    log.grow(3, "a");
    let s = serve(&log);
    let w = std::slice::from_ref(&s.vkey);

    // First sight: old 0, no proof. The answer is a cosignature line.
    let (status, _, line) = post(&s, &log.request(0));
    assert_eq!(status, 200, "{line}");
    let cosigned = format!("{}{line}", log.note());
    assert_eq!(
        cosignature::verify(cosigned.as_bytes(), w).unwrap().len(),
        1
    );

    // An extension with its proof.
    log.grow(4, "b");
    let (status, _, line) = post(&s, &log.request(3));
    assert_eq!(status, 200, "{line}");
    let cosigned = format!("{}{line}", log.note());
    assert_eq!(
        cosignature::verify(cosigned.as_bytes(), w).unwrap().len(),
        1
    );

    // The log forgot where the witness is: 409 says it.
    let (status, ty, body) = post(&s, &log.request(3));
    assert_eq!(
        (status, ty.as_deref(), body.as_str()),
        (409, Some("text/x.tlog.size"), "7\n")
    );

    // A fork, signed by the log's own key: another history of the same size.
    let mut fork = Log::new(7);
    fork.grow(7, "fork");
    let (status, _, body) = post(&s, &fork.request(7));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("forked"), "{body}");
    // A fork that grew from the witnessed size with a made-up proof.
    fork.grow(1, "more");
    let mut forged = AddCheckpoint::parse(fork.request(7).as_bytes()).unwrap();
    forged.proof = consistency_proof(&fork.tree, 7, 8).unwrap();
    let (status, _, body) = post(&s, &forged.to_body());
    assert_eq!(status, 422, "{body}");

    // Signed by someone else, an unknown log, garbage.
    let stranger = Log::new(8);
    let (status, _, _) = post(
        &s,
        &stranger.request(0).replace(ORIGIN, "other.example/log"),
    );
    assert_eq!(status, 404);
    let mut wrong_signer = Log::new(9);
    wrong_signer.grow(8, "x");
    let (status, _, _) = post(&s, &wrong_signer.request(7));
    assert_eq!(status, 403);
    let (status, _, _) = post(&s, "old x\n\n");
    assert_eq!(status, 400);
    let (status, _, _) = post(&s, &"x".repeat(64 * 1024));
    assert_eq!(status, 413);

    // What the witness holds, for monitors: the log's note and its cosignature.
    let hex = mcp_trust::image::Digest::of(ORIGIN.as_bytes())
        .hex()
        .to_owned();
    let held = s.runtime.block_on(async {
        reqwest::get(format!("{}/{hex}/checkpoint", s.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(held.starts_with(&format!("{ORIGIN}\n7\n")), "{held}");
    assert_eq!(cosignature::verify(held.as_bytes(), w).unwrap().len(), 1);
    note::open(held.as_bytes(), ORIGIN, &log.key.public_key()).unwrap();
}

/// Submissions racing with the same `old` size: exactly one is cosigned,
/// the others learn the new size (the check and the write are one step).
#[test]
fn racing_submissions_get_one_cosignature_and_the_state_survives_a_restart() {
    let mut log = Log::new(7);
    log.grow(2, "a");
    let s = serve(&log);
    assert_eq!(post(&s, &log.request(0)).0, 200);
    log.grow(3, "b");
    let body = log.request(2);
    let statuses: Vec<u16> = s.runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (client, url, body) = (
                client.clone(),
                format!("{}/add-checkpoint", s.base),
                body.clone(),
            );
            tasks.push(tokio::spawn(async move {
                client
                    .post(url)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        15,
        "{statuses:?}"
    );

    // A second process over the same directory is refused while the
    // first runs: two processes would each cosign their own extension.
    let logs = vec![FollowedLog::parse(&log.vkey()).unwrap()];
    let e = Witness::open(s.dir.path(), logs.clone()).unwrap_err();
    assert!(
        e.to_string().contains("another witness process holds"),
        "{e}"
    );
    // `init` never replaces a key.
    let e = witness::init(s.dir.path(), "witness.example").unwrap_err();
    assert!(e.to_string().contains("keeps its key"), "{e}");
    // Stopped and started again, it holds size 5.
    let Served { runtime, dir, .. } = s;
    drop(runtime);
    let again = Witness::open(dir.path(), logs).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let refused = runtime
        .block_on(again.add_checkpoint(log.request(2).as_bytes(), 10))
        .unwrap_err();
    assert!(refused.to_string().contains("holds size 5"), "{refused}");
}

/// What a submitter adds to its note is not kept (a hundred signature
/// lines under the log's name would make the held state unreadable), and a
/// log that rotates its checkpoint key keeps what was witnessed of it.
#[test]
fn junk_signature_lines_and_a_key_rotation_do_not_jam_the_witness() {
    let mut log = Log::new(7);
    log.grow(2, "a");
    let s = serve(&log);
    // 99 lines under the log's name with made-up keys, then the real one.
    let note = log.note();
    let split = note.find("\n\n").unwrap() + 2;
    let junk: String = (0..99u8)
        .map(|i| {
            use base64::Engine as _;
            let raw = [vec![i, 1, 2, 3], vec![0u8; 64]].concat();
            format!(
                "\u{2014} {ORIGIN} {}\n",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        })
        .collect();
    let padded = format!("{}{junk}{}", &note[..split], &note[split..]);
    let request = AddCheckpoint {
        old: 0,
        proof: vec![],
        note: padded,
    };
    let (status, _, body) = post(&s, &request.to_body());
    assert_eq!(status, 200, "{body}");
    log.grow(1, "b");
    let (status, _, body) = post(&s, &log.request(2));
    assert_eq!(status, 200, "{body}");

    // The log moves to a new key: the witness follows both for a while,
    // then only the new one, and still holds size 3.
    let old_vkey = log.vkey();
    let Served { runtime, dir, .. } = s;
    drop(runtime);
    log.key = SigningKey::from_seed(&[8; 32]).unwrap();
    log.grow(1, "c");
    let both = vec![
        FollowedLog::parse(&old_vkey).unwrap(),
        FollowedLog::parse(&log.vkey()).unwrap(),
    ];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let w = Witness::open(dir.path(), both).unwrap();
    runtime
        .block_on(w.add_checkpoint(log.request(3).as_bytes(), 20))
        .unwrap();
    drop(w);
    let w = Witness::open(dir.path(), vec![FollowedLog::parse(&log.vkey()).unwrap()]).unwrap();
    log.grow(1, "d");
    runtime
        .block_on(w.add_checkpoint(log.request(4).as_bytes(), 30))
        .unwrap();
}

/// The whole loop: a registry submits each checkpoint to three witnesses
/// (two honest, one down) and serves the cosignatures; a gateway that
/// requires two of them pulls, one that requires all three is refused
/// naming the check; a checkpoint a malicious witness alone cosigned (a
/// fork of the log shown to one gateway) does not pass a threshold of two.
#[test]
fn a_registry_gathers_cosignatures_and_gateways_require_a_threshold() {
    use mcp_registry::testing::TestServer;
    use mcp_registry::witnessing::WitnessConfig;
    use mcp_trust::catalog::client::{
        Client, ClientError, HttpFetcher, Options, StateDir, WitnessPolicy,
    };
    use std::time::Duration;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let vkeys: Vec<String> = dirs
        .iter()
        .enumerate()
        .map(|(i, d)| witness::init(d.path(), &format!("w{i}.example")).unwrap())
        .collect();
    let listeners: Vec<std::net::TcpListener> = (0..3)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let urls: Vec<String> = listeners
        .iter()
        .map(|l| format!("http://{}", l.local_addr().unwrap()))
        .collect();
    let configs: Vec<WitnessConfig> = urls
        .iter()
        .zip(&vkeys)
        .map(|(u, v)| WitnessConfig::parse(&format!("{u} {v}")).unwrap())
        .collect();
    let s = TestServer::start(|c| {
        c.witnesses = configs.clone();
        // Re-signed every second: the same checkpoint, served bare at first.
        c.catalog.refresh_every = jiff::SignedDuration::from_secs(1);
        c.catalog.poll = Duration::from_millis(200);
    });
    let log_vkey = s.catalog.keys().checkpoint_verifier_key();
    // Witnesses 0 and 1 follow the registry's log; witness 2 is down.
    let mut listeners = listeners.into_iter();
    for dir in &dirs[..2] {
        let listener = listeners.next().unwrap();
        listener.set_nonblocking(true).unwrap();
        let w = Arc::new(
            Witness::open(dir.path(), vec![FollowedLog::parse(&log_vkey).unwrap()]).unwrap(),
        );
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, witness::router(w)).await
        });
    }
    drop(listeners);

    let keys: Vec<WitnessKey> = vkeys
        .iter()
        .map(|v| WitnessKey::parse(v).unwrap())
        .collect();
    let pull = |threshold: usize| {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::new(
            HttpFetcher::new(&s.base, Duration::from_secs(10)).unwrap(),
            *s.catalog.keys().root(),
            Options {
                witnesses: Some(WitnessPolicy::new(keys.clone(), threshold).unwrap()),
                ..Options::default()
            },
        );
        let state = StateDir::open(dir.path()).unwrap();
        client.pull(None, &state).map(|_| ())
    };
    // The cosignatures arrive within a few polls of the registry's task.
    let started = std::time::Instant::now();
    while pull(2).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", pull(2));
        std::thread::sleep(Duration::from_millis(100));
    }
    match pull(3) {
        Err(e @ ClientError::Witnesses { .. }) => {
            assert_eq!(e.stage(), "witness");
            assert!(e.to_string().contains("2 of the 3 known witnesses"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let served = crate::support::get(&format!("{}/v0.1/log/checkpoint", s.base), None).text;
    let cosigned = cosignature::verify(served.as_bytes(), &keys).unwrap();
    assert_eq!(
        cosigned.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["w0.example", "w1.example"]
    );
    // A refresh re-signs the same checkpoint and serves it bare: the
    // cosignatures gathered for it come back on it.
    let version = s.catalog.snapshot().unwrap().version;
    let started = std::time::Instant::now();
    loop {
        let snap = s.catalog.snapshot().unwrap();
        let count = cosignature::verify(&snap.checkpoint.identity, &keys)
            .unwrap()
            .len();
        if snap.version > version + 1 && count == 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "version {} with {count}",
            snap.version
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // A fork signed with a log key, cosigned by one malicious witness:
    // the policy of two refuses it; a known witness's forged line fails it.
    let mut fork = Log::new(3);
    fork.grow(9, "fork");
    let evil = SigningKey::from_seed(&[5; 32]).unwrap();
    let body = fork.note()[..fork.note().find("\n\n").unwrap() + 1].to_owned();
    let line = cosignature::cosign(&body, "w0.example", &evil, 100).unwrap();
    let evil_key = WitnessKey {
        name: "w-evil.example".into(),
        key: evil.public_key(),
    };
    let evil_line = cosignature::cosign(&body, "w-evil.example", &evil, 100).unwrap();
    let mut known = keys.clone();
    known.push(evil_key);
    let policy = WitnessPolicy::new(known, 2).unwrap();
    let note = format!("{}{evil_line}", fork.note());
    assert!(matches!(
        policy.check(note.as_bytes()),
        Err(ClientError::Witnesses { ref cosigned, .. }) if cosigned == &["w-evil.example"]
    ));
    // Under a known witness's name, with another key: the key ID differs, so
    // the line counts for nothing (and a matching ID that fails fails all).
    let note = format!("{}{line}{evil_line}", fork.note());
    assert!(policy.check(note.as_bytes()).is_err());
    drop(runtime);
}

/// A registry that forks its log for one gateway, end to end: two servers
/// with the same catalog keys and different histories of one size. The
/// honest witnesses cosigned the first and refuse the fork (a fork at a
/// size they hold); a malicious witness cosigns the fork. A gateway
/// pinning the honest witnesses refuses the fork; one that also pins the
/// malicious witness, with a threshold of two, refuses it too; the first
/// history pulls.
#[test]
fn a_registry_forking_its_log_for_one_gateway_is_caught_by_the_witnessed_client() {
    use mcp_registry::testing::{ALLOWED_HOST, TestServer, acme_signer, digest, manifest};
    use mcp_registry::witnessing::WitnessConfig;
    use mcp_trust::catalog::client::{
        Client, ClientError, HttpFetcher, Options, StateDir, WitnessPolicy,
    };
    use std::time::Duration;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let keys_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let names = ["honest1.example", "honest2.example", "evil.example"];
    let vkeys: Vec<String> = dirs
        .iter()
        .zip(names)
        .map(|(d, n)| witness::init(d.path(), n).unwrap())
        .collect();
    let listeners: Vec<std::net::TcpListener> = (0..3)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let configs: Vec<WitnessConfig> = listeners
        .iter()
        .zip(&vkeys)
        .map(|(l, v)| {
            WitnessConfig::parse(&format!("http://{} {v}", l.local_addr().unwrap())).unwrap()
        })
        .collect();
    let with_keys = |c: &mut mcp_registry::config::ServeConfig| {
        c.catalog_keys.dir = keys_dir.path().to_owned();
        c.catalog.poll = Duration::from_millis(100);
    };
    // The honest registry submits to the two honest witnesses.
    let honest = TestServer::start(|c| {
        with_keys(c);
        c.witnesses = configs[..2].to_vec();
    });
    let log = FollowedLog::parse(&honest.catalog.keys().checkpoint_verifier_key()).unwrap();
    for (dir, listener) in dirs.iter().zip(listeners) {
        listener.set_nonblocking(true).unwrap();
        let w = Arc::new(Witness::open(dir.path(), vec![log.clone()]).unwrap());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, witness::router(w)).await
        });
    }
    let publish = |s: &TestServer, label: &str| {
        let d = digest(label);
        s.verifier.sign(&d, acme_signer());
        let before = s.catalog.snapshot().unwrap().tree_size;
        let a = crate::support::post_json(
            &format!("{}/v0.1/publish", s.base),
            Some(&s.acme_token),
            &manifest("io.github.acme/weather", "1.0.0", ALLOWED_HOST, &d),
        );
        assert_eq!(a.status, 201, "{}", a.text);
        s.wait_for_catalog(before + 1);
    };
    let known: Vec<WitnessKey> = vkeys
        .iter()
        .map(|v| WitnessKey::parse(v).unwrap())
        .collect();
    let pull = |s: &TestServer, keys: &[WitnessKey], threshold: usize| {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::new(
            HttpFetcher::new(&s.base, Duration::from_secs(10)).unwrap(),
            *s.catalog.keys().root(),
            Options {
                witnesses: Some(WitnessPolicy::new(keys.to_vec(), threshold).unwrap()),
                ..Options::default()
            },
        );
        client
            .pull(None, &StateDir::open(dir.path()).unwrap())
            .map(|_| ())
    };
    publish(&honest, "the honest history");
    let started = std::time::Instant::now();
    while pull(&honest, &known[..2], 2).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            pull(&honest, &known[..2], 2)
        );
    }

    // The fork: the same keys, another version 1.0.0 at the same size,
    // submitted to the honest witnesses and to the malicious one.
    let fork = TestServer::start(|c| {
        with_keys(c);
        c.witnesses = configs.clone();
    });
    publish(&fork, "the forked history");
    assert_eq!(
        fork.catalog.snapshot().unwrap().tree_size,
        honest.catalog.snapshot().unwrap().tree_size
    );
    let started = std::time::Instant::now();
    while cosignature::verify(
        &fork.catalog.snapshot().unwrap().checkpoint.identity,
        &known,
    )
    .unwrap()
    .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the malicious witness never cosigned"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let fork_cosigned = cosignature::verify(
        &fork.catalog.snapshot().unwrap().checkpoint.identity,
        &known,
    )
    .unwrap();
    assert_eq!(
        fork_cosigned
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["evil.example"],
        "the honest witnesses refuse a fork of a size they hold"
    );
    match pull(&fork, &known[..2], 2) {
        Err(ClientError::Witnesses { cosigned, .. }) => assert!(cosigned.is_empty()),
        other => panic!("{other:?}"),
    }
    match pull(&fork, &known, 2) {
        Err(ClientError::Witnesses { cosigned, .. }) => assert_eq!(cosigned, ["evil.example"]),
        other => panic!("{other:?}"),
    }
    pull(&honest, &known[..2], 2).unwrap();
    drop(runtime);
}
