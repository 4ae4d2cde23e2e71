//! The grammar of `mcp-verify profile`, with its long help: the hardening
//! every profile has and the targets it renders for.

use super::output::OutputArgs;
use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};
use mcp_trust::profile::Format;
use std::path::PathBuf;
use std::sync::LazyLock;

/// The long help of `profile`: what a profile always holds, where warnings go.
pub const LONG_ABOUT: &str = "\
Render the least-privilege runtime profile of a server from its manifest.

The manifest is validated first (as `manifest lint --require-extension` does); a
manifest with any error finding is refused and nothing is rendered (exit 1).
The profile then always has: the image by digest only; a non-root user (65532
unless the manifest declares one); a read-only root filesystem with a 64 MiB
tmpfs at /tmp; every capability dropped; no-new-privileges; the default seccomp
filter; CPU, memory and pids limits (1 CPU, 512 MiB, 128 when the manifest is
silent); no network, or only the declared egress allowlist; mounts read-only
unless declared read-write, and all read-only when every tool is read-only;
secrets as files under /run/secrets/NAME readable by the server's user only.
A secret the manifest declares env-only becomes a reference the gateway fills
at run time (an --env-file, a Kubernetes secretKeyRef), never a value.
Publisher runtimeArguments are never rendered.

The rendered document goes to stdout, so it can be piped or saved. Warnings go
to stderr: env-mode secrets, and every restriction the chosen target cannot
express, with how the gateway enforces it instead (docs/profiles.md).";

/// Examples shown after the flags in `profile --help`.
pub const EXAMPLES: &str = "\
Examples:
  # docker run arguments, with the secret file the gateway prepared
  mcp-verify profile server.json --format docker --secret API_KEY=/srv/mcp/api_key

  # a Compose service; the declared /data mount comes from a host directory
  mcp-verify profile server.json --format compose --mount /data=/srv/mcp/data > compose.yaml

  # a Pod and its NetworkPolicy, validated by the cluster
  mcp-verify profile server.json --format kubernetes | kubectl apply --dry-run=server -f -

  # the neutral profile (schemas/runtime-profile.v1.schema.json) for a gateway
  mcp-verify profile server.json --format json

  # the docker argv as a JSON array, with the warnings, for a program to run
  mcp-verify profile server.json --format docker --output json | jq -c .document";

/// Target of `profile --format`: `mcp_trust::profile::Format`, with its
/// names and descriptions, as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileFormat(pub Format);

impl ValueEnum for ProfileFormat {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<ProfileFormat>> =
            LazyLock::new(|| Format::ALL.into_iter().map(ProfileFormat).collect());
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.description()))
    }
}

impl std::fmt::Display for ProfileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Arguments of `profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The server.json to derive the profile from.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What to render.
    #[arg(long, value_enum, default_value_t = ProfileFormat(Format::Json))]
    pub format: ProfileFormat,
    /// Host file holding a declared secret (for an env-mode secret: an env file with
    /// `VARIABLE=value`). Default: /run/mcp-trust/secrets/<server>/NAME[.env]. Repeatable.
    #[arg(long = "secret", value_name = "NAME=FILE")]
    pub secrets: Vec<String>,
    /// Host directory for a declared mount; without it the manifest's suggestion or a
    /// named volume is used. A profile never adds mounts. Repeatable.
    #[arg(long = "mount", value_name = "CONTAINER_PATH=HOST_PATH")]
    pub mounts: Vec<String>,
    /// Version of the signed catalog the manifest came from, carried as a label.
    #[arg(long, value_name = "N")]
    pub catalog_version: Option<u64>,
    /// Approve running the server as this uid. Without it a declared `user` in the range of
    /// the host's accounts (up to 60000), 65534 (`nobody`) or equal to your own uid is refused
    /// (exit 1): through a bind mount the server would own that account's files.
    #[arg(long, value_name = "UID")]
    pub allow_user: Option<u32>,
    /// The catalog entry (JSON, as listed in a verified catalog shard) this manifest must
    /// be: its canonical SHA-256, name, version and image must match, and the version must
    /// be active (a yanked or revoked version gets no profile; exit 1).
    #[arg(long, value_name = "ENTRY_JSON", conflicts_with = "catalog_state")]
    pub catalog_entry: Option<PathBuf>,
    /// A state directory of `mcp-verify catalog pull --state`: the manifest's version is
    /// looked up in the catalog accepted there, which must not have expired (a gateway
    /// that can no longer pull must not go on installing from what it saw last), and
    /// then checked as with --catalog-entry; the catalog version becomes the label.
    #[arg(long, value_name = "DIR")]
    pub catalog_state: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}
