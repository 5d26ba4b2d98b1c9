//! Running one command as a child process and reading its wall time and peak RSS (from
//! `wait4`, which also counts the children it waited for, such as `sed` under `find`), and
//! running the two sides of a pair alternately.

use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One side of a pair: a command, and what to do before each run (not timed).
pub struct Side {
    pub label: String,
    pub command: Command,
    pub before: Option<Box<dyn Fn()>>,
    /// The exit code a good run ends with (`lint` with findings ends with 1).
    pub exit_code: i32,
}

impl Side {
    pub fn new(label: impl Into<String>, command: Command) -> Self {
        Self { label: label.into(), command, before: None, exit_code: 0 }
    }

    #[must_use]
    pub fn exits_with(mut self, code: i32) -> Self {
        self.exit_code = code;
        self
    }

    #[must_use]
    pub fn before(mut self, f: impl Fn() + 'static) -> Self {
        self.before = Some(Box::new(f));
        self
    }
}

/// One run's figures.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    pub max_rss_kib: u64,
}

/// Runs `side` once; panics if it fails, since a failed run measures nothing.
pub fn run_once(side: &mut Side) -> Sample {
    if let Some(before) = &side.before {
        before();
    }
    // Every run starts with nothing left to write back, so the `syncfs` that makes
    // guzzle-kv's output durable flushes its own files only, not the inputs the
    // benchmark has just generated or the previous run's output.
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
    side.command.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    // `wait4` below reaps the child, with its resource usage.
    #[allow(clippy::zombie_processes)]
    let mut child =
        side.command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", side.label));
    let pid = i32::try_from(child.id()).expect("pid");
    // Reading stderr first keeps a chatty child from blocking on a full pipe.
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value, and `wait4` writes it for this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are valid.
    let waited = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    let wall = started.elapsed();
    assert_eq!(waited, pid, "wait4 failed for {}", side.label);
    let exit = std::process::ExitStatus::from_raw(status);
    assert!(
        exit.code() == Some(side.exit_code),
        "{} failed ({exit}): {}",
        side.label,
        stderr.trim()
    );
    Sample { wall, max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0) }
}

/// Figures of one side over several runs.
#[derive(Clone, Debug)]
pub struct Figures {
    pub label: String,
    pub samples: Vec<Sample>,
}

impl Figures {
    pub fn median_wall(&self) -> Duration {
        let mut walls: Vec<Duration> = self.samples.iter().map(|s| s.wall).collect();
        walls.sort();
        median(&walls)
    }

    pub fn peak_rss_kib(&self) -> u64 {
        self.samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0)
    }
}

fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
}

/// Runs every side `runs` times, round after round, reversing the order each round so
/// that neither side always runs right after the other.
pub fn alternate(sides: &mut [Side], runs: usize) -> Vec<Figures> {
    let mut figures: Vec<Figures> =
        sides.iter().map(|s| Figures { label: s.label.clone(), samples: Vec::new() }).collect();
    for round in 0..runs {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..sides.len()).collect()
        } else {
            (0..sides.len()).rev().collect()
        };
        for i in order {
            figures[i].samples.push(run_once(&mut sides[i]));
        }
    }
    figures
}

/// The one-minute load average, as `/proc/loadavg` says.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".to_owned(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}
