//! The catalog's data: entries (one per version of every server), shards
//! (TUF-style hashed bins holding entries) and the index payload that the
//! catalog key signs. All three are closed shapes: an unknown field is
//! refused, so a gateway never acts on data it does not understand.
//! Shards and index payloads are written as RFC 8785 canonical JSON, so one
//! content always has one hash.

use super::CatalogError;
use crate::image::{Digest, PinnedImage, digest_serde};
use crate::manifest::{Manifest, Network};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// DSSE payload type of the catalog index.
pub const INDEX_PAYLOAD_TYPE: &str = "application/vnd.dev.mcp-trust.catalog-index.v1+json";
/// Number of shards (hashed bins).
pub const SHARD_COUNT: usize = 256;

// Publish budgets. A gateway refuses a shard over its cap
// (`client::Limits::default().shard`, 8 MiB) and then cannot learn anything
// from this catalog again, revocations included; an entry lists egress rules
// and secret names, so a schema-valid manifest can make one of 70+ KiB. A
// registry therefore refuses a publish that would take any of these past its
// budget, measured with [`Entry::budget_bytes`] (the most bytes the entry
// can ever take in its shard), before it stores anything. Versions are
// immutable and never removed (a revocation must stay visible), so bytes
// granted once are granted for good: the budgets bound what one publisher
// can ever put in a shard.

/// Most bytes one entry may take ([`Entry::budget_bytes`]). Real entries
/// are under 1 KiB (`trust/tests/entry_budget.rs` measures them, with a
/// 107-character signer identity): the manifests of
/// `testdata/manifests/valid/` that carry the extension make 712 and 750
/// bytes, the 249 container entries of Docker's MCP catalog imported with
/// `mcp-verify import docker-catalog` 727–917 (median 758). 8 KiB is nearly
/// nine times the largest: room for ~150 egress rules or secret names.
pub const MAX_ENTRY_BYTES: u64 = 8 << 10;

/// Most bytes all versions of one server may take together: 256 KiB, 32
/// versions of the largest entry allowed, ~345 of a typical one (a weekly
/// release for six and a half years). One server fills at most 1/24 of a
/// shard. No more than [`MAX_NAMESPACE_SHARD_BYTES`]: a server lives in one
/// shard, so a larger server budget could never be reached.
pub const MAX_SERVER_ENTRY_BYTES: u64 = 256 << 10;

/// Most bytes all versions of the servers of one namespace may take in one
/// shard together: 256 KiB. Grinding server names until they hash into one
/// bin costs nothing (one name in 256 lands there), so without this budget
/// three namespaces at their [`MAX_NAMESPACE_ENTRY_BYTES`] could fill a
/// [`MAX_SHARD_BYTES`] shard for good, and with it freeze every server
/// whose name lands there. With it, filling a shard takes at least 24
/// namespaces (6 MiB / 256 KiB), each of which an administrator bound to a
/// signer. An honest namespace spreads over the bins: at its whole 2 MiB
/// budget it holds ~8 KiB per shard on average.
pub const MAX_NAMESPACE_SHARD_BYTES: u64 = 256 << 10;

/// Most bytes all versions of all servers of one namespace may take
/// together: 2 MiB, ~2,750 typical versions. Below [`MAX_SHARD_BYTES`], so
/// one namespace can never fill a shard alone; one that grinds server names
/// until they all hash into one bin is stopped sooner, by
/// [`MAX_NAMESPACE_SHARD_BYTES`].
pub const MAX_NAMESPACE_ENTRY_BYTES: u64 = 2 << 20;

/// Most bytes a shard may hold ([`SHARD_FRAME_BYTES`] plus its entries'
/// [`Entry::budget_bytes`]): 6 MiB, a quarter below the client's 8 MiB cap,
/// so that no sequence of publishes, yanks and revocations can ever produce
/// a shard a gateway refuses. The 100k-server benchmark's shards are
/// ~0.27 MiB (docs/performance.md): this is 20 times that.
pub const MAX_SHARD_BYTES: u64 = 6 << 20;

/// Bytes of a shard besides its entries: `{"bin":255,"entries":[]}`.
pub const SHARD_FRAME_BYTES: u64 = 24;

