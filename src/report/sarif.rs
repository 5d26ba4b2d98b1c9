//! `sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps). One
//! run, a rule for every code with its documentation, `columnKind: unicodeCodePoints`,
//! relative artifact URIs, masked snippets, and results in a fixed order. A file lint
//! could not check in full is a tool execution notification of level `error` on the
//! run's invocation, which then did not execute successfully.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use super::{
    FileFindings, Findings, MASK, MaskedLine, Masks, Reporter, end_position, portable_path,
};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::lint::rule_doc;

/// The `sarif` reporter.
pub(super) struct Sarif;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<Outcome>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

/// A SARIF `notification`: a file that was not checked in full.
#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [NotificationLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: NotificationPlace,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationPlace {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Point>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Point {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// A SARIF `result`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<ContextRegion>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContextRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    snippet: Text,
}

impl Reporter for Sarif {
    fn report(&self, findings: &Findings<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut results: Vec<Outcome> = findings
            .files
            .iter()
            .flat_map(|f| {
                let masks = f.masks();
                f.diagnostics.iter().map(move |d| outcome(d, f, &masks))
            })
            .collect();
        results.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: tool(),
                invocations: [invocation(findings)],
                column_kind: "unicodeCodePoints",
                results,
            }],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

fn sort_key(result: &Outcome) -> (&str, u32, u32, &str, &str) {
    let location = &result.locations[0].physical_location;
    let region = &location.region;
    (
        &location.artifact_location.uri,
        region.start_line,
        region.start_column,
        result.rule_id,
        &result.message.text,
    )
}

fn invocation(findings: &Findings<'_>) -> Invocation {
    let notifications = findings
        .unchecked
        .iter()
        .map(|file| Notification {
            level: "error",
            message: Text { text: sentence(&file.message) },
            locations: [NotificationLocation {
                physical_location: NotificationPlace {
                    artifact_location: ArtifactLocation { uri: uri(&portable_path(file.path)) },
                    region: file
                        .position
                        .map(|(start_line, start_column)| Point { start_line, start_column }),
                },
            }],
        })
        .collect::<Vec<_>>();
    Invocation {
        execution_successful: notifications.is_empty(),
        tool_execution_notifications: notifications,
    }
}

fn tool() -> Tool {
    Tool {
        driver: Driver {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            semantic_version: env!("CARGO_PKG_VERSION"),
            information_uri: env!("CARGO_PKG_REPOSITORY"),
            rules: Code::ALL.iter().map(|&code| rule(code)).collect(),
        },
    }
}

fn rule(code: Code) -> Rule {
    let doc = rule_doc(code);
    let (why, fix) = (sentence(doc.why), sentence(doc.fix));
    let text = format!("{why}\n\nExample: {}\n\nFix: {fix}", doc.example);
    let markdown = format!("{why}\n\nExample:\n\n```\n{}\n```\n\nFix: {fix}", doc.example);
    Rule {
        id: code.as_str(),
        name: pascal_case(code.name()),
        short_description: Text { text: sentence(doc.summary) },
        full_description: Text { text: sentence(doc.why) },
        help: Help { text, markdown },
        default_configuration: Configuration { level: level(code.severity()) },
    }
}

fn outcome(d: &Diagnostic, file: &FileFindings<'_>, masks: &Masks) -> Outcome {
    let line = MaskedLine::new(file.text, d.span, masks);
    let shown = line.map_span(d.span.range());
    let snippet = if d.code == Code::Kv101 { MASK.to_owned() } else { line.text[shown].to_owned() };
    let (end_line, end_column) = end_position(file.text, d);
    let region = Region {
        start_line: d.span.line,
        start_column: d.span.column,
        end_line,
        end_column,
        snippet: Text { text: snippet },
    };
    let context_region = context_region(file.text, &line, &region);
    let rule_index = Code::ALL.iter().position(|&c| c == d.code).unwrap_or_default();
    Outcome {
        rule_id: d.code.as_str(),
        rule_index,
        level: level(d.severity),
        message: Text { text: sentence(&d.message) },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri(&portable_path(&d.path)) },
                region,
                context_region,
            },
        }],
    }
}

/// The shown (masked) line around a one-line region, unless the region is all of it.
fn context_region(text: &str, line: &MaskedLine, region: &Region) -> Option<ContextRegion> {
    let width = u32::try_from(text[line.range.clone()].chars().count()).unwrap_or(u32::MAX);
    let end_column = line.first_column.saturating_add(width);
    let is_all_shown = region.start_column == line.first_column && region.end_column == end_column;
    (region.start_line == region.end_line && !is_all_shown).then(|| ContextRegion {
        start_line: region.start_line,
        start_column: line.first_column,
        end_line: region.start_line,
        end_column,
        snippet: Text { text: line.text.clone() },
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// SARIF messages are sentences: a capital letter and a final period.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    let rest = chars.as_str();
    if text.ends_with('.') { format!("{first}{rest}") } else { format!("{first}{rest}.") }
}

fn pascal_case(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative URI reference for a `/`-separated path: everything but unreserved
/// characters and `/` is percent-encoded; absolute paths become `file://` URIs.
fn uri(path: &str) -> String {
    let mut encoded = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    if path.starts_with('/') { format!("file://{encoded}") } else { encoded }
}

#[cfg(test)]
mod tests;
