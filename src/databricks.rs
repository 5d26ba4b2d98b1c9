//! `databricks`: each placeholder becomes a Databricks secret reference to a Key
//! Vault-backed scope named after the vault (or mapped). No vault is contacted.

use std::collections::HashMap;

use crate::cli::Syntax;
use crate::console::{Console, Exit};
use crate::filetype::Site;
use crate::names;
use crate::rewrite::{Arrived, Substitution};
use crate::scan::Placeholder;
use crate::secret::UseSite;

/// The references of one `databricks` run.
#[derive(Debug)]
pub struct References {
    syntax: Syntax,
    scopes: HashMap<String, String>,
    written: HashMap<(String, String), String>,
}

/// Why a scope mapping is refused.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// Not `VAULT=SCOPE`.
    #[error("`{0}` is not of the form VAULT=SCOPE")]
    Form(String),
    /// The scope breaks Databricks' rules.
    #[error("invalid Databricks scope `{scope}`: {problem}")]
    Name {
        /// The scope.
        scope: String,
        /// What is wrong.
        problem: names::NameProblem,
    },
}

impl References {
    /// References in `syntax`, with `scopes` mapping vault names (any case) to scopes.
    pub fn new(
        syntax: Syntax,
        scopes: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ScopeError> {
        let mut map = HashMap::new();
        for (vault, scope) in scopes {
            names::check_scope(&scope)
                .map_err(|problem| ScopeError::Name { scope: scope.clone(), problem })?;
            map.insert(vault.to_ascii_lowercase(), scope);
        }
        Ok(Self { syntax, scopes: map, written: HashMap::new() })
    }

    /// Parses `VAULT=SCOPE`.
    pub fn parse_mapping(text: &str) -> Result<(String, String), ScopeError> {
        match text.split_once('=') {
            Some((vault, scope)) if !vault.is_empty() => Ok((vault.to_owned(), scope.to_owned())),
            _ => Err(ScopeError::Form(text.to_owned())),
        }
    }

    fn reference(&self, placeholder: &Placeholder<'_>) -> String {
        let vault = placeholder.vault.to_ascii_lowercase();
        let scope = self.scopes.get(&vault).map_or(placeholder.vault, String::as_str);
        match self.syntax {
            Syntax::Guzzle => format!("<<secrets/{scope}/{}>>", placeholder.secret),
            Syntax::Spark => format!("{{{{secrets/{scope}/{}}}}}", placeholder.secret),
        }
    }
}

impl Substitution for References {
    fn visit(
        &mut self,
        placeholder: &Placeholder<'_>,
        site: &Site,
        at: &UseSite,
        console: &mut Console,
    ) -> Option<usize> {
        if placeholder.version.is_some() {
            console.error(
                Exit::Input,
                format!(
                    "{at}: [KV201] `{}/{}` pins a version, which a Databricks secret reference cannot express",
                    placeholder.vault, placeholder.secret
                ),
            );
            console.help(
                "remove the version; a Key Vault-backed scope always reads the current version",
            );
            return None;
        }
        if self.syntax == Syntax::Spark && !site.whole_value {
            console.warning(format!(
                "{at}: [KV202] `{}/{}` is part of a larger value; Databricks resolves `{{{{secrets/...}}}}` only as a whole Spark conf or environment value",
                placeholder.vault, placeholder.secret
            ));
        }
        let reference = self.reference(placeholder);
        self.written
            .insert((placeholder.vault.to_owned(), placeholder.secret.to_owned()), reference);
        // The reference is known at once: nothing to wait for.
        None
    }

    fn prepare(&mut self, _console: &mut Console, _arrived: Arrived<'_>) {}

    fn replacement(&self, placeholder: &Placeholder<'_>) -> Option<&str> {
        self.written
            .get(&(placeholder.vault.to_owned(), placeholder.secret.to_owned()))
            .map(String::as_str)
    }

    fn shown(&self, placeholder: &Placeholder<'_>) -> String {
        self.reference(placeholder)
    }

    fn holds_secrets(&self) -> bool {
        false
    }

    fn is_ready(&self) -> bool {
        true
    }
}
