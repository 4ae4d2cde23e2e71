//! A signed catalog snapshot served over HTTP/1.1 on loopback, as a
//! registry serves it, for `mcp-verify catalog pull` and `run --catalog-state`.

use mcp_trust::catalog::client::{Fetched, Fetcher, Resource};
use mcp_trust::catalog::memory::MemoryRegistry;
use mcp_trust::catalog::mirror::MirrorFetcher;
use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Mutex};

/// The server's base URL and the snapshot directory it serves from; its
/// thread ends with the process.
pub struct CatalogServer {
    pub base: String,
    dir: Arc<Mutex<tempfile::TempDir>>,
}

impl CatalogServer {
    /// Serves `reg`'s current snapshot.
    pub fn start(reg: &MemoryRegistry) -> CatalogServer {
        let dir = tempfile::tempdir().unwrap();
        reg.mirror().write(dir.path()).unwrap();
        let dir = Arc::new(Mutex::new(dir));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::clone(&dir);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let path = shared.lock().unwrap().path().to_owned();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).is_err() {
                        return;
                    }
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => break,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => {}
                        }
                    }
                    let target = request_line.split(' ').nth(1).unwrap_or("/");
                    let body =
                        Resource::from_path(target).and_then(|r| {
                            match MirrorFetcher::new(&path, 1000).fetch(&r, u64::MAX, None) {
                                Ok(Fetched::Body { bytes, .. }) => Some(bytes),
                                _ => None,
                            }
                        });
                    let response = match body {
                        Some(b) => {
                            let mut r = format!(
                                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                                b.len()
                            )
                            .into_bytes();
                            r.extend_from_slice(&b);
                            r
                        }
                        None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec(),
                    };
                    let _ = stream.write_all(&response);
                });
            }
        });
        CatalogServer { base, dir }
    }

    /// Serves the registry's current snapshot from now on.
    pub fn update(&self, reg: &MemoryRegistry) {
        let fresh = tempfile::tempdir().unwrap();
        reg.mirror().write(fresh.path()).unwrap();
        self.serve(fresh);
    }

    /// Serves the snapshot directory `dir` from now on (an older one, to
    /// play a registry that rolls back).
    pub fn serve(&self, dir: tempfile::TempDir) {
        *self.dir.lock().unwrap() = dir;
    }
}
