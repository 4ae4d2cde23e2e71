//! `mcp-verify completions` and `mcp-verify man`: generated from the same
//! grammar as the command itself, so every command is completed and
//! documented.

#![allow(clippy::unwrap_used)]
use std::process::Command;

const COMMANDS: [&str; 10] = [
    "verify",
    "manifest",
    "import",
    "profile",
    "tools",
    "verify-bundle",
    "publish",
    "catalog",
    "completions",
    "man",
];

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_shell_completes_every_command_and_the_values_of_a_flag() {
    // Elvish and PowerShell scripts complete commands and flags, not values.
    for (shell, marker, values) in [
        ("bash", "complete -F _mcp__verify", true),
        ("zsh", "#compdef mcp-verify", true),
        ("fish", "complete -c mcp-verify", true),
        ("elvish", "edit:completion:arg-completer[mcp-verify]", false),
        ("powershell", "Register-ArgumentCompleter", false),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for command in COMMANDS {
            assert!(
                script.contains(command),
                "{shell}: `{command}` is not completed"
            );
        }
        assert!(
            !values || script.contains("docker-mcp"),
            "{shell}: the values of `profile --format` are not completed"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-verify"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'tcsh'"));
}

#[test]
fn the_manual_documents_every_command_and_one_page_is_written_per_command() {
    let page = run(&["man"]);
    assert!(page.contains(".TH mcp-verify 1"), "{page}");
    for command in COMMANDS {
        // roff writes a hyphen as `\-`.
        let listed = format!("mcp\\-verify\\-{}(1)", command.replace('-', "\\-"));
        assert!(page.contains(&listed), "`{command}` is not in the page");
    }
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    for file in [
        "mcp-verify.1",
        "mcp-verify-catalog-pull.1",
        "mcp-verify-profile.1",
        "mcp-verify-tools-scan.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(text.starts_with(".ie"), "{file}: not a roff page");
    }
    let pull = std::fs::read_to_string(dir.path().join("mcp-verify-catalog-pull.1")).unwrap();
    assert!(
        pull.contains("\\-\\-state"),
        "catalog pull's page lacks --state"
    );
}
