//! Exit codes, decided in one place: 0 verified/ok, 1 verification or policy
//! failed, 2 usage or unreadable input, 3 network or registry unreachable.

/// What a command's result means to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Verified, or clean.
    Ok,
    /// Verification or policy failed, or findings at error severity.
    Failed,
    /// Usage error or unreadable input.
    Usage,
    /// A network peer (OCI registry, catalog server) could not be reached.
    Unreachable,
    /// `run` and `guard` once the server started: the server's own exit status.
    Server(u8),
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Unreachable => 3,
            Exit::Server(code) => code,
        }
    }
}

/// An error that maps to "unreachable" (exit 3) rather than "bad input" (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// Prints an error with its causes and returns its exit code.
pub fn report_error(err: &anyhow::Error) -> Exit {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<Unreachable>().is_some())
    {
        Exit::Unreachable
    } else {
        Exit::Usage
    }
}
