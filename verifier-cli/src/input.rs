//! Reading the files a command is pointed at — a bundle, a key, a trusted
//! root, a manifest, the Docker config — whole but never past a size cap, so
//! a wrong path (a device, a huge log) is refused instead of filling memory.

use anyhow::{Context, bail};
use std::path::Path;

/// Reads a whole file, refusing files larger than `cap` bytes.
pub fn read_capped(path: &Path, cap: usize, what: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if bytes.len() > cap {
        bail!("{what} {} is larger than {cap} bytes", path.display());
    }
    Ok(bytes)
}
