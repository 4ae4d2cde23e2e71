//! Measuring the rules: a labelled set of malicious tool definitions
//! (`testdata/threats/`) and real tool lists as the benign set. Recall is the
//! share of malicious cases with at least one finding (at error severity,
//! and at any severity); the false-positive rate is the share of real tools
//! with a finding at each severity. The bench and the test suite use this
//! one implementation, so the figures in `docs/` are the ones CI asserts.

use crate::finding::{Finding, Severity};
use crate::tools::listing::{parse_tools_file, tool_from_value};
use crate::tools::{ScanPolicy, ShadowIndex, diff, scan, scan::scan_listing};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::path::{Path, PathBuf};

/// What a malicious case tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// One tool whose metadata carries the attack.
    Poisoning,
    /// One tool imitating or steering another server's tools.
    Shadowing,
    /// A pinned tool and the live tool it turned into.
    RugPull,
}

/// One labelled malicious case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id, e.g. `invariant-03`.
    pub id: String,
    /// What it tests.
    pub kind: CaseKind,
    /// Which technique, in a few words.
    pub technique: String,
    /// Codes that should fire (at least one).
    pub expect: Vec<String>,
    /// The server the tool claims to belong to (shadowing is judged against others).
    #[serde(default)]
    pub server: Option<String>,
    /// The tool (poisoning, shadowing).
    #[serde(default)]
    pub tool: Option<Value>,
    /// The tool as pinned (rug pull).
    #[serde(default)]
    pub pinned: Option<Value>,
    /// The tool as served later (rug pull).
    #[serde(default)]
    pub live: Option<Value>,
}

/// A file of cases drawn from one published write-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The write-up the cases are modelled on (see `testdata/threats/README.md`).
    pub source: String,
    /// The cases.
    pub cases: Vec<Case>,
}

/// Servers whose tool names the shadowing cases imitate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// `(server name, tool names)`.
    pub servers: Vec<CatalogServer>,
}

/// One server of the reference catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogServer {
    /// Server name.
    pub name: String,
    /// Its tool names.
    pub tools: Vec<String>,
}

/// Reads every `*.json` case file in `dir` (except `catalog.json`) and the catalog.
pub fn load_threats(dir: &Path) -> Result<(Vec<(String, Case)>, ShadowIndex), String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    let mut index = ShadowIndex::new();
    for path in files {
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if path.file_name().is_some_and(|n| n == "catalog.json") {
            let catalog: Catalog =
                serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            for s in &catalog.servers {
                index.insert_names(&s.name, s.tools.iter().map(String::as_str));
            }
            continue;
        }
        let file: CaseFile =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        cases.extend(file.cases.into_iter().map(|c| (file.source.clone(), c)));
    }
    Ok((cases, index))
}

/// Every finding the checks produce for one case: scan, shadowing against the catalog, and for rug pulls the diff.
pub fn run_case(
    case: &Case,
    catalog: &ShadowIndex,
    policy: &ScanPolicy,
) -> Result<Vec<Finding>, String> {
    let server = case.server.as_deref().unwrap_or("case/server");
    let read = |v: &Value| tool_from_value(v, "/tools/0").map_err(|e| format!("{}: {e}", case.id));
    let mut out = Vec::new();
    match case.kind {
        CaseKind::Poisoning | CaseKind::Shadowing => {
            let tool = read(
                case.tool
                    .as_ref()
                    .ok_or_else(|| format!("{}: needs `tool`", case.id))?,
            )?;
            let tools = [tool];
            out.extend(scan(&tools, policy));
            out.extend(policy.apply(catalog.check(server, &tools, &[])));
        }
        CaseKind::RugPull => {
            let pinned = read(
                case.pinned
                    .as_ref()
                    .ok_or_else(|| format!("{}: needs `pinned`", case.id))?,
            )?;
            let live = read(
                case.live
                    .as_ref()
                    .ok_or_else(|| format!("{}: needs `live`", case.id))?,
            )?;
            let live = [live];
            out.extend(
                policy.apply(diff(std::slice::from_ref(&pinned), &live).findings(&[], "/pinned")),
            );
            out.extend(scan(&live, policy));
        }
    }
    Ok(out)
}

