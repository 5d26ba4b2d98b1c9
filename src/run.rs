//! From parsed arguments to an exit code: logging, colour, configuration, and one
//! function per command.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::CommandFactory as _;

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, DatabricksArgs, InputArgs, LintArgs, OutputArgs,
    RefsArgs, RefsFormat, RenderArgs, Syntax, VaultArgs,
};
use crate::config::{Config, ConfigError};
use crate::console::{Console, Exit};
use crate::databricks::References;
use crate::document::Document;
use crate::filetype::{FileType, FileTypes};
use crate::lint::LintOptions;
use crate::refs::Inventory;
use crate::render::Secrets;
use crate::report::{self, FileFindings, Findings, Unchecked, UncheckedKind};
use crate::rewrite::{self, Job, Target, error_chain};
use crate::vault::file::FileSource;
use crate::vault::keyvault::{CheckOutcome, KeyVaultOptions, KeyVaultSource, UrlOrigin, VaultUrl};
use crate::vault::{Lookup, SecretSource};
use crate::walk::{self, Filter, Input, Skipped, file_id};

/// Where to report a bug.
pub const ISSUES: &str = "https://github.com/guzzle-kv/guzzle-kv/issues";

/// Set by the panic hook, on whichever thread panicked.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// [`run`] with the panic hook installed: a panic anywhere, on any thread, prints one
/// line naming its location and exits 2. Temporary files are removed as the stack unwinds.
pub fn run_guarded(cli: Cli, stdout: &mut dyn Write, stderr: Box<dyn Write + Send>) -> u8 {
    install_panic_hook();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, stdout, stderr)));
    match result {
        Ok(_) if PANICKED.load(Ordering::SeqCst) => Exit::Input.code(),
        Ok(code) => code,
        Err(_) => Exit::Input.code(),
    }
}

/// Replaces the default panic message. The default prints the payload, and a payload can
/// hold a secret value (a formatted `expect`, say), so this one names only the location.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if PANICKED.swap(true, Ordering::SeqCst) {
            return;
        }
        let location = info.location().map_or_else(
            || "unknown location".to_owned(),
            |l| format!("{}:{}", l.file(), l.line()),
        );
        // The library prints only through a console, but a panic has none at hand.
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error, this is a bug: {location}; please report it at {ISSUES}"
        );
    }));
}

/// Panics when `GUZZLE_KV_DEBUG_PANIC` names `point`, with `value` in the payload: the leak
/// tests use it to show that the panic hook never prints a payload. Debug builds only.
#[cfg(debug_assertions)]
pub(crate) fn injected_panic(point: &str, value: &str) {
    let asked = std::env::var_os("GUZZLE_KV_DEBUG_PANIC").is_some_and(|p| p == point);
    assert!(!asked, "injected panic at {point} holding {value}");
}

/// Runs one command; results go to `stdout`, messages to `stderr`. Returns the exit code.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: Box<dyn Write + Send>) -> u8 {
    init_logging(
        cli.global.verbose,
        cli.global.quiet,
        use_color(cli.global.color, &std::io::stderr()),
    );
    let color = cli.global.color;
    let mut console = Console::new(stderr, use_color(color, &std::io::stderr()), cli.global.quiet);
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "guzzle-kv", stdout);
        return 0;
    }
    let Some(config) = config(cli.global.config.as_deref(), &mut console) else {
        return console.exit.code();
    };
    match cli.command {
        Command::Render(args) => render(&args, &config, stdout, &mut console),
        Command::Databricks(args) => databricks(&args, &config, stdout, &mut console),
        Command::Lint(args) => {
            let color = use_color(color, &std::io::stdout());
            lint(&args, &config, color, stdout, &mut console);
        }
        Command::Refs(args) => refs(&args, &config, stdout, &mut console),
        Command::Check(args) => check(&args, &config, stdout, &mut console),
        Command::Completions { .. } => {}
    }
    console.exit.code()
}

/// Whether to colour a stream: `auto` colours a terminal unless `NO_COLOR` is set.
fn use_color(choice: ColorChoice, stream: &impl IsTerminal) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stream.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// The configuration file: `--config`, else `guzzle-kv.toml` in the working folder or an
/// ancestor, else the defaults.
fn config(path: Option<&Path>, console: &mut Console) -> Option<Config> {
    let loaded = match path {
        Some(path) => Config::load(path).map(Some),
        None => std::env::current_dir()
            .map_err(|e| ConfigError::Unreadable { path: ".".into(), source: e })
            .and_then(|cwd| Config::discover(&cwd)),
    };
    match loaded {
        Ok(config) => {
            let config = config.unwrap_or_default();
            if let Some(path) = &config.path {
                tracing::debug!(path = %path.display(), "configuration file");
            }
            Some(config)
        }
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            None
        }
    }
}

