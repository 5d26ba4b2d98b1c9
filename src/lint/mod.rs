//! The lint engine (SPEC section 7): runs every rule over one file and returns its
//! findings, sorted by position. Pure and synchronous; reporters print the results.
//!
//! One module per rule, each with a [`RuleDoc`] that the SARIF reporter reuses. A
//! placeholder inside a comment gets KV102 only: the comment is never rendered, so its
//! names, version and vault do not matter (no KV001-KV005, KV201, KV202 or KV301).

mod credential_name;
mod embedded;
mod ignore;
mod kv00x_placeholder;
mod kv101_plaintext;
mod kv102_comment;
mod kv201_version_pin;
mod kv202_embedded;
mod kv301_allow_list;
mod pairs;
mod suppress;

use std::ops::Range;
use std::path::Path;

pub use credential_name::{CONNECTION_STRING_NAMES, CREDENTIAL_NAMES, CredentialNames, KeyClass};
pub use ignore::{IgnoreRule, Ignores};

use crate::cli::{Syntax, Target};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::SyntaxError;
use crate::filetype::{self, FileType, Site};
use crate::scan::{self, Item};
use crate::span::LineIndex;

/// What a lint run checks for, from the command line and the config file.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Where the files will be used (`--target`); `databricks` enables KV201 and KV202.
    pub target: Target,
    /// The syntax `databricks` will write (`--syntax`); `spark` enables KV202.
    pub syntax: Syntax,
    /// Vaults placeholders may name (KV301), compared case-insensitively; empty allows all.
    pub allow_vaults: Vec<String>,
    /// Key names that hold credentials, beyond the built-in list (KV101).
    pub extra_credential_names: Vec<String>,
    /// Findings silenced by path, from the config file's `[[lint.ignore]]`.
    pub ignores: Ignores,
    /// The credential names with the extra ones, made once for the whole run.
    names: std::sync::OnceLock<credential_name::CredentialNames>,
}

impl Default for LintOptions {
    fn default() -> Self {
        Self {
            target: Target::Vm,
            syntax: Syntax::Guzzle,
            allow_vaults: Vec::new(),
            extra_credential_names: Vec::new(),
            ignores: Ignores::default(),
            names: std::sync::OnceLock::new(),
        }
    }
}

impl LintOptions {
    /// The options of a `lint` run: flags first, then the config file. `--allow-vault`
    /// adds to the file's `[vaults] allow`; `--syntax` overrides `[databricks] syntax`.
    pub fn new(args: &crate::cli::LintArgs, config: &crate::config::Config) -> Self {
        let mut allow_vaults = config.vaults.allow.clone();
        allow_vaults.extend(args.allow_vault.iter().cloned());
        Self {
            target: args.target,
            syntax: args.syntax.or(config.databricks.syntax).unwrap_or(Syntax::Guzzle),
            allow_vaults,
            extra_credential_names: config.lint.credential_names.clone(),
            ignores: config.ignores(),
            names: std::sync::OnceLock::new(),
        }
    }

    /// The built-in credential names and [`LintOptions::extra_credential_names`].
    pub(crate) fn credential_names(&self) -> &credential_name::CredentialNames {
        self.names
            .get_or_init(|| credential_name::CredentialNames::new(&self.extra_credential_names))
    }
}

/// What each rule sees of one file.
pub(crate) struct Context<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub file_type: FileType,
    pub items: &'a [Item<'a>],
    /// Where each item sits, parallel to `items`.
    pub sites: &'a [Site],
    /// The file's key/value pairs, for KV101.
    pub pairs: &'a pairs::Pairs,
    pub options: &'a LintOptions,
}

impl Context<'_> {
    /// The items outside comments, with their sites.
    pub(crate) fn live_items(&self) -> impl Iterator<Item = (&Item<'_>, &Site)> {
        self.items.iter().zip(self.sites).filter(|(_, site)| !site.in_comment)
    }

    /// A finding at `span` in this file.
    pub(crate) fn finding(
        &self,
        code: Code,
        span: crate::span::Span,
        message: String,
    ) -> Diagnostic {
        Diagnostic::new(code, self.path.to_owned(), span, message)
    }
}

