//! Stage 1 of a pull: which online keys to trust. The key statements must
//! be signed by the pinned root key with the newest per role unexpired
//! ([`verify_key_set`]), and no role's serial may go back from, or name
//! another key than, the one followed before. Once the new log records are
//! known (stage 4), no rotation they record may be newer than the statements
//! served ([`check_logged_keys`]).

use super::error::ClientError;
use super::fetch::Resource;
use super::session::Session;
use super::state::State;
use crate::catalog::keys::{TrustedKeys, verify_key_set};
use crate::keys::{PublicKey, Role};
use crate::log::LogRecord;

/// Fetches the key statements and verifies them against the pinned `root`
/// key and against the serials followed before.
pub(super) fn trusted_keys(
    session: &mut Session<'_>,
    root: &PublicKey,
    previous: Option<&State>,
) -> Result<TrustedKeys, ClientError> {
    let keys_bytes = session.get_body(&Resource::Keys)?;
    let keys = verify_key_set(root, &keys_bytes, session.now, session.skew)?;
    if let Some(prev) = previous {
        check_key_serials(prev, &keys)?;
    }
    Ok(keys)
}

fn check_key_serials(prev: &State, keys: &TrustedKeys) -> Result<(), ClientError> {
    for role in Role::ALL {
        let seen = prev.key(role);
        let got = &keys.get(role).statement;
        if got.serial < seen.serial {
            return Err(ClientError::KeyRollback {
                role,
                seen: seen.serial,
                got: got.serial,
            });
        }
        if got.serial == seen.serial && got.keyid != seen.keyid {
            return Err(ClientError::KeySerialReused {
                role,
                serial: got.serial,
                seen: seen.keyid.clone(),
                got: got.keyid.clone(),
            });
        }
    }
    Ok(())
}

/// The log records every key rotation: key statements older than a logged
/// rotation are a registry serving a retired key (a freeze until the old
/// statement expires), refused now rather than when it expires. Serials never
/// go backwards between pulls, so checking each pull's new records suffices.
pub(super) fn check_logged_keys(
    records: &[(u64, LogRecord)],
    keys: &TrustedKeys,
) -> Result<(), ClientError> {
    for (index, r) in records {
        let LogRecord::Key {
            role,
            serial,
            keyid,
            ..
        } = r
        else {
            continue;
        };
        let served = &keys.get(*role).statement;
        if *serial > served.serial || (*serial == served.serial && *keyid != served.keyid) {
            return Err(ClientError::KeyBehindLog {
                role: *role,
                index: *index,
                logged: *serial,
                logged_keyid: keyid.clone(),
                served: served.serial,
                served_keyid: served.keyid.clone(),
            });
        }
    }
    Ok(())
}
