//! `mcp-verify import docker-catalog`: convert Docker MCP catalog entries.

use crate::cli::import::DockerCatalogArgs;
use crate::cli::output::OutputFormat;
use crate::exit::Exit;
use crate::output;
use crate::progress::Progress;
use crate::report::{EntryReport, ImportSummary};
use anyhow::{Context, bail};
use mcp_trust::finding::has_errors;
use mcp_trust::import::docker_catalog::{Imported, MAX_INPUT_BYTES, import};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Runs the import over every server.yaml under the path.
pub fn docker_catalog(args: &DockerCatalogArgs) -> anyhow::Result<Exit> {
    let sources = find_sources(&args.path)?;
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut reports = Vec::new();
    let mut summary = ImportSummary::default();
    let progress = Progress::new("importing", Some(sources.len() as u64), args.quiet);
    for yaml_path in sources {
        progress.inc(&yaml_path.display().to_string());
        let yaml = read_capped(&yaml_path)?;
        let tools_path = yaml_path.with_file_name("tools.json");
        let tools = if tools_path.is_file() {
            Some(read_capped(&tools_path)?)
        } else {
            None
        };
        let imported: Imported = import(&yaml, tools.as_deref(), &args.namespace);
        summary.entries += 1;
        for f in imported
            .import_findings
            .iter()
            .chain(&imported.manifest_findings)
        {
            *summary.by_code.entry(f.code.clone()).or_default() += 1;
        }
        let converted = imported.manifest.is_some();
        if converted {
            summary.converted += 1;
            if !has_errors(&imported.manifest_findings) && !has_errors(&imported.import_findings) {
                summary.clean += 1;
            }
        } else {
            summary.rejected += 1;
        }
        let mut written_to = None;
        if let (Some(dir), Some(m), Some(name)) =
            (&args.out_dir, &imported.manifest, &imported.source_name)
        {
            let file = dir.join(format!("{}.server.json", sanitize(name)));
            let mut text = serde_json::to_string_pretty(m)?;
            text.push('\n');
            std::fs::write(&file, text)
                .with_context(|| format!("cannot write {}", file.display()))?;
            written_to = Some(file.display().to_string());
        }
        reports.push(EntryReport {
            source: yaml_path.display().to_string(),
            name: imported.source_name,
            manifest: if written_to.is_none() {
                imported.manifest
            } else {
                None
            },
            written_to,
            converted,
            import_findings: imported.import_findings,
            manifest_findings: imported.manifest_findings,
        });
    }
    match args.output.output {
        OutputFormat::Human => output::stdout::print(output::human::import(&reports, &summary))?,
        OutputFormat::Json => output::stdout::println(output::json::to_string(
            &serde_json::json!({ "entries": reports, "summary": summary }),
        )?)?,
    }
    Ok(if summary.clean == summary.entries {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

fn find_sources(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let direct = path.join("server.yaml");
    if direct.is_file() {
        return Ok(vec![direct]);
    }
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))?
    {
        let candidate = entry?.path().join("server.yaml");
        if candidate.is_file() {
            out.push(candidate);
        }
    }
    if out.is_empty() {
        bail!(
            "no server.yaml in {} or in its subdirectories",
            path.display()
        );
    }
    out.sort();
    Ok(out)
}

fn read_capped(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut buf = Vec::new();
    // One byte over the cap lets the importer report the size instead of reading it all.
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(buf)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
