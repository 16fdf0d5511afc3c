//! The cluster DNS add-on: the profile's manifests as YAML, and the script that creates them.

use super::shell::Script;
use super::shell::Word::Sh;
use crate::bundle::Artifact;

/// `create-dns.sh`: `kubectl create -f -` for each manifest, as the guide pipes them in.
pub fn create_script(manifests: &[Artifact]) -> String {
    let mut s = Script::new(&[
        "create-dns.sh: creates the cluster DNS add-on, as the guide does from the workstation.",
        "Run where kubectl reaches the cluster as admin (after setup-kubectl.sh).",
    ]);
    for manifest in manifests {
        s.blank().comment(&manifest.note);
        s.line_with_input(&[Sh("kubectl create -f -")], &manifest.content);
    }
    s.finish()
}
