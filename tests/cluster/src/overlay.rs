//! A test host's own files at their real paths: what its install script wrote below `root` is laid
//! over the host's /etc, /var/lib, /var/log and /run in a mount namespace of the host's own, so
//! the programs it runs (a kubelet, HAProxy, keepalived and its check script) read the bundle's
//! files where the bundle puts them, and nothing of the machine running the tests changes.
//!
//! The overlays are mounted once, by a holder process that keeps the namespace alive until the
//! host is dropped; every command enters that namespace. (Mounting them anew per command would
//! share one upper and work directory between concurrent mounts, which overlayfs forbids.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::Netns;
use crate::process::{wait_until, Process};

/// The node paths seen through overlays: the host's directories below, the host's files above.
pub const OVERLAID: [&str; 4] = ["/etc", "/var/lib", "/var/log", "/run"];

/// One host's files.
pub struct Overlay {
    /// What the install script wrote (its `ROOT`): the host's /etc, /var/lib and so on.
    pub root: PathBuf,
    /// Sleeps in the host's mount namespace (inside `netns`), holding it.
    holder: Process,
}

impl Overlay {
    /// The overlay of `root` (already written) for a host in `netns`, with its work directories
    /// in `dir`.
    pub fn new(root: &Path, dir: &Path, netns: &Netns) -> Overlay {
        let mut script = String::from("set -e\n");
        for path in OVERLAID {
            let upper = root.join(&path[1..]);
            let work = dir.join(format!("work{}", path.replace('/', "-")));
            std::fs::create_dir_all(&upper).expect("overlay upper directory");
            std::fs::create_dir_all(&work).expect("overlay work directory");
            script.push_str(&format!("mount -t overlay overlay -o lowerdir={path},upperdir={},workdir={} {path}\n", upper.display(), work.display()));
        }
        script.push_str("echo mounted\nexec sleep 2147483647\n");
        let argv: Vec<String> = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", &script].iter().map(|w| (*w).to_owned()).collect();
        let log = dir.join("overlay.log");
        let holder = Process::start("overlay", &netns.exec_owned(&argv), &log);
        wait_until("the host's overlays to be mounted", Duration::from_secs(20), &[&holder], || {
            if std::fs::read_to_string(&log).unwrap_or_default().contains("mounted") {
                Ok(())
            } else {
                Err(format!("{} does not say mounted yet", log.display()))
            }
        });
        Overlay { root: root.to_owned(), holder }
    }

    /// Where a node path's file is kept on the machine: below [`Overlay::root`], once symlinks of
    /// the machine (`/var/run` → `/run`) are followed to one of the overlaid directories.
    pub fn file(&self, node_path: &Path) -> PathBuf {
        let mut resolved = PathBuf::from("/");
        for part in node_path.components().skip(1) {
            resolved.push(part);
            if let Ok(target) = std::fs::canonicalize(&resolved) {
                resolved = target;
            }
        }
        assert!(OVERLAID.iter().any(|dir| resolved.starts_with(dir)), "{} is not on an overlaid path", resolved.display());
        self.root.join(resolved.strip_prefix("/").expect("an absolute path"))
    }

    /// Writes `contents` at `node_path` through the host's mounts (its upper directories must not
    /// be written while mounted); `scratch` is a directory of the test's outside them.
    pub fn put(&self, netns: &Netns, node_path: &Path, contents: &str, scratch: &Path) {
        let staged = scratch.join(format!("put-{}", node_path.to_string_lossy().replace('/', "_")));
        std::fs::write(&staged, contents).expect("a staged file");
        let argv = ["install", "-D", "-m", "0600", &staged.to_string_lossy(), &node_path.to_string_lossy()].map(str::to_owned);
        let out = crate::process::run(&self.exec(netns, &argv), &[], Duration::from_secs(20));
        assert!(out.success(), "writing {} on the host: {}", node_path.display(), out.text());
    }

    /// `argv` as the host sees the world: `netns`, and its files at their paths.
    pub fn exec(&self, netns: &Netns, argv: &[String]) -> Vec<String> {
        let mut out = vec![
            "nsenter".to_owned(),
            format!("--net=/run/netns/{}", netns.name),
            format!("--mount=/proc/{}/ns/mnt", self.holder.pid()),
            "--".into(),
        ];
        out.extend(argv.iter().cloned());
        out
    }
}
