//! Azure Key Vault as a secret source (issue #4).
