//! The benchmark inputs, generated from a seed so that every run measures the same bytes:
//! a Guzzle-like tree of YAML, JSON, .properties, HOCON and .env files with a placeholder
//! every ~300 bytes, one large YAML file (and its `${VAR}` twin for `envsubst`), a small
//! file for start-up, and one multi-megabyte line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// splitmix64: small, fast and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const VAULTS: &[&str] = &["kv-guzzle-prod", "kv-guzzle-dev", "kv-crm-prod"];
const WORDS: &[&str] = &[
    "orders", "billing", "crm", "ledger", "sales", "stock", "hr", "payroll", "claims", "events",
    "audit", "lake", "ingest", "export", "customer", "invoice", "supplier", "fleet",
];
const PASSWORD_KEYS: &[&str] = &["password", "client_secret", "sas_token", "api_key", "pwd"];

/// The distinct secrets a corpus uses, by index.
#[derive(Clone, Debug)]
pub struct Secrets {
    pub names: Vec<(String, String)>,
}

impl Secrets {
    /// `count` distinct secrets spread over `vaults` vaults.
    pub fn new(count: usize, vaults: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x05EC_2E75);
        let names = (0..count)
            .map(|i| {
                let vault = VAULTS[i % vaults.clamp(1, VAULTS.len())].to_owned();
                let name = format!("{}-{}-{i:03}-password", rng.pick(WORDS), rng.pick(WORDS));
                (vault, name)
            })
            .collect();
        Self { names }
    }

    /// The value of secret `i`: 24 letters and digits, so every context takes it raw.
    pub fn value(i: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut rng = Rng::new(i as u64 ^ 0x000A_11CE);
        (0..24).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect()
    }

    /// The `--secrets-file` JSON for these secrets.
    pub fn file_json(&self) -> String {
        let map: BTreeMap<String, String> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, (v, s))| (format!("{v}/{s}"), Self::value(i)))
            .collect();
        serde_json::to_string_pretty(&map).expect("JSON")
    }

    /// The environment `envsubst` needs for the `${KV_i}` twin.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        (0..self.names.len()).map(|i| (format!("KV_{i}"), Self::value(i))).collect()
    }
}

/// How a placeholder for secret `i` is written.
#[derive(Clone, Copy)]
pub enum Form {
    /// `$<kv:VAULT/SECRET>`.
    Placeholder,
    /// `${KV_i}`, for envsubst.
    EnvVar,
}

struct Writer<'a> {
    rng: &'a mut Rng,
    secrets: &'a Secrets,
    form: Form,
    out: String,
    /// How many placeholders were written.
    uses: usize,
}

