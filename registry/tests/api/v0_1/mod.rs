//! `/v0.1/…`

mod admin;
mod audit;
mod budget;
mod catalog;
mod publish;
mod publish_sigstore;
mod servers;
mod status;