/// What lint found in one file.
#[derive(Clone, Debug, Default)]
pub struct Linted {
    /// The findings, sorted by position, then code.
    pub findings: Vec<Diagnostic>,
    /// Credential text beyond the KV101 findings' own spans, which every format that
    /// shows source masks too (see [`crate::report::FileFindings::masks`]).
    pub masks: Vec<Range<usize>>,
    /// Where the file's reader gave up (YAML only): pairs past it were not checked for
    /// plaintext credentials, so the file was not fully linted.
    pub unreadable: Option<SyntaxError>,
}

/// Lints one file: every rule, then inline suppressions and `[[lint.ignore]]` entries.
/// Findings come sorted by position, then code.
///
/// When the file type's reader rejects the file, every item counts as outside comments
/// and as a whole value (so KV102 and KV202 stay silent) and KV101 sees the pairs read
/// before the problem; the problem is returned in [`Linted::unreadable`].
pub fn lint_file(path: &Path, text: &str, file_type: FileType, options: &LintOptions) -> Linted {
    let items = scan::scan(text);
    let (sites, pairs, values) = read(file_type, text, &items);
    let (sites, unreadable) = match sites {
        Ok(sites) => (sites, None),
        Err(problem) => {
            let span = LineIndex::new(text.as_bytes()).span(problem.offset.min(text.len()), 0);
            let error = SyntaxError { path: path.to_owned(), span, problem };
            (vec![Site { in_comment: false, whole_value: true }; items.len()], Some(error))
        }
    };
    let context =
        Context { path, text, file_type, items: &items, sites: &sites, pairs: &pairs, options };
    let (mut findings, mut masks) = run_rules(&context);
    if findings.is_empty() {
        return Linted { findings, masks, unreadable };
    }
    // Past the point where its reader stopped, a file's credentials were not looked for:
    // every shown line from there on is masked but for its placeholders.
    if let Some(error) = &unreadable {
        let line_start = text[..error.span.offset].rfind('\n').map_or(0, |i| i + 1);
        masks.extend(outside_items(&items, line_start..text.len()));
    }

    // Only a file with findings needs to know where its values are (the parse of YAML
    // said so already); other types take them from their pairs.
    let values = values.unwrap_or_else(|| {
        let mut values: Vec<Range<usize>> = pairs.pairs.iter().map(|p| p.value.clone()).collect();
        values.sort_by_key(|v| v.start);
        values
    });
    let suppressions = suppress::Suppressions::new(text, file_type, &values);
    findings.retain(|d| {
        let kept = !options.ignores.is_ignored(path, d.code) && !suppressions.silence(d);
        // A silenced credential is still not shown where another finding shows its line.
        if !kept && d.code == Code::Kv101 {
            masks.push(d.span.range());
        }
        kept
    });
    findings.sort_by_key(|d| (d.span.offset, d.code));
    masks.extend(comment_masks(&context, &suppressions, &findings));
    Linted { findings, masks, unreadable }
}