const _: () = assert!(MAX_ENTRY_BYTES <= MAX_SERVER_ENTRY_BYTES);
const _: () = assert!(MAX_SERVER_ENTRY_BYTES <= MAX_NAMESPACE_SHARD_BYTES);
const _: () = assert!(MAX_NAMESPACE_SHARD_BYTES <= MAX_NAMESPACE_ENTRY_BYTES);
const _: () = assert!(MAX_SERVER_ENTRY_BYTES <= MAX_NAMESPACE_ENTRY_BYTES);
// Filling a shard takes at least 24 namespaces.
const _: () = assert!(MAX_SHARD_BYTES / MAX_NAMESPACE_SHARD_BYTES >= 24);
const _: () = assert!(MAX_NAMESPACE_ENTRY_BYTES < MAX_SHARD_BYTES);
// The client's default shard cap (`client::Limits::default().shard`, not a
// const); the unit test `shard_budget_is_below_the_client_cap` checks the
// real value.
const _: () = assert!(MAX_SHARD_BYTES < 8 << 20);

/// The shard (bin) of a server: the first byte of SHA-256 of its name.
pub fn shard_of(name: &str) -> u8 {
    sigstore_crypto::sha256(name.as_bytes()).as_bytes()[0]
}

/// SHA-256 of a manifest's RFC 8785 canonical JSON: what an entry pins, so
/// that whitespace or key order in transit do not matter but every value does.
pub fn manifest_digest(manifest: &serde_json::Value) -> Result<Digest, CatalogError> {
    let bytes = crate::canonical::to_vec(manifest)
        .map_err(|e| CatalogError::Encode(format!("cannot canonicalize the manifest: {e}")))?;
    Ok(Digest::of(&bytes))
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Installable.
    Active,
    /// Hidden from new installs; running instances may stay.
    Yanked,
    /// Must not run anywhere. Final.
    Revoked,
}

impl Status {
    /// Whether a catalog may move an entry from `self` to `next`: only
    /// forward (active → yanked → revoked), never out of revoked.
    pub fn may_become(self, next: Status) -> bool {
        self <= next
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Yanked => "yanked",
            Status::Revoked => "revoked",
        }
    }

    /// Parses [`Status::as_str`] output.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "active" => Some(Status::Active),
            "yanked" => Some(Status::Yanked),
            "revoked" => Some(Status::Revoked),
            _ => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of lifecycle status, as a registry applies it. The one place
/// the transitions are decided: the registry's stores and the in-memory
/// publisher both call [`Lifecycle::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// Owner hides an active version from new installs.
    Yank,
    /// Refused: a yank is final ([`UNYANK_REFUSED`]); kept so a registry can answer why.
    Unyank,
    /// Administrator withdraws a version for good.
    Revoke,
}

/// Why a yank cannot be undone.
pub const UNYANK_REFUSED: &str = "a yank is final: the signed catalog only moves a version forward (active → yanked → revoked), so that no replayed or forged catalog can bring a withdrawn version back; publish a new version instead";

impl Lifecycle {
    /// The change that makes a version `status`, if one does.
    pub fn to(status: Status) -> Option<Lifecycle> {
        match status {
            Status::Active => None,
            Status::Yanked => Some(Lifecycle::Yank),
            Status::Revoked => Some(Lifecycle::Revoke),
        }
    }

    /// The action name used in audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Yank => "yank",
            Lifecycle::Unyank => "unyank",
            Lifecycle::Revoke => "revoke",
        }
    }

    /// The status after this change, or why it cannot apply to `from`.
    pub fn apply(self, from: Status) -> Result<Status, String> {
        match (self, from) {
            (Lifecycle::Yank, Status::Active) => Ok(Status::Yanked),
            (Lifecycle::Unyank, Status::Yanked) => Err(UNYANK_REFUSED.into()),
            (Lifecycle::Revoke, Status::Active | Status::Yanked) => Ok(Status::Revoked),
            (Lifecycle::Revoke, Status::Revoked) => Err("the version is already revoked".into()),
            (_, Status::Revoked) => Err("the version is revoked; revocation is final".into()),
            (Lifecycle::Yank, Status::Yanked) => Err("the version is already yanked".into()),
            (Lifecycle::Unyank, Status::Active) => Err("the version is not yanked".into()),
        }
    }
}

/// Who signed the image, as the registry verified it: the catalog's name
/// for [`crate::signature::SignerIdentity`], defined once there.
pub use crate::signature::{KeySigner, KeylessSigner, SignerIdentity as Signer};

/// What a gateway needs to know before it fetches the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeHints {
    /// `"none"` or `{"egress": [...]}`.
    pub network: Network,
    /// Every tool is read-only, so every mount is mounted read-only.
    pub read_only: bool,
    /// Names of the secrets the server reads.
    pub secrets: Vec<String>,
}