/// Logs go to stderr. Only guzzle-kv's own targets are ever enabled: dependency logs (HTTP,
/// TLS, the Azure SDK) can carry headers, so they stay off whatever `RUST_LOG` says.
fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!("off,guzzle_kv={level}"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(color)
        .without_time()
        .try_init();
}

/// Lists the inputs, reporting what the walk passed over at `-v`; also returns the stale
/// temporary files it met.
fn inputs(
    args: &InputArgs,
    config: &Config,
    skip_dir: Option<&Path>,
    console: &mut Console,
) -> Option<(Vec<Input>, Vec<PathBuf>)> {
    let include: Vec<String> = config.files.include.iter().chain(&args.include).cloned().collect();
    let exclude: Vec<String> = config.files.exclude.iter().chain(&args.exclude).cloned().collect();
    let mut filter = match Filter::new(&include, &exclude) {
        Ok(filter) => filter,
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            return None;
        }
    };
    filter.skip_dir = skip_dir.map(Path::to_owned);
    match walk::walk(&args.paths, &filter) {
        Ok((mut inputs, skipped)) => {
            // Messages name stdin by `--stdin-filename` when one is given.
            if let Some(name) = &args.stdin_filename {
                inputs.iter_mut().filter(|i| i.is_stdin).for_each(|i| i.path.clone_from(name));
            }
            let mut stale = Vec::new();
            for skip in skipped {
                match skip {
                    Skipped::Link(path) => {
                        tracing::debug!(path = %path.display(), "symbolic link not followed");
                    }
                    Skipped::Temporary(path) => {
                        tracing::debug!(path = %path.display(), "stale temporary file skipped");
                        stale.push(path);
                    }
                    Skipped::Special(path) => {
                        tracing::debug!(path = %path.display(), "not a regular file, skipped");
                    }
                }
            }
            Some((inputs, stale))
        }
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            None
        }
    }
}

/// Decides where results go (SPEC section 4, "Output").
fn target(args: &InputArgs, output: &OutputArgs, inputs: &[Input]) -> Result<Target, String> {
    let single_file = inputs.len() == 1 && args.paths.len() == 1 && !args.paths[0].is_dir();
    if output.in_place {
        if inputs.iter().any(|i| i.is_stdin) {
            return Err("`--in-place` cannot rewrite stdin".into());
        }
        return Ok(Target::InPlace);
    }
    let Some(out) = &output.out else {
        return if single_file {
            Ok(Target::Stdout)
        } else {
            Err("several inputs or a folder need `-o/--out DIR` or `--in-place`".into())
        };
    };
    if single_file {
        let into_dir = out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/');
        let name = if inputs[0].is_stdin {
            match args.stdin_filename.as_deref().and_then(Path::file_name) {
                Some(name) => Path::new(name).to_owned(),
                None if into_dir => {
                    return Err(
                        "stdin into a folder needs `--stdin-filename` to name the file".into()
                    );
                }
                None => PathBuf::new(),
            }
        } else {
            inputs[0].relative.clone()
        };
        let file = if into_dir { out.join(name) } else { out.clone() };
        if !inputs[0].is_stdin && same_file(&inputs[0].path, &file) {
            return Err(format!(
                "`-o {}` is the input itself; use `--in-place` to rewrite it",
                out.display()
            ));
        }
        return Ok(Target::File(file));
    }
    if out.exists() && !out.is_dir() {
        return Err(format!("`-o {}` must be a folder for several inputs", out.display()));
    }
    // A mirror onto the inputs themselves would be `--in-place` without saying so.
    if let Some(input) =
        inputs.iter().find(|i| !i.is_stdin && same_file(&i.path, &out.join(&i.relative)))
    {
        return Err(format!(
            "`-o {}` would overwrite the input `{}`; use `--in-place` to rewrite inputs",
            out.display(),
            input.path.display()
        ));
    }
    Ok(Target::Mirror(out.clone()))
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((file_id(a), file_id(b)), (Some(a), Some(b)) if a == b)
}

