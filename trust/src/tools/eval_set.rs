//! Scoring the tool scan on cases written by other people
//! (`testdata/detection/`): poisoned tools taken from published scanner test
//! suites, proof-of-concept servers and benchmarks, and real tools of MCP
//! servers outside Docker's catalog. Each case and each benign server was
//! put in a development or a held-out part by a hash of its id before any
//! rule was tuned on it; figures are reported per part and per class, with
//! the misses named, so a rule fitted to the development part shows up as a
//! gap on the held-out one.

use crate::finding::{Finding, Severity};
use crate::tools::eval::ratio;
use crate::tools::listing::tool_from_value;
use crate::tools::{ScanPolicy, diff, scan};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::path::{Path, PathBuf};

/// Which part of the set a case belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Split {
    /// Rules may be tuned on it.
    Dev,
    /// Scored only after a change.
    HeldOut,
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Dev => "dev",
            Split::HeldOut => "held-out",
        })
    }
}

/// One published malicious case.
#[derive(Debug, Clone, Deserialize)]
pub struct ExternalCase {
    /// Stable id, `<source>-NNN`.
    pub id: String,
    /// Main class (directive-framing, concealment, …).
    pub class: String,
    /// Its part.
    pub split: Split,
    /// The tool (all classes but rug-pull).
    #[serde(default)]
    pub tool: Option<Value>,
    /// The approved tool (rug-pull).
    #[serde(default)]
    pub pinned: Option<Value>,
    /// What it became (rug-pull).
    #[serde(default)]
    pub live: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct MaliciousFile {
    cases: Vec<ExternalCase>,
}

/// One real server's tools.
#[derive(Debug, Clone, Deserialize)]
pub struct BenignServer {
    /// The server.
    pub server: String,
    /// Its part (per server, not per tool).
    pub split: Split,
    /// Its tools as published.
    pub tools: Vec<Value>,
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads `dir/malicious/*.json` and `dir/benign/*.json`.
pub fn load(dir: &Path) -> Result<(Vec<ExternalCase>, Vec<BenignServer>), String> {
    let mut cases = Vec::new();
    for path in json_files(&dir.join("malicious"))? {
        cases.extend(read::<MaliciousFile>(&path)?.cases);
    }
    let mut servers = Vec::new();
    for path in json_files(&dir.join("benign"))? {
        servers.push(read::<BenignServer>(&path)?);
    }
    Ok((cases, servers))
}

/// Findings for one case: the scan, and for a rug pull the diff as well.
pub fn findings(case: &ExternalCase, policy: &ScanPolicy) -> Result<Vec<Finding>, String> {
    let read = |v: &Option<Value>, what: &str| {
        let v = v
            .as_ref()
            .ok_or_else(|| format!("{}: needs `{what}`", case.id))?;
        tool_from_value(v, "/tools/0").map_err(|e| format!("{}: {e}", case.id))
    };
    if case.class == "rug-pull" {
        let pinned = read(&case.pinned, "pinned")?;
        let live = [read(&case.live, "live")?];
        let mut out =
            policy.apply(diff(std::slice::from_ref(&pinned), &live).findings(&[], "/pinned"));
        out.extend(scan(&live, policy));
        return Ok(out);
    }
    Ok(scan(&[read(&case.tool, "tool")?], policy))
}

/// Counts for one slice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cases.
    pub cases: usize,
    /// With a finding at error severity.
    pub at_error: usize,
    /// With a finding at warning severity or above.
    pub at_any: usize,
}

impl Counts {
    fn add(&mut self, worst: Option<Severity>) {
        self.cases += 1;
        self.at_error += usize::from(worst == Some(Severity::Error));
        self.at_any += usize::from(worst >= Some(Severity::Warning));
    }

    /// Share at error severity.
    pub fn error_rate(&self) -> f64 {
        ratio(self.at_error, self.cases)
    }

    /// Share at warning severity or above.
    pub fn any_rate(&self) -> f64 {
        ratio(self.at_any, self.cases)
    }
}

/// The scores of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Malicious recall per part.
    pub recall: BTreeMap<Split, Counts>,
    /// Malicious recall per part and class.
    pub by_class: BTreeMap<(Split, String), Counts>,
    /// Malicious recall per part and source (the id's prefix).
    pub by_source: BTreeMap<(Split, String), Counts>,
    /// Cases not caught at error: `(part, id, class, codes that fired)`.
    pub missed: Vec<(Split, String, String, Vec<String>)>,
    /// Benign tools per part: tools, with an error, with a warning (no error).
    pub benign: BTreeMap<Split, Counts>,
    /// Benign tools with a finding: `(part, server/tool, worst, findings)`,
    /// each finding as `code: message`.
    pub flagged: Vec<(Split, String, Severity, Vec<String>)>,
}

