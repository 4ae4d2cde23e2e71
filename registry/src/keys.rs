//! `mcp-registry admin keys …`: the offline root key and the online keys it
//! delegates to. The root key signs statements that name the catalog key and
//! the checkpoint key, each with an expiry; rotation is a new root-signed
//! statement with a higher serial, so a stolen online key is replaced
//! without trusting it. None of this needs the store or a running server:
//! keep the root key offline and copy only `keys.json` and the online keys to
//! the replicas. Private key files are created 0600 and refused when more
//! permissive.

use clap::{Args, Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};
use mcp_trust::catalog::keys::{KeySet, KeySetError, KeyStatement, sign_statement, verify_key_set};
use mcp_trust::keys::{
    KeyError, Role, SigningKey, read_private_key, read_public_key, write_private_key,
    write_public_key,
};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `admin keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the root key, the catalog and checkpoint keys, and the root-signed key set.
    ///
    /// Writes DIR/root.key (keep it offline), DIR/root.pub (what gateways pin),
    /// DIR/catalog.key, DIR/checkpoint.key (the online keys, 0600) and DIR/keys.json
    /// (the statements served at /v0.1/catalog/keys). Refuses to overwrite.
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Replace one online key: a new key and a root-signed statement with a higher serial.
    ///
    /// The previous key file is kept as DIR/<role>.key.<serial>. Needs the root key.
    #[command(after_help = ROTATE_EXAMPLES)]
    Rotate(RotateArgs),
    /// Verify DIR/keys.json against DIR/root.pub and print the delegated keys.
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
}

/// Arguments of `admin keys init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory for the key files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Name of the transparency log (the checkpoint key's signed-note name).
    #[arg(long, value_name = "NAME", default_value = "mcp-registry")]
    pub origin: String,
    /// How long the online keys are trusted.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub validity_days: u32,
}

/// Which online key.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// The key that signs the catalog index.
    Catalog,
    /// The key that signs log checkpoints.
    Checkpoint,
}

/// Arguments of `admin keys rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Directory holding keys.json and the online keys.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Which key to replace.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The root key [default: DIR/root.key].
    #[arg(long, value_name = "FILE")]
    pub root_key: Option<PathBuf>,
    /// How long the new key is trusted.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub validity_days: u32,
}

/// Arguments of `admin keys show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Directory holding keys.json and root.pub.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

/// Why a key command failed.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// A key could not be made, read or written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A key statement could not be made or verified.
    #[error(transparent)]
    KeySet(#[from] KeySetError),
    /// A file could not be written or read.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> KeysError {
    KeysError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Catalog => Role::Catalog,
        RoleArg::Checkpoint => Role::Checkpoint,
    }
}

fn validity(days: u32) -> SignedDuration {
    SignedDuration::from_hours(i64::from(days) * 24)
}

/// Runs a key command; returns what to print.
pub fn run(command: KeysCommand, now: Timestamp) -> Result<String, KeysError> {
    match command {
        KeysCommand::Init(a) => init(&a, now),
        KeysCommand::Rotate(a) => rotate(&a, now),
        KeysCommand::Show(a) => show(&a.dir, now),
    }
}

fn init(a: &InitArgs, now: Timestamp) -> Result<String, KeysError> {
    init_dir(&a.dir, &a.origin, a.validity_days, now)
}

/// `admin keys init`: creates the root key, both online keys and the
/// root-signed `keys.json` in `dir`; refuses to overwrite any of them.
pub fn init_dir(
    dir: &Path,
    origin: &str,
    validity_days: u32,
    now: Timestamp,
) -> Result<String, KeysError> {
    let a = InitArgs {
        dir: dir.to_owned(),
        origin: origin.to_owned(),
        validity_days,
    };
    std::fs::create_dir_all(&a.dir).map_err(|e| file_err(&a.dir, e))?;
    for name in [
        "root.key",
        "root.pub",
        "catalog.key",
        "checkpoint.key",
        "keys.json",
    ] {
        let p = a.dir.join(name);
        if p.exists() {
            return Err(file_err(
                &p,
                "exists already; refusing to overwrite keys (use `admin keys rotate`)",
            ));
        }
    }
    let root = SigningKey::generate()?;
    let mut set = KeySet {
        statements: Vec::new(),
    };
    for r in Role::ALL {
        let key = SigningKey::generate()?;
        let name = (r == Role::Checkpoint).then(|| a.origin.clone());
        let statement = KeyStatement::new(
            r,
            1,
            &key.public_key(),
            name,
            now,
            validity(a.validity_days),
        )?;
        set.install(&root.public_key(), sign_statement(&root, &statement)?)?;
        write_private_key(&a.dir.join(format!("{r}.key")), &key)?;
    }
    write_private_key(&a.dir.join("root.key"), &root)?;
    write_public_key(&a.dir.join("root.pub"), &root.public_key())?;
    write_atomically(&a.dir.join("keys.json"), &set.to_bytes())?;
    let mut out = show(&a.dir, now)?;
    let _ = writeln!(
        out,
        "move {} offline: the running registry never needs it; gateways pin {}",
        a.dir.join("root.key").display(),
        a.dir.join("root.pub").display()
    );
    Ok(out)
}