/// One version of one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// Reverse-DNS server name.
    pub name: String,
    /// Exact version.
    pub version: String,
    /// Active, yanked or revoked.
    pub status: Status,
    /// SHA-256 of the manifest's canonical JSON ([`manifest_digest`]).
    #[serde(with = "digest_serde")]
    pub manifest_sha256: Digest,
    /// The image, `registry/repository@sha256:…`.
    pub image: String,
    /// Who signed the image.
    pub signer: Signer,
    /// Set digest of the pinned tool surface.
    #[serde(with = "digest_serde")]
    pub tool_surface: Digest,
    /// The tool surface differs from the previous version's: re-approval needed.
    pub tools_changed: bool,
    /// Least-privilege hints.
    pub runtime: RuntimeHints,
    /// When the version was published.
    pub published_at: Timestamp,
    /// Index of its publish record in the transparency log.
    pub log_index: u64,
}

impl Entry {
    /// Builds an entry from a validated manifest and what the registry
    /// verified about it.
    pub fn from_manifest(
        manifest: &Manifest,
        signer: Signer,
        tools_changed: bool,
        published_at: Timestamp,
        log_index: u64,
    ) -> Result<Entry, CatalogError> {
        let security = manifest.security.as_ref().ok_or_else(|| {
            CatalogError::Entry(format!(
                "{} {} has no security extension; the catalog lists only pinned servers",
                manifest.server.name, manifest.server.version
            ))
        })?;
        let image =
            PinnedImage::parse(&security.image).map_err(|e| CatalogError::Entry(e.to_string()))?;
        let tool_surface = crate::tools::surface_digest(&security.tools)
            .map_err(|e| CatalogError::Entry(e.to_string()))?
            .set;
        let read_only = !security.tools.is_empty()
            && security
                .tools
                .iter()
                .all(|t| t.effective_annotations().read_only_hint);
        Ok(Entry {
            name: manifest.server.name.clone(),
            version: manifest.server.version.clone(),
            status: Status::Active,
            manifest_sha256: manifest_digest(&manifest.to_value())?,
            image: image.to_string(),
            signer,
            tool_surface,
            tools_changed,
            runtime: RuntimeHints {
                network: security.network.clone(),
                read_only,
                secrets: security.secrets.iter().map(|s| s.name.clone()).collect(),
            },
            published_at,
            log_index,
        })
    }

    /// SHA-256 of the RFC 8785 canonical JSON of everything about this
    /// version that never changes: the entry without `status` (which moves
    /// forward through yank and revoke records) and `logIndex` (which is the
    /// publish record's own position). The publish record commits to it, so
    /// the log binds every field a gateway enforces — signer, runtime hints,
    /// tool surface, `toolsChanged`, time — and a registry cannot show one
    /// gateway an entry that another does not see with identical checkpoints.
    pub fn immutable_sha256(&self) -> Result<Digest, CatalogError> {
        let mut value = serde_json::to_value(self).map_err(|e| {
            CatalogError::Encode(format!("entry {} {}: {e}", self.name, self.version))
        })?;
        if let Some(fields) = value.as_object_mut() {
            fields.remove("status");
            fields.remove("logIndex");
        }
        let bytes = crate::canonical::to_vec(&value).map_err(|e| {
            CatalogError::Encode(format!("entry {} {}: {e}", self.name, self.version))
        })?;
        Ok(Digest::of(&bytes))
    }

    /// The shard this entry belongs in.
    pub fn shard(&self) -> u8 {
        shard_of(&self.name)
    }

    /// The most bytes this entry can ever take in its shard: its RFC 8785
    /// canonical JSON with the longest status (`revoked`) and the longest
    /// log index canonical JSON can hold (2^53 − 1, 16 digits:
    /// [`crate::canonical::MAX_SAFE_INTEGER`]), plus the comma that separates it from the
    /// next entry. Neither a status change nor the log index a store assigns
    /// can make it take more, so a budget checked at publish holds for good.
    /// What the publish budgets ([`MAX_ENTRY_BYTES`] and the others) count.
    pub fn budget_bytes(&self) -> Result<u64, CatalogError> {
        let worst = Entry {
            status: Status::Revoked,
            log_index: crate::canonical::MAX_SAFE_INTEGER,
            ..self.clone()
        };
        let bytes = crate::canonical::to_vec(&worst).map_err(|e| {
            CatalogError::Encode(format!("entry {} {}: {e}", self.name, self.version))
        })?;
        Ok(bytes.len() as u64 + 1)
    }

    /// Checks what the type cannot: a name with a namespace, a version, a pinned image.
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty() || !self.name.contains('/') {
            return Err(format!(
                "`{}` is not a `namespace/name` server name",
                self.name
            ));
        }
        if self.version.is_empty() {
            return Err(format!("{}: empty version", self.name));
        }
        let pinned = PinnedImage::parse(&self.image)
            .map_err(|e| format!("{} {}: {e}", self.name, self.version))?;
        if pinned.tag.is_some() {
            return Err(format!(
                "{} {}: image `{}` carries a tag; entries name the digest only",
                self.name, self.version, self.image
            ));
        }
        Ok(())
    }
}

