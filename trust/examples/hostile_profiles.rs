//! Writes profiles whose every rendered field holds hostile text (line and
//! paragraph separators, YAML indicators, a whole privileged Pod), rendered
//! in each YAML format, beside the document each rendering means:
//!
//!     cargo run -p mcp-trust --example hostile_profiles -- OUT_DIR
//!
//! writes `OUT_DIR/<case>.<format>.yaml` and `.../<case>.<format>.json`.
//! `scripts/test` reads every YAML file back with PyYAML (an independent
//! parser) and checks the documents equal the JSON ones; the Kubernetes
//! renderings then go through `kubernetes-validate`.

use mcp_trust::Finding;
use mcp_trust::profile::{EnvVar, Format, MountSource, ProfileOptions, RuntimeProfile};
use std::path::PathBuf;

const MANIFEST: &str =
    include_str!("../../testdata/manifests/podman/mounts-and-secrets.server.json");

fn payload(sep: &str) -> String {
    [
        "x",
        "---",
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: pwn}",
        "spec: {hostNetwork: true, hostPID: true, containers: [{name: c, image: busybox, securityContext: {privileged: true}}]}",
        "# comment",
        "key: 'value' \"q\" &a *a !tag |> %",
        "$GITHUB_TOKEN ${HOME-} $${X} {{filesystem.paths}} yes on 12:30:00 1_000",
    ]
    .join(sep)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: hostile_profiles OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;
    // Secret files inside OUT_DIR, so that Compose can read the env file.
    let out = std::path::absolute(&out)?;
    let token = out.join("TOKEN");
    let env_file = out.join("API_KEY.env");
    std::fs::write(&token, "file-secret\n")?;
    std::fs::write(&env_file, "API_KEY=env-secret\n")?;
    let options = ProfileOptions {
        allowed_user: Some(4242),
        secret_files: [
            ("TOKEN".to_owned(), token.display().to_string()),
            ("API_KEY".to_owned(), env_file.display().to_string()),
        ]
        .into(),
        ..Default::default()
    };
    let base = RuntimeProfile::from_manifest_bytes(MANIFEST.as_bytes(), &options)?;
    let mut written = 0;
    for (case, sep) in [
        ("u2028", "\u{2028}"),
        ("u2029", "\u{2029}"),
        ("nel", "\u{85}"),
        ("lf", "\n"),
        ("cr", "\r"),
        ("crlf", "\r\n"),
        ("bom", "\u{feff}"),
    ] {
        let text = payload(sep);
        let mut p = base.clone();
        p.server.name = text.clone();
        p.server.version = text.clone();
        p.server.title = Some(text.clone());
        p.server.description = text.clone();
        p.server.repository = Some(text.clone());
        p.mounts[0].description = Some(text.clone());
        p.mounts[1].source = MountSource::HostPath(format!("/srv/{text}"));
        p.env.push(EnvVar {
            name: text.clone(),
            value: text.clone(),
        });
        p.args.push(text.clone());
        p.labels
            .insert(format!("dev.mcp-trust/{text}"), text.clone());
        p.warnings
            .push(Finding::warning(&text, text.clone(), text.clone()));
        for format in [Format::Kubernetes, Format::Compose, Format::DockerMcp] {
            let r = p.render(format)?;
            let docs = match format {
                Format::Kubernetes => r.document.clone(),
                _ => serde_json::Value::Array(vec![r.document.clone()]),
            };
            std::fs::write(out.join(format!("{case}.{format}.yaml")), &r.text)?;
            std::fs::write(
                out.join(format!("{case}.{format}.json")),
                serde_json::to_vec(&docs)?,
            )?;
            written += 1;
        }
    }
    println!("wrote {written} hostile renderings to {}", out.display());
    Ok(())
}