/// The comments on the lines that findings are shown on, where they name a credential
/// or hold a URL with a user:
/// comments are not searched for plaintext credentials, so a commented-out `# password:
/// hunter2` beside a finding would be shown as written by `full` and SARIF. The items in
/// such a comment stay visible; the rest of its text is masked.
fn comment_masks(
    context: &Context<'_>,
    suppressions: &suppress::Suppressions<'_>,
    findings: &[Diagnostic],
) -> Vec<Range<usize>> {
    if findings.is_empty() || !context.file_type.has_comments() {
        return Vec::new();
    }
    let names = context.options.credential_names();
    let names_a_credential = |comment: &str| {
        let url_credential = comment.contains("://") && comment.contains('@');
        url_credential
            || comment
                .split(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
                .any(|word| names.classify(word) == credential_name::KeyClass::Credential)
    };
    let mut masks = Vec::new();
    let mut last = None;
    for finding in findings {
        let Some(comment) = suppressions.comment_on_line(finding.span.offset) else { continue };
        if last.replace(comment.start) == Some(comment.start) {
            continue;
        }
        if names_a_credential(&context.text[comment.clone()]) {
            let marker = if context.text[comment.clone()].starts_with("//") { 2 } else { 1 };
            masks.extend(outside_items(context.items, comment.start + marker..comment.end));
        }
    }
    masks
}

/// The parts of `range` outside the scanned items in it.
fn outside_items(items: &[Item<'_>], range: Range<usize>) -> Vec<Range<usize>> {
    let first = items.partition_point(|i| i.span.offset < range.start);
    let mut parts = Vec::new();
    let mut at = range.start;
    for item in items[first..].iter().take_while(|i| i.span.offset < range.end) {
        parts.push(at..item.span.offset);
        at = item.span.end();
    }
    parts.push(at..range.end.max(at));
    parts.retain(|part| !part.is_empty());
    parts
}

/// The findings of [`lint_file`].
pub fn check_file(
    path: &Path,
    text: &str,
    file_type: FileType,
    options: &LintOptions,
) -> Vec<Diagnostic> {
    lint_file(path, text, file_type, options).findings
}

/// Ranges of a file that hold values, in order.
type Values = Vec<Range<usize>>;

/// Where each item sits, the file's pairs, and for YAML where a `#` starts no comment
/// because it is in a value (its quoted and block scalars, in order). YAML is parsed once for
/// all, since its reader is the slowest part of a lint run.
fn read(
    file_type: FileType,
    text: &str,
    items: &[Item<'_>],
) -> (Result<Vec<Site>, filetype::SyntaxProblem>, pairs::Pairs, Option<Values>) {
    if file_type == FileType::Yaml {
        let mut walk = pairs::YamlWalk::new(text);
        let mut values = Vec::new();
        let analysis = filetype::analyze_yaml(text, items, |event, range| {
            if let saphyr_parser::Event::Scalar(_, style, ..) = event {
                if *style != saphyr_parser::ScalarStyle::Plain {
                    values.push(range.clone());
                }
            }
            walk.event(event, range);
        });
        (analysis.map(|a| a.sites(text, items)), walk.finish(), Some(values))
    } else {
        (filetype::sites(file_type, text, items), pairs::extract(file_type, text), None)
    }
}

fn run_rules(context: &Context<'_>) -> (Vec<Diagnostic>, Vec<Range<usize>>) {
    let mut findings = kv00x_placeholder::check(context);
    let plaintext = kv101_plaintext::check(context);
    findings.extend(plaintext.findings);
    findings.extend(kv102_comment::check(context));
    findings.extend(kv201_version_pin::check(context));
    findings.extend(kv202_embedded::check(context));
    findings.extend(kv301_allow_list::check(context));
    (findings, plaintext.masks)
}

/// The documentation of one rule, shown by `full` help lines and SARIF rule metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleDoc {
    /// The rule.
    pub code: Code,
    /// One sentence: what it finds.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A line that triggers it.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

/// The documentation of a rule.
pub fn rule_doc(code: Code) -> &'static RuleDoc {
    match code {
        Code::Kv001 => &kv00x_placeholder::KV001,
        Code::Kv002 => &kv00x_placeholder::KV002,
        Code::Kv003 => &kv00x_placeholder::KV003,
        Code::Kv004 => &kv00x_placeholder::KV004,
        Code::Kv005 => &kv00x_placeholder::KV005,
        Code::Kv101 => &kv101_plaintext::DOC,
        Code::Kv102 => &kv102_comment::DOC,
        Code::Kv201 => &kv201_version_pin::DOC,
        Code::Kv202 => &kv202_embedded::DOC,
        Code::Kv301 => &kv301_allow_list::DOC,
    }
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod corpus_tests;