/// Counts for one slice of the malicious set.
#[derive(Debug, Clone, Default)]
pub struct Recall {
    /// Cases.
    pub cases: usize,
    /// Cases with a finding at error severity.
    pub at_error: usize,
    /// Cases with a finding at warning severity or above.
    pub at_warning: usize,
    /// Cases where one of the expected codes fired.
    pub expected_code: usize,
}

impl Recall {
    fn add(&mut self, findings: &[Finding], expect: &[String]) {
        self.cases += 1;
        self.at_error += usize::from(findings.iter().any(|f| f.severity == Severity::Error));
        self.at_warning += usize::from(findings.iter().any(|f| f.severity >= Severity::Warning));
        self.expected_code += usize::from(findings.iter().any(|f| expect.contains(&f.code)));
    }

    /// Share of cases detected at error severity.
    pub fn error_rate(&self) -> f64 {
        ratio(self.at_error, self.cases)
    }

    /// Share of cases detected at warning severity or above.
    pub fn warning_rate(&self) -> f64 {
        ratio(self.at_warning, self.cases)
    }
}

/// `n / d`, 0 when there is nothing to divide.
pub(crate) fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Recall over the malicious set.
#[derive(Debug, Clone, Default)]
pub struct MaliciousReport {
    /// All cases.
    pub total: Recall,
    /// Per kind.
    pub by_kind: BTreeMap<String, Recall>,
    /// Ids of cases with no finding at error severity, with the codes that did fire.
    pub missed_at_error: Vec<(String, Vec<String>)>,
    /// Ids of cases where none of the expected codes fired, with the codes that did.
    pub missed_expected: Vec<(String, Vec<String>)>,
}

/// Runs every case.
pub fn evaluate_malicious(
    cases: &[(String, Case)],
    catalog: &ShadowIndex,
    policy: &ScanPolicy,
) -> Result<MaliciousReport, String> {
    let mut r = MaliciousReport::default();
    for (_, case) in cases {
        let findings = run_case(case, catalog, policy)?;
        r.total.add(&findings, &case.expect);
        r.by_kind
            .entry(format!("{:?}", case.kind).to_lowercase())
            .or_default()
            .add(&findings, &case.expect);
        let fired: Vec<String> = findings.iter().map(|f| f.code.clone()).collect();
        if !findings.iter().any(|f| f.severity == Severity::Error) {
            r.missed_at_error.push((case.id.clone(), fired.clone()));
        }
        if !findings.iter().any(|f| case.expect.contains(&f.code)) {
            r.missed_expected.push((case.id.clone(), fired));
        }
    }
    Ok(r)
}

/// False positives over the real (benign) set.
#[derive(Debug, Clone, Default)]
pub struct BenignReport {
    /// Files read.
    pub files: usize,
    /// Tools read.
    pub tools: usize,
    /// Tools with a finding at error severity.
    pub tools_with_error: usize,
    /// Tools with a finding at warning severity (and none at error).
    pub tools_with_warning: usize,
    /// Findings per code.
    pub by_code: BTreeMap<String, usize>,
    /// `file: path code message` for every finding at warning or above.
    pub details: Vec<String>,
    /// Shadowing across the set (each server checked against all others): findings per code.
    pub shadow_by_code: BTreeMap<String, usize>,
    /// Tools with a shadowing finding at error severity.
    pub shadow_tools_with_error: usize,
}

impl BenignReport {
    /// Share of tools with a finding at error severity.
    pub fn error_rate(&self) -> f64 {
        ratio(self.tools_with_error, self.tools)
    }

    /// Share of tools with a finding at warning severity (and none at error).
    pub fn warning_rate(&self) -> f64 {
        ratio(self.tools_with_warning, self.tools)
    }
}

