//! The `guzzle-kv` binary: parse arguments, run, exit with the code of SPEC section 9.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = guzzle_kv::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let code = guzzle_kv::run::run_guarded(cli, &mut stdout, Box::new(std::io::stderr()));
    ExitCode::from(code)
}
