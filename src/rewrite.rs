//! The engine that `render` and `databricks` share: read every input, report every
//! problem before anything is fetched or written, then encode each replacement for its
//! context and hand the results to the safe writer (or stdout, or a dry-run diff).

use std::borrow::Borrow;
use std::fmt::Write as _;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::console::{Console, Exit};
use crate::diagnostic::{Code, Severity};
use crate::document::{Document, Prepared};
use crate::filetype::{Edit, FileTypes, Site, write_applied};
use crate::output::{Stage, Staged, check_destination, check_folders_below};
use crate::scan::{ESCAPED, ItemKind, Placeholder};
use crate::secret::UseSite;
use crate::walk::Input;

/// Where the results go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One input, written to stdout.
    Stdout,
    /// One input, written to this file.
    File(PathBuf),
    /// Every input, mirrored below this folder.
    Mirror(PathBuf),
    /// Each changed input, rewritten where it is.
    InPlace,
}

/// One run of `render` or `databricks`.
#[derive(Debug)]
pub struct Job {
    /// The files, in order.
    pub inputs: Vec<Input>,
    /// Where results go.
    pub target: Target,
    /// How each file's type is chosen.
    pub types: FileTypes,
    /// `--stdin-filename`.
    pub stdin_name: Option<PathBuf>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--strict`.
    pub strict: bool,
    /// Temporary files of earlier runs that the walk met.
    pub stale: Vec<PathBuf>,
}

/// What a command puts in place of each placeholder.
pub trait Substitution: Sync {
    /// Sees each placeholder outside comments during the first pass. Returns the number
    /// of the secret the placeholder waits for when its replacement is not known yet;
    /// `prepare` names that number again once the secret has been answered.
    fn visit(
        &mut self,
        placeholder: &Placeholder<'_>,
        site: &Site,
        at: &UseSite,
        console: &mut Console,
    ) -> Option<usize>;
    /// Runs between the passes (`render` resolves its secrets here), calling `arrived`
    /// with the numbers of the secrets just answered, so that the files waiting for them
    /// are written while others still wait. Problems go to the console, whose exit code
    /// then stops the run.
    fn prepare(&mut self, console: &mut Console, arrived: Arrived<'_>);
    /// The text that replaces a placeholder; `None` for a secret that could not be had,
    /// whose placeholder then stays as it is while the other values are checked.
    fn replacement(&self, placeholder: &Placeholder<'_>) -> Option<&str>;
    /// How a replacement is shown in a dry run.
    fn shown(&self, placeholder: &Placeholder<'_>) -> String;
    /// Whether replacements are secret values (files holding them are created 0600).
    fn holds_secrets(&self) -> bool;
    /// Whether [`Substitution::replacement`] answers for a placeholder as soon as it has
    /// been visited, before `prepare`; each file can then be encoded as it is read.
    fn is_ready(&self) -> bool;
}

/// What [`Substitution::prepare`] calls as secrets arrive: the substitution, now able to
/// replace them, and their numbers.
pub type Arrived<'a> = &'a mut dyn FnMut(&dyn Substitution, &[usize]);

/// Runs a job. Results that go to stdout are written to `stdout`.
pub fn run(
    job: &Job,
    substitution: &mut dyn Substitution,
    console: &mut Console,
    stdout: &mut dyn Write,
) {
    if substitution.is_ready() && !job.dry_run {
        run_in_one_pass(job, substitution, console, stdout);
        return;
    }
    let mut stdin = None;
    let mut waits = Vec::with_capacity(job.inputs.len());
    for batch in job.inputs.chunks(BATCH) {
        let mut consoles = holds(console, batch.len());
        let documents = read_batch(job, batch, &mut stdin, &mut consoles);
        first_pass_batch(job, &documents, consoles, substitution, console, |_, _, file_waits| {
            waits.push(file_waits);
        });
    }
    // A secret that cannot be had (a vault off the allow-list, say) does not end the run
    // yet: the values that can be had are still encoded, since a value that cannot be
    // written (2) is the more fundamental problem (SPEC section 9).
    if console.exit == Exit::Input {
        return;
    }
    check_destinations(job, console);
    if console.exit == Exit::Input {
        return;
    }

    // Each file is encoded and staged as soon as the secrets it waits for are in, while
    // the others are still being fetched. A dry run shows its diffs once every secret is
    // in, as they are made, and a run already failed writes nothing. Results and messages
    // are passed on in input order.
    remove_stale(job);
    let mut writer = Writer { job, stage: Stage::new(), stdout: Vec::new() };
    let mut schedule = Schedule::new(waits);
    let mut pass = Pass::new(job, console, stdin);
    let early = !job.dry_run && console.exit == Exit::Success;
    if early {
        pass.write(&*substitution, &mut writer.stage, &schedule.ready_at_start());
    }
    substitution.prepare(console, &mut |substitution, numbers| {
        let ready = schedule.arrived(numbers);
        if early {
            pass.write(substitution, &mut writer.stage, &ready);
        }
    });
    // Nothing is written after a failure; the files whose secrets did not all arrive are
    // still encoded with the values that did, to report what could not be written too.
    let failed = console.exit != Exit::Success;
    let left: Vec<usize> = (0..job.inputs.len()).filter(|&i| !pass.is_done(i)).collect();
    for chunk in left.chunks(BATCH) {
        if failed {
            pass.check(&*substitution, chunk);
        } else {
            pass.write(&*substitution, &mut writer.stage, chunk);
        }
        pass.pass_on(console, (!failed).then_some(&mut writer), stdout);
    }
    pass.pass_on(console, (!failed).then_some(&mut writer), stdout);
    if console.exit != Exit::Success {
        return;
    }
    finish(writer, console, stdout);
}

/// The second pass of a run that waits for its secrets: files are written in any order,
/// and their results and messages passed on in input order.
struct Pass<'j> {
    job: &'j Job,
    /// A held console, from which each file's own console is made.
    template: Console,
    /// Stdin, as the first pass read it.
    stdin: Option<Document>,
    /// Each file's messages and result, until passed on.
    done: Vec<Option<(Console, Written)>>,
    /// How many files, from the first, have had their results passed on.
    passed_on: usize,
}

impl<'j> Pass<'j> {
    fn new(job: &'j Job, console: &Console, stdin: Option<Document>) -> Self {
        let done = job.inputs.iter().map(|_| None).collect();
        Self { job, template: console.hold(), stdin, done, passed_on: 0 }
    }

    fn is_done(&self, file: usize) -> bool {
        file < self.passed_on || self.done[file].is_some()
    }

    /// Reads, encodes and stages the files `indices`, in batches, on every core.
    fn write(&mut self, substitution: &dyn Substitution, stage: &mut Stage, indices: &[usize]) {
        let job = self.job;
        for chunk in indices.chunks(BATCH) {
            let inputs: Vec<&Input> = chunk.iter().map(|&i| &job.inputs[i]).collect();
            let mut consoles = holds(&self.template, chunk.len());
            let documents = read_batch(job, &inputs, &mut self.stdin, &mut consoles);
            let ready: Vec<bool> = documents.iter().map(Option::is_some).collect();
            let prepared: Vec<Option<Prepared<'_>>> = documents.iter().map(|_| None).collect();
            let batch = Batch { documents: &documents, prepared: &prepared, ready: &ready };
            let written = encode_batch(&batch, substitution, stage, job, consoles);
            for (&i, result) in chunk.iter().zip(written) {
                self.done[i] = Some(result);
            }
        }
    }

    /// Encodes the files `indices` and writes nothing, for a run that has failed: it still
    /// reports each value that could not be written.
    fn check(&mut self, substitution: &dyn Substitution, indices: &[usize]) {
        let job = self.job;
        let inputs: Vec<&Input> = indices.iter().map(|&i| &job.inputs[i]).collect();
        let mut consoles = holds(&self.template, indices.len());
        let documents = read_batch(job, &inputs, &mut self.stdin, &mut consoles);
        each(job, &mut consoles, |i, console| {
            if let Some((document, text)) = documents[i].as_ref().and_then(|d| Some((d, d.text()?)))
            {
                encode(document, text, None, substitution, false, console);
            }
        });
        for (&i, held) in indices.iter().zip(consoles) {
            self.done[i] = Some((held, Written::Nothing));
        }
    }

    /// Passes on, in input order, the results of the files done so far up to the first
    /// file not done: messages to `console`, results to `writer` if the run writes.
    fn pass_on(
        &mut self,
        console: &mut Console,
        mut writer: Option<&mut Writer<'_>>,
        stdout: &mut dyn Write,
    ) {
        while let Some((held, written)) = self.done.get_mut(self.passed_on).and_then(Option::take) {
            console.release(held);
            if let Some(writer) = writer.as_deref_mut() {
                writer.take(written, stdout);
            }
            self.passed_on += 1;
        }
    }
}

/// Which files can be written, as the secrets they wait for arrive.
struct Schedule {
    /// For each file, how many of the secrets it waits for have not arrived.
    missing: Vec<usize>,
    /// For each secret, the files that wait for it.
    waiting: Vec<Vec<usize>>,
}

impl Schedule {
    /// A schedule for files that wait for these secrets (each file's numbers distinct).
    fn new(waits: Vec<Vec<usize>>) -> Self {
        let mut waiting: Vec<Vec<usize>> = Vec::new();
        let missing = waits.iter().map(Vec::len).collect();
        for (file, numbers) in waits.into_iter().enumerate() {
            for number in numbers {
                if waiting.len() <= number {
                    waiting.resize_with(number + 1, Vec::new);
                }
                waiting[number].push(file);
            }
        }
        Self { missing, waiting }
    }

    /// The files that wait for nothing.
    fn ready_at_start(&self) -> Vec<usize> {
        (0..self.missing.len()).filter(|&file| self.missing[file] == 0).collect()
    }

    /// The files that these secrets, just arrived, leave waiting for nothing.
    fn arrived(&mut self, numbers: &[usize]) -> Vec<usize> {
        let mut ready = Vec::new();
        for &number in numbers {
            for &file in self.waiting.get(number).map_or(&[][..], Vec::as_slice) {
                self.missing[file] -= 1;
                if self.missing[file] == 0 {
                    ready.push(file);
                }
            }
        }
        ready.sort_unstable();
        ready
    }
}

/// The same run in one pass, for substitutions that are ready as soon as they visit:
/// each file is read, placed and staged once instead of twice (the second reading and
/// parse were half the cost). What the two-pass run would not have shown, destination
/// problems after a first-pass error and encoding problems after either, is held back
/// and dropped, so messages and the exit code are the same.
fn run_in_one_pass(
    job: &Job,
    substitution: &mut dyn Substitution,
    console: &mut Console,
    stdout: &mut dyn Write,
) {
    // Before staging: the run's own temporary files would look stale to it.
    remove_stale(job);
    let mut destinations = console.hold();
    let mut encoding = console.hold();
    let mut writer = Writer { job, stage: Stage::new(), stdout: Vec::new() };
    let mut stdin = None;
    for (number, batch) in job.inputs.chunks(BATCH).enumerate() {
        let mut consoles = holds(console, batch.len());
        let documents = read_batch(job, batch, &mut stdin, &mut consoles);
        let mut ready = vec![false; batch.len()];
        let prepared =
            first_pass_batch(job, &documents, consoles, substitution, console, |i, console, _| {
                // Every file is still read, to report every problem of the first pass.
                if console.exit != Exit::Input {
                    check_destination_of(job, number * BATCH + i, &batch[i], &mut destinations);
                    ready[i] = documents[i].is_some() && destinations.exit == Exit::Success;
                }
            });
        let batch = Batch { documents: &documents, prepared: &prepared, ready: &ready };
        second_pass_batch(&batch, &*substitution, &mut writer, &mut encoding, stdout);
    }
    // The order of the two-pass run: first pass, destinations, secrets a local source
    // lacks, then encoding; a problem of input (2) ends the run where it is met.
    if console.exit == Exit::Input {
        return;
    }
    console.release(destinations);
    if console.exit == Exit::Input {
        return;
    }
    substitution.prepare(console, &mut |_, _| {});
    console.release(encoding);
    if console.exit != Exit::Success {
        return;
    }
    finish(writer, console, stdout);
}

/// Renames every staged file into place, then writes what goes to stdout.
fn finish(writer: Writer<'_>, console: &mut Console, stdout: &mut dyn Write) {
    let Writer { stage, stdout: buffered, .. } = writer;
    if let Err(error) = stage.commit() {
        console.error(Exit::Input, error_chain(&error));
        return;
    }
    if let Err(error) = stdout.write_all(&buffered).and_then(|()| stdout.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            console.error(Exit::Input, format!("cannot write to stdout: {error}"));
        }
    }
}

fn read(
    job: &Job,
    input: &Input,
    stdin: &mut Option<Document>,
    console: &mut Console,
) -> Option<Document> {
    // Stdin can be read once; the second pass gets the copy kept by the first.
    if let Some(document) = stdin.as_ref().filter(|_| input.is_stdin) {
        return Some(document.clone());
    }
    match Document::read(input, job.types.for_path(&input.relative), job.stdin_name.as_deref()) {
        Ok(document) => {
            if input.is_stdin {
                *stdin = Some(document.clone());
            }
            Some(document)
        }
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            None
        }
    }
}

/// Files read, placed and written together. Each batch is read, placed and encoded on
/// every core, then reported, shown to the substitution and staged in input order, so
/// messages, the exit code and the files written are those of one file after another.
const BATCH: usize = 32;

/// Whether the files of a batch are handled on several threads: not for stdin, which
/// is read once and kept, nor for a single file.
fn is_parallel(job: &Job) -> bool {
    job.inputs.len() > 1 && !job.inputs.iter().any(|input| input.is_stdin)
}

/// `count` held consoles of `console`, one for each file of a batch.
fn holds(console: &Console, count: usize) -> Vec<Console> {
    (0..count).map(|_| console.hold()).collect()
}

/// `work` for each file of a batch, with the file's own console, on every core when the
/// job is parallel.
fn each<R: Send>(
    job: &Job,
    consoles: &mut [Console],
    work: impl Fn(usize, &mut Console) -> R + Sync,
) -> Vec<R> {
    if is_parallel(job) {
        consoles.par_iter_mut().enumerate().map(|(i, console)| work(i, console)).collect()
    } else {
        consoles.iter_mut().enumerate().map(|(i, console)| work(i, console)).collect()
    }
}

/// Reads the files of a batch; problems go to each file's console.
fn read_batch<I: Borrow<Input> + Sync>(
    job: &Job,
    batch: &[I],
    stdin: &mut Option<Document>,
    consoles: &mut [Console],
) -> Vec<Option<Document>> {
    if is_parallel(job) {
        each(job, consoles, |i, console| read(job, batch[i].borrow(), &mut None, console))
    } else {
        consoles
            .iter_mut()
            .zip(batch)
            .map(|(console, input)| read(job, input.borrow(), stdin, console))
            .collect()
    }
}

/// The first pass over a batch read with `consoles`: each file is scanned and placed
/// (in parallel), then in input order its messages are passed on, its placeholders shown
/// to the substitution, and `then` called with its index and the secrets it waits for.
/// Returns what was placed.
fn first_pass_batch<'d>(
    job: &Job,
    documents: &'d [Option<Document>],
    mut consoles: Vec<Console>,
    substitution: &mut dyn Substitution,
    console: &mut Console,
    mut then: impl FnMut(usize, &mut Console, Vec<usize>),
) -> Vec<Option<Prepared<'d>>> {
    let prepared = each(job, &mut consoles, |i, console| {
        documents[i].as_ref().and_then(|document| place(job, document, console))
    });
    for (i, held) in consoles.into_iter().enumerate() {
        console.release(held);
        let waits = match (&documents[i], &prepared[i]) {
            (Some(document), Some(prepared)) => visit(document, prepared, substitution, console),
            _ => Vec::new(),
        };
        then(i, console, waits);
    }
    prepared
}

/// Scans and places one file, reporting its own findings.
fn place<'d>(job: &Job, document: &'d Document, console: &mut Console) -> Option<Prepared<'d>> {
    let text = document.scannable_or_report(console)?;
    let prepared = match Prepared::new(document, text) {
        Ok(prepared) => prepared,
        Err(error) => {
            console.error(Exit::Input, &error);
            console.help("guzzle-kv reads the file to know where each placeholder sits; fix its syntax, or pass --file-type text");
            return None;
        }
    };
    for mut finding in prepared.findings(document.path()) {
        if finding.code == Code::Kv005 && job.strict {
            finding.severity = Severity::Error;
        }
        console.diagnostic(&finding, Exit::Input);
    }
    Some(prepared)
}

/// Shows each placeholder of a placed file, outside comments, to the substitution.
/// Returns the secrets the file waits for, each once.
fn visit(
    document: &Document,
    prepared: &Prepared<'_>,
    substitution: &mut dyn Substitution,
    console: &mut Console,
) -> Vec<usize> {
    let mut waits = Vec::new();
    for i in prepared.data() {
        if let ItemKind::Placeholder(placeholder) = &prepared.items[i].kind {
            let span = prepared.span(i);
            let at =
                UseSite { path: document.path().to_owned(), line: span.line, column: span.column };
            waits.extend(substitution.visit(placeholder, &prepared.sites[i], &at, console));
        }
    }
    waits.sort_unstable();
    waits.dedup();
    waits
}

/// Refuses, before anything is written, a destination of input `index` that must not be
/// written (SPEC section 4); a single `-o FILE` is checked once.
fn check_destination_of(job: &Job, index: usize, input: &Input, console: &mut Console) {
    let destination = match &job.target {
        Target::File(path) if index == 0 => path.clone(),
        Target::Stdout | Target::File(_) => return,
        Target::Mirror(dir) => dir.join(&input.relative),
        Target::InPlace => input.path.clone(),
    };
    if let Err(error) = check_destination(&destination) {
        console.error(Exit::Input, error);
    }
    // A link among the mirror's own folders would send files to its target. The folders
    // of the file before, if the same, were checked already (and refused once).
    let same_folder = index > 0
        && job.inputs.get(index - 1).map(|i| i.relative.parent()) == Some(input.relative.parent());
    if let (Target::Mirror(dir), false) = (&job.target, same_folder) {
        if let Err(error) = check_folders_below(dir, &input.relative) {
            console.error(Exit::Input, error);
        }
    }
}

fn check_destinations(job: &Job, console: &mut Console) {
    for (index, input) in job.inputs.iter().enumerate() {
        check_destination_of(job, index, input, console);
    }
}

/// A run that writes files first removes what killed runs left behind (SPEC section 4,
/// "Writing"): those beside each destination, and in place the ones the walk met.
fn remove_stale(job: &Job) {
    let dirs: Vec<PathBuf> = match &job.target {
        _ if job.dry_run => return,
        Target::Stdout => return,
        Target::File(path) => vec![parent(path)],
        Target::Mirror(dir) => job.inputs.iter().map(|i| parent(&dir.join(&i.relative))).collect(),
        Target::InPlace => job.inputs.iter().map(|i| parent(&i.path)).collect(),
    };
    let mut dirs = dirs;
    dirs.sort();
    dirs.dedup();
    // The inputs' own folders are written only in place; a run writing elsewhere leaves
    // what it met there alone.
    let met = if job.target == Target::InPlace { &job.stale[..] } else { &[] };
    let files = met.iter().map(PathBuf::as_path);
    for path in crate::output::remove_stale(files, dirs.iter().map(PathBuf::as_path)) {
        tracing::debug!(path = %path.display(), "stale temporary file removed");
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

struct Writer<'a> {
    job: &'a Job,
    stage: Stage,
    stdout: Vec<u8>,
}

/// What the second pass made of one file, to be passed on in input order.
enum Written {
    /// Nothing to write: an unchanged file in place, or a problem.
    Nothing,
    /// A dry run's view of the change.
    Diff(String),
    /// The result, for stdout.
    Stdout(Vec<u8>),
    /// The result, in a temporary file beside its destination.
    Staged(Staged),
}

/// The files of a batch after the first pass: what was read, what was placed (where
/// it was kept), and which files the second pass writes.
struct Batch<'b, 'd> {
    documents: &'b [Option<Document>],
    prepared: &'b [Option<Prepared<'d>>],
    ready: &'b [bool],
}

/// The second pass over a batch: the files marked ready are encoded and written (in
/// parallel), then in input order their messages go to `console` and their results to
/// the writer.
fn second_pass_batch(
    batch: &Batch<'_, '_>,
    substitution: &dyn Substitution,
    writer: &mut Writer<'_>,
    console: &mut Console,
    stdout: &mut dyn Write,
) {
    let consoles = holds(console, batch.documents.len());
    let written = encode_batch(batch, substitution, &mut writer.stage, writer.job, consoles);
    for (held, written) in written {
        console.release(held);
        writer.take(written, stdout);
    }
}

/// Encodes and writes the files of a batch marked ready (in parallel), each with its own
/// console of `consoles`; returns them with each file's result, in batch order.
fn encode_batch(
    batch: &Batch<'_, '_>,
    substitution: &dyn Substitution,
    stage: &mut Stage,
    job: &Job,
    mut consoles: Vec<Console>,
) -> Vec<(Console, Written)> {
    let Batch { documents, prepared, ready } = batch;
    let mut ready = ready.to_vec();
    // Only a mirror or `-o FILE` can lack the folders it writes into.
    if matches!(job.target, Target::Mirror(_) | Target::File(_)) {
        for (i, console) in consoles.iter_mut().enumerate() {
            let destination = documents[i].as_ref().and_then(|d| destination(job, d, true));
            if let Some(destination) = destination.filter(|_| ready[i]) {
                if let Err(error) = stage.make_folder_for(&destination) {
                    console.error(Exit::Input, error_chain(&error));
                    ready[i] = false;
                }
            }
        }
    }
    let written = each(job, &mut consoles, |i, console| match &documents[i] {
        Some(document) if ready[i] => {
            second_pass(job, document, prepared[i].as_ref(), substitution, console)
        }
        _ => Written::Nothing,
    });
    consoles.into_iter().zip(written).collect()
}

impl Writer<'_> {
    /// Takes the result of one file, in input order.
    fn take(&mut self, written: Written, stdout: &mut dyn Write) {
        match written {
            Written::Nothing => {}
            Written::Diff(diff) => {
                let _ = stdout.write_all(diff.as_bytes());
            }
            // Moved, not copied: a large file must not cost its size twice.
            Written::Stdout(bytes) if self.stdout.is_empty() => self.stdout = bytes,
            Written::Stdout(bytes) => self.stdout.extend_from_slice(&bytes),
            Written::Staged(staged) => self.stage.push(staged),
        }
    }
}

/// Where the result of `document` goes, if to a file: every file of a mirror or `-o
/// FILE`, and in place only the files that `changed`.
fn destination(job: &Job, document: &Document, changed: bool) -> Option<PathBuf> {
    match &job.target {
        _ if job.dry_run => None,
        Target::File(path) => Some(path.clone()),
        Target::Mirror(dir) => Some(dir.join(&document.input.relative)),
        Target::InPlace if changed => Some(document.input.path.clone()),
        Target::Stdout | Target::InPlace => None,
    }
}

/// Encodes one file and writes the result (to a temporary file, or to memory for stdout
/// or a dry run); `prepared` is the first pass's reading of it, if kept.
fn second_pass(
    job: &Job,
    document: &Document,
    prepared: Option<&Prepared<'_>>,
    substitution: &dyn Substitution,
    console: &mut Console,
) -> Written {
    let rendered = document
        .text()
        .map(|text| encode(document, text, prepared, substitution, job.dry_run, console));
    let (edits, changed, replaced): (&[Edit], bool, bool) = match &rendered {
        Some(Some(Rendered { edits, replaced, .. })) => (edits, true, *replaced),
        Some(None) if console.exit != Exit::Success => return Written::Nothing,
        _ => (&[], false, false),
    };
    // The result is written piece by piece from the original bytes and the edits, never
    // held whole (a large file would cost its size again).
    let write = |out: &mut dyn Write| write_applied(&document.bytes, edits, out);
    if job.dry_run {
        return match rendered {
            Some(Some(rendered)) => Written::Diff(rendered.diff),
            _ => Written::Nothing,
        };
    }
    if job.target == Target::Stdout {
        let mut bytes = Vec::new();
        let _ = write(&mut bytes);
        return Written::Stdout(bytes);
    }
    let Some(destination) = destination(job, document, changed) else {
        return Written::Nothing;
    };
    // A file whose only change is an escape made literal holds no value.
    let holds_secret = replaced && substitution.holds_secrets();
    let new_mode = if holds_secret { 0o600 } else { document.mode };
    match Staged::write(&destination, new_mode, write) {
        Ok(staged) => Written::Staged(staged),
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            Written::Nothing
        }
    }
}

