//! Importers: turn other catalogs' server descriptions into manifests of
//! this project's format, saying in findings what could not be carried over
//! faithfully rather than guessing.

pub mod docker_catalog;
pub mod official;
pub mod upstream;
