//! The catalog signing key: Ed25519, PKCS#8 in a PEM file of mode 0600. The
//! embedded default creates one on first start (with a notice); otherwise the
//! key must exist, because replicas share one key and none generates its own.
//! A key file readable by group or others is refused. Signing the catalog
//! itself is built on top of this.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine as _;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

const PEM_LABEL: &str = "PRIVATE KEY";

/// Why the key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("catalog key {path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is readable by group or others.
    #[error(
        "catalog key {path} has mode {mode:o}; it must be readable by its owner only (chmod 600)"
    )]
    Permissions {
        /// The key file.
        path: String,
        /// Its mode bits.
        mode: u32,
    },
    /// The file is not an Ed25519 PKCS#8 PEM key.
    #[error("catalog key {path} is not an Ed25519 private key in PKCS#8 PEM: {reason}")]
    Format {
        /// The key file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The key file does not exist and may not be created.
    #[error(
        "catalog key {path} does not exist; create it once and give the same file to every replica"
    )]
    Missing {
        /// The key file.
        path: String,
    },
}

/// A loaded key and whether it was just created.
#[derive(Debug)]
pub struct CatalogKey {
    /// The key pair.
    pub key: Ed25519KeyPair,
    /// True when this start created it.
    pub created: bool,
}

impl CatalogKey {
    /// The public key, base64.
    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.public_key().as_ref())
    }
}

/// Loads the key, creating it when missing and `create_if_missing`.
pub fn load_or_create(path: &Path, create_if_missing: bool) -> Result<CatalogKey, KeyError> {
    let shown = path.display().to_string();
    let io = |source| KeyError::Io {
        path: shown.clone(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Permissions { path: shown, mode });
            }
            let text = std::fs::read_to_string(path).map_err(io)?;
            let der = pem_decode(&text).ok_or_else(|| KeyError::Format {
                path: shown.clone(),
                reason: format!("no `{PEM_LABEL}` PEM block"),
            })?;
            let key = Ed25519KeyPair::from_pkcs8(&der).map_err(|e| KeyError::Format {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            Ok(CatalogKey {
                key,
                created: false,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !create_if_missing {
                return Err(KeyError::Missing { path: shown });
            }
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|e| {
                KeyError::Format {
                    path: shown.clone(),
                    reason: format!("key generation failed: {e}"),
                }
            })?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            file.write_all(pem_encode(pkcs8.as_ref()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io)?;
            let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|e| KeyError::Format {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            Ok(CatalogKey { key, created: true })
        }
        Err(e) => Err(io(e)),
    }
}

fn pem_encode(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {PEM_LABEL}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {PEM_LABEL}-----\n"));
    out
}

fn pem_decode(text: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {PEM_LABEL}-----");
    let end = format!("-----END {PEM_LABEL}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_0600_key_once_then_loads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let first = load_or_create(&path, true).unwrap();
        assert!(first.created);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = load_or_create(&path, true).unwrap();
        assert!(!again.created);
        assert_eq!(first.public_key_base64(), again.public_key_base64());
    }

    #[test]
    fn refuses_group_readable_missing_or_garbage_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        assert!(matches!(
            load_or_create(&path, false),
            Err(KeyError::Missing { .. })
        ));
        load_or_create(&path, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            load_or_create(&path, true),
            Err(KeyError::Permissions { mode: 0o640, .. })
        ));
        std::fs::write(&path, "garbage").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            load_or_create(&path, true),
            Err(KeyError::Format { .. })
        ));
    }
}
