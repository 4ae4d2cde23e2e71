//! Witness cosignatures (`c2sp.org/tlog-cosignature`, `cosignature/v1`
//! with Ed25519): a witness that checked a checkpoint against the log's
//! history signs it with its own key, and adds a line to the note.
//!
//! A cosignature line is `— <witness name> <base64(key ID || timestamp || signature)>`:
//! the key ID is the first four bytes of
//! `SHA-256(name || "\n" || 0x04 || 32-byte public key)`, the timestamp the
//! eight-byte big-endian Unix time of the cosigning, and the signature an
//! Ed25519 signature over `cosignature/v1\ntime <timestamp>\n` followed by
//! the checkpoint's body (every line before the blank line). A witness's
//! verifier key is `<name>+<hex key ID>+<base64(0x04 || public key)>`.
//!
//! A gateway counts the distinct known witnesses whose cosignatures verify
//! ([`verify`]) and requires a threshold: two gateways with the same
//! witnesses cannot be shown different logs unless that many witnesses
//! sign both.

use super::LogError;
use crate::keys::{PublicKey, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Key type byte of a `cosignature/v1` Ed25519 key.
pub const COSIGNATURE_TYPE: u8 = 0x04;
/// The signature-line prefix: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Decoded length of a cosignature: key ID, timestamp, signature.
const COSIGNATURE_LEN: usize = 4 + 8 + 64;

/// A witness's public key, as gateways configure it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    /// The witness's name (a signed-note key name, often its URL without scheme).
    pub name: String,
    /// Its Ed25519 public key.
    pub key: PublicKey,
}

impl WitnessKey {
    /// Parses a verifier key `<name>+<hex key ID>+<base64(0x04 || key)>`.
    pub fn parse(vkey: &str) -> Result<WitnessKey, LogError> {
        let (name, key) =
            super::note::parse_typed_key(vkey, COSIGNATURE_TYPE, "witness key", key_id)?;
        Ok(WitnessKey { name, key })
    }

    /// The four-byte key ID.
    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, &self.key)
    }

    /// The verifier key string.
    pub fn vkey(&self) -> String {
        let mut k = vec![COSIGNATURE_TYPE];
        k.extend_from_slice(self.key.raw());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(k)
        )
    }
}

/// The key ID of witness `name` holding `key`.
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut data = Vec::with_capacity(name.len() + 34);
    data.extend_from_slice(name.as_bytes());
    data.push(b'\n');
    data.push(COSIGNATURE_TYPE);
    data.extend_from_slice(key.raw());
    let h = sigstore_crypto::sha256(&data);
    let mut out = [0u8; 4];
    out.copy_from_slice(&h.as_bytes()[..4]);
    out
}

/// What a witness signs: the header, the time, then the checkpoint body.
pub fn message(body: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// The cosignature line of witness `name` with `key` over checkpoint
/// `body` (the note's text before the blank line) at Unix time `time`.
pub fn cosign(body: &str, name: &str, key: &SigningKey, time: u64) -> Result<String, LogError> {
    if !super::note::valid_key_name(name) {
        return Err(LogError::NoteMalformed(format!(
            "`{name}` is not a signed-note key name"
        )));
    }
    if time == 0 || time > i64::MAX as u64 {
        return Err(LogError::NoteMalformed(format!(
            "cosignature time {time} is out of range"
        )));
    }
    let mut sig = key_id(name, &key.public_key()).to_vec();
    sig.extend_from_slice(&time.to_be_bytes());
    sig.extend_from_slice(&key.sign(message(body, time).as_bytes()));
    Ok(format!("{SIG_PREFIX}{name} {}\n", B64.encode(sig)))
}

/// A cosignature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name.
    pub name: String,
    /// When it cosigned (Unix seconds).
    pub time: u64,
}