fn source_of(id: &str) -> String {
    id.rsplit_once('-')
        .map_or(id, |(source, _)| source)
        .to_owned()
}

/// The worst severity at warning or above among `findings`.
fn worst<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<Severity> {
    findings
        .into_iter()
        .map(|f| f.severity)
        .filter(|s| *s >= Severity::Warning)
        .max()
}

/// Scores the scan on the whole set.
pub fn evaluate(
    cases: &[ExternalCase],
    servers: &[BenignServer],
    policy: &ScanPolicy,
) -> Result<Report, String> {
    let mut r = Report::default();
    for case in cases {
        let found = findings(case, policy)?;
        let w = worst(&found);
        r.recall.entry(case.split).or_default().add(w);
        r.by_class
            .entry((case.split, case.class.clone()))
            .or_default()
            .add(w);
        r.by_source
            .entry((case.split, source_of(&case.id)))
            .or_default()
            .add(w);
        if w != Some(Severity::Error) {
            let mut codes: Vec<String> = found.iter().map(|f| f.code.clone()).collect();
            codes.dedup();
            r.missed
                .push((case.split, case.id.clone(), case.class.clone(), codes));
        }
    }
    for server in servers {
        let tools = server
            .tools
            .iter()
            .enumerate()
            .map(|(i, t)| {
                tool_from_value(t, &format!("/tools/{i}"))
                    .map_err(|e| format!("{}: {e}", server.server))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let found = scan(&tools, policy);
        for (i, tool) in tools.iter().enumerate() {
            let prefix = format!("/tools/{i}/");
            let mine: Vec<&Finding> = found
                .iter()
                .filter(|f| f.path.starts_with(&prefix) || f.path == prefix.trim_end_matches('/'))
                .collect();
            let w = worst(mine.iter().copied());
            r.benign.entry(server.split).or_default().add(w);
            if let Some(w) = w {
                r.flagged.push((
                    server.split,
                    format!("{}/{}", server.server, tool.name),
                    w,
                    mine.iter()
                        .filter(|f| f.severity >= Severity::Warning)
                        .map(|f| format!("{}: {}", f.code, f.message))
                        .collect(),
                ));
            }
        }
    }
    Ok(r)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| format!("{:5.1} %", x * 100.0);
        let mut out = String::new();
        let _ = writeln!(out, "malicious (recall: at error / at any severity)");
        for (split, c) in &self.recall {
            let _ = writeln!(
                out,
                "  {split:<9} {:>4} cases  {}  {}",
                c.cases,
                pct(c.error_rate()),
                pct(c.any_rate())
            );
        }
        let _ = writeln!(out, "  per class:");
        for ((split, class), c) in &self.by_class {
            let _ = writeln!(
                out,
                "    {split:<9} {class:<26} {:>4}  {}  {}",
                c.cases,
                pct(c.error_rate()),
                pct(c.any_rate())
            );
        }
        let _ = writeln!(out, "  per source:");
        for ((split, source), c) in &self.by_source {
            let _ = writeln!(
                out,
                "    {split:<9} {source:<26} {:>4}  {}  {}",
                c.cases,
                pct(c.error_rate()),
                pct(c.any_rate())
            );
        }
        let _ = writeln!(
            out,
            "benign tools (with an error / with a warning and no error)"
        );
        for (split, c) in &self.benign {
            let warnings = c.at_any - c.at_error;
            let _ = writeln!(
                out,
                "  {split:<9} {:>4} tools  {} ({})  {} ({})",
                c.cases,
                pct(c.error_rate()),
                c.at_error,
                pct(ratio(warnings, c.cases)),
                warnings
            );
        }
        f.write_str(&out)
    }
}

impl Report {
    /// The misses and the flagged benign tools, one per line.
    pub fn details(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "malicious cases not caught at error:");
        for (split, id, class, codes) in &self.missed {
            let _ = writeln!(out, "  {split:<9} {id:<34} {class:<26} {}", codes.join(","));
        }
        let _ = writeln!(out, "benign tools with a finding:");
        for (split, tool, worst, findings) in &self.flagged {
            let _ = writeln!(
                out,
                "  {split:<9} {worst:<7} {tool}  {}",
                findings.join(" | ")
            );
        }
        out
    }
}