/// One hashed bin of entries, sorted by name then version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// Which bin (0..=255).
    pub bin: u8,
    /// Its entries.
    pub entries: Vec<Entry>,
}

impl Shard {
    /// An empty shard.
    pub fn empty(bin: u8) -> Shard {
        Shard {
            bin,
            entries: Vec::new(),
        }
    }

    /// Canonical bytes (RFC 8785).
    pub fn to_bytes(&self) -> Result<Vec<u8>, CatalogError> {
        crate::canonical::to_vec(self)
            .map_err(|e| CatalogError::Encode(format!("shard {}: {e}", self.bin)))
    }

    /// Parses shard bytes and checks they belong in bin `bin`: every entry
    /// valid and in its bin, sorted, no (name, version) twice.
    pub fn parse(bytes: &[u8], bin: u8) -> Result<Shard, String> {
        let shard: Shard = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if shard.bin != bin {
            return Err(format!("it says it is shard {}", shard.bin));
        }
        for e in &shard.entries {
            Shard::check_member(e, bin)?;
        }
        for w in shard.entries.windows(2) {
            Shard::check_follows((&w[0].name, &w[0].version), &w[1])?;
        }
        Ok(shard)
    }

    /// Checks an entry read from shard `bin`: valid, and in that bin.
    pub(crate) fn check_member(e: &Entry, bin: u8) -> Result<(), String> {
        e.check()?;
        if e.shard() != bin {
            return Err(format!("{} belongs in shard {}", e.name, e.shard()));
        }
        Ok(())
    }

    /// Checks that `next` comes after the entry (name, version) before it:
    /// sorted, no (name, version) twice.
    pub(crate) fn check_follows(before: (&str, &str), next: &Entry) -> Result<(), String> {
        if before >= (next.name.as_str(), next.version.as_str()) {
            return Err(format!(
                "entries are not sorted and unique at {} {}",
                next.name, next.version
            ));
        }
        Ok(())
    }

    /// Inserts or replaces the entry for (name, version); keeps the order.
    pub fn upsert(&mut self, entry: Entry) {
        match self
            .entries
            .binary_search_by(|e| (&e.name, &e.version).cmp(&(&entry.name, &entry.version)))
        {
            Ok(i) => self.entries[i] = entry,
            Err(i) => self.entries.insert(i, entry),
        }
    }

    /// The entry for (name, version).
    pub fn get(&self, name: &str, version: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| (e.name.as_str(), e.version.as_str()).cmp(&(name, version)))
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// The log state the index commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogHead {
    /// The log's origin (checkpoint first line).
    pub origin: String,
    /// Number of leaves.
    pub tree_size: u64,
    /// Base64 root hash.
    pub root_hash: String,
}

/// Hash and size of one shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRef {
    /// `sha256:<hex>` of the shard bytes.
    #[serde(with = "digest_serde")]
    pub sha256: Digest,
    /// Length of the shard bytes.
    pub size: u64,
}

/// What the catalog key signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndexPayload {
    /// Increases by one with every signing, refreshes included.
    pub catalog_version: u64,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// After this instant the index must not be used (freeze protection).
    pub expires: Timestamp,
    /// The log state this catalog is consistent with.
    pub log: LogHead,
    /// One reference per shard, in bin order.
    pub shards: Vec<ShardRef>,
}

