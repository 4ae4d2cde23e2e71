//! Rendering: `human` for terminals, `json` for machines. Commands build
//! data; these modules only turn it into text.

pub mod human;
pub mod json;
