//! Rendering: `human` for terminals, `json` for machines. Commands build
//! data; these modules only turn it into text, and `stdout` prints it.

pub mod human;
pub mod json;
pub mod stdout;
