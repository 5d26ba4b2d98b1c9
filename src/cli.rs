//! The command line: clap definitions only. `run` turns them into work.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success; lint found no errors
  1  findings: lint errors, or `check` found missing, disabled or expired secrets
  2  usage, input or I/O error (malformed placeholder, value that cannot be encoded,
     refused symlink, unreadable file)
  3  a secret could not be resolved: not found, access denied, authentication failed
  4  Key Vault unavailable after retries: throttled, timed out, server error, network
When several apply, the first of 2, 3, 4, 1 wins.";

/// Render, rewrite and lint Azure Key Vault placeholders (`$<kv:VAULT/SECRET>`) in
/// Guzzle configuration trees.
#[derive(Debug, Parser)]
#[command(name = "guzzle-kv", version, after_help = EXIT_CODES, max_term_width = 100)]
#[command(rename_all = "kebab-case")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr (-v decisions, -vv details); never a secret value.
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Configuration file (default: `guzzle-kv.toml` in the working folder or an ancestor).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
#[command(rename_all = "kebab-case")]
pub enum Command {
    /// Replace each placeholder with its secret value, encoded for where it stands.
    #[command(after_help = EXIT_CODES)]
    Render(RenderArgs),
    /// Rewrite each placeholder to a Databricks secret reference; no vault is contacted.
    #[command(after_help = EXIT_CODES)]
    Databricks(DatabricksArgs),
    /// Report malformed placeholders, invalid names, plaintext credentials and more.
    #[command(after_help = EXIT_CODES)]
    Lint(LintArgs),
    /// List every secret the files need, with where each is used.
    #[command(after_help = EXIT_CODES)]
    Refs(RefsArgs),
    /// Check that every referenced secret exists, is enabled and unexpired; reads no value.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Files to read and how to read them.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Files or folders to process; `-` reads stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Treat every input as this file type instead of guessing from its name.
    #[arg(long, value_enum, help_heading = "Input")]
    pub file_type: Option<FileTypeArg>,

    /// The name that stands for stdin when guessing its file type.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub stdin_filename: Option<PathBuf>,

    /// Only visit files matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "Input")]
    pub include: Vec<String>,

    /// Skip files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "Input")]
    pub exclude: Vec<String>,
}

/// Where rewritten files go.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Write here: a file for one input, or a folder that mirrors the inputs.
    #[arg(
        short,
        long = "out",
        visible_alias = "output",
        value_name = "PATH",
        help_heading = "Output"
    )]
    pub out: Option<PathBuf>,

    /// Rewrite the inputs themselves.
    #[arg(long, conflicts_with = "out", help_heading = "Output")]
    pub in_place: bool,

    /// Do everything but write; print what would change, values shown as their length.
    #[arg(long, help_heading = "Output")]
    pub dry_run: bool,

    /// Make near misses (`$<KV:`, `${kv:` ...) errors instead of warnings.
    #[arg(long, help_heading = "Output")]
    pub strict: bool,
}

/// Where secrets come from and how Key Vault is reached.
#[derive(Debug, Args, Clone)]
pub struct VaultArgs {
    /// Read secrets from this JSON file instead of Key Vault (no network).
    #[arg(long, value_name = "FILE", env = "GUZZLE_KV_SECRETS_FILE", help_heading = "Key Vault")]
    pub secrets_file: Option<PathBuf>,

    /// The Azure cloud whose Key Vault domain builds vault URLs.
    #[arg(long, value_enum, env = "GUZZLE_KV_CLOUD", help_heading = "Key Vault")]
    pub cloud: Option<Cloud>,

    /// Use this URL for one vault (`VAULT=URL`; repeatable).
    #[arg(long, value_name = "VAULT=URL", help_heading = "Key Vault")]
    pub vault_url: Vec<String>,

    /// Only these vaults may be used (repeatable; adds to the config file's list).
    #[arg(long, value_name = "VAULT", help_heading = "Key Vault")]
    pub allow_vault: Vec<String>,

