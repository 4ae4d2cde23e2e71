//! `/v0.1/…`

mod admin;
mod audit;
mod publish;
mod servers;
mod status;