impl Writer<'_> {
    fn placeholder(&mut self) -> String {
        let i = self.rng.below(self.secrets.names.len());
        self.uses += 1;
        match self.form {
            Form::Placeholder => {
                let (vault, secret) = &self.secrets.names[i];
                format!("$<kv:{vault}/{secret}>")
            }
            Form::EnvVar => format!("${{KV_{i}}}"),
        }
    }

    fn word(&mut self) -> &'static str {
        self.rng.pick(WORDS)
    }

    /// One YAML job of about 300 bytes with one placeholder.
    fn yaml_block(&mut self, n: usize) {
        let (a, b, c) = (self.word(), self.word(), self.word());
        let key = self.rng.pick(PASSWORD_KEYS);
        let value = self.placeholder();
        let value = match self.rng.below(3) {
            0 => format!("\"{value}\""),
            1 => format!("'{value}'"),
            _ => value,
        };
        let _ = write!(
            self.out,
            "  - name: {a}-{b}-{n:05}\n    type: batch\n    # loads {a} data from the {b} system\n    \
             source:\n      host: sql-{c}-{n}.database.windows.net\n      port: 1433\n      \
             username: svc_{a}\n      {key}: {value}\n    target:\n      path: /mnt/lake/{b}/{c}\n"
        );
    }

    fn json_block(&mut self, n: usize, first: bool) {
        let (a, b) = (self.word(), self.word());
        let key = self.rng.pick(PASSWORD_KEYS);
        let value = self.placeholder();
        let sep = if first { "" } else { ",\n" };
        let _ = write!(
            self.out,
            "{sep}    {{\n      \"name\": \"{a}-{b}-{n:05}\",\n      \"type\": \"api\",\n      \
             \"url\": \"https://{a}.example.com/{b}/v1\",\n      \"timeout\": 30,\n      \
             \"user\": \"svc_{b}\",\n      \"{key}\": \"{value}\",\n      \"retries\": 3\n    }}"
        );
    }

    fn properties_block(&mut self, n: usize) {
        let (a, b) = (self.word(), self.word());
        let value = self.placeholder();
        let _ = write!(
            self.out,
            "# {a} connection {n}\n{a}.{b}.{n}.url=jdbc:sqlserver://sql-{a}.database.windows.net:1433\n\
             {a}.{b}.{n}.user=svc_{b}\n{a}.{b}.{n}.password={value}\n{a}.{b}.{n}.pool.size=12\n\
             {a}.{b}.{n}.pool.timeout=30000\n"
        );
    }

    fn hocon_block(&mut self, n: usize) {
        let (a, b) = (self.word(), self.word());
        let value = self.placeholder();
        let _ = write!(
            self.out,
            "{a}-{n} {{\n  # the {b} store\n  host = \"sql-{b}.database.windows.net\"\n  \
             port = 1433\n  user = \"svc_{a}\"\n  password = \"{value}\"\n  pool {{ size = 12, \
             timeout = 30s }}\n}}\n"
        );
    }

    fn env_block(&mut self, n: usize) {
        let (a, b) = (self.word(), self.word());
        let upper = format!("{}_{}_{n}", a.to_uppercase(), b.to_uppercase());
        let value = self.placeholder();
        let _ = write!(
            self.out,
            "# {a} {b}\n{upper}_HOST=sql-{a}.database.windows.net\n{upper}_PORT=1433\n\
             {upper}_USER=svc_{b}\n{upper}_PASSWORD=\"{value}\"\n{upper}_POOL=12\n"
        );
    }
}

/// The file types of the tree, with their share in percent.
const KINDS: &[(&str, usize)] =
    &[("yml", 60), ("json", 20), ("properties", 8), ("conf", 7), ("env", 5)];

fn kind(rng: &mut Rng) -> &'static str {
    let mut roll = rng.below(100);
    for (ext, share) in KINDS {
        if roll < *share {
            return ext;
        }
        roll -= share;
    }
    "yml"
}

/// One file of about `size` bytes of type `ext`.
fn file_text(rng: &mut Rng, secrets: &Secrets, ext: &str, size: usize) -> (String, usize) {
    let mut w = Writer { rng, secrets, form: Form::Placeholder, out: String::new(), uses: 0 };
    let mut n = 0;
    match ext {
        "yml" => w.out.push_str("# Guzzle job configuration\nversion: 2\njobs:\n"),
        "json" => w.out.push_str("{\n  \"version\": 2,\n  \"jobs\": [\n"),
        _ => {}
    }
    while w.out.len() < size {
        match ext {
            "yml" => w.yaml_block(n),
            "json" => w.json_block(n, n == 0),
            "properties" => w.properties_block(n),
            "conf" => w.hocon_block(n),
            _ => w.env_block(n),
        }
        n += 1;
    }
    if ext == "json" {
        w.out.push_str("\n  ]\n}\n");
    }
    (w.out, w.uses)
}

/// What a generated tree holds.
#[derive(Clone, Debug, Default)]
pub struct TreeStats {
    pub files: usize,
    pub bytes: u64,
    pub placeholders: usize,
}

