//! One file per split point holding the shared chunks it needs (`chunks_<name>.bin`), which
//! public/boot.js fetches for the view in the address: a pasted link then asks for its view's
//! code in two requests (the split point's own module, compiled as it streams in, and this file),
//! not one per chunk. With a browser's six connections to an HTTP/1.1 origin, the seventh and
//! eighth of a view's files waited for a free one, and the page was made only once the last was
//! in (docs/PERFORMANCE.md, "The view's chunks in one file"). The chunk files stay beside it: the
//! splitter's loader fetches them one by one for a view opened later, or when this file fails.
//!
//! The format, all numbers little-endian `u32`: the count of modules; for each, its file name's
//! length in bytes, the name (UTF-8) and the module's length; then the modules, in that order.

use std::path::Path;

use crate::route_chunks::SplitPoint;

/// Writes `chunks_<name>.bin` into `pkg` for every split point that needs shared chunks.
pub fn write_all(pkg: &Path, split_points: &[SplitPoint]) -> Result<(), String> {
    for SplitPoint { name, chunks } in split_points {
        let mut modules = Vec::new();
        for number in chunks {
            let file = format!("chunk_{number}.wasm");
            let path = pkg.join(&file);
            modules.push((file, std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?));
        }
        if modules.is_empty() {
            continue;
        }
        let path = pkg.join(format!("chunks_{name}.bin"));
        std::fs::write(&path, bundle(&modules)?).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn bundle(modules: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let length = |n: usize| u32::try_from(n).map(u32::to_le_bytes).map_err(|_| format!("{n} bytes is too long"));
    let mut out = length(modules.len())?.to_vec();
    for (name, bytes) in modules {
        out.extend(length(name.len())?);
        out.extend(name.as_bytes());
        out.extend(length(bytes.len())?);
    }
    for (_, bytes) in modules {
        out.extend(bytes);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{bundle, write_all};
    use crate::route_chunks::SplitPoint;

    fn split_point(name: &str, chunks: &[&str]) -> SplitPoint {
        SplitPoint { name: name.into(), chunks: chunks.iter().map(|c| c.to_string()).collect() }
    }

    #[test]
    fn a_file_for_each_split_point_with_chunks() {
        let pkg = std::env::temp_dir().join(format!("auditdeck-chunk-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("chunk_5.wasm"), [5, 5]).unwrap();
        std::fs::write(pkg.join("chunk_12.wasm"), [12]).unwrap();
        write_all(&pkg, &[split_point("views", &["12", "5"]), split_point("verify", &[])]).unwrap();
        let views = std::fs::read(pkg.join("chunks_views.bin")).unwrap();
        let mut want = vec![2, 0, 0, 0, 13, 0, 0, 0];
        want.extend(b"chunk_12.wasm");
        want.extend([1, 0, 0, 0, 12, 0, 0, 0]);
        want.extend(b"chunk_5.wasm");
        want.extend([2, 0, 0, 0, 12, 5, 5]);
        assert_eq!(views, want);
        assert!(!pkg.join("chunks_verify.bin").exists());
        assert!(write_all(&pkg, &[split_point("settings", &["99"])]).unwrap_err().contains("chunk_99.wasm"));
        std::fs::remove_dir_all(&pkg).unwrap();
    }

    #[test]
    fn names_and_lengths_first_then_the_modules() {
        let modules = [("a.wasm".to_string(), vec![1, 2, 3]), ("bc.wasm".to_string(), vec![9])];
        let mut want = vec![2, 0, 0, 0];
        want.extend([6, 0, 0, 0]);
        want.extend(b"a.wasm");
        want.extend([3, 0, 0, 0]);
        want.extend([7, 0, 0, 0]);
        want.extend(b"bc.wasm");
        want.extend([1, 0, 0, 0]);
        want.extend([1, 2, 3, 9]);
        assert_eq!(bundle(&modules).unwrap(), want);
    }
}