/// A file with its replacements in place, and the dry-run view of the change (empty
/// unless asked for).
struct Rendered {
    edits: Vec<Edit>,
    diff: String,
    /// Whether a placeholder was replaced (not only escapes written as literals).
    replaced: bool,
}

/// Encodes every replacement of one file, with its diff when `with_diff`; `None` when
/// nothing changes or on problems (which go to the console). `prepared` is the file
/// already placed, if the caller kept it.
fn encode(
    document: &Document,
    text: &str,
    prepared: Option<&Prepared<'_>>,
    substitution: &dyn Substitution,
    with_diff: bool,
    console: &mut Console,
) -> Option<Rendered> {
    let fresh;
    let prepared = if let Some(prepared) = prepared {
        prepared
    } else {
        fresh = Prepared::new(document, text).ok()?;
        &fresh
    };
    let analysis = prepared.analysis.as_ref()?;
    let data: Vec<usize> = prepared.data().collect();
    if data.is_empty() {
        return None;
    }
    let mut replacements: Vec<Option<&str>> = vec![None; prepared.items.len()];
    for &i in &data {
        replacements[i] = match &prepared.items[i].kind {
            ItemKind::Placeholder(p) => substitution.replacement(p),
            _ => Some(ESCAPED),
        };
    }
    match analysis.encode(text, &prepared.items, &replacements) {
        Ok(edits) => {
            let diff = if with_diff {
                diff(document.path(), text, prepared, &data, &edits, substitution)
            } else {
                String::new()
            };
            let replaced =
                data.iter().any(|&i| matches!(prepared.items[i].kind, ItemKind::Placeholder(_)));
            Some(Rendered { edits, diff, replaced })
        }
        Err(problems) => {
            for problem in problems {
                let span = prepared.span(problem.item);
                let what = match &prepared.items[problem.item].kind {
                    ItemKind::Placeholder(p) => format!("the value of `{}/{}`", p.vault, p.secret),
                    _ => "the literal `$<kv:`".to_owned(),
                };
                console.error(
                    Exit::Input,
                    format!(
                        "{}:{span}: cannot write {what} here: {}",
                        document.path().display(),
                        problem.message
                    ),
                );
                if let Some(help) = &problem.help {
                    console.help(help);
                }
            }
            None
        }
    }
}

