//! The probe MCP server image (`tests/run/server.awk` on busybox) that the
//! `run` tests and the start-up bench launch: built once with buildah and
//! kept as an OCI layout, pushed under a manifest of each caller's own, with
//! its `server.json` and this machine's `containers.conf`.

use super::process::{pid_alive, quiet, run};
use mcp_trust::catalog::memory::MemoryRegistry;
use mcp_trust::catalog::model::KeylessSigner;
use mcp_trust::catalog::{Entry, Signer};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use test_oci::{Pushed, Pusher};

/// The name the `server.json` fixture gives the probe server.
pub const FIXTURE_NAME: &str = "io.github.mcp-trust-run/probe";

/// A file under `tests/run/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/run")
        .join(name)
}

/// The probe image as an OCI image layout holds it: manifest, config, layers.
pub struct Layout {
    pub manifest: Value,
    /// `(media type, bytes)` of the config.
    pub config: (String, Vec<u8>),
    /// `(media type, bytes)` of each layer.
    pub layers: Vec<(String, Vec<u8>)>,
}

/// Builds the probe image with buildah as `tag`, exports it as an OCI
/// layout and removes it from local storage, so podman finds it only by
/// pulling it from a registry.
pub fn build_layout(tag: &str) -> Layout {
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "/bin/busybox is missing: install the Debian package busybox-static (scripts/test does)"
    );
    let ctx = tempfile::tempdir().unwrap();
    std::fs::create_dir(ctx.path().join("bin")).unwrap();
    std::fs::copy(busybox, ctx.path().join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", ctx.path().join("bin/sh")).unwrap();
    std::fs::create_dir(ctx.path().join("mcp")).unwrap();
    let script = ctx.path().join("mcp/server.awk");
    std::fs::copy(fixture("server.awk"), &script).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        ctx.path().join("Containerfile"),
        "FROM scratch\nCOPY bin /bin\nCOPY mcp /mcp\nUSER 65532:65532\n\
         ENTRYPOINT [\"/bin/busybox\", \"awk\", \"-f\", \"/mcp/server.awk\"]\n",
    )
    .unwrap();
    run(Command::new("buildah")
        .args(["bud", "--isolation", "chroot", "-q", "-t", tag])
        .arg(ctx.path()));
    let oci = ctx.path().join("oci");
    let pushed = Command::new("buildah")
        .args(["push", "-q", tag])
        .arg(format!("oci:{}:probe", oci.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    quiet(Command::new("podman").args(["rmi", "--force", tag]));
    assert!(
        pushed.status.success(),
        "buildah push: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    let blob = |digest: &str| {
        std::fs::read(
            oci.join("blobs/sha256")
                .join(digest.strip_prefix("sha256:").unwrap()),
        )
        .unwrap()
    };
    let index: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let manifest: Value =
        serde_json::from_slice(&blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let described = |d: &Value| {
        (
            d["mediaType"].as_str().unwrap().to_owned(),
            blob(d["digest"].as_str().unwrap()),
        )
    };
    Layout {
        config: described(&manifest["config"]),
        layers: manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(described)
            .collect(),
        manifest,
    }
}

/// Pushes the layout to `repository` as `1.0.0` under a manifest of its
/// own (an annotation naming the repository), so its digest is nowhere in
/// local storage and podman has to pull it.
pub async fn push(pusher: &Pusher, layout: &Layout, repository: &str) -> Pushed {
    let mut document = layout.manifest.clone();
    document["annotations"] = json!({"dev.mcp-trust.test/world": repository});
    let (media_type, bytes) = &layout.config;
    let config = pusher.blob(repository, media_type, bytes).await;
    assert_eq!(config.to_json(None), document["config"]);
    for (i, (media_type, bytes)) in layout.layers.iter().enumerate() {
        let layer = pusher.blob(repository, media_type, bytes).await;
        assert_eq!(layer.to_json(None), document["layers"][i]);
    }
    pusher.manifest(repository, "1.0.0", &document).await
}

/// Writes `dir/server.json` from the fixture: server `name`, the image
/// `image` in `repository`, signed by `identity`.
pub fn write_manifest(
    dir: &Path,
    name: &str,
    repository: &str,
    image: &str,
    identity: &str,
) -> PathBuf {
    let manifest = dir.join("server.json");
    std::fs::write(
        &manifest,
        std::fs::read_to_string(fixture("server.json"))
            .unwrap()
            .replace(FIXTURE_NAME, name)
            .replace("@REPOSITORY@", repository)
            .replace("@IMAGE@", image)
            .replace("@IDENTITY@", identity),
    )
    .unwrap();
    manifest
}

/// A signed catalog (in memory) listing the server of the `server.json` at
/// `manifest`, signed by `identity` of GitHub Actions, published now.
pub fn catalog_of(manifest: &Path, identity: &str) -> MemoryRegistry {
    let bytes = std::fs::read(manifest).unwrap();
    let manifest = mcp_trust::manifest::validate(
        &bytes,
        mcp_trust::manifest::ValidateOptions {
            require_extension: true,
        },
    )
    .manifest
    .unwrap();
    let signer = Signer::Keyless(KeylessSigner {
        identity: identity.to_owned(),
        issuer: test_sigstore::GITHUB_ACTIONS_ISSUER.into(),
    });
    let now = jiff::Timestamp::now();
    let entry = Entry::from_manifest(&manifest, signer, false, now, 0).unwrap();
    let mut catalog = MemoryRegistry::new("registry.test/log", now).unwrap();
    catalog.publish(entry, now).unwrap();
    catalog
}

/// Writes `dir/token` holding `value`, readable by its owner only.
pub fn write_secret(dir: &Path, value: &str) -> PathBuf {
    let secret = dir.join("token");
    std::fs::write(&secret, value).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    secret
}

/// Writes `dir/containers.conf` with this machine's podman settings: runc,
/// cgroupfs and explicit ulimits (crun fails on cgroups and on the default
/// nofile limit here).
pub fn write_containers_conf(dir: &Path) -> PathBuf {
    let conf = dir.join("containers.conf");
    std::fs::write(
        &conf,
        "# This machine: crun fails on cgroups and on the default nofile limit.\n\
         [containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\n\
         [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\n",
    )
    .unwrap();
    conf
}

/// Names of local images earlier runs left whose process is gone: a built
/// image `{local_tag_prefix}<pid>`, or one pulled from a loopback registry
/// as `…/{repository_prefix}-<pid>…`.
pub fn stale_images(local_tag_prefix: &str, repository_prefix: &str) -> Vec<String> {
    let mut stale = Vec::new();
    let ids = run(Command::new("podman").args(["images", "-q", "--no-trunc"]));
    for id in ids.lines().collect::<std::collections::BTreeSet<_>>() {
        // Another process may remove the image meanwhile: no names then.
        let names = Command::new("podman")
            .args([
                "image",
                "inspect",
                "--format",
                "{{range .RepoTags}}{{.}} {{end}}{{range .RepoDigests}}{{.}} {{end}}",
                id,
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for name in names.split_whitespace() {
            let pid = name.strip_prefix(local_tag_prefix).or_else(|| {
                name.split_once(&format!("/{repository_prefix}-"))
                    .map(|(_, rest)| {
                        rest.split(|c: char| !c.is_ascii_digit())
                            .next()
                            .unwrap_or("")
                    })
            });
            if let Some(pid) = pid
                && !pid_alive(pid)
            {
                stale.push(name.to_owned());
            }
        }
    }
    stale
}

/// Containers started for `server` (by their label), with the pid their
/// name ends in.
pub fn containers_of(server: &str) -> Vec<(String, String)> {
    let out = run(Command::new("podman").args([
        "ps",
        "-a",
        "--filter",
        &format!("label=dev.mcp-trust/server={server}"),
        "--format",
        "{{.Names}}",
    ]));
    out.lines()
        .filter_map(|name| {
            name.rsplit_once('-')
                .map(|(_, pid)| (name.to_owned(), pid.to_owned()))
        })
        .collect()
}
