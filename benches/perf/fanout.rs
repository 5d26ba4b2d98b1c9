//! The Key Vault fan-out: `render` of a tree against the emulator (the one the integration
//! tests use) with a fixed latency on every secret GET, counting what reached the vault.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::corpus::{self, Secrets};
use crate::measure::{self, Side};
use crate::support::emulator::{Emulator, Fault, IDENTITY_HEADER, Kind};

/// The shape of one fan-out run.
pub struct Plan {
    pub files: usize,
    pub distinct: usize,
    pub uses: usize,
    pub concurrency: usize,
    pub latency: Duration,
}

/// What one run saw.
pub struct Outcome {
    pub wall: Duration,
    pub max_rss_kib: u64,
    pub gets: usize,
    pub challenges: usize,
    pub tokens: usize,
    pub other: usize,
    pub peak_in_flight: usize,
}

impl Plan {
    /// The floor: `ceil(distinct / concurrency)` rounds of one latency each.
    pub fn floor(&self) -> Duration {
        self.latency * u32::try_from(self.distinct.div_ceil(self.concurrency)).expect("fits")
    }
}

/// Runs the fan-out once in `dir` (one vault, a fresh emulator).
pub fn run(binary: &Path, dir: &Path, plan: &Plan, seed: u64) -> Outcome {
    let secrets = Secrets::new(plan.distinct, 1, seed);
    let tree = corpus::fanout_tree(&dir.join("fanout"), plan.files, plan.uses, &secrets);
    let emulator = Emulator::start();
    for (i, (_, name)) in secrets.names.iter().enumerate() {
        emulator.add_secret(name, &Secrets::value(i));
        emulator.fault(name, Fault::Latency(plan.latency), None);
    }
    let ca = dir.join("fanout-ca.pem");
    std::fs::write(&ca, &emulator.ca_pem).expect("write CA");
    let out = dir.join("fanout-out");
    let _ = std::fs::remove_dir_all(&out);

    let vault = &secrets.names[0].0;
    let mut command = Command::new(binary);
    command
        .arg("render")
        .arg(&tree)
        .arg("-o")
        .arg(&out)
        .args(["--auth", "managed-identity", "--timeout", "10", "--retries", "1"])
        .arg("--concurrency")
        .arg(plan.concurrency.to_string())
        .arg("--vault-url")
        .arg(format!("{vault}={}", emulator.vault_url()))
        .env("SSL_CERT_FILE", &ca)
        .env_remove("SSL_CERT_DIR")
        .env("IDENTITY_ENDPOINT", emulator.identity_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env("GUZZLE_KV_NO_IMDS", "1")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE");
    let sample = measure::run_once(&mut Side::new("render (Key Vault)", command));

    let records = emulator.records();
    let count = |f: &dyn Fn(&crate::support::emulator::Record) -> bool| {
        records.iter().filter(|r| f(r)).count()
    };
    let gets = count(&|r| r.kind == Kind::Get && r.authorized);
    let challenges = count(&|r| !r.authorized && r.status == 401);
    let tokens = count(&|r| matches!(r.kind, Kind::ManagedIdentityToken | Kind::EntraToken));
    Outcome {
        wall: sample.wall,
        max_rss_kib: sample.max_rss_kib,
        gets,
        challenges,
        tokens,
        other: records.len() - gets - challenges - tokens,
        peak_in_flight: emulator.peak_in_flight(),
    }
}