/// A diff of the lines that change, each value shown as its substitution says, inside
/// the quotes the real run adds around it. Only the layout of the real run's edits is
/// used (where each goes, whether it was quoted), never their text, which holds values.
fn diff(
    path: &Path,
    text: &str,
    prepared: &Prepared<'_>,
    data: &[usize],
    edits: &[Edit],
    substitution: &dyn Substitution,
) -> String {
    let edits = masked_edits(text, prepared, data, edits, substitution);
    let mut out = format!("--- {0}\n+++ {0}\n", path.display());
    let (mut line, mut counted) = (1, 0);
    let mut index = 0;
    while index < edits.len() {
        let start = text[..edits[index].0.start].rfind('\n').map_or(0, |p| p + 1);
        let mut end = line_end(text, edits[index].0.end);
        let mut new_text = String::new();
        let mut pos = start;
        while index < edits.len() && edits[index].0.start <= end {
            let (range, shown) = &edits[index];
            end = end.max(line_end(text, range.end));
            new_text.push_str(&text[pos..range.start]);
            new_text.push_str(shown);
            pos = range.end;
            index += 1;
        }
        new_text.push_str(&text[pos..end]);

        line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted..start]).count();
        counted = start;
        let _ = writeln!(out, "@@ line {line} @@");
        for old in text[start..end].split('\n') {
            let _ = writeln!(out, "-{}", old.trim_end_matches('\r'));
        }
        for new in new_text.split('\n') {
            let _ = writeln!(out, "+{}", new.trim_end_matches('\r'));
        }
    }
    out
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |p| offset + p)
}

