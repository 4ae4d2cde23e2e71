//! After a pull: checking a manifest fetched for a catalog entry against
//! what the entry pins, so a gateway installs only what the signed catalog
//! names.

use super::error::ClientError;
use crate::catalog::model::{Entry, manifest_digest};

/// Checks a manifest fetched for `entry` (e.g. from
/// `/v0.1/servers/{name}/versions/{version}`): its canonical hash is the
/// entry's `manifestSha256`, and its name, version, image and tool surface
/// agree with the entry. Returns the validated manifest.
pub fn verify_manifest(
    entry: &Entry,
    manifest_json: &[u8],
) -> Result<crate::manifest::Manifest, ClientError> {
    let err = |reason: String| ClientError::Manifest {
        name: entry.name.clone(),
        version: entry.version.clone(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(manifest_json).map_err(|e| err(format!("not JSON: {e}")))?;
    // A repeated key would let this parser and another read two manifests
    // from bytes that hash to the one the catalog pins.
    crate::manifest::check_unique_keys(manifest_json).map_err(err)?;
    let got = manifest_digest(&value).map_err(|e| err(e.to_string()))?;
    if got != entry.manifest_sha256 {
        return Err(err(format!(
            "its canonical SHA-256 is {got}, the catalog pins {}",
            entry.manifest_sha256
        )));
    }
    let report =
        crate::manifest::validate_value(&value, crate::manifest::ValidateOptions::default());
    let manifest = report
        .manifest
        .ok_or_else(|| err("it does not validate as a manifest".into()))?;
    if manifest.server.name != entry.name || manifest.server.version != entry.version {
        return Err(err(format!(
            "it describes {} {}",
            manifest.server.name, manifest.server.version
        )));
    }
    let rebuilt = Entry::from_manifest(
        &manifest,
        entry.signer.clone(),
        entry.tools_changed,
        entry.published_at,
        entry.log_index,
    )
    .map_err(|e| err(e.to_string()))?;
    if rebuilt.image != entry.image {
        return Err(err(format!(
            "it pins image {}, the catalog {}",
            rebuilt.image, entry.image
        )));
    }
    if rebuilt.tool_surface != entry.tool_surface {
        return Err(err(format!(
            "its tool surface is {}, the catalog pins {}",
            rebuilt.tool_surface, entry.tool_surface
        )));
    }
    if rebuilt.runtime != entry.runtime {
        return Err(err(format!(
            "it declares runtime {}, the catalog lists {}",
            serde_json::to_string(&rebuilt.runtime).unwrap_or_default(),
            serde_json::to_string(&entry.runtime).unwrap_or_default()
        )));
    }
    Ok(manifest)
}
