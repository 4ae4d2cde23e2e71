//! `POST /v0.1/publish` with the production verifier: images signed by a
//! private Sigstore and pushed, with their signatures, to a real loopback
//! OCI registry. The registry discovers and verifies them itself and checks
//! the namespace binding on the verified certificate.

use crate::support::post_json;
use mcp_registry::testing::{ISSUER, TestServer, manifest};
use mcp_registry::verify::SigstoreVerifier;
use mcp_trust::signature::TrustRoot;
use std::sync::Arc;
use std::time::Duration;
use test_oci::{Pushed, TestRegistry};
use test_sigstore::{GitHubWorkflow, Identity, TestSigstore};

const NAME: &str = "io.github.acme/weather";

struct World {
    runtime: tokio::runtime::Runtime,
    reg: TestRegistry,
    sigstore: TestSigstore,
    image: Pushed,
    server: TestServer,
}

/// The acme release workflow, with the repository and owner ids the test namespace binds.
fn acme_workflow() -> GitHubWorkflow {
    let mut w = GitHubWorkflow::new(
        "acme/weather",
        ".github/workflows/release.yml",
        "refs/heads/main",
    );
    w.repository_id = "123456".into();
    w.owner_id = "4242".into();
    w
}

impl World {
    fn new() -> World {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (reg, image) = runtime.block_on(async {
            let reg = TestRegistry::start().await;
            let image = reg
                .pusher()
                .image("acme/weather", "1.0.0", "weather-1")
                .await;
            (reg, image)
        });
        let sigstore = TestSigstore::new();
        let host = reg.with_referrers();
        let root = TrustRoot::from_json(sigstore.trusted_root_json().as_bytes()).unwrap();
        let verifier = SigstoreVerifier::new(
            root,
            std::slice::from_ref(&host),
            std::slice::from_ref(&host),
            true,
            Duration::from_secs(10),
        )
        .unwrap();
        let server = TestServer::start_with(
            None,
            |c| c.allowed_registries.push(host.clone()),
            Some(Arc::new(verifier)),
        );
        World {
            runtime,
            reg,
            sigstore,
            image,
            server,
        }
    }

    fn sign(&mut self, workflow: &GitHubWorkflow) {
        let bundle = self
            .sigstore
            .sign_image_dsse(&self.image.digest.clone(), &Identity::github(workflow));
        self.runtime.block_on(self.reg.pusher().bundle_referrer(
            "acme/weather",
            &self.image,
            bundle.as_bytes(),
        ));
    }

    fn publish(&self, identity: &str) -> crate::support::Answer {
        let mut m = manifest(
            NAME,
            "1.0.0",
            &self.reg.with_referrers(),
            &self.image.digest,
        );
        m["_meta"]["dev.mcp-trust/security"]["provenance"]["certificateIdentity"] = identity.into();
        post_json(
            &format!("{}/v0.1/publish", self.server.base),
            Some(&self.server.acme_token),
            &m,
        )
    }
}

#[test]
fn publishes_an_image_whose_signature_verifies() {
    let mut w = World::new();
    let wf = acme_workflow();
    w.sign(&wf);
    w.reg.proxy.count(".sig");
    w.reg.proxy.count(".att");
    let a = w.publish(&wf.workflow_uri());
    assert_eq!(a.status, 201, "{}", a.text);
    // The referrer's keyless signature decides: the legacy tags are not read.
    assert_eq!(
        (w.reg.proxy.requests(".sig"), w.reg.proxy.requests(".att")),
        (0, 0)
    );
    assert!(
        a.text.contains(&wf.workflow_uri()),
        "the verified signer is recorded: {}",
        a.text
    );
    assert_eq!(ISSUER, "https://token.actions.githubusercontent.com");
}

#[test]
fn refuses_an_unsigned_image_naming_the_stage() {
    let w = World::new();
    w.reg.proxy.count(".sig");
    w.reg.proxy.count(".att");
    let a = w.publish(&acme_workflow().workflow_uri());
    a.assert_problem(422, "image-verification-failed");
    assert_eq!(a.body["stage"], "signature-discovery");
    // Nothing in the referrers: the legacy tags are looked up before refusing.
    assert_eq!(
        (w.reg.proxy.requests(".sig"), w.reg.proxy.requests(".att")),
        (1, 1)
    );
}

#[test]
fn refuses_a_forged_signature_at_its_stage() {
    let mut w = World::new();
    let wf = acme_workflow();
    let bundle = w
        .sigstore
        .sign_image_dsse(&w.image.digest.clone(), &Identity::github(&wf));
    let forged = test_sigstore::tamper(&bundle, test_sigstore::Tamper::Signature);
    w.runtime.block_on(
        w.reg
            .pusher()
            .bundle_referrer("acme/weather", &w.image, forged.as_bytes()),
    );
    let a = w.publish(&wf.workflow_uri());
    a.assert_problem(422, "image-verification-failed");
    assert_eq!(a.body["stage"], "signature");
}

#[test]
fn refuses_a_signer_the_manifest_names_but_the_namespace_does_not_bind() {
    let mut w = World::new();
    // A genuine signature by a workflow of another owner; the manifest names it honestly.
    let mut other = GitHubWorkflow::new(
        "evil/weather",
        ".github/workflows/release.yml",
        "refs/heads/main",
    );
    other.repository_id = "999".into();
    other.owner_id = "666".into();
    w.sign(&other);
    let a = w.publish(&other.workflow_uri());
    a.assert_problem(422, "signer-outside-namespace");
}

#[test]
fn refuses_a_recreated_repository_with_the_same_name() {
    let mut w = World::new();
    // Same owner and name, but the repository was deleted and re-created: new id.
    let mut recreated = acme_workflow();
    recreated.repository_id = "777777".into();
    w.sign(&recreated);
    let a = w.publish(&recreated.workflow_uri());
    a.assert_problem(422, "signer-outside-namespace");
}