/// How file types are chosen, from `--file-type` and `[files.types]`.
fn file_types(args: &InputArgs, config: &Config, console: &mut Console) -> Option<FileTypes> {
    match FileTypes::new(args.file_type, &config.files.types) {
        Ok(types) => Some(types),
        Err(error) => {
            console.error(Exit::Input, format!("invalid glob in `[files.types]`: {error}"));
            None
        }
    }
}

fn job(
    args: &InputArgs,
    output: &OutputArgs,
    config: &Config,
    console: &mut Console,
) -> Option<Job> {
    let types = file_types(args, config, console)?;
    let (inputs, stale) = inputs(args, config, output.out.as_deref(), console)?;
    let target = match target(args, output, &inputs) {
        Ok(target) => target,
        Err(message) => {
            console.error(Exit::Input, message);
            return None;
        }
    };
    Some(Job {
        inputs,
        target,
        types,
        stdin_name: args.stdin_filename.clone(),
        dry_run: output.dry_run,
        strict: output.strict,
        stale,
    })
}

fn render(args: &RenderArgs, config: &Config, stdout: &mut dyn Write, console: &mut Console) {
    let Some(job) = job(&args.input, &args.output, config, console) else { return };
    let source: Box<dyn SecretSource> = match &args.vault.secrets_file {
        Some(path) => match FileSource::load(path) {
            Ok(source) => {
                tracing::debug!(path = %path.display(), secrets = source.len(), "secrets file");
                Box::new(source)
            }
            Err(error) => {
                console.error(Exit::Input, error_chain(&error));
                return;
            }
        },
        None => match key_vault(&args.vault, config, console) {
            Some(source) => Box::new(source),
            None => return,
        },
    };
    let mut secrets = Secrets::new(source.as_ref(), allowed_vaults(&args.vault, config));
    rewrite::run(&job, &mut secrets, console, stdout);
}

/// The vault allow-list: the config file's, plus `--allow-vault`.
fn allowed_vaults(args: &VaultArgs, config: &Config) -> Vec<String> {
    config.vaults.allow.iter().chain(&args.allow_vault).cloned().collect()
}

fn databricks(
    args: &DatabricksArgs,
    config: &Config,
    stdout: &mut dyn Write,
    console: &mut Console,
) {
    let Some(job) = job(&args.input, &args.output, config, console) else { return };
    let from_flags: Result<Vec<_>, _> =
        args.scope.iter().map(|m| References::parse_mapping(m)).collect();
    let syntax = args.syntax.or(config.databricks.syntax).unwrap_or(Syntax::Guzzle);
    let references = from_flags.and_then(|flags| {
        // Flags come last, so they override the config file for the same vault.
        let scopes = config.databricks.scopes.clone().into_iter().chain(flags);
        References::new(syntax, scopes)
    });
    match references {
        Ok(mut references) => rewrite::run(&job, &mut references, console, stdout),
        Err(error) => console.error(Exit::Input, error),
    }
}

/// The Key Vault source for `render` and `check`: flags and environment first, then the
/// config file's cloud, vault URLs and allow-list.
fn key_vault(args: &VaultArgs, config: &Config, console: &mut Console) -> Option<KeyVaultSource> {
    let options = KeyVaultOptions::from_args(args).and_then(|mut options| {
        if args.cloud.is_none() {
            if let Some(cloud) = config.vaults.cloud {
                options.cloud = cloud;
            }
        }
        for (vault, url) in &config.vaults.urls {
            options
                .vault_urls
                .push(VaultUrl::parse_arg(&format!("{vault}={url}"), UrlOrigin::ConfigFile)?);
        }
        options.allow_vaults = allowed_vaults(args, config);
        options.progress &= !console.is_quiet();
        Ok(options)
    });
    match options.and_then(|options| KeyVaultSource::new(&options)) {
        Ok(source) => Some(source),
        Err(error) => {
            console.error(Exit::from_code(error.exit_code()), error_chain(&error));
            None
        }
    }
}

/// Reads every input, reporting those that cannot be read.
fn documents(args: &InputArgs, config: &Config, console: &mut Console) -> Option<Vec<Document>> {
    let types = file_types(args, config, console)?;
    let (inputs, _) = inputs(args, config, None, console)?;
    let stdin_name = args.stdin_filename.as_deref();
    Some(
        inputs
            .iter()
            .filter_map(|input| {
                match Document::read(input, types.for_path(&input.relative), stdin_name) {
                    Ok(document) => Some(document),
                    Err(error) => {
                        console.error(Exit::Input, error_chain(&error));
                        None
                    }
                }
            })
            .collect(),
    )
}

