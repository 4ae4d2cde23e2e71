//! Prepares the signed sample that `scripts/demo` publishes: pushes a small
//! image to a registry on loopback, signs it with a private Sigstore as a
//! GitHub Actions release workflow would (cosign v3 bundle referrer plus SLSA
//! provenance), and writes `trusted_root.json` and a `server.json` that pins
//! the image and names that signer.
//!
//!     cargo run -p test-oci --example demo_sample -- 127.0.0.1:5000 OUT_DIR

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use test_oci::Pusher;
use test_sigstore::{GitHubWorkflow, Identity, SlsaFacts, TestSigstore};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let registry = args.next().expect("usage: demo_sample HOST:PORT OUT_DIR");
    let out = std::path::PathBuf::from(args.next().expect("usage: demo_sample HOST:PORT OUT_DIR"));
    std::fs::create_dir_all(&out).unwrap();

    let pusher = Pusher::new(&registry);
    let image = pusher
        .image("acme/weather", "1.4.2", "acme weather server 1.4.2")
        .await;
    let workflow = GitHubWorkflow::new(
        "acme/weather",
        ".github/workflows/release.yml",
        "refs/tags/v1.4.2",
    );
    let identity = Identity::github(&workflow);
    let mut sigstore = TestSigstore::new();
    let signature = sigstore.sign_image_dsse(&image.digest, &identity);
    let signed = pusher
        .bundle_referrer("acme/weather", &image, signature.as_bytes())
        .await;
    let provenance = sigstore.sign_provenance(
        &image.digest,
        &identity,
        &SlsaFacts::github(&format!("{registry}/acme/weather"), &workflow),
    );
    let attested = pusher
        .bundle_referrer("acme/weather", &image, provenance.as_bytes())
        .await;
    // Distribution 2.8 has no referrers API: publish the tag-schema index, as cosign does.
    pusher
        .referrers_tag("acme/weather", &image.digest, &[signed, attested])
        .await;
    sigstore.write_trusted_root(&out);

    let manifest = serde_json::json!({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.acme/weather",
        "title": "Weather",
        "description": "Current conditions and forecasts from the Acme weather API.",
        "version": "1.4.2",
        "packages": [{"registryType": "oci", "identifier": format!("{registry}/acme/weather:1.4.2"), "transport": {"type": "stdio"}}],
        "_meta": {"dev.mcp-trust/security": {
            "image": format!("{registry}/acme/weather:1.4.2@{}", image.digest),
            "provenance": {
                "certificateIdentity": workflow.workflow_uri(),
                "certificateOidcIssuer": identity.issuer(),
                "slsa": {"sourceRepository": workflow.repository_uri(), "sourceRef": "refs/tags/v1.4.2"}
            },
            "tools": [{
                "name": "get_forecast",
                "description": "Returns the forecast for a city for the next days.",
                "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                "annotations": {"readOnlyHint": true}
            }],
            "network": {"egress": ["api.acme-weather.example:443"]},
            "secrets": [{"name": "ACME_WEATHER_API_KEY", "description": "API key for the weather service"}],
            "resources": {"cpus": 0.5, "memory": "128Mi", "pids": 64}
        }}
    });
    std::fs::write(
        out.join("server.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    std::fs::write(
        out.join("image"),
        format!("{registry}/acme/weather@{}\n", image.digest),
    )
    .unwrap();
    std::fs::write(
        out.join("identity"),
        format!("{}\n", workflow.workflow_uri()),
    )
    .unwrap();
    std::fs::write(
        out.join("repository-id"),
        format!("{}\n", workflow.repository_id),
    )
    .unwrap();
    std::fs::write(out.join("owner-id"), format!("{}\n", workflow.owner_id)).unwrap();
    println!(
        "pushed {registry}/acme/weather@{} with a signature and SLSA provenance",
        image.digest
    );
}