fn rotate(a: &RotateArgs, now: Timestamp) -> Result<String, KeysError> {
    let r = role(a.role);
    let root_path = a.root_key.clone().unwrap_or_else(|| a.dir.join("root.key"));
    let root = read_private_key(&root_path)?;
    let keys_path = a.dir.join("keys.json");
    let bytes = std::fs::read(&keys_path).map_err(|e| file_err(&keys_path, e))?;
    let mut set: KeySet = serde_json::from_slice(&bytes).map_err(|e| file_err(&keys_path, e))?;
    // The current statements must verify under this root before anything is added.
    let current =
        verify_key_set(&root.public_key(), &bytes, now, SignedDuration::ZERO).map_err(|e| {
            file_err(
                &keys_path,
                format!("does not verify under {}: {e}", root_path.display()),
            )
        })?;
    let old = current.get(r).statement.clone();
    let key = SigningKey::generate()?;
    let statement = KeyStatement::new(
        r,
        old.serial + 1,
        &key.public_key(),
        old.name.clone(),
        now,
        validity(a.validity_days),
    )?;
    set.install(&root.public_key(), sign_statement(&root, &statement)?)?;
    let key_path = a.dir.join(format!("{r}.key"));
    let kept = a.dir.join(format!("{r}.key.{}", old.serial));
    std::fs::rename(&key_path, &kept).map_err(|e| file_err(&key_path, e))?;
    write_private_key(&key_path, &key)?;
    write_atomically(&keys_path, &set.to_bytes())?;
    let mut out = format!(
        "rotated the {r} key: serial {} -> {}; the old key is kept in {}\n",
        old.serial,
        statement.serial,
        kept.display()
    );
    out.push_str(&show(&a.dir, now)?);
    Ok(out)
}

fn show(dir: &Path, now: Timestamp) -> Result<String, KeysError> {
    let root = read_public_key(&dir.join("root.pub"))?;
    let keys_path = dir.join("keys.json");
    let bytes = std::fs::read(&keys_path).map_err(|e| file_err(&keys_path, e))?;
    let trusted = verify_key_set(&root, &bytes, now, SignedDuration::ZERO)?;
    let mut out = format!("root       {}\n", root.keyid());
    for r in Role::ALL {
        let d = trusted.get(r);
        let _ = writeln!(
            out,
            "{:<10} {} serial {} expires {}{}",
            r.to_string(),
            d.statement.keyid,
            d.statement.serial,
            d.statement.expires,
            d.statement
                .name
                .as_deref()
                .map(|n| format!(" name {n}"))
                .unwrap_or_default()
        );
    }
    Ok(out)
}

/// Write, fsync, rename: a crash leaves the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), KeysError> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| file_err(&tmp, e))?;
    f.write_all(bytes).map_err(|e| file_err(&tmp, e))?;
    f.sync_all().map_err(|e| file_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| file_err(path, e))?;
    if let Some(parent) = path.parent()
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

const INIT_EXAMPLES: &str = "Examples:
  mcp-registry admin keys init --dir /etc/mcp-registry/keys
  mcp-registry admin keys init --dir ./keys && cp ./keys/root.pub gateway/root.pub";

const ROTATE_EXAMPLES: &str = "Examples:
  mcp-registry admin keys rotate --role catalog --dir /etc/mcp-registry/keys && kill -HUP $(pidof mcp-registry)
  mcp-registry admin keys rotate --role checkpoint --dir /etc/mcp-registry/keys";

const SHOW_EXAMPLES: &str = "Examples:
  mcp-registry admin keys show --dir /etc/mcp-registry/keys
  mcp-registry admin keys show --dir ./data/catalog-keys    # the embedded store's default";