/// The `tools.json` files under `dir/*/`, sorted.
pub fn benign_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path().join("tools.json")))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Scans every file; then indexes all servers and checks each against the others.
pub fn evaluate_benign(files: &[PathBuf], policy: &ScanPolicy) -> Result<BenignReport, String> {
    let mut r = BenignReport::default();
    let mut listings = Vec::new();
    for path in files {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let listing = parse_tools_file(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let server = path.parent().and_then(Path::file_name).map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let findings = scan_listing(&listing, policy);
        tally(&mut r, &server, &listing.pointers, &findings);
        r.files += 1;
        r.tools += listing.tools.len();
        listings.push((server, listing));
    }
    let mut index = ShadowIndex::new();
    for (server, listing) in &listings {
        index.insert(server, &listing.tools);
    }
    for (server, listing) in &listings {
        let findings = policy.apply(index.check(server, &listing.tools, &listing.pointers));
        for f in &findings {
            *r.shadow_by_code.entry(f.code.clone()).or_default() += 1;
        }
        r.shadow_tools_with_error += listing
            .pointers
            .iter()
            .filter(|p| {
                findings
                    .iter()
                    .any(|f| f.severity == Severity::Error && under(&f.path, p))
            })
            .count();
    }
    Ok(r)
}

fn under(path: &str, tool: &str) -> bool {
    path == tool || path.starts_with(&format!("{tool}/"))
}

fn tally(r: &mut BenignReport, server: &str, pointers: &[String], findings: &[Finding]) {
    for f in findings {
        *r.by_code.entry(f.code.clone()).or_default() += 1;
        if f.severity >= Severity::Warning {
            r.details.push(format!(
                "{server}: {} {} {} — {}",
                f.severity, f.code, f.path, f.message
            ));
        }
    }
    for p in pointers {
        let worst = findings
            .iter()
            .filter(|f| under(&f.path, p))
            .map(|f| f.severity)
            .max();
        match worst {
            Some(Severity::Error) => r.tools_with_error += 1,
            Some(Severity::Warning) => r.tools_with_warning += 1,
            _ => {}
        }
    }
}

impl fmt::Display for MaliciousReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |name: &str, r: &Recall| {
            format!(
                "  {name:<10} {:>4} cases  recall@error {:>5.1}% ({})  recall@warning+ {:>5.1}% ({})  expected code {}",
                r.cases,
                100.0 * r.error_rate(),
                r.at_error,
                100.0 * r.warning_rate(),
                r.at_warning,
                r.expected_code
            )
        };
        writeln!(f, "malicious set")?;
        for (k, r) in &self.by_kind {
            writeln!(f, "{}", line(k, r))?;
        }
        writeln!(f, "{}", line("all", &self.total))?;
        let show = |codes: &Vec<String>| {
            if codes.is_empty() {
                "no finding".to_owned()
            } else {
                codes.join(", ")
            }
        };
        for (id, codes) in &self.missed_at_error {
            writeln!(f, "  not an error: {id} ({})", show(codes))?;
        }
        for (id, codes) in &self.missed_expected {
            writeln!(f, "  expected code did not fire: {id} ({})", show(codes))?;
        }
        Ok(())
    }
}

impl fmt::Display for BenignReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "benign set: {} files, {} tools", self.files, self.tools)?;
        writeln!(
            f,
            "  tools flagged at error   {:>4}  ({:.2}%)",
            self.tools_with_error,
            100.0 * self.error_rate()
        )?;
        writeln!(
            f,
            "  tools flagged at warning {:>4}  ({:.2}%)",
            self.tools_with_warning,
            100.0 * self.warning_rate()
        )?;
        let mut codes = String::new();
        for (c, n) in &self.by_code {
            let _ = write!(codes, " {c}={n}");
        }
        writeln!(
            f,
            "  findings by code:{}",
            if codes.is_empty() {
                " none".into()
            } else {
                codes
            }
        )?;
        let mut shadow = String::new();
        for (c, n) in &self.shadow_by_code {
            let _ = write!(shadow, " {c}={n}");
        }
        writeln!(
            f,
            "  shadowing across the set:{} (tools with shadowing errors: {})",
            if shadow.is_empty() {
                " none".into()
            } else {
                shadow
            },
            self.shadow_tools_with_error
        )?;
        for d in &self.details {
            writeln!(f, "    {d}")?;
        }
        Ok(())
    }
}
