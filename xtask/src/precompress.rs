//! Writes `name.gz` and `name.br` beside every compressible file of a build, at the highest
//! levels (zopfli for gzip, brotli quality 11). The gateway serves them as they are to clients
//! that accept them: smaller than its per-request compression, which uses default levels, and no
//! work per request.

use std::io::Write;
use std::path::Path;

/// `bin`: a split point's chunks in one file (chunk_bundle.rs).
const COMPRESSIBLE: [&str; 6] = ["wasm", "js", "css", "html", "svg", "bin"];

pub fn all_files(dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            all_files(&path)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e)) {
            one_file(&path)?;
        }
    }
    Ok(())
}

fn one_file(path: &Path) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sibling = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        name
    };

    let mut gzip = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, &data[..], &mut gzip)
        .map_err(|e| format!("gzip {}: {e}", path.display()))?;
    std::fs::write(sibling(".gz"), gzip).map_err(|e| format!("{}.gz: {e}", path.display()))?;

    let mut brotli = Vec::new();
    {
        // Quality 11, window 2^22: the densest brotli, fine for files written once per build.
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 64 * 1024, 11, 22);
        writer.write_all(&data).map_err(|e| format!("brotli {}: {e}", path.display()))?;
    }
    std::fs::write(sibling(".br"), brotli).map_err(|e| format!("{}.br: {e}", path.display()))
}
