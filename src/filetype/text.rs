//! Plain text: no comments, and values go in raw.

use super::{Edit, Site};
use crate::scan::Item;

/// Text has no notion of a value, so every item counts as a whole one (no KV202).
pub(super) fn sites(items: &[Item<'_>]) -> Vec<Site> {
    items.iter().map(|_| Site { in_comment: false, whole_value: true }).collect()
}

pub(super) fn encode(items: &[Item<'_>], replacements: &[Option<&str>]) -> Vec<Edit> {
    items
        .iter()
        .zip(replacements)
        .filter_map(|(item, r)| r.map(|r| Edit::new(item.span.range(), r.to_owned())))
        .collect()
}
