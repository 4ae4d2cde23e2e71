//! Checkpoints in the C2SP signed-note format (`c2sp.org/signed-note`,
//! `c2sp.org/tlog-checkpoint`): the origin line, the tree size, the base64
//! root hash, optional extension lines, a blank line, then one line per
//! signature, `— <key name> <base64(key hash || Ed25519 signature)>`.
//!
//! The key hash is the first four bytes of
//! `SHA-256(key name || "\n" || 0x01 || 32-byte public key)`. Signatures from
//! keys the verifier does not know are ignored (witness cosignatures, say);
//! a signature from the expected key that does not verify fails the note.

use super::LogError;
use super::tree::Hash;
use crate::keys::{PublicKey, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Largest note read (bytes).
pub const MAX_NOTE_BYTES: usize = 16 * 1024;
/// Most signature lines a note may carry (the limit C2SP sets for verifiers).
pub const MAX_NOTE_SIGNATURES: usize = 100;
/// Ed25519 signature type byte in a signed-note key hash.
const ED25519_TYPE: u8 = 0x01;
/// The signature-line prefix: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A log's state: origin, size and root, plus any extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's unique name, e.g. `registry.example.com/log`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Root hash of those leaves.
    pub root: Hash,
    /// Extension lines (opaque, carried and signed).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: the lines that are signed, each ending in a newline.
    pub fn body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    fn parse_body(text: &str) -> Result<Checkpoint, LogError> {
        let bad = |r: &str| LogError::NoteMalformed(r.to_owned());
        let mut lines = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("the checkpoint text does not end with a newline"))?
            .split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad("the origin line is empty"));
        }
        let size_line = lines.next().ok_or_else(|| bad("no tree size line"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad(&format!(
                "tree size `{size_line}` is not a decimal number without leading zeros"
            )));
        }
        let size: u64 = size_line
            .parse()
            .map_err(|_| bad(&format!("tree size `{size_line}` is out of range")))?;
        let root_line = lines.next().ok_or_else(|| bad("no root hash line"))?;
        let root_bytes = B64
            .decode(root_line)
            .map_err(|_| bad(&format!("root hash `{root_line}` is not base64")))?;
        let root: [u8; 32] = root_bytes
            .try_into()
            .map_err(|_| bad("the root hash is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("an extension line is empty"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root: Hash::new(root),
            extensions,
        })
    }
}

/// True for a valid signed-note key name: non-empty, no whitespace, no `+`.
pub fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The four-byte key hash of an Ed25519 note key.
pub fn key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut data = Vec::with_capacity(name.len() + 34);
    data.extend_from_slice(name.as_bytes());
    data.push(b'\n');
    data.push(ED25519_TYPE);
    data.extend_from_slice(key.raw());
    let h = sigstore_crypto::sha256(&data);
    let mut out = [0u8; 4];
    out.copy_from_slice(&h.as_bytes()[..4]);
    out
}

/// The C2SP verifier key string: `<name>+<hex key hash>+<base64(0x01 || key)>`.
pub fn verifier_key(name: &str, key: &PublicKey) -> String {
    let mut k = vec![ED25519_TYPE];
    k.extend_from_slice(key.raw());
    format!(
        "{name}+{}+{}",
        hex::encode(key_hash(name, key)),
        B64.encode(k)
    )
}

/// Parses a log's verifier key `<name>+<hex key hash>+<base64(0x01 || key)>`
/// (the inverse of [`verifier_key`]).
pub fn parse_verifier_key(vkey: &str) -> Result<(String, PublicKey), LogError> {
    parse_typed_key(vkey, ED25519_TYPE, "log key", key_hash)
}

/// Parses a verifier key `<name>+<hex key ID>+<base64(ty || 32-byte key)>`
/// of key type `ty`, whose ID `id_of(name, key)` computes; `what` names it
/// in errors.
pub(crate) fn parse_typed_key(
    vkey: &str,
    ty: u8,
    what: &str,
    id_of: fn(&str, &PublicKey) -> [u8; 4],
) -> Result<(String, PublicKey), LogError> {
    let bad = |why: &str| LogError::NoteMalformed(format!("{what} `{vkey}`: {why}"));
    // The base64 part may hold `+` itself: split on the first two only.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("not `name+keyid+base64key`"));
    };
    if !valid_key_name(name) {
        return Err(bad("the name is empty or holds whitespace"));
    }
    let raw = B64.decode(b64).map_err(|_| bad("the key is not base64"))?;
    let (found, key) = raw.split_first().ok_or_else(|| bad("the key is empty"))?;
    if *found != ty {
        return Err(bad(&format!(
            "key type 0x{found:02x} is not the expected 0x{ty:02x} (0x01: a log's Ed25519 key, 0x04: a witness's cosignature/v1 key)"
        )));
    }
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| bad("the Ed25519 key is not 32 bytes"))?;
    let key = PublicKey::from_raw(key);
    if id != hex::encode(id_of(name, &key)) {
        return Err(bad("the key ID does not match the name and key"));
    }
    Ok((name.to_owned(), key))
}