/// The cosignatures of `note` (a signed note) by `witnesses` that verify,
/// one per witness. A line whose name and key ID are a known witness's but
/// whose signature does not verify, or whose time is out of range, fails
/// the whole note (`c2sp.org/signed-note`); lines of other keys are
/// ignored.
pub fn verify(note: &[u8], witnesses: &[WitnessKey]) -> Result<Vec<Cosigned>, LogError> {
    if note.len() > super::note::MAX_NOTE_BYTES {
        return Err(LogError::NoteMalformed(format!(
            "{} bytes; at most {} are read",
            note.len(),
            super::note::MAX_NOTE_BYTES
        )));
    }
    let note = std::str::from_utf8(note)
        .map_err(|_| LogError::NoteMalformed("the note is not UTF-8".into()))?;
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| LogError::NoteMalformed("no blank line before the signatures".into()))?;
    let (body, sigs) = (&note[..=split], &note[split + 2..]);
    let lines: Vec<&str> = sigs
        .strip_suffix('\n')
        .unwrap_or(sigs)
        .split('\n')
        .collect();
    if lines.len() > super::note::MAX_NOTE_SIGNATURES {
        return Err(LogError::NoteMalformed(format!(
            "{} signatures; at most {} are read",
            lines.len(),
            super::note::MAX_NOTE_SIGNATURES
        )));
    }
    let mut found: Vec<Cosigned> = Vec::new();
    for line in lines {
        let Some((name, b64)) = line
            .strip_prefix(SIG_PREFIX)
            .and_then(|rest| rest.split_once(' '))
        else {
            return Err(LogError::NoteMalformed(format!(
                "signature line `{}` is not `— name signature`",
                line.escape_debug()
            )));
        };
        let Some(witness) = witnesses.iter().find(|w| w.name == name) else {
            continue;
        };
        let Ok(raw) = B64.decode(b64) else {
            continue;
        };
        if raw.len() < 4 || raw[..4] != witness.key_id() {
            continue;
        }
        let failed = || LogError::NoteSignature {
            name: name.to_owned(),
        };
        if raw.len() != COSIGNATURE_LEN {
            return Err(failed());
        }
        let mut time = [0u8; 8];
        time.copy_from_slice(&raw[4..12]);
        let time = u64::from_be_bytes(time);
        if time == 0 || time > i64::MAX as u64 {
            return Err(failed());
        }
        if !witness
            .key
            .verify(message(body, time).as_bytes(), &raw[12..])
        {
            return Err(failed());
        }
        if !found.iter().any(|f| f.name == name) {
            found.push(Cosigned {
                name: name.to_owned(),
                time,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cosignature/v1 test vector of sunlight's `skylight` (witness
    /// key: the Ed25519 seed SHA-256("skylight test witness key")).
    const SKYLIGHT_VKEY: &str =
        "witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN";
    const SKYLIGHT_NOTE: &str = "rome2026h1.example.org
300
lCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=

\u{2014} rome2026h1.example.org kVB1JgAAAZtxtEwABAMARzBFAiEAi+mTa2xjL1IdWpH82OeciGsGvwRAP+f1WkfKaSZCfFECIHoNPZ/Q3y6UNzvKOO9cuLr6V16vPNfhwhle9f6r5H/Z
\u{2014} witness.example.org uKLPIAAAAABpVGeAhm2bOvKc3LaB9PFN1ruG19Y5yqslmcAAbhftnn1Zznmo0LXFZq4LGvqKqLX8jWlwLKasxEGTLIqAVusneCBmBw==
";

    fn skylight_key() -> SigningKey {
        let seed = sigstore_crypto::sha256(b"skylight test witness key");
        SigningKey::from_seed(seed.as_bytes()).unwrap()
    }

    #[test]
    fn the_published_vector_verifies_and_is_reproduced() {
        let witness = WitnessKey::parse(SKYLIGHT_VKEY).unwrap();
        assert_eq!(witness.vkey(), SKYLIGHT_VKEY);
        assert_eq!(witness.key, skylight_key().public_key());
        let found = verify(SKYLIGHT_NOTE.as_bytes(), std::slice::from_ref(&witness)).unwrap();
        assert_eq!(
            found,
            vec![Cosigned {
                name: "witness.example.org".into(),
                time: 1_767_139_200
            }]
        );
        let body = &SKYLIGHT_NOTE[..SKYLIGHT_NOTE.find("\n\n").unwrap() + 1];
        let line = cosign(body, "witness.example.org", &skylight_key(), 1_767_139_200).unwrap();
        assert_eq!(
            line,
            SKYLIGHT_NOTE.lines().last().unwrap().to_owned() + "\n"
        );
    }

    #[test]
    fn a_tampered_body_time_or_signature_fails_the_note() {
        let witness = WitnessKey::parse(SKYLIGHT_VKEY).unwrap();
        let w = std::slice::from_ref(&witness);
        let tampered = SKYLIGHT_NOTE.replacen("\n300\n", "\n301\n", 1);
        assert!(matches!(
            verify(tampered.as_bytes(), w),
            Err(LogError::NoteSignature { .. })
        ));
        // Another time in the line (bytes 4..12), same signature.
        let line = SKYLIGHT_NOTE.lines().last().unwrap();
        let b64 = line.rsplit(' ').next().unwrap();
        let mut raw = B64.decode(b64).unwrap();
        raw[11] ^= 1;
        let forged = SKYLIGHT_NOTE.replace(b64, &B64.encode(&raw));
        assert!(verify(forged.as_bytes(), w).is_err());
        let mut raw = B64.decode(b64).unwrap();
        raw[40] ^= 1;
        let forged = SKYLIGHT_NOTE.replace(b64, &B64.encode(&raw));
        assert!(verify(forged.as_bytes(), w).is_err());
        // Truncated: the known key ID with a short signature.
        let short = SKYLIGHT_NOTE.replace(b64, &B64.encode(&B64.decode(b64).unwrap()[..40]));
        assert!(verify(short.as_bytes(), w).is_err());
    }

    #[test]
    fn unknown_witnesses_and_other_key_types_count_for_nothing() {
        let other = WitnessKey {
            name: "witness.example.org".into(),
            key: SigningKey::generate().unwrap().public_key(),
        };
        // Same name, another key: its ID differs, so the line is not its.
        assert_eq!(verify(SKYLIGHT_NOTE.as_bytes(), &[other]).unwrap(), vec![]);
        assert_eq!(verify(SKYLIGHT_NOTE.as_bytes(), &[]).unwrap(), vec![]);
        // A log key (0x01) is not a witness key.
        let log_vkey =
            super::super::note::verifier_key("witness.example.org", &skylight_key().public_key());
        assert!(
            WitnessKey::parse(&log_vkey)
                .unwrap_err()
                .to_string()
                .contains("0x01")
        );
    }

    #[test]
    fn one_witness_counts_once_and_bad_keys_are_refused_by_name() {
        let k = SigningKey::generate().unwrap();
        let body = "log.example\n1\nlCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=\n";
        let a = cosign(body, "w1", &k, 10).unwrap();
        let b = cosign(body, "w1", &k, 11).unwrap();
        let note = format!("{body}\n{a}{b}");
        let w = WitnessKey {
            name: "w1".into(),
            key: k.public_key(),
        };
        assert_eq!(
            verify(note.as_bytes(), std::slice::from_ref(&w))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(WitnessKey::parse(&w.vkey()).unwrap(), w);
        for bad in [
            "w1",
            "w1+00000000+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN",
            "w 1+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN",
            "w1+b8a2cf20+!!",
        ] {
            assert!(WitnessKey::parse(bad).is_err(), "{bad}");
        }
        assert!(cosign(body, "w1", &k, 0).is_err());
        assert!(cosign(body, "w 1", &k, 1).is_err());
    }
}