/// Writes a tree of `files` files averaging `mean_size` bytes below `root`.
pub fn tree(
    root: &Path,
    files: usize,
    mean_size: usize,
    secrets: &Secrets,
    seed: u64,
) -> TreeStats {
    let mut rng = Rng::new(seed);
    let mut stats = TreeStats::default();
    for i in 0..files {
        let ext = kind(&mut rng);
        let size = mean_size / 4 + rng.below(mean_size * 3 / 2 + 1);
        let (text, uses) = file_text(&mut rng, secrets, ext, size);
        let domain = WORDS[i % WORDS.len()];
        let dir = root.join(domain).join(format!("{:02}", (i / WORDS.len()) % 50));
        std::fs::create_dir_all(&dir).expect("create tree folder");
        let name = match ext {
            "env" => format!("job-{i:05}.env"),
            _ => format!("job-{i:05}.{ext}"),
        };
        std::fs::write(dir.join(name), &text).expect("write tree file");
        stats.files += 1;
        stats.bytes += text.len() as u64;
        stats.placeholders += uses;
    }
    stats
}

/// One YAML file of about `size` bytes, written as `form`; returns the number of
/// placeholders. It is written a chunk at a time: a child starts as a copy of the
/// harness's address space until it execs, so its peak RSS counts the harness's peak, and
/// the harness must never hold a large input itself.
pub fn big_yaml(path: &Path, size: usize, secrets: &Secrets, seed: u64, form: Form) -> usize {
    let mut rng = Rng::new(seed);
    let mut w = Writer { rng: &mut rng, secrets, form, out: String::new(), uses: 0 };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("big YAML"));
    w.out.push_str("# Guzzle job configuration\nversion: 2\njobs:\n");
    let (mut n, mut written) = (0, 0);
    while written + w.out.len() < size {
        w.yaml_block(n);
        n += 1;
        if w.out.len() > 64 * 1024 {
            file.write_all(w.out.as_bytes()).expect("write big YAML");
            written += w.out.len();
            w.out.clear();
        }
    }
    file.write_all(w.out.as_bytes()).and_then(|()| file.flush()).expect("write big YAML");
    w.uses
}

/// A YAML file of about 2 KB, the size of a job config a pre-launch hook rewrites.
pub fn small_yaml(path: &Path, secrets: &Secrets, seed: u64) {
    let mut rng = Rng::new(seed);
    let (text, _) = file_text(&mut rng, secrets, "yml", 2048);
    std::fs::write(path, text).expect("write small YAML");
}

/// One JSON line of about `size` bytes with no final newline (the BR-28 case), with a
/// placeholder every ~300 bytes.
pub fn long_line(path: &Path, size: usize, secrets: &Secrets) -> usize {
    let mut out = String::with_capacity(size + 512);
    out.push_str("{\"rows\":[");
    let mut uses = 0;
    while out.len() < size {
        let (vault, secret) = &secrets.names[uses % secrets.names.len()];
        let _ = write!(
            out,
            "{{\"a\":\"xxxxxxxxxxxxxxxxxxxx\"}},{{\"b\":\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}},\
             {{\"c\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}},\
             {{\"d\":\"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww\"}},\
             {{\"pw\":\"$<kv:{vault}/{secret}>\"}},"
        );
        uses += 1;
    }
    out.push_str("{\"end\":true}]}");
    std::fs::write(path, out).expect("write long line");
    uses
}

/// A tree of `files` small YAML files using `distinct` secrets `uses` times in all, for
/// the Key Vault fan-out; every secret is used at least once.
pub fn fanout_tree(root: &Path, files: usize, uses: usize, secrets: &Secrets) -> PathBuf {
    std::fs::create_dir_all(root).expect("create fan-out tree");
    let per_file = uses.div_ceil(files);
    let mut k = 0;
    for f in 0..files {
        let mut text = String::from("jobs:\n");
        for _ in 0..per_file {
            if k == uses {
                break;
            }
            let (vault, secret) = &secrets.names[k % secrets.names.len()];
            let _ = write!(text, "  - name: job-{k}\n    password: \"$<kv:{vault}/{secret}>\"\n");
            k += 1;
        }
        std::fs::write(root.join(format!("job-{f:04}.yml")), text).expect("write fan-out file");
    }
    root.to_owned()
}
