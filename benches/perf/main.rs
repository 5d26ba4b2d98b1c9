//! The whole-program benchmark of guzzle-kv (issue 6): throughput, memory, start-up and
//! Key Vault fan-out, each run alternately with its baseline on inputs generated from a
//! seed, reported as medians, peak RSS and ratios. Only ratios are stable on a shared
//! machine, so the goals are ratios too.
//!
//! `cargo bench --bench perf` measures the release binary; `cargo test --bench perf --
//! --quick` runs every case once on tiny inputs and judges nothing (what CI does).
// Helpers are `pub` for use across the modules of this one binary, and figures are
// converted to `f64` only to be shown.
#![allow(unreachable_pub, clippy::cast_precision_loss)]

mod corpus;
mod fanout;
mod measure;
mod report;

// The Key Vault emulator of the integration tests, shared rather than copied.
#[path = "../../tests/it/support"]
#[allow(dead_code, unreachable_pub)]
mod support {
    pub mod emulator;
    pub mod http;
    pub mod tls;
}

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use corpus::{Form, Secrets};
use measure::{Side, alternate};
use report::{Goal, Report, Row};

/// The binary under test: cargo's build for this bench target, or `GUZZLE_KV_BENCH_BIN`
/// (to measure a saved build, such as the one before an optimisation).
fn binary() -> &'static Path {
    static BINARY: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| {
        std::env::var_os("GUZZLE_KV_BENCH_BIN")
            .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_guzzle-kv")), PathBuf::from)
    });
    &BINARY
}

/// Sizes and repetitions of one run of the benchmark.
struct Scale {
    quick: bool,
    tree_files: usize,
    tree_mean: usize,
    big_yaml: usize,
    long_line: usize,
    runs: usize,
    startup_runs: usize,
    fanout: fanout::Plan,
}

impl Scale {
    fn full(runs: usize) -> Self {
        Self {
            quick: false,
            tree_files: 20_000,
            tree_mean: 10_000,
            big_yaml: 100 << 20,
            long_line: 6 << 20,
            runs,
            startup_runs: 41,
            fanout: fanout::Plan {
                files: 1000,
                distinct: 500,
                uses: 5000,
                concurrency: 16,
                latency: Duration::from_millis(50),
            },
        }
    }

    fn quick() -> Self {
        Self {
            quick: true,
            tree_files: 60,
            tree_mean: 2_000,
            big_yaml: 256 << 10,
            long_line: 64 << 10,
            runs: 1,
            startup_runs: 3,
            fanout: fanout::Plan {
                files: 10,
                distinct: 8,
                uses: 30,
                concurrency: 4,
                latency: Duration::from_millis(5),
            },
        }
    }
}

struct Args {
    quick: bool,
    seed: u64,
    runs: usize,
    dir: Option<PathBuf>,
    only: Vec<String>,
    keep: bool,
    tree_files: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args {
        quick: false,
        seed: 6,
        runs: 5,
        dir: None,
        only: Vec::new(),
        keep: false,
        tree_files: None,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--seed" => args.seed = iter.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            "--runs" => args.runs = iter.next().and_then(|s| s.parse().ok()).expect("--runs N"),
            "--dir" => args.dir = iter.next().map(PathBuf::from),
            "--only" => args.only.push(iter.next().expect("--only CASE")),
            "--keep" => args.keep = true,
            "--tree-files" => {
                args.tree_files =
                    Some(iter.next().and_then(|s| s.parse().ok()).expect("--tree-files N"));
            }
            // `cargo bench` passes `--bench`; test harness flags mean nothing here.
            _ => {}
        }
    }
    args
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(READ_YAML) {
        read_yaml(&std::env::args().skip(2).map(PathBuf::from).collect::<Vec<_>>());
        return;
    }
    let args = parse_args();
    let mut scale = if args.quick { Scale::quick() } else { Scale::full(args.runs) };
    scale.tree_files = args.tree_files.unwrap_or(scale.tree_files);
    let scratch = match &args.dir {
        Some(dir) => tempfile::Builder::new().prefix("guzzle-kv-bench-").tempdir_in(dir),
        None => tempfile::Builder::new().prefix("guzzle-kv-bench-").tempdir(),
    }
    .expect("scratch folder");
    let bench = Bench { dir: scratch.path().to_owned(), seed: args.seed, scale, keep: args.keep };
    let wanted = |case: &str| args.only.is_empty() || args.only.iter().any(|o| o == case);

    let mut report = Report::new(&binary().display().to_string(), bench.scale.quick);
    let secrets = Secrets::new(500, 3, args.seed);
    std::fs::write(bench.path("secrets.json"), secrets.file_json()).expect("secrets file");
    if wanted("tree") {
        bench.tree_cases(&secrets, &mut report);
    }
    if wanted("big") {
        bench.big_file_cases(&secrets, &mut report);
    }
    if wanted("startup") {
        bench.startup_cases(&secrets, &mut report);
    }
    if wanted("corpus") {
        bench.corpus_case(&mut report);
    }
    if wanted("line") {
        bench.long_line_cases(&secrets, &mut report);
    }
    if wanted("fanout") {
        bench.fanout_case(&mut report);
    }
    report.print();
    if args.keep {
        println!("- inputs kept in {}", scratch.keep().display());
    }
}