impl IndexPayload {
    /// Canonical bytes (RFC 8785): what is signed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CatalogError> {
        crate::canonical::to_vec(self).map_err(|e| CatalogError::Encode(format!("index: {e}")))
    }

    /// Parses payload bytes and checks the shard count.
    pub fn parse(bytes: &[u8]) -> Result<IndexPayload, String> {
        let index: IndexPayload = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if index.shards.len() != SHARD_COUNT {
            return Err(format!(
                "{} shard references; a catalog has exactly {SHARD_COUNT}",
                index.shards.len()
            ));
        }
        if index.expires <= index.issued_at {
            return Err("expires is not after issuedAt".into());
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_is_final() {
        for action in [Lifecycle::Yank, Lifecycle::Unyank, Lifecycle::Revoke] {
            assert!(action.apply(Status::Revoked).is_err(), "{action:?}");
        }
    }

    #[test]
    fn yank_is_final() {
        assert_eq!(Lifecycle::Yank.apply(Status::Active), Ok(Status::Yanked));
        assert_eq!(
            Lifecycle::Unyank.apply(Status::Yanked),
            Err(UNYANK_REFUSED.to_owned())
        );
        assert!(Lifecycle::Yank.apply(Status::Yanked).is_err());
        assert!(Lifecycle::Unyank.apply(Status::Active).is_err());
    }

    pub(crate) fn entry(name: &str, version: &str) -> Entry {
        Entry {
            name: name.into(),
            version: version.into(),
            status: Status::Active,
            manifest_sha256: Digest::of(name.as_bytes()),
            image: format!("ghcr.io/acme/x@{}", Digest::of(version.as_bytes())),
            signer: Signer::Keyless(KeylessSigner {
                identity: "https://github.com/acme/x/.github/workflows/release.yml@refs/tags/v1"
                    .into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
            }),
            tool_surface: Digest::of(b"tools"),
            tools_changed: false,
            runtime: RuntimeHints {
                network: Network::None,
                read_only: true,
                secrets: vec![],
            },
            published_at: "2025-01-01T00:00:00Z".parse().unwrap(),
            log_index: 0,
        }
    }

    #[test]
    fn shard_round_trips_and_checks_its_bin() {
        let e = entry("io.github.acme/weather", "1.0.0");
        let mut s = Shard::empty(e.shard());
        s.upsert(e.clone());
        let bytes = s.to_bytes().unwrap();
        assert_eq!(Shard::parse(&bytes, e.shard()).unwrap(), s);
        assert!(Shard::parse(&bytes, e.shard().wrapping_add(1)).is_err());
    }

    #[test]
    fn rejects_an_entry_with_an_unknown_field() {
        let mut v = serde_json::to_value(entry("a/b", "1")).unwrap();
        v["promoted"] = serde_json::json!(true);
        assert!(serde_json::from_value::<Entry>(v).is_err());
    }

    #[test]
    fn rejects_a_signer_with_both_identity_and_key() {
        let v = serde_json::json!({"identity": "x", "issuer": "y", "keyFingerprint": Digest::of(b"k").as_str()});
        assert!(serde_json::from_value::<Signer>(v).is_err());
    }

    #[test]
    fn rejects_a_tag_only_image() {
        let mut e = entry("a/b", "1");
        e.image = "ghcr.io/acme/x:latest".into();
        assert!(e.check().is_err());
    }

    #[test]
    fn shard_budget_is_below_the_client_cap() {
        let cap = crate::catalog::client::Limits::default().shard;
        assert!(
            MAX_SHARD_BYTES < cap,
            "{MAX_SHARD_BYTES} >= client cap {cap}"
        );
        // Margin for what the budget does not count: none is needed (the
        // bound below is exact), but a quarter keeps room for format growth.
        assert!(MAX_SHARD_BYTES <= cap / 4 * 3);
    }

    #[test]
    fn budget_bytes_bound_the_shard_whatever_the_status_and_log_index() {
        let mut entries: Vec<Entry> = (0..20)
            .map(|i| entry(&format!("io.github.acme/s{i}"), &format!("1.{i}.0")))
            .collect();
        let bin = entries[0].shard();
        for e in &mut entries {
            e.name = entries_name_in(bin, &e.name);
        }
        let budget: u64 = SHARD_FRAME_BYTES
            + entries
                .iter()
                .map(|e| e.budget_bytes().unwrap())
                .sum::<u64>();
        let mut shard = Shard::empty(bin);
        for e in entries.iter().cloned() {
            shard.upsert(e);
        }
        let small = shard.to_bytes().unwrap().len() as u64;
        assert!(small < budget);
        for e in &mut shard.entries {
            e.status = Status::Revoked;
            e.log_index = crate::canonical::MAX_SAFE_INTEGER;
        }
        // Exact at the worst case, less the last entry's comma.
        assert_eq!(shard.to_bytes().unwrap().len() as u64, budget - 1);
        assert_eq!(
            Shard::empty(255).to_bytes().unwrap().len() as u64,
            SHARD_FRAME_BYTES
        );
    }

    /// `name` with a suffix that puts it in `bin`.
    fn entries_name_in(bin: u8, name: &str) -> String {
        (0..)
            .map(|i| format!("{name}-{i}"))
            .find(|n| shard_of(n) == bin)
            .unwrap()
    }

    #[test]
    fn status_moves_only_forward() {
        use Status::*;
        assert!(
            Active.may_become(Yanked) && Yanked.may_become(Revoked) && Active.may_become(Revoked)
        );
        assert!(
            !Revoked.may_become(Active)
                && !Revoked.may_become(Yanked)
                && !Yanked.may_become(Active)
        );
    }
}
