//! Pushing blobs, manifests and whole test images with plain HTTP requests.

use serde_json::{Value, json};

/// The `sha256:` digest of bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        hex::encode(sigstore_crypto::sha256(bytes).as_bytes())
    )
}

/// An OCI descriptor.
#[derive(Debug, Clone)]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// `sha256:` digest.
    pub digest: String,
    /// Size in bytes.
    pub size: usize,
}

impl Descriptor {
    /// As JSON, with optional annotations.
    pub fn to_json(&self, annotations: Option<Value>) -> Value {
        let mut v = json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size});
        if let Some(a) = annotations {
            v["annotations"] = a;
        }
        v
    }
}

/// A pushed manifest: its digest and bytes.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `sha256:` digest of the manifest bytes.
    pub digest: String,
    /// The manifest bytes.
    pub bytes: Vec<u8>,
}

/// Pushes to one registry address over plain HTTP.
#[derive(Debug, Clone)]
pub struct Pusher {
    base: String,
    client: reqwest::Client,
}

impl Pusher {
    /// A pusher for `host:port`.
    pub fn new(addr: &str) -> Pusher {
        Pusher {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
        }
    }

    /// Uploads a blob (monolithic) and returns its descriptor.
    pub async fn blob(&self, repo: &str, media_type: &str, bytes: &[u8]) -> Descriptor {
        let digest = digest_of(bytes);
        let r = self
            .client
            .post(format!("{}/v2/{repo}/blobs/uploads/", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            202,
            "blob upload start: {}",
            r.status()
        );
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let r = self
            .client
            .put(format!("{location}{sep}digest={digest}"))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "blob upload: {}", r.status());
        Descriptor {
            media_type: media_type.to_owned(),
            digest,
            size: bytes.len(),
        }
    }

    /// PUTs a manifest under a tag or digest reference.
    pub async fn manifest(&self, repo: &str, reference: &str, manifest: &Value) -> Pushed {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let media_type = manifest["mediaType"]
            .as_str()
            .unwrap_or("application/vnd.oci.image.manifest.v1+json");
        let r = self
            .client
            .put(format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("content-type", media_type)
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            201,
            "manifest put {repo}:{reference}: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        Pushed {
            digest: digest_of(&bytes),
            bytes,
        }
    }

    /// Pushes a small image (config + one layer whose content is `seed`) under `tag`.
    pub async fn image(&self, repo: &str, tag: &str, seed: &str) -> Pushed {
        let config = self
            .blob(
                repo,
                "application/vnd.oci.image.config.v1+json",
                format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"{seed}\"}}")
                    .as_bytes(),
            )
            .await;
        let layer = self
            .blob(
                repo,
                "application/vnd.oci.image.layer.v1.tar",
                seed.as_bytes(),
            )
            .await;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config.to_json(None),
            "layers": [layer.to_json(None)],
        });
        self.manifest(repo, tag, &manifest).await
    }

    /// Pushes a cosign v3 style bundle referrer for `subject` (artifact type = bundle media type).
    pub async fn bundle_referrer(
        &self,
        repo: &str,
        subject: &Pushed,
        bundle_json: &[u8],
    ) -> Pushed {
        let bundle_type = "application/vnd.dev.sigstore.bundle.v0.3+json";
        let empty = self
            .blob(repo, "application/vnd.oci.empty.v1+json", b"{}")
            .await;
        let layer = self.blob(repo, bundle_type, bundle_json).await;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": bundle_type,
            "config": empty.to_json(None),
            "layers": [layer.to_json(None)],
            "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject.digest, "size": subject.bytes.len()},
            "annotations": {"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1"},
        });
        self.manifest(repo, &manifest_digest_ref(&manifest), &manifest)
            .await
    }

    /// Pushes a legacy cosign `sha256-<hex>.sig` manifest with one simple-signing layer per item.
    pub async fn legacy_signature(
        &self,
        repo: &str,
        subject_digest: &str,
        layers: &[(Vec<u8>, Value)],
    ) -> Pushed {
        let config = self
            .blob(repo, "application/vnd.oci.image.config.v1+json", b"{}")
            .await;
        let mut descs = Vec::new();
        for (payload, annotations) in layers {
            let d = self
                .blob(
                    repo,
                    "application/vnd.dev.cosign.simplesigning.v1+json",
                    payload,
                )
                .await;
            descs.push(d.to_json(Some(annotations.clone())));
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config.to_json(None),
            "layers": descs,
        });
        let tag = format!("{}.sig", subject_digest.replace(':', "-"));
        self.manifest(repo, &tag, &manifest).await
    }
}

fn manifest_digest_ref(manifest: &Value) -> String {
    digest_of(&serde_json::to_vec(manifest).unwrap())
}

impl Pusher {
    /// Writes the referrers tag-schema fallback (`sha256-<hex>`) listing `referrers`
    /// of `subject`, as cosign does on registries without the referrers API.
    pub async fn referrers_tag(
        &self,
        repo: &str,
        subject_digest: &str,
        referrers: &[Pushed],
    ) -> Pushed {
        let manifests: Vec<Value> = referrers
            .iter()
            .map(|r| {
                let doc: Value = serde_json::from_slice(&r.bytes).unwrap();
                let mut d = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": r.digest, "size": r.bytes.len()});
                if let Some(t) = doc.get("artifactType") {
                    d["artifactType"] = t.clone();
                }
                d
            })
            .collect();
        let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
        self.manifest(repo, &subject_digest.replace(':', "-"), &index)
            .await
    }
}
