//! AUTH, helped: the form that runs a SASL exchange step by step (`form.rs`), and an
//! exchange typed by hand at the prompt, shown decoded with its secrets masked (`typed.rs`).
//!
//! Layer: app state.

pub mod form;
pub(crate) mod typed;

pub use form::{AuthDefaults, AuthField, AuthForm, AuthTrace, Incomplete, TokenFrom};
