//! The benchmark's table: one row per figure, as Markdown, with each goal judged (or not,
//! in quick mode, whose inputs are too small to say anything about speed).

use std::fmt::Write as _;
use std::time::Duration;

use crate::fanout::{Outcome, Plan};
use crate::measure::{Figures, load_average};

/// What a row's ratio must be.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// guzzle-kv's median over the baseline's, at most this.
    AtMost(f64),
    /// The baseline's median over guzzle-kv's, at least this.
    FasterBy(f64),
    /// Shown for context only.
    None,
}

/// guzzle-kv against one baseline.
pub struct Row {
    name: String,
    subject: Figures,
    baseline: Figures,
    goal: Goal,
}

impl Row {
    pub fn new(name: &str, subject: &Figures, baseline: &Figures, goal: Goal) -> Self {
        Self { name: name.to_owned(), subject: subject.clone(), baseline: baseline.clone(), goal }
    }
}

pub struct Report {
    quick: bool,
    notes: Vec<String>,
    lines: Vec<String>,
    load_before: String,
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.0} ms") }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl Report {
    pub fn new(binary: &str, quick: bool) -> Self {
        let mut notes = vec![format!("binary: {binary}")];
        if quick {
            notes.push("quick mode: tiny inputs, one run, no goal is judged".to_owned());
        }
        let header = "| case | guzzle-kv (median, peak RSS) | baseline (median, peak RSS) | ratio | goal | met |";
        Self {
            quick,
            notes,
            lines: vec![header.to_owned(), "|---|---|---|---|---|---|".to_owned()],
            load_before: load_average(),
        }
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    fn verdict(&self, met: bool) -> &'static str {
        match (self.quick, met) {
            (true, _) => "-",
            (false, true) => "yes",
            (false, false) => "**no**",
        }
    }

    pub fn pair(&mut self, row: &Row) {
        let (s, b) = (row.subject.median_wall(), row.baseline.median_wall());
        let ratio = s.as_secs_f64() / b.as_secs_f64().max(1e-9);
        let (shown, goal, met) = match row.goal {
            Goal::AtMost(max) => (format!("{ratio:.2}x"), format!("<= {max}x"), ratio <= max),
            Goal::FasterBy(min) => {
                let faster = 1.0 / ratio.max(1e-9);
                (format!("{faster:.2}x faster"), format!(">= {min}x faster"), faster >= min)
            }
            Goal::None => (format!("{ratio:.2}x"), "-".to_owned(), true),
        };
        let verdict = if matches!(row.goal, Goal::None) { "-" } else { self.verdict(met) };
        self.lines.push(format!(
            "| {} | {}: {}, {} | {}: {}, {} | {shown} | {goal} | {verdict} |",
            row.name,
            row.subject.label,
            ms(s),
            mib(row.subject.peak_rss_kib()),
            row.baseline.label,
            ms(b),
            mib(row.baseline.peak_rss_kib()),
        ));
    }

    pub fn memory(&mut self, name: &str, figures: &Figures, limit_bytes: u64) {
        let peak = figures.peak_rss_kib();
        let met = peak * 1024 <= limit_bytes;
        let verdict = self.verdict(met);
        self.lines.push(format!(
            "| {name} | {}: peak RSS {} | - | - | <= {} | {verdict} |",
            figures.label,
            mib(peak),
            mib(limit_bytes / 1024)
        ));
    }

    pub fn absolute(&mut self, name: &str, figures: &Figures, limit: Duration) {
        let median = figures.median_wall();
        let verdict = self.verdict(median <= limit);
        self.lines.push(format!(
            "| {name} | {}: {}, {} | - | - | median < {} | {verdict} |",
            figures.label,
            ms(median),
            mib(figures.peak_rss_kib()),
            ms(limit)
        ));
    }

    pub fn linearity(&mut self, labels: &[&str], full: &[Duration], half: &[Duration]) {
        for (i, label) in labels.iter().enumerate() {
            let ratio = full[i].as_secs_f64() / half[i].as_secs_f64().max(1e-9);
            let verdict = self.verdict(ratio < 2.6);
            self.lines.push(format!(
                "| 7. linear: {label}, full line / half line | {} / {} | - | {ratio:.2}x | about 2x (< 2.6x) | {verdict} |",
                ms(full[i]),
                ms(half[i]),
            ));
        }
    }

    pub fn fanout(&mut self, plan: &Plan, runs: &[Outcome]) {
        let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        walls.sort();
        let median = walls[walls.len() / 2];
        let floor = plan.floor();
        let ratio = median.as_secs_f64() / floor.as_secs_f64();
        let last = runs.last().expect("a run");
        let requests_ok =
            runs.iter().all(|r| r.gets == plan.distinct && r.challenges == 1 && r.other == 0);
        let rss = runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0);
        self.lines.push(format!(
            "| 5. Key Vault fan-out: {} files, {} secrets used {} times, concurrency {}, {} latency | render: {}, {} | floor: {} | {ratio:.2}x | <= 1.25x | {} |",
            plan.files, plan.distinct, plan.uses, plan.concurrency, ms(plan.latency),
            ms(median), mib(rss), ms(floor), self.verdict(ratio <= 1.25)
        ));
        self.lines.push(format!(
            "| 5. Key Vault requests | {} GETs, {} challenge, {} token, {} other; {} in flight at most | {} GETs, 1 challenge | - | exact | {} |",
            last.gets, last.challenges, last.tokens, last.other, last.peak_in_flight,
            plan.distinct, self.verdict(requests_ok)
        ));
    }

    pub fn print(&self) {
        let mut out = String::new();
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        let _ = writeln!(
            out,
            "- machine: {cpus} CPUs; load average before {}, after {}\n",
            self.load_before,
            load_average()
        );
        for line in &self.lines {
            let _ = writeln!(out, "{line}");
        }
        print!("{out}");
    }
}