fn lint(
    args: &LintArgs,
    config: &Config,
    color: bool,
    stdout: &mut dyn Write,
    console: &mut Console,
) {
    let Some(types) = file_types(&args.input, config, console) else { return };
    let Some((inputs, _)) = inputs(&args.input, config, None, console) else { return };
    let options = LintOptions::new(args, config);
    let stdin_name = args.input.stdin_filename.as_deref();
    // Files are read and linted one at a time, on every core, and only files with
    // findings are kept: memory follows the findings, not the tree.
    let lint_one = |input: &Input| lint_input(input, &types, stdin_name, &options);
    let outcomes: Vec<Linted> = if inputs.len() > 1 {
        use rayon::prelude::*;
        inputs.par_iter().map(lint_one).collect()
    } else {
        inputs.iter().map(lint_one).collect()
    };
    // Read errors first, then files that cannot be scanned, as when the tree was read
    // before it was linted.
    for outcome in &outcomes {
        if let Linted::Unreadable(error) = outcome {
            console.error(Exit::Input, error_chain(error));
        }
    }
    for outcome in &outcomes {
        if let Linted::Unscannable(error) = outcome {
            console.error(Exit::Input, error);
        }
    }
    // A file its reader gave up on was linted only in part: KV101 needs its keys.
    let mut read_in_part = 0;
    for outcome in &outcomes {
        if let Some(error) = outcome.found().and_then(|file| file.linted.unreadable.as_ref()) {
            console.error(Exit::Input, error);
            console.help(report::SYNTAX_HELP);
            read_in_part += 1;
        }
    }
    let files_checked = outcomes
        .iter()
        .filter(|o| !matches!(o, Linted::Unreadable(_) | Linted::Unscannable(_)))
        .count();
    let not_linted = outcomes.len() - files_checked;
    let findings = Findings {
        unchecked: outcomes.iter().filter_map(Linted::unchecked).collect(),
        files: outcomes
            .iter()
            .filter_map(Linted::found)
            .filter(|file| !file.linted.findings.is_empty())
            .map(|file| FileFindings {
                path: file.document.path(),
                text: file.decoded.as_deref().or(file.document.text()).unwrap_or_default(),
                diagnostics: &file.linted.findings,
                masks: &file.linted.masks,
            })
            .collect(),
        files_checked,
    };
    let reporter = report::reporter(args.output_format, color);
    let written = reporter.report(&findings, stdout).and_then(|()| stdout.flush());
    // A reader that stopped early (`| head`) took what it wanted: SPEC section 9 makes a
    // broken pipe exit 0, so the findings it did not read do not count.
    if written.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
        return;
    }
    report_write(written, console);
    let mut summary = Vec::new();
    let _ = reporter.summary(&findings, &mut summary);
    if !summary.is_empty() && !console.is_quiet() {
        let mut line = String::from_utf8_lossy(&summary).trim_end().to_owned();
        let files =
            |count: usize| if count == 1 { "1 file".to_owned() } else { format!("{count} files") };
        if not_linted > 0 {
            let _ = write!(line, "; {} could not be linted", files(not_linted));
        }
        if read_in_part > 0 {
            let _ = write!(line, "; {} could not be read in full", files(read_in_part));
        }
        console.note(line);
    }
    if findings.summary().errors > 0 {
        console.exit = console.exit.max(Exit::Findings);
    }
}

/// What linting one input came to.
enum Linted {
    Unreadable(crate::document::ReadError),
    Unscannable(crate::document::Unscannable),
    Clean,
    Found(Box<LintedFile>),
}

/// A file with findings, or one its reader gave up on.
struct LintedFile {
    document: Document,
    linted: crate::lint::Linted,
    /// Its text decoded from ISO-8859-1, if it was not UTF-8.
    decoded: Option<String>,
}

impl Linted {
    fn found(&self) -> Option<&LintedFile> {
        match self {
            Self::Found(file) => Some(file),
            _ => None,
        }
    }

