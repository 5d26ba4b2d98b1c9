use clap::Parser;

fn main() {
    let _cli = guzzle_kv::cli::Cli::parse();
}
