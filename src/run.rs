//! From parsed arguments to an exit code: logging, colour, configuration, and one
//! function per command.

use std::io::{IsTerminal as _, Write};
use std::path::Path;

use clap::CommandFactory as _;

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, DatabricksArgs, InputArgs, OutputArgs, RefsArgs,
    RefsFormat, RenderArgs, Syntax, VaultArgs,
};
use crate::console::{Console, Exit};
use crate::databricks::References;
use crate::document::Document;
use crate::filetype::FileType;
use crate::refs::Inventory;
use crate::render::Secrets;
use crate::rewrite::{self, Job, Target, error_chain};
use crate::vault::file::FileSource;
use crate::vault::keyvault::{KeyVaultOptions, KeyVaultSource};
use crate::vault::{Lookup, SecretSource};
use crate::walk::{self, Filter, Input, Skipped};

/// Runs one command; results go to `stdout`, messages to `stderr`. Returns the exit code.
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: Box<dyn Write>) -> u8 {
    init_logging(cli.global.verbose, cli.global.quiet);
    let color = match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let mut console = Console::new(stderr, color, cli.global.quiet);
    match cli.command {
        Command::Render(args) => render(&args, stdout, &mut console),
        Command::Databricks(args) => databricks(&args, stdout, &mut console),
        Command::Refs(args) => refs(&args, stdout, &mut console),
        Command::Check(args) => check(&args, stdout, &mut console),
        Command::Lint(_) => {
            console.error(Exit::Input, "this command is not available in this build");
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "guzzle-kv", stdout);
        }
    }
    console.exit.code()
}

/// Logs go to stderr. Only guzzle-kv's own targets are ever enabled: dependency logs (HTTP,
/// TLS, the Azure SDK) can carry headers, so they stay off whatever `RUST_LOG` says.
fn init_logging(verbose: u8, quiet: bool) {
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
        .without_time()
        .try_init();
}

/// Lists the inputs, reporting what the walk passed over at `-v`.
fn inputs(args: &InputArgs, skip_dir: Option<&Path>, console: &mut Console) -> Option<Vec<Input>> {
    let mut filter = match Filter::new(&args.include, &args.exclude) {
        Ok(filter) => filter,
        Err(error) => {
            console.error(Exit::Input, error_chain(&error));
            return None;
        }
    };
    filter.skip_dir = skip_dir.map(Path::to_owned);
    match walk::walk(&args.paths, &filter) {
        Ok((inputs, skipped)) => {
            for skip in skipped {
                match skip {
                    Skipped::Link(path) => {
                        tracing::debug!(path = %path.display(), "symbolic link not followed")
                    }
                    Skipped::Temporary(path) => {
                        tracing::debug!(path = %path.display(), "stale temporary file skipped")
                    }
                }
            }
            Some(inputs)
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
        let file = if into_dir { out.join(&inputs[0].relative) } else { out.clone() };
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
    Ok(Target::Mirror(out.clone()))
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn job(args: &InputArgs, output: &OutputArgs, console: &mut Console) -> Option<Job> {
    let inputs = inputs(args, output.out.as_deref(), console)?;
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
        file_type: args.file_type.map(FileType::from_arg),
        stdin_name: args.stdin_filename.clone(),
        dry_run: output.dry_run,
        strict: output.strict,
    })
}

fn render(args: &RenderArgs, stdout: &mut dyn Write, console: &mut Console) {
    let Some(job) = job(&args.input, &args.output, console) else {
        return;
    };
    let source: Box<dyn SecretSource> = match &args.vault.secrets_file {
        Some(path) => match FileSource::load(path) {
            Ok(source) => {
                tracing::debug!(path = %path.display(), secrets = source.len(), "secrets file loaded");
                Box::new(source)
            }
            Err(error) => {
                console.error(Exit::Input, error_chain(&error));
                return;
            }
        },
        None => match key_vault(&args.vault, console) {
            Some(source) => Box::new(source),
            None => return,
        },
    };
    let mut secrets = Secrets::new(source.as_ref(), args.vault.allow_vault.clone());
    rewrite::run(&job, &mut secrets, console, stdout);
}

fn databricks(args: &DatabricksArgs, stdout: &mut dyn Write, console: &mut Console) {
    let Some(job) = job(&args.input, &args.output, console) else {
        return;
    };
    let mappings: Result<Vec<_>, _> =
        args.scope.iter().map(|m| References::parse_mapping(m)).collect();
    let references =
        mappings.and_then(|m| References::new(args.syntax.unwrap_or(Syntax::Guzzle), m));
    match references {
        Ok(mut references) => rewrite::run(&job, &mut references, console, stdout),
        Err(error) => console.error(Exit::Input, error),
    }
}

/// The Key Vault source for `render` and `check`.
fn key_vault(args: &VaultArgs, console: &mut Console) -> Option<KeyVaultSource> {
    let mut options = match KeyVaultOptions::from_args(args) {
        Ok(options) => options,
        Err(error) => {
            console.error(Exit::from_code(error.exit_code()), error_chain(&error));
            return None;
        }
    };
    options.progress &= !console.is_quiet();
    match KeyVaultSource::new(&options) {
        Ok(source) => Some(source),
        Err(error) => {
            console.error(Exit::from_code(error.exit_code()), error_chain(&error));
            None
        }
    }
}

/// Reads every input and collects the secrets they reference.
fn inventory(args: &InputArgs, console: &mut Console) -> Option<Inventory> {
    let inputs = inputs(args, None, console)?;
    let file_type = args.file_type.map(FileType::from_arg);
    let documents: Vec<Document> = inputs
        .iter()
        .filter_map(|input| {
            match Document::read(input, file_type, args.stdin_filename.as_deref()) {
                Ok(document) => Some(document),
                Err(error) => {
                    console.error(Exit::Input, error_chain(&error));
                    None
                }
            }
        })
        .collect();
    Some(Inventory::collect(&documents, console))
}

fn check(args: &CheckArgs, stdout: &mut dyn Write, console: &mut Console) {
    let Some(inventory) = inventory(&args.input, console) else { return };
    if console.exit != Exit::Success {
        return;
    }
    let Some(source) = key_vault(&args.vault, console) else { return };
    let lookups: Vec<Lookup> = inventory
        .entries
        .iter()
        .map(|e| Lookup { id: e.id.clone(), first_use: e.uses[0].clone() })
        .collect();
    let outcomes = source.check(&lookups);
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

fn refs(args: &RefsArgs, stdout: &mut dyn Write, console: &mut Console) {
    let Some(inventory) = inventory(&args.input, console) else { return };
    let written = match args.output_format {
        RefsFormat::Text => inventory.write_text(stdout),
        RefsFormat::Json => inventory.write_json(stdout),
    };
    report_write(written.and_then(|()| stdout.flush()), console);
}