/// Signs a checkpoint as note key `name`; returns the whole note.
pub fn sign(checkpoint: &Checkpoint, name: &str, key: &SigningKey) -> Result<String, LogError> {
    if !valid_key_name(name) {
        return Err(LogError::NoteMalformed(format!(
            "`{name}` is not a signed-note key name"
        )));
    }
    let body = checkpoint.body();
    check_text(&body)?;
    let mut sig = key_hash(name, &key.public_key()).to_vec();
    sig.extend_from_slice(&key.sign(body.as_bytes()));
    Ok(format!("{body}\n{SIG_PREFIX}{name} {}\n", B64.encode(sig)))
}

fn check_text(text: &str) -> Result<(), LogError> {
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(LogError::NoteMalformed(
            "the note text contains control characters".into(),
        ));
    }
    Ok(())
}

/// The checkpoint of `note` without checking any signature: for a note
/// whose signatures were checked elsewhere (a witness reading back what it
/// cosigned, by its own cosignature).
pub fn checkpoint_of(note: &[u8]) -> Result<Checkpoint, LogError> {
    let note = std::str::from_utf8(note)
        .map_err(|_| LogError::NoteMalformed("the note is not UTF-8".into()))?;
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| LogError::NoteMalformed("no blank line before the signatures".into()))?;
    let text = &note[..=split];
    check_text(text)?;
    Checkpoint::parse_body(text)
}

/// The signature lines of `note` (after its last blank line) as key name
/// and key ID, without checking any signature: for showing a note whose
/// signatures were checked elsewhere. Lines that are not `— NAME BASE64`
/// with at least a key ID and one signature byte are left out.
pub fn signature_lines(note: &str) -> Vec<(&str, [u8; 4])> {
    let Some(split) = note.rfind("\n\n") else {
        return Vec::new();
    };
    note[split + 2..]
        .lines()
        .filter_map(|line| line.strip_prefix(SIG_PREFIX)?.split_once(' '))
        .filter(|(name, _)| valid_key_name(name))
        .filter_map(|(name, b64)| {
            let raw = B64.decode(b64).ok().filter(|raw| raw.len() >= 5)?;
            Some((name, [raw[0], raw[1], raw[2], raw[3]]))
        })
        .collect()
}

