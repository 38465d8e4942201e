//! Errors of the engine: one enum, converted once into Python exceptions in `py.rs`.

use std::fmt;

/// Everything that can go wrong while building an engine or cleaning a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A rule file or a rule in it is invalid. `rule` names the rule (or the file when the
    /// problem is the file itself) so the user knows what to fix.
    Rule { rule: String, message: String },
    /// An option value is invalid (unknown mode, language, category, …).
    Option { name: String, message: String },
    /// The input cannot be cleaned (for example it exceeds `max_bytes`).
    Input { message: String },
}

impl Error {
    pub(crate) fn rule(rule: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Rule { rule: rule.into(), message: message.into() }
    }
    pub(crate) fn option(name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Option { name: name.into(), message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Rule { rule, message } => write!(f, "rule {rule:?}: {message}"),
            Error::Option { name, message } => write!(f, "option {name:?}: {message}"),
            Error::Input { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
