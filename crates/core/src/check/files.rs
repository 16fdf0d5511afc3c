//! A bundle as the checks see it: files by zip path with their modes, from the studio's own
//! bundle, a zip, or a directory laid out the same way (hand-written files included).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use crate::bundle::{layout, Bundle};

/// One file: its bytes and, when known, its unix mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub mode: Option<u32>,
    pub bytes: Vec<u8>,
}

impl FileEntry {
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// Files by their path inside the bundle (`workers/worker01/etc/kubernetes/ssl/worker.crt`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleFiles {
    pub entries: BTreeMap<String, FileEntry>,
}

/// Most bytes read from one zip entry, and from a whole zip (zip bombs stop here).
const MAX_ENTRY: u64 = 16 << 20;
const MAX_TOTAL: u64 = 256 << 20;

impl BundleFiles {
    pub fn from_bundle(bundle: &Bundle) -> BundleFiles {
        let entries = bundle
            .artifacts
            .iter()
            .map(|a| (a.zip_path(), FileEntry { mode: Some(a.mode), bytes: a.content.as_bytes().to_vec() }))
            .collect();
        BundleFiles { entries }
    }

    /// Reads a zip (as the studio writes it, or any zip laid out like it).
    pub fn from_zip(bytes: &[u8]) -> Result<BundleFiles, String> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip: {e}"))?;
        let mut entries = BTreeMap::new();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).map_err(|e| format!("zip entry {i}: {e}"))?;
            if file.is_dir() {
                continue;
            }
            let Some(name) = file.enclosed_name().map(|p| p.to_string_lossy().replace('\\', "/")) else {
                return Err(format!("zip entry {:?} points outside the bundle", file.name()));
            };
            let mode = file.unix_mode().map(|m| m & 0o777);
            let mut data = Vec::new();
            file.by_ref().take(MAX_ENTRY + 1).read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
            total += data.len() as u64;
            if data.len() as u64 > MAX_ENTRY || total > MAX_TOTAL {
                return Err(format!("{name}: the bundle is larger than a worker bundle can be"));
            }
            entries.insert(name, FileEntry { mode, bytes: data });
        }
        Ok(BundleFiles { entries })
    }

    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(path)
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(FileEntry::text)
    }

    /// The worker names: every `workers/<name>/` folder.
    pub fn workers(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .keys()
            .filter_map(|p| p.strip_prefix(layout::WORKERS)?.strip_prefix('/'))
            .filter_map(|rest| rest.split_once('/').map(|(name, _)| name.to_owned()))
            .collect();
        names.dedup();
        names
    }

    /// Files below a folder, as (path relative to it, entry).
    pub fn below(&self, dir: &str) -> Vec<(&str, &FileEntry)> {
        let prefix = format!("{dir}/");
        self.entries
            .range(prefix.clone()..)
            .map_while(|(path, entry)| path.strip_prefix(prefix.as_str()).map(|rel| (rel, entry)))
            .collect()
    }
}