/// Verifies a note signed by note key `name` holding `key`; returns the checkpoint.
pub fn open(note: &[u8], name: &str, key: &PublicKey) -> Result<Checkpoint, LogError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(LogError::NoteMalformed(format!(
            "{} bytes; at most {MAX_NOTE_BYTES} are read",
            note.len()
        )));
    }
    let note = std::str::from_utf8(note)
        .map_err(|_| LogError::NoteMalformed("the note is not UTF-8".into()))?;
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| LogError::NoteMalformed("no blank line before the signatures".into()))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    check_text(text)?;
    let sig_lines = sigs
        .strip_suffix('\n')
        .ok_or_else(|| {
            LogError::NoteMalformed("the signature block does not end with a newline".into())
        })?
        .split('\n')
        .collect::<Vec<_>>();
    if sig_lines.len() > MAX_NOTE_SIGNATURES {
        return Err(LogError::NoteMalformed(format!(
            "{} signatures; at most {MAX_NOTE_SIGNATURES} are read",
            sig_lines.len()
        )));
    }
    let expected_hash = key_hash(name, key);
    let mut found_names = Vec::new();
    let mut verified = false;
    for line in sig_lines {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
            LogError::NoteMalformed(format!(
                "signature line `{}` does not start with `— `",
                line.escape_debug()
            ))
        })?;
        let (sig_name, b64) = rest.split_once(' ').ok_or_else(|| {
            LogError::NoteMalformed(format!(
                "signature line `{}` has no signature",
                line.escape_debug()
            ))
        })?;
        if !valid_key_name(sig_name) {
            return Err(LogError::NoteMalformed(format!(
                "`{}` is not a signed-note key name",
                sig_name.escape_debug()
            )));
        }
        let raw = B64.decode(b64).map_err(|_| {
            LogError::NoteMalformed(format!("the signature of `{sig_name}` is not base64"))
        })?;
        if raw.len() < 5 {
            return Err(LogError::NoteMalformed(format!(
                "the signature of `{sig_name}` is too short"
            )));
        }
        found_names.push(sig_name.to_owned());
        if sig_name != name || raw[..4] != expected_hash {
            continue;
        }
        if !key.verify(text.as_bytes(), &raw[4..]) {
            return Err(LogError::NoteSignature {
                name: name.to_owned(),
            });
        }
        verified = true;
    }
    if !verified {
        return Err(LogError::NoteUnknownKey {
            expected: name.to_owned(),
            found: found_names.join(", "),
        });
    }
    Checkpoint::parse_body(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "registry.example/log".into(),
            size: 42,
            root: crate::log::leaf_hash(b"x"),
            extensions: vec![],
        }
    }

    #[test]
    fn signed_note_has_the_c2sp_layout_and_opens() {
        let k = SigningKey::generate().unwrap();
        let note = sign(&checkpoint(), "registry.example/log", &k).unwrap();
        let lines: Vec<&str> = note.split('\n').collect();
        assert_eq!(lines[0], "registry.example/log");
        assert_eq!(lines[1], "42");
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("\u{2014} registry.example/log "));
        assert!(note.ends_with('\n'));
        let cp = open(note.as_bytes(), "registry.example/log", &k.public_key()).unwrap();
        assert_eq!(cp, checkpoint());
    }

    #[test]
    fn signature_lines_name_each_key_and_its_id() {
        let key = SigningKey::generate().unwrap();
        let note = sign(&checkpoint(), "registry.example/log", &key).unwrap();
        let lines = signature_lines(&note);
        let id = key_hash("registry.example/log", &key.public_key());
        assert_eq!(lines, [("registry.example/log", id)]);
        let junk = format!("{note}\u{2014} short AAAA\nnot a signature line\n");
        assert_eq!(
            signature_lines(&junk),
            lines,
            "malformed lines are left out"
        );
        assert!(signature_lines("no blank line").is_empty());
    }

    #[test]
    fn a_cosignature_from_an_unknown_key_is_ignored() {
        let k = SigningKey::generate().unwrap();
        let w = SigningKey::generate().unwrap();
        let note = sign(&checkpoint(), "registry.example/log", &k).unwrap();
        let witness = sign(&checkpoint(), "witness.example", &w).unwrap();
        let witness_line = witness.lines().last().unwrap();
        let both = format!("{note}{witness_line}\n");
        open(both.as_bytes(), "registry.example/log", &k.public_key()).unwrap();
    }

    #[test]
    fn rejects_a_note_signed_by_another_key_of_the_same_name() {
        let k = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let note = sign(&checkpoint(), "registry.example/log", &other).unwrap();
        assert!(matches!(
            open(note.as_bytes(), "registry.example/log", &k.public_key()),
            Err(LogError::NoteUnknownKey { .. })
        ));
    }

    #[test]
    fn rejects_a_tampered_size() {
        let k = SigningKey::generate().unwrap();
        let note = sign(&checkpoint(), "registry.example/log", &k).unwrap();
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            open(forged.as_bytes(), "registry.example/log", &k.public_key()),
            Err(LogError::NoteSignature { .. })
        ));
    }

    #[test]
    fn rejects_leading_zeros_in_the_size() {
        let k = SigningKey::generate().unwrap();
        let mut cp = checkpoint();
        cp.origin = "o".into();
        let body = "o\n042\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let mut sig = key_hash("o", &k.public_key()).to_vec();
        sig.extend_from_slice(&k.sign(body.as_bytes()));
        let note = format!("{body}\n\u{2014} o {}\n", B64.encode(sig));
        assert!(matches!(
            open(note.as_bytes(), "o", &k.public_key()),
            Err(LogError::NoteMalformed(_))
        ));
    }

    #[test]
    fn verifier_key_string_names_the_key_hash() {
        let k = SigningKey::generate().unwrap();
        let v = verifier_key("example.com/log", &k.public_key());
        let parts: Vec<&str> = v.split('+').collect();
        assert_eq!(parts[0], "example.com/log");
        assert_eq!(
            parts[1],
            hex::encode(key_hash("example.com/log", &k.public_key()))
        );
    }
}