/// The argument that makes this binary a floor of its own: the YAML reader guzzle-kv
/// uses (`saphyr-parser`), alone, over every YAML file of the paths that follow, on every
/// core. Whatever guzzle-kv does on top of reading YAML, it cannot be faster than this.
const READ_YAML: &str = "--read-yaml";

/// Reads every YAML file under `paths` with `saphyr-parser`, event by event, as guzzle-kv
/// does, and keeps nothing; exits 1 if a file does not parse.
fn read_yaml(paths: &[PathBuf]) {
    use rayon::prelude::*;

    let files: Vec<PathBuf> = paths
        .iter()
        .flat_map(walkdir::WalkDir::new)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    let events: usize = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a UTF-8 YAML file");
            let parser = saphyr_parser::Parser::new_from_str(&text);
            parser.map(|event| event.map_or_else(|_| std::process::exit(1), |_| 1)).sum::<usize>()
        })
        .sum::<usize>();
    assert!(events > 0 || files.is_empty());
}

/// A command that runs [`read_yaml`] over `paths`.
fn yaml_reader(paths: &[&Path]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the benchmark binary"));
    command.arg(READ_YAML).args(paths);
    command
}

struct Bench {
    dir: PathBuf,
    seed: u64,
    scale: Scale,
    keep: bool,
}

fn guzzle_kv(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).arg("-q");
    command
}

fn shell(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", script]);
    command
}

