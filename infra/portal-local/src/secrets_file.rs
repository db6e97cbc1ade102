//! Secrets the local portal generates on first run and keeps in its data folder (readable by
//! its owner only), so nothing secret is in the repository or needs setting by hand.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored {
    blob_signing_key: String,
}

pub struct Secrets {
    pub blob_signing_key: [u8; 32],
}

pub fn load_or_create(path: &Path) -> std::io::Result<Secrets> {
    if let Ok(raw) = std::fs::read(path) {
        let stored: Stored = serde_json::from_slice(&raw)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let key = hex::decode(&stored.blob_signing_key)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        let blob_signing_key = key.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "blob_signing_key is not 32 bytes of hex",
            )
        })?;
        return Ok(Secrets { blob_signing_key });
    }
    let mut blob_signing_key = [0u8; 32];
    portal_domain::ports::Random::fill(&portal_domain::ports::SystemRandom, &mut blob_signing_key);
    let stored = Stored {
        blob_signing_key: hex::encode(blob_signing_key),
    };
    write_private(
        path,
        &serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?,
    )?;
    Ok(Secrets { blob_signing_key })
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