/// The real run's edits, each with what the dry run shows in its place: the text it
/// replaces with every item shown by its substitution, in double quotes where the encoder
/// added them. An edit beside the items (a block scalar's header) holds no value and is
/// shown as it is.
fn masked_edits(
    text: &str,
    prepared: &Prepared<'_>,
    data: &[usize],
    edits: &[Edit],
    substitution: &dyn Substitution,
) -> Vec<(Range<usize>, String)> {
    let items = &prepared.items;
    let mut next = 0;
    edits
        .iter()
        .map(|edit| {
            let range = edit.range.clone();
            while next < data.len() && items[data[next]].span.offset < range.start {
                next += 1;
            }
            let mut layout = String::new();
            let mut pos = range.start;
            while next < data.len() && items[data[next]].span.end() <= range.end {
                let item = &items[data[next]];
                layout.push_str(&text[pos..item.span.offset]);
                layout.push_str(&match &item.kind {
                    ItemKind::Placeholder(p) => substitution.shown(p),
                    _ => ESCAPED.to_owned(),
                });
                pos = item.span.end();
                next += 1;
            }
            if pos == range.start {
                return (range, edit.text.to_string());
            }
            layout.push_str(&text[pos..range.end]);
            // A scalar written anew from a quoted one (a multi-line double-quoted scalar
            // made one line) keeps its own quotes in the layout.
            let quoted = edit.quoted && !text[range.clone()].starts_with('"');
            (range, if quoted { format!("\"{layout}\"") } else { layout })
        })
        .collect()
}

/// An error and its causes on one line: `error: caused by: cause`.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::Schedule;

    #[test]
    fn files_are_ready_once_every_secret_they_wait_for_has_arrived() {
        // Files 0 and 3 wait for nothing; 1 for secrets 0 and 2; 2 for secret 2; 4 for 5.
        let mut schedule = Schedule::new(vec![vec![], vec![0, 2], vec![2], vec![], vec![5]]);
        assert_eq!(schedule.ready_at_start(), [0, 3]);
        assert_eq!(schedule.arrived(&[2]), [2]);
        assert_eq!(schedule.arrived(&[1]), Vec::<usize>::new());
        assert_eq!(schedule.arrived(&[5, 0]), [1, 4]);
        // A secret no file waits for, or beyond every number seen, readies nothing.
        assert_eq!(schedule.arrived(&[9]), Vec::<usize>::new());
    }
}
