//! Bundles people upload: a zip, or files at the paths the checks read (split at NUL bytes), all
//! judged by every check without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studio::check::{check, BundleFiles, CheckContext, FileEntry};
use studio::profile::flags::v;

const PATHS: [&str; 9] = [
    "ca-host/HOME/ca.crt",
    "workers/w/etc/systemd/system/kubelet.service",
    "workers/w/etc/kubernetes/worker-kubeconfig.yaml",
    "workers/w/etc/kubernetes/ssl/worker.crt",
    "workers/w/etc/kubernetes/ssl/worker.key",
    "workers/w/etc/kubernetes/ssl/worker.csr",
    "workers/w/etc/kubernetes/manifests/kube-proxy",
    "workers/w/install.sh",
    "cluster-addons/dns.yaml",
];

fuzz_target!(|data: &[u8]| {
    let context = CheckContext { now: 1_764_000_000, version: v(1, 2), expected_ips: Default::default() };
    if let Ok(files) = BundleFiles::from_zip(data) {
        let _ = check(&files, &context);
    }
    let mut files = BundleFiles::default();
    for (path, part) in PATHS.iter().zip(data.split(|b| *b == 0)) {
        files.entries.insert((*path).to_owned(), FileEntry::new(Some(0o600), part.to_vec()));
    }
    let _ = check(&files, &context);
});
