//! Messages for people on stderr: errors, warnings and notes, in one format, with colour
//! when asked for. Command results go to stdout through the commands themselves.

use std::fmt::Display;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use anstyle::{AnsiColor, Style};

use crate::diagnostic::{Diagnostic, Severity};

/// The exit codes of SPEC section 9, ordered so that the most fundamental problem wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Success,
    /// Findings (lint errors, missing secrets in `check`).
    Findings,
    /// Usage, input or I/O error.
    Input,
    /// A secret could not be resolved.
    Unresolved,
    /// Key Vault unavailable after retries.
    Unavailable,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Findings => 1,
            Self::Input => 2,
            Self::Unresolved => 3,
            Self::Unavailable => 4,
        }
    }

    /// From a process exit code (3 and 4 as [`crate::vault::ResolveError::exit_code`]).
    pub fn from_code(code: u8) -> Exit {
        match code {
            0 => Self::Success,
            1 => Self::Findings,
            3 => Self::Unresolved,
            4 => Self::Unavailable,
            _ => Self::Input,
        }
    }

    fn rank(self) -> u8 {
        match self {
            Self::Input => 4,
            Self::Unresolved => 3,
            Self::Unavailable => 2,
            Self::Findings => 1,
            Self::Success => 0,
        }
    }

    /// The more fundamental of two outcomes (2 before 3 before 4 before 1).
    #[must_use]
    pub fn max(self, other: Exit) -> Exit {
        if other.rank() > self.rank() { other } else { self }
    }
}

/// Writes messages to stderr (or any stream, in tests).
pub struct Console {
    out: Box<dyn Write + Send>,
    color: bool,
    quiet: bool,
    /// The worst outcome reported so far.
    pub exit: Exit,
    /// The messages of a console made by [`Console::hold`].
    held: Option<Arc<Mutex<Vec<u8>>>>,
}

/// The stream of a held console: messages wait in memory.
struct Held(Arc<Mutex<Vec<u8>>>);

/// The messages held so far. A panic while one was written leaves whole lines behind,
/// so a poisoned lock is still read.
fn lock(messages: &Mutex<Vec<u8>>) -> MutexGuard<'_, Vec<u8>> {
    messages.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Write for Held {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("exit", &self.exit).finish_non_exhaustive()
    }
}

impl Console {
    /// A console on `out`.
    pub fn new(out: Box<dyn Write + Send>, color: bool, quiet: bool) -> Self {
        Self { out, color, quiet, exit: Exit::Success, held: None }
    }

    /// A console like this one whose messages and exit code wait until
    /// [`Console::release`] passes them on, or are dropped with it.
    #[must_use]
    pub fn hold(&self) -> Console {
        let held = Arc::new(Mutex::new(Vec::new()));
        let out = Box::new(Held(held.clone()));
        Self { out, color: self.color, quiet: self.quiet, exit: Exit::Success, held: Some(held) }
    }

    /// Writes the messages of a held console here and takes on its exit code.
    pub fn release(&mut self, held: Console) {
        let Console { held, exit, .. } = held;
        if let Some(messages) = held {
            let _ = self.out.write_all(&lock(&messages));
        }
        self.exit = self.exit.max(exit);
    }

    /// Whether `-q` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Whether colour is on.
    pub fn color(&self) -> bool {
        self.color
    }

    fn label(&mut self, text: &str, color: AnsiColor) {
        let style = Style::new().bold().fg_color(Some(color.into()));
        if self.color {
            let _ = write!(self.out, "{style}{text}{style:#}");
        } else {
            let _ = write!(self.out, "{text}");
        }
    }

    /// An error that sets the exit code.
    pub fn error(&mut self, exit: Exit, message: impl Display) {
        self.exit = self.exit.max(exit);
        self.label("error", AnsiColor::Red);
        let _ = writeln!(self.out, ": {message}");
    }

    /// A warning; hidden by `-q`.
    pub fn warning(&mut self, message: impl Display) {
        if self.quiet {
            return;
        }
        self.label("warning", AnsiColor::Yellow);
        let _ = writeln!(self.out, ": {message}");
    }

    /// A plain line, such as a summary; hidden by `-q`.
    pub fn note(&mut self, message: impl Display) {
        if !self.quiet {
            let _ = writeln!(self.out, "{message}");
        }
    }

    /// A suggestion line under the previous message.
    pub fn help(&mut self, message: impl Display) {
        let _ = writeln!(self.out, "  = help: {message}");
    }

    /// A finding at a position; errors set `exit`.
    pub fn diagnostic(&mut self, diagnostic: &Diagnostic, exit: Exit) {
        let place = format!(
            "{}:{}:{}",
            diagnostic.path.display(),
            diagnostic.span.line,
            diagnostic.span.column
        );
        let (label, color) = match diagnostic.severity {
            Severity::Error => ("error", AnsiColor::Red),
            Severity::Warning if self.quiet => return,
            Severity::Warning => ("warning", AnsiColor::Yellow),
        };
        if diagnostic.severity == Severity::Error {
            self.exit = self.exit.max(exit);
        }
        let _ = write!(self.out, "{place}: ");
        self.label(&format!("{label}[{}]", diagnostic.code), color);
        let _ = writeln!(self.out, " {}", diagnostic.message);
        if let Some(help) = &diagnostic.help {
            self.help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_fundamental_exit_wins() {
        use Exit::*;
        assert_eq!(Findings.max(Unavailable).max(Unresolved), Unresolved);
        assert_eq!(Unresolved.max(Input).max(Findings), Input);
        assert_eq!(Success.max(Findings), Findings);
    }

    #[test]
    fn held_messages_wait_for_release() {
        let shared = Arc::new(Mutex::new(Vec::new()));
        let mut console = Console::new(Box::new(Held(shared.clone())), false, false);
        let mut held = console.hold();
        held.error(Exit::Input, "later");
        console.warning("first");
        assert_eq!(console.exit, Exit::Success);
        console.release(held);
        assert_eq!(String::from_utf8_lossy(&lock(&shared)), "warning: first\nerror: later\n");
        assert_eq!(console.exit, Exit::Input);
        let mut dropped = console.hold();
        dropped.error(Exit::Unresolved, "never shown");
        drop(dropped);
        assert_eq!(console.exit, Exit::Input);
        assert!(!String::from_utf8_lossy(&lock(&shared)).contains("never"));
    }
}