    /// How to authenticate.
    #[arg(long, value_enum, env = "GUZZLE_KV_AUTH", help_heading = "Key Vault")]
    pub auth: Option<AuthKind>,

    /// Client id of a user-assigned managed identity (default: `AZURE_CLIENT_ID`).
    #[arg(long, value_name = "ID", help_heading = "Key Vault")]
    pub identity_client_id: Option<String>,

    /// At most this many requests in flight.
    #[arg(long, value_name = "N", default_value_t = 16, help_heading = "Key Vault")]
    pub concurrency: usize,

    /// Seconds each request may take.
    #[arg(long, value_name = "SECS", default_value_t = 10, help_heading = "Key Vault")]
    pub timeout: u64,

    /// Retries after the first attempt.
    #[arg(long, value_name = "N", default_value_t = 4, help_heading = "Key Vault")]
    pub retries: u32,
}

/// `guzzle-kv render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Outputs.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Secret source.
    #[command(flatten)]
    pub vault: VaultArgs,
}

/// `guzzle-kv databricks`.
#[derive(Debug, Args)]
pub struct DatabricksArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Outputs.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Which reference syntax to write.
    #[arg(long, value_enum, help_heading = "Databricks")]
    pub syntax: Option<Syntax>,
    /// Use SCOPE for VAULT (`VAULT=SCOPE`; repeatable; default: the vault name).
    #[arg(long, value_name = "VAULT=SCOPE", help_heading = "Databricks")]
    pub scope: Vec<String>,
}

/// `guzzle-kv lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = LintFormat::Full, help_heading = "Output")]
    pub output_format: LintFormat,
    /// Where the files will be used.
    #[arg(long, value_enum, default_value_t = Target::Vm, help_heading = "Lint")]
    pub target: Target,
    /// The reference syntax `databricks` will write (for KV202).
    #[arg(long, value_enum, help_heading = "Lint")]
    pub syntax: Option<Syntax>,
    /// Only these vaults may be used (repeatable; adds to the config file's list).
    #[arg(long, value_name = "VAULT", help_heading = "Lint")]
    pub allow_vault: Vec<String>,
}

/// `guzzle-kv refs`.
#[derive(Debug, Args)]
pub struct RefsArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to print the inventory.
    #[arg(long, value_enum, default_value_t = RefsFormat::Text, help_heading = "Output")]
    pub output_format: RefsFormat,
}

/// `guzzle-kv check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Key Vault access.
    #[command(flatten)]
    pub vault: VaultArgs,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = RefsFormat::Text, help_heading = "Output")]
    pub output_format: RefsFormat,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--file-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileTypeArg {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// Java .properties and spark-defaults.conf.
    Properties,
    /// HOCON.
    Hocon,
    /// dotenv files.
    Env,
    /// Anything else: values go in raw.
    Text,
}

/// `--syntax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// `<<secrets/SCOPE/KEY>>`, which Guzzle resolves.
    Guzzle,
    /// `{{secrets/SCOPE/KEY}}`, which Databricks resolves in Spark conf and env vars.
    Spark,
}

/// `--target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The Guzzle VM: `render` with Key Vault.
    Vm,
    /// A Databricks cluster: `databricks` rewrites.
    Databricks,
}

/// `--cloud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Azure public cloud (`vault.azure.net`).
    Public,
    /// Azure China (`vault.azure.cn`).
    China,
    /// Azure US Government (`vault.usgovcloudapi.net`).
    Usgov,
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    /// Workload identity, client secret, managed identity, then Azure CLI.
    Auto,
    /// The VM's (or App Service's) managed identity.
    ManagedIdentity,
    /// Federated token file (`AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// Service principal secret (`AZURE_CLIENT_SECRET`).
    ClientSecret,
    /// The signed-in Azure CLI.
    AzureCli,
}

/// `lint --output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Each finding with its source line and a caret.
    Full,
    /// One line a finding.
    Concise,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
}

/// `refs`/`check --output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RefsFormat {
    /// Human-readable text.
    Text,
    /// JSON.
    Json,
}