fn remove(path: &Path) -> impl Fn() + 'static {
    let path = path.to_owned();
    move || {
        let _ = std::fs::remove_dir_all(&path);
        let _ = std::fs::remove_file(&path);
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

impl Bench {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Removes a case's inputs and outputs, unless `--keep` asked for them (to profile).
    fn discard(&self, paths: &[PathBuf]) {
        if !self.keep {
            for path in paths {
                remove(path)();
            }
        }
    }

    /// Pairs 1, 3 and 6: `databricks -o`, `render -o` and `lint` on the whole tree.
    fn tree_cases(&self, secrets: &Secrets, report: &mut Report) {
        let tree = self.path("tree");
        let stats =
            corpus::tree(&tree, self.scale.tree_files, self.scale.tree_mean, secrets, self.seed);
        report.note(format!(
            "tree: {} files, {}, {} placeholders ({} bytes apart)",
            stats.files,
            mib(stats.bytes),
            stats.placeholders,
            stats.bytes / stats.placeholders.max(1) as u64
        ));
        let (out, copy, sed_copy) =
            (self.path("out-tree"), self.path("cp-tree"), self.path("sed-tree"));
        let sed_prepare = {
            let (tree, sed_copy) = (tree.clone(), sed_copy.clone());
            move || {
                remove(&sed_copy)();
                let copied = Command::new("cp").arg("-r").arg(&tree).arg(&sed_copy).status();
                assert!(copied.is_ok_and(|s| s.success()), "copy for sed");
            }
        };
        let sed_script = format!(
            "find '{}' -type f -exec sed -E -i 's/\\$<kv:([A-Za-z0-9-]+)\\/([A-Za-z0-9-]+)>/<<secrets\\/\\1\\/\\2>>/g' {{}} +",
            sed_copy.display()
        );
        // guzzle-kv makes what it writes durable (one `syncfs`) before renaming it into
        // place; `cp -r` leaves it to the kernel. Both floors are shown.
        let durable_cp =
            format!("cp -r --reflink=never '{}' '{}' && sync", tree.display(), copy.display());
        let mut sides = [
            Side::new("databricks -o", guzzle_kv(&[&"databricks", &tree, &"-o", &out]))
                .before(remove(&out)),
            Side::new("cp -r", cp(&tree, &copy)).before(remove(&copy)),
            Side::new("find | sed -E -i", shell(&sed_script)).before(sed_prepare),
            Side::new("cp -r && sync", shell(&durable_cp)).before(remove(&copy)),
        ];
        let figures = alternate(&mut sides, self.scale.runs);
        report.pair(&Row::new(
            "1. databricks -o tree",
            &figures[0],
            &figures[1],
            Goal::AtMost(1.5),
        ));
        report.pair(&Row::new(
            "1. databricks -o tree",
            &figures[0],
            &figures[2],
            Goal::FasterBy(3.0),
        ));
        report.pair(&Row::new("databricks -o tree", &figures[0], &figures[3], Goal::None));
        report.memory("6. databricks -o tree", &figures[0], 64 << 20);

        let secrets_file = self.path("secrets.json");
        let render = guzzle_kv(&[&"render", &tree, &"--secrets-file", &secrets_file, &"-o", &out]);
        let mut sides = [
            Side::new("render -o", render).before(remove(&out)),
            Side::new("cp -r", cp(&tree, &copy)).before(remove(&copy)),
        ];
        let figures = alternate(&mut sides, self.scale.runs);
        report.pair(&Row::new(
            "render --secrets-file -o tree",
            &figures[0],
            &figures[1],
            Goal::None,
        ));
        report.memory("6. render -o tree", &figures[0], 64 << 20);

        let cat_script = format!("find '{}' -type f -exec cat {{}} + > /dev/null", tree.display());
        let mut sides = [
            Side::new("lint", guzzle_kv(&[&"lint", &tree, &"--output-format", &"concise"])),
            Side::new("find | cat", shell(&cat_script)),
            Side::new("YAML reader alone", yaml_reader(&[&tree])),
        ];
        let figures = alternate(&mut sides, self.scale.runs);
        report.pair(&Row::new("3. lint tree", &figures[0], &figures[1], Goal::AtMost(2.0)));
        // The floor any YAML-reading lint has: saphyr over the tree's YAML files only.
        report.pair(&Row::new(
            "floor: reading the tree's YAML",
            &figures[2],
            &figures[1],
            Goal::None,
        ));
        report.pair(&Row::new("lint tree", &figures[0], &figures[2], Goal::None));
        self.discard(&[out, copy, sed_copy]);
    }

    /// Pairs 2 and 6: `render` of one large YAML file against `envsubst`, and the memory
    /// of `render -o` and `databricks -o` on it.
    fn big_file_cases(&self, secrets: &Secrets, report: &mut Report) {
        let (big, twin) = (self.path("big.yml"), self.path("big-envsubst.yml"));
        let uses =
            corpus::big_yaml(&big, self.scale.big_yaml, secrets, self.seed, Form::Placeholder);
        corpus::big_yaml(&twin, self.scale.big_yaml, secrets, self.seed, Form::EnvVar);
        let size = std::fs::metadata(&big).expect("big file").len();
        report.note(format!("big YAML: {}, {uses} placeholders", mib(size)));

        let out = self.path("big-out.yml");
        let secrets_file = self.path("secrets.json");
        let render = guzzle_kv(&[&"render", &big, &"--secrets-file", &secrets_file, &"-o", &out]);
        let mut envsubst = shell(&format!(
            "envsubst < '{}' > '{}'",
            twin.display(),
            self.path("big-envsubst-out.yml").display()
        ));
        envsubst.envs(secrets.env_vars());
        let mut sides = [
            Side::new("render -o", render).before(remove(&out)),
            Side::new("envsubst", envsubst),
            Side::new("YAML reader alone", yaml_reader(&[&big])),
        ];
        let figures = alternate(&mut sides, self.scale.runs);
        report.pair(&Row::new(
            "2. render --secrets-file big YAML",
            &figures[0],
            &figures[1],
            Goal::FasterBy(2.0),
        ));
        // The floor: reading the file with saphyr alone, which `render` must do.
        report.pair(&Row::new("floor: reading big YAML", &figures[2], &figures[1], Goal::None));
        report.pair(&Row::new("render big YAML", &figures[0], &figures[2], Goal::None));
        report.memory("6. render -o big YAML", &figures[0], 3 * size);

        let databricks = guzzle_kv(&[&"databricks", &big, &"-o", &out]);
        let mut sides = [
            Side::new("databricks -o", databricks).before(remove(&out)),
            Side::new("cp", cp(&big, &out)),
        ];
        let figures = alternate(&mut sides, self.scale.runs.min(3));
        report.pair(&Row::new("databricks -o big YAML", &figures[0], &figures[1], Goal::None));
        report.memory("6. databricks -o big YAML", &figures[0], 3 * size);
        self.discard(&[big, twin, out, self.path("big-envsubst-out.yml")]);
    }

    /// Pair 4: `databricks` and `lint` on one 2 KB file against `cat`.
    fn startup_cases(&self, secrets: &Secrets, report: &mut Report) {
        let small = self.path("job.yml");
        corpus::small_yaml(&small, secrets, self.seed);
        let mut cat = Command::new("cat");
        cat.arg(&small);
        let mut sides = [
            Side::new("databricks", guzzle_kv(&[&"databricks", &small])),
            Side::new("lint", guzzle_kv(&[&"lint", &small])),
            Side::new("cat", cat),
        ];
        let figures = alternate(&mut sides, self.scale.startup_runs);
        for (i, name) in [(0, "4. start-up: databricks 2 KB"), (1, "4. start-up: lint 2 KB")] {
            report.pair(&Row::new(name, &figures[i], &figures[2], Goal::AtMost(3.0)));
            report.absolute(name, &figures[i], Duration::from_millis(5));
        }
    }

    /// Issue 5's measure: `lint` of the whole Guzzle-like corpus (the copy of
    /// `shared/corpus` in `fixtures/`) against reading it, at most twice as long.
    fn corpus_case(&self, report: &mut Report) {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/guzzle-like");
        let cat_script =
            format!("find '{}' -type f -exec cat {{}} + > /dev/null", corpus.display());
        let mut sides = [
            // Its mistakes folder and one plaintext password are findings: exit 1.
            Side::new("lint", guzzle_kv(&[&"lint", &corpus, &"--output-format", &"concise"]))
                .exits_with(1),
            Side::new("find | cat", shell(&cat_script)),
        ];
        let figures = alternate(&mut sides, self.scale.startup_runs);
        report.pair(&Row::new(
            "issue 5: lint Guzzle-like corpus",
            &figures[0],
            &figures[1],
            Goal::AtMost(2.0),
        ));
    }

    /// Goal 7: one multi-megabyte line, and half of it to show the cost is linear.
    fn long_line_cases(&self, secrets: &Secrets, report: &mut Report) {
        let secrets_file = self.path("secrets.json");
        let mut medians = Vec::new();
        for (label, size) in [("full", self.scale.long_line), ("half", self.scale.long_line / 2)] {
            let line = self.path(&format!("line-{label}.json"));
            let uses = corpus::long_line(&line, size, secrets);
            let out = self.path("line-out.json");
            let mut sides = [
                Side::new(
                    "render",
                    guzzle_kv(&[&"render", &line, &"--secrets-file", &secrets_file, &"-o", &out]),
                )
                .before(remove(&out)),
                Side::new("databricks", guzzle_kv(&[&"databricks", &line, &"-o", &out]))
                    .before(remove(&out)),
                Side::new("lint", guzzle_kv(&[&"lint", &line])),
                Side::new("cp", cp(&line, &out)).before(remove(&out)),
            ];
            let figures = alternate(&mut sides, self.scale.runs);
            if label == "full" {
                report.note(format!("long line: {}, {uses} placeholders", mib(size as u64)));
                for f in &figures[..3] {
                    report.absolute(
                        &format!("7. one {} line: {}", mib(size as u64), f.label),
                        f,
                        Duration::from_millis(300),
                    );
                }
            }
            medians.push(figures.iter().map(measure::Figures::median_wall).collect::<Vec<_>>());
            self.discard(&[line]);
        }
        report.linearity(&["render", "databricks", "lint"], &medians[0], &medians[1]);
    }

    /// Goal 5: Key Vault fan-out against the emulator.
    fn fanout_case(&self, report: &mut Report) {
        let plan = &self.scale.fanout;
        let runs: Vec<fanout::Outcome> = (0..self.scale.runs.min(3))
            .map(|_| fanout::run(binary(), &self.dir, plan, self.seed))
            .collect();
        report.fanout(plan, &runs);
    }
}

fn cp(from: &Path, to: &Path) -> Command {
    let mut command = Command::new("cp");
    command.args(["-r", "--reflink=never"]).arg(from).arg(to);
    command
}
