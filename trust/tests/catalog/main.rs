//! The signed catalog and its log, end to end: a catalog published in memory,
//! served from files and over real HTTP, pulled and verified by the client;
//! every attack the client must refuse, each named after the attack.

#![allow(clippy::unwrap_used)] // test helpers panic on broken fixtures by design

mod attacks;
mod happy;
mod http;
mod schemas;
mod support;
