//! `--help` teaches and mistakes are answered with the fix: every command's
//! help ends with real examples, and a mistyped subcommand or flag is
//! answered with the closest one.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn mcp_verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .unwrap()
}

/// The subcommands a help text lists under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

/// Every command path with no subcommands of its own, found by walking `--help`.
fn leaves(prefix: Vec<String>) -> Vec<Vec<String>> {
    let mut args = prefix.clone();
    args.push("--help".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = mcp_verify(&args);
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    let subs = subcommands(&help);
    if subs.is_empty() {
        return vec![prefix];
    }
    subs.into_iter()
        .flat_map(|s| {
            let mut p = prefix.clone();
            p.push(s);
            leaves(p)
        })
        .collect()
}

#[test]
fn every_command_s_help_ends_with_at_least_two_examples() {
    let leaves = leaves(Vec::new());
    assert!(leaves.len() >= 15, "found only {leaves:?}");
    for leaf in leaves {
        let mut args: Vec<&str> = leaf.iter().map(String::as_str).collect();
        args.push("--help");
        let help = String::from_utf8(mcp_verify(&args).stdout).unwrap();
        let examples: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Examples:"))
            .skip(1)
            .filter(|l| l.contains("mcp-verify "))
            .collect();
        assert!(
            examples.len() >= 2,
            "`mcp-verify {}` --help has {} example(s):\n{help}",
            leaf.join(" "),
            examples.len()
        );
        // The examples use the command they document.
        let name = leaf.join(" ");
        assert!(
            name.is_empty() || examples.iter().any(|e| e.contains(&name)),
            "`mcp-verify {name}`: no example runs it:\n{help}"
        );
    }
}

#[test]
fn a_mistyped_subcommand_or_flag_is_answered_with_the_closest_one() {
    for (args, tip) in [
        (vec!["catalog", "pul"], "'pull'"),
        (vec!["tools", "scna", "x.json"], "'scan'"),
        (vec!["manifest", "lnit", "x.json"], "'lint'"),
        (
            vec!["profile", "x.json", "--fromat", "docker"],
            "'--format'",
        ),
        (
            vec!["verify", "--certificate-identiy", "x"],
            "'--certificate-identity'",
        ),
    ] {
        let out = mcp_verify(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("similar") && stderr.contains(tip),
            "{args:?}: no suggestion of {tip}:\n{stderr}"
        );
    }
}

#[test]
fn a_mistyped_top_level_command_is_not_taken_for_an_image() {
    // `mcp-verify IMAGE` verifies; a word that is no image reference and is
    // close to a command is a typo of that command.
    let out = mcp_verify(&["verfy"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'verify'"), "{stderr}");
    let out = mcp_verify(&["catalgo", "pull"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'catalog'"), "{stderr}");
    // A subcommand of a group, given without its group.
    for (word, meant) in [
        ("pull", "mcp-verify catalog pull"),
        ("scan", "mcp-verify tools scan"),
        ("lint", "mcp-verify manifest lint"),
    ] {
        let out = mcp_verify(&[word, "x"]);
        assert_eq!(out.status.code(), Some(2), "{word}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(meant), "{word}: {stderr}");
    }
    // A short image name to resolve is an image, whatever it resembles.
    let out = mcp_verify(&["ruby", "--resolve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
    // Arguments that are not UTF-8 are a usage error, not a crash.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
            .arg(std::ffi::OsStr::from_bytes(b"\xff"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
