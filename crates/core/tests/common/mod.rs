//! Helpers shared by the engine's integration tests: real tools, real files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use studio::{Bundle, ClusterSpec, RenderOptions, SpecFile};

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

pub fn default_spec() -> ClusterSpec {
    SpecFile::default().validate(now()).expect("the default spec is valid")
}

pub fn generate(spec: &ClusterSpec, include_ca_key: bool) -> Bundle {
    studio::generate_with_new_keys(spec, RenderOptions { now: now(), include_ca_key }).expect("bundle generates")
}

/// Runs a command and returns its output, panicking with stderr if it fails or is missing.
pub fn run(program: &str, args: &[&str], cwd: &Path) -> Output {
    run_env(program, args, cwd, &[])
}

pub fn run_env(program: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let output = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} could not start ({e}); install it with scripts/setup.sh"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed in {}:\n{}\n{}",
        cwd.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes the bundle as a zip and unpacks it with the real `unzip`, which restores the modes.
pub fn unpack(bundle: &Bundle, dir: &Path) -> PathBuf {
    let zip = dir.join("bundle.zip");
    std::fs::write(&zip, bundle.to_zip(now()).expect("zip")).expect("write zip");
    let root = dir.join("bundle");
    run("unzip", &["-q", zip.to_str().unwrap(), "-d", root.to_str().unwrap()], dir);
    root
}

/// The unix mode bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// Every file below `root`, sorted.
pub fn files_below(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