    /// What the machine formats say of a file that was not checked in full.
    fn unchecked(&self) -> Option<Unchecked<'_>> {
        let (path, kind, position, message) = match self {
            Self::Clean => return None,
            Self::Found(file) => {
                let error = file.linted.unreadable.as_ref()?;
                let position = Some((error.span.line, error.span.column));
                (
                    error.path.as_path(),
                    UncheckedKind::SyntaxError,
                    position,
                    error.problem.to_string(),
                )
            }
            Self::Unreadable(error) => {
                (error.path.as_path(), UncheckedKind::Unreadable, None, error_chain(error))
            }
            Self::Unscannable(error) => {
                (error.path(), UncheckedKind::Unreadable, None, error.to_string())
            }
        };
        Some(Unchecked { path, kind, position, message })
    }
}

/// Reads and lints one input.
fn lint_input(
    input: &Input,
    types: &FileTypes,
    stdin_name: Option<&Path>,
    options: &LintOptions,
) -> Linted {
    let document = match Document::read(input, types.for_path(&input.relative), stdin_name) {
        Ok(document) => document,
        Err(error) => return Linted::Unreadable(error),
    };
    let lint =
        |text: &str| crate::lint::lint_file(document.path(), text, document.file_type, options);
    // A text file that is not UTF-8: `.properties` is ISO-8859-1 (as Java reads it) and is
    // linted so; the other types with keys are UTF-8 by their own rules, and a file that
    // is not would hide its credentials from lint.
    let other_encoding = document.text().is_none() && !document.is_binary();
    let (linted, decoded) = match document.scannable() {
        _ if other_encoding && matches!(document.file_type, FileType::Properties { .. }) => {
            let text: String = document.bytes.iter().map(|&b| char::from(b)).collect();
            (lint(&text), Some(text))
        }
        Ok(Some(text)) => (lint(text), None),
        Ok(None) if other_encoding && document.file_type != FileType::Text => {
            let path = document.path().to_owned();
            return Linted::Unscannable(crate::document::Unscannable::NotUtf8Keys { path });
        }
        Ok(None) => (crate::lint::Linted::default(), None),
        Err(error) => return Linted::Unscannable(error),
    };
    if linted.findings.is_empty() && linted.unreadable.is_none() {
        Linted::Clean
    } else {
        Linted::Found(Box::new(LintedFile { document, linted, decoded }))
    }
}

fn check(args: &CheckArgs, config: &Config, stdout: &mut dyn Write, console: &mut Console) {
    let Some(documents) = documents(&args.input, config, console) else { return };
    let inventory = Inventory::collect(&documents, console);
    if console.exit != Exit::Success {
        return;
    }
    let lookups: Vec<Lookup> = inventory
        .entries
        .iter()
        .map(|e| Lookup { id: e.id.clone(), first_use: e.uses[0].clone() })
        .collect();
    // A secrets file answers offline: a secret is there or missing.
    let outcomes = if let Some(path) = &args.vault.secrets_file {
        match FileSource::load(path) {
            Ok(source) => {
                let allowed = allowed_vaults(&args.vault, config);
                let answers = source.resolve(&lookups);
                lookups
                    .iter()
                    .zip(answers)
                    .map(|(lookup, answer)| match answer {
                        _ if !crate::render::is_allowed(&allowed, &lookup.id.vault) => {
                            CheckOutcome::Failed(crate::vault::ResolveError::NotAllowed)
                        }
                        Ok(_) => CheckOutcome::Present,
                        Err(_) => CheckOutcome::Missing,
                    })
                    .collect()
            }
            Err(error) => {
                console.error(Exit::Input, error_chain(&error));
                return;
            }
        }
    } else {
        let Some(source) = key_vault(&args.vault, config, console) else { return };
        source.check(&lookups)
    };
    let written = crate::check::report(&inventory, &outcomes, args.output_format, stdout, console);
    report_write(written, console);
}

/// Reports a failed write to stdout; a closed pipe is not a failure.
fn report_write(written: std::io::Result<()>, console: &mut Console) {
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            console.error(Exit::Input, format!("cannot write to stdout: {error}"));
        }
    }
}

fn refs(args: &RefsArgs, config: &Config, stdout: &mut dyn Write, console: &mut Console) {
    let Some(documents) = documents(&args.input, config, console) else { return };
    let inventory = Inventory::collect(&documents, console);
    let written = match args.output_format {
        RefsFormat::Text => inventory.write_text(stdout),
        RefsFormat::Json => inventory.write_json(stdout),
    };
    report_write(written.and_then(|()| stdout.flush()), console);
}
