//! Criterion benches of the in-process hot paths: the scanner, the line index, each file
//! type's reader and encoder, and lint of one file. Inputs are built in memory, the same
//! every run. `cargo bench --bench hot_paths`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_main};
use guzzle_kv::filetype::{FileType, analyze};
use guzzle_kv::lint::{LintOptions, check_file};
use guzzle_kv::scan::{ItemKind, scan};
use guzzle_kv::span::LineIndex;

/// About `size` bytes of `file_type` text with a placeholder every ~300 bytes.
fn sample(file_type: FileType, size: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    if file_type == FileType::Json {
        out.push_str("{\"jobs\":[\n");
    }
    while out.len() < size {
        let block = match file_type {
            FileType::Yaml => format!(
                "- name: orders-{n}\n  type: batch\n  # loads orders data\n  source:\n    \
                 host: sql-orders-{n}.database.windows.net\n    port: 1433\n    \
                 username: svc_orders\n    password: \"$<kv:kv-guzzle-prod/orders-{n}-pw>\"\n  \
                 target: /mnt/lake/orders\n"
            ),
            FileType::Json => format!(
                "{}{{\"name\": \"orders-{n}\", \"type\": \"api\", \"url\": \
                 \"https://orders.example.com/v1\", \"timeout\": 30, \"user\": \"svc_orders\", \
                 \"password\": \"$<kv:kv-guzzle-prod/orders-{n}-pw>\", \"retries\": 3}}\n",
                if n == 0 { "" } else { "," }
            ),
            FileType::Properties { .. } => format!(
                "# orders {n}\norders.{n}.url=jdbc:sqlserver://sql-orders.database.windows.net\n\
                 orders.{n}.user=svc_orders\norders.{n}.password=$<kv:kv-guzzle-prod/orders-{n}-pw>\n\
                 orders.{n}.pool.size=12\norders.{n}.pool.timeout=30000\n"
            ),
            FileType::Hocon => format!(
                "orders-{n} {{\n  # the orders store\n  host = \"sql-orders.database.windows.net\"\n  \
                 port = 1433\n  user = \"svc_orders\"\n  password = \"$<kv:kv-guzzle-prod/orders-{n}-pw>\"\n  \
                 pool {{ size = 12 }}\n}}\n"
            ),
            FileType::Env | FileType::Text => format!(
                "# orders {n}\nORDERS_{n}_HOST=sql-orders.database.windows.net\nORDERS_{n}_PORT=1433\n\
                 ORDERS_{n}_USER=svc_orders\nORDERS_{n}_PASSWORD=\"$<kv:kv-guzzle-prod/orders-{n}-pw>\"\n\
                 ORDERS_{n}_POOL=12\nORDERS_{n}_MODE=batch\n"
            ),
        };
        out.push_str(&block);
        n += 1;
    }
    if file_type == FileType::Json {
        out.push_str("]}\n");
    }
    out
}

const TYPES: &[(&str, FileType)] = &[
    ("yaml", FileType::Yaml),
    ("json", FileType::Json),
    ("properties", FileType::Properties { spark: false }),
    ("hocon", FileType::Hocon),
    ("env", FileType::Env),
];

const SIZE: usize = 64 * 1024;

fn scanner(c: &mut Criterion) {
    let text = sample(FileType::Yaml, SIZE);
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("yaml 64 KiB", |b| b.iter(|| scan(black_box(&text)).len()));
    let plain = text.replace("$<kv:", "<kv:");
    group.bench_function("no placeholders 64 KiB", |b| b.iter(|| scan(black_box(&plain)).len()));
    group.bench_function("line index", |b| {
        b.iter(|| {
            let mut index = LineIndex::new(black_box(text.as_bytes()));
            (0..text.len()).step_by(300).map(|at| index.span(at, 1).line).sum::<u32>()
        });
    });
    group.finish();
}

fn encoders(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze+encode");
    for (name, file_type) in TYPES {
        let text = sample(*file_type, SIZE);
        let items = scan(&text);
        let replacements: Vec<Option<&str>> = items
            .iter()
            .map(|i| matches!(i.kind, ItemKind::Placeholder(_)).then_some("s3cr3t-V4lue"))
            .collect();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let analysis = analyze(*file_type, black_box(&text), &items).expect("reads");
                analysis.encode(&text, &items, &replacements).expect("encodes").len()
            });
        });
    }
    group.finish();
}

fn lint(c: &mut Criterion) {
    let options = LintOptions::default();
    let mut group = c.benchmark_group("lint");
    for (name, file_type) in TYPES {
        let text = sample(*file_type, SIZE);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| check_file(Path::new("x"), black_box(&text), *file_type, &options).len());
        });
    }
    group.finish();
}

// The macro defines an undocumented `pub fn benches`.
#[allow(missing_docs)]
mod group {
    use super::{encoders, lint, scanner};
    criterion::criterion_group!(benches, scanner, encoders, lint);
}
use group::benches;
criterion_main!(benches);
