//! Reading an HTTP response body whole, never more than a cap: the one
//! loop every client here (catalog pulls, manifest exports, upstream
//! registries, publishes) reads an untrusted peer's answer with.

/// Why a body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    /// The body goes past the cap; nothing more was read.
    TooLarge,
    /// The connection failed after `received` bytes.
    Cut {
        /// Bytes read before the failure.
        received: usize,
        /// The failure.
        error: reqwest::Error,
    },
}

/// The body of `response`, read chunk by chunk, refused as soon as it would
/// pass `cap` bytes.
pub async fn read_capped(response: &mut reqwest::Response, cap: u64) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > cap {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => {
                return Err(BodyError::Cut {
                    received: body.len(),
                    error,
                });
            }
        }
    }
}
