//! Key files: where key bytes hit disk. A private key is written to a new
//! file of mode 0600 and refused on reading when group or others may read or
//! write it; a public key is a PEM file anyone may read. No file is ever
//! overwritten, so a key is never lost to a typo.

use super::{KeyError, PublicKey, SigningKey};
use std::path::Path;

/// Writes a private key to a new file of mode 0600; an existing file is never overwritten.
pub fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file_err = |reason: String| KeyError::File {
        path: path.display().to_string(),
        reason,
    };
    let pem = key.to_pem()?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_err(format!("cannot create: {e}")))?;
    f.write_all(pem.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(format!("cannot write: {e}")))
}

/// Reads a private key, refusing a file that group or others may read or write.
pub fn read_private_key(path: &Path) -> Result<SigningKey, KeyError> {
    use std::os::unix::fs::MetadataExt;
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: display,
            mode,
        });
    }
    let pem = std::fs::read_to_string(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    SigningKey::from_pem(&pem).map_err(|e| KeyError::File {
        path: display,
        reason: e.to_string(),
    })
}

/// Writes a public key as PEM (mode 0644); an existing file is never overwritten.
pub fn write_public_key(path: &Path, key: &PublicKey) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let file_err = |reason: String| KeyError::File {
        path: path.display().to_string(),
        reason,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| file_err(format!("cannot create: {e}")))?;
    f.write_all(key.to_pem().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| file_err(format!("cannot write: {e}")))
}

/// Reads a PEM public key.
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    let display = path.display().to_string();
    let pem = std::fs::read_to_string(path).map_err(|e| KeyError::File {
        path: display.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    PublicKey::from_pem(&pem).map_err(|e| KeyError::File {
        path: display,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_key_file_is_written_0600_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let k = SigningKey::generate().unwrap();
        write_private_key(&path, &k).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            write_private_key(&path, &k),
            Err(KeyError::File { .. })
        ));
        assert_eq!(
            read_private_key(&path).unwrap().public_key(),
            k.public_key()
        );
    }

    #[test]
    fn rejects_a_private_key_file_readable_by_group_or_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("online.key");
        write_private_key(&path, &SigningKey::generate().unwrap()).unwrap();
        for mode in [0o640, 0o604, 0o660, 0o602] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            match read_private_key(&path) {
                Err(KeyError::Permissions { mode: m, .. }) => assert_eq!(m, mode),
                other => panic!("mode {mode:o}: {other:?}"),
            }
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        read_private_key(&path).unwrap();
    }
}
