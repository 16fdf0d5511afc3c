//! The keys-stay-on-the-node sequence: openssl commands for the worker (keys and CSRs) and for the
//! CA host (signing), with one worker's values filled in; the guide's, the current profile's, and
//! the kubectl admin's.

use super::openssl_cnf::{self, WORKER_IP_ENV};
use super::shell::Script;
use super::shell::Word::{Arg, Home, Rooted, Sh};
use crate::plan::{names, CurrentLayout, GuideWorker, LeafFiles, LeafPlan, LeafUsage, NodeLeaves, Plan, WorkerRef};
use crate::spec::KeyAlgorithm;

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// `openssl genrsa -out worker.key 2048`, or `genpkey` for elliptic curves.
pub fn keygen_argv(algorithm: KeyAlgorithm, key_file: &str) -> Vec<String> {
    match (algorithm.rsa_bits(), algorithm.openssl_curve()) {
        (Some(bits), _) => vec!["openssl".into(), "genrsa".into(), "-out".into(), key_file.into(), bits.to_string()],
        (None, curve) => vec![
            "openssl".into(),
            "genpkey".into(),
            "-algorithm".into(),
            "EC".into(),
            "-pkeyopt".into(),
            format!("ec_paramgen_curve:{}", curve.unwrap_or("prime256v1")),
            "-out".into(),
            key_file.into(),
        ],
    }
}

/// The worker's CSR command as the guide lays it out (first line, continued groups).
pub fn worker_csr_command(leaf: &LeafPlan) -> (Vec<String>, Vec<Vec<String>>) {
    (
        words(&["openssl"]),
        vec![
            words(&["req", "-new"]),
            words(&["-key", names::WORKER_KEY]),
            words(&["-out", names::WORKER_CSR]),
            vec!["-subj".into(), leaf.openssl_subject()],
            words(&["-extensions", "v3_req"]),
            words(&["-config", names::OPENSSL_CNF]),
            words(&["-sha256"]),
        ],
    )
}

/// The CA host's signing command for a worker CSR.
pub fn worker_sign_command(days: u32) -> (Vec<String>, Vec<Vec<String>>) {
    (
        words(&["openssl", "x509"]),
        vec![
            words(&["-req"]),
            words(&["-CA", names::CA_CERT]),
            words(&["-CAkey", names::CA_KEY]),
            words(&["-CAcreateserial"]),
            words(&["-in", names::WORKER_CSR]),
            words(&["-out", names::WORKER_CERT]),
            vec!["-days".into(), days.to_string()],
            words(&["-extensions", "v3_req"]),
            words(&["-extfile", names::OPENSSL_CNF]),
            words(&["-sha256"]),
        ],
    )
}

/// The guide's kubectl CSR command. The guide omits `-new`, which OpenSSL 3 needs to make a request.
pub fn admin_csr_command(plan: &Plan, admin: &LeafPlan) -> (Vec<String>, Vec<Vec<String>>) {
    let ws = &plan.workstation;
    (
        words(&["openssl", "req"]),
        vec![
            words(&["-new"]),
            words(&["-nodes"]),
            words(&["-key", ws.key]),
            words(&["-out", ws.csr]),
            vec!["-subj".into(), admin.openssl_subject()],
            words(&["-sha256"]),
        ],
    )
}

/// The CA host's signing command for the kubectl CSR (a step the guide leaves implicit).
pub fn admin_sign_command(plan: &Plan, admin: &LeafPlan) -> (Vec<String>, Vec<Vec<String>>) {
    let ws = &plan.workstation;
    (
        words(&["openssl", "x509"]),
        vec![
            words(&["-req"]),
            words(&["-CA", names::CA_CERT]),
            words(&["-CAkey", names::CA_KEY]),
            words(&["-CAcreateserial"]),
            words(&["-in", ws.csr]),
            words(&["-out", ws.cert]),
            vec!["-days".into(), admin.validity_days.to_string()],
            words(&["-sha256"]),
        ],
    )
}

/// `keys-on-node.sh`: run on the worker; makes openssl.cnf, the key and the CSR in the SSL directory.
pub fn keys_on_node(plan: &Plan, guide_worker: &GuideWorker) -> String {
    let worker = guide_worker.node;
    let ssl_dir = plan.node.ssl_dir.as_str();
    let mut s = Script::new(&[
        &format!("keys-on-node.sh for {}: the guide's worker-side certificate steps.", worker.name),
        &format!("Run as root on {}. The private key is made here and never leaves the node.", worker.name),
        &format!("Then copy {} and {} to the CA host and run sign-{}.sh there.", names::OPENSSL_CNF, names::WORKER_CSR, worker.name),
        "ROOT=/some/dir works below that directory instead.",
    ]);
    s.blank().raw("ROOT=\"${ROOT:-}\"");
    s.rooted(&["mkdir", "-p", "--"], ssl_dir).rooted(&["cd", "--"], ssl_dir);
    s.line_with_input(&[Sh("cat >"), Arg(names::OPENSSL_CNF)], &openssl_cnf::render());
    s.command(&keygen_argv(guide_worker.leaf.algorithm, names::WORKER_KEY));
    s.command(&["chmod", "600", names::WORKER_KEY]);
    s.command(&["export", &format!("{WORKER_IP_ENV}={}", worker.ip)]);
    let (first, groups) = worker_csr_command(&guide_worker.leaf);
    s.command_lines(&first, &groups);
    s.command(&["echo", &format!("Next: copy {ssl_dir}/{} and {ssl_dir}/{} to the CA host, e.g.", names::OPENSSL_CNF, names::WORKER_CSR)]);
    s.command(&["echo", &format!("  scp {} {} root@root-ca-host:", names::OPENSSL_CNF, names::WORKER_CSR)]);
    s.finish()
}

/// `sign-<worker>.sh`: run on the CA host next to ca.crt and ca.key, after the worker's CSR arrived.
pub fn sign_worker(plan: &Plan, guide_worker: &GuideWorker) -> String {
    let worker = guide_worker.node;
    let mut s = Script::new(&[
        &format!("sign-{}.sh: the guide's CA-side step for {}.", worker.name, worker.name),
        &format!(
            "Run on the CA host in the directory holding {}, {} and the {} and {} copied from {}.",
            names::CA_CERT,
            names::CA_KEY,
            names::OPENSSL_CNF,
            names::WORKER_CSR,
            worker.name
        ),
    ]);
    s.blank();
    s.command(&["openssl", "req", "-in", names::WORKER_CSR, "-noout", "-verify"]);
    s.command(&["export", &format!("{WORKER_IP_ENV}={}", worker.ip)]);
    let (first, groups) = worker_sign_command(guide_worker.leaf.validity_days);
    s.command_lines(&first, &groups);
    s.command(&["echo", &format!("Next: copy {} back, e.g.", names::WORKER_CERT)]);
    s.command(&["echo", &format!("  scp {} root@{}:{}", names::WORKER_CERT, worker.name, plan.node.ssl_dir)]);
    s.finish()
}

/// `keys-on-workstation.sh`: the guide's kubectl key and CSR, made in `~/.kube`.
pub fn keys_on_workstation(plan: &Plan, admin: &LeafPlan) -> String {
    let ws = &plan.workstation;
    let mut s = Script::new(&[
        "keys-on-workstation.sh: the guide's kubectl key and CSR, made on your workstation.",
        &format!("Then copy ~/{}/{} to the CA host and run sign-kubectl.sh there.", ws.dir, ws.csr),
        "KUBE_DIR=/some/dir works there instead of ~/.kube.",
    ]);
    s.blank().raw("KUBE_DIR=\"${KUBE_DIR:-$HOME/.kube}\"").raw("mkdir -p -- \"$KUBE_DIR\"").raw("cd -- \"$KUBE_DIR\"");
    s.command(&keygen_argv(admin.algorithm, ws.key));
    s.command(&["chmod", "600", ws.key]);
    let (first, groups) = admin_csr_command(plan, admin);
    s.command_lines(&first, &groups);
    s.finish()
}

/// `sign-kubectl.sh`: the CA host signs the kubectl CSR.
pub fn sign_admin(plan: &Plan, admin: &LeafPlan) -> String {
    let ws = &plan.workstation;
    let mut s = Script::new(&[
        "sign-kubectl.sh: the CA host signs the kubectl admin CSR.",
        &format!("Run in the directory holding {}, {} and {} from the workstation.", names::CA_CERT, names::CA_KEY, ws.csr),
    ]);
    s.blank();
    s.command(&["openssl", "req", "-in", ws.csr, "-noout", "-verify"]);
    let (first, groups) = admin_sign_command(plan, admin);
    s.command_lines(&first, &groups);
    s.command(&["echo", &format!("Next: copy {} and {} to ~/{} on the workstation.", ws.cert, names::CA_CERT, ws.dir)]);
    s.finish()
}

/// The extensions section of `sign-<name>.sh`'s file a leaf is signed with.
fn section(leaf: &LeafPlan) -> &'static str {
    match leaf.usage {
        LeafUsage::Server => "serving",
        LeafUsage::Client | LeafUsage::GuideV3Req => "client",
    }
}

/// `keys-on-node.sh` for the current profile: the node makes its own keys and CSRs (kubelet client,
/// kubelet serving, kube-proxy); the CA host signs them with `sign-<name>.sh`.
pub fn current_keys_on_node(layout: &CurrentLayout, worker: WorkerRef, leaves: &NodeLeaves) -> String {
    let requests = leaves.with_files(layout);
    let csrs: Vec<&str> = requests.iter().map(|(_, files)| files.csr.as_str()).collect();
    let mut s = Script::new(&[
        &format!("keys-on-node.sh for {}: its private keys are made here and never leave the node.", worker.name),
        &format!("Run as root on {}. Then copy {} to the CA host and run sign-{}.sh there.", worker.name, csrs.join(", "), worker.name),
        "Copy the certificates back next to their keys and run KEYS_ON_NODE=1 bash install.sh.",
        "ROOT=/some/dir works below that directory instead.",
    ]);
    s.blank().raw("ROOT=\"${ROOT:-}\"").raw("umask 077");
    for (leaf, files) in &requests {
        let LeafFiles { key, csr, cert } = files;
        let subject = leaf.openssl_subject();
        let dir = key.parent().to_owned();
        s.blank().comment(&format!("{}: {subject}", cert.file_name()));
        s.line(&[Sh("mkdir -p --"), Rooted(&dir)]);
        let key = key.as_str();
        let keygen = keygen_argv(leaf.algorithm, key);
        let words: Vec<_> = keygen.iter().map(|w| if w == key { Rooted(key) } else { Arg(w.as_str()) }).collect();
        s.line(&words);
        s.line(&[Sh("chmod 600"), Rooted(key)]);
        // The request names its purpose (and a serving certificate its names), so a CA host or the
        // studio's "Sign a CSR" can tell the two kubelet certificates apart and check them.
        let usage = format!("extendedKeyUsage={}", if leaf.usage == LeafUsage::Server { "serverAuth" } else { "clientAuth" });
        let sans = leaf.sans_text();
        let mut words = vec![
            Sh("openssl req -new -key"),
            Rooted(key),
            Sh("-out"),
            Rooted(csr.as_str()),
            Sh("-subj"),
            Arg(&subject),
            Sh("-addext"),
            Arg(&usage),
        ];
        let san_ext = format!("subjectAltName={sans}");
        if !sans.is_empty() {
            words.extend([Sh("-addext"), Arg(&san_ext)]);
        }
        words.push(Sh("-sha256"));
        s.line(&words);
    }
    s.blank().command(&["echo", &format!("Next: copy these to the CA host: {}", csrs.join(" "))]);
    s.finish()
}

/// The extensions file the CA host signs a current-profile node's CSRs with: one section per
/// usage, the serving section naming the serving leaf's SANs.
fn node_extensions(worker: &NodeLeaves) -> String {
    let usage = |leaf: &LeafPlan| if leaf.algorithm.rsa_bits().is_some() { "digitalSignature, keyEncipherment" } else { "digitalSignature" };
    let serving = &worker.serving;
    format!(
        "[client]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, {}\nextendedKeyUsage = clientAuth\n\n\
         [serving]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, {}\nextendedKeyUsage = serverAuth\n\
         subjectAltName = {}\n",
        usage(&worker.client),
        usage(serving),
        serving.sans_text()
    )
}

/// `sign-<name>.sh` for the current profile: verifies each CSR and signs it with the extensions
/// its role needs, in a directory holding ca.crt, ca.key and the node's CSRs.
pub fn current_sign_worker(layout: &CurrentLayout, worker: WorkerRef, leaves: &NodeLeaves) -> String {
    let requests = leaves.with_files(layout);
    let mut s = Script::new(&[
        &format!("sign-{}.sh: the CA host signs {}'s CSRs (made by its keys-on-node.sh).", worker.name, worker.name),
        &format!("Run in a directory holding {}, {} and the CSRs copied from {}.", names::CA_CERT, names::CA_KEY, worker.name),
    ]);
    let extensions = format!("{}-extensions.cnf", worker.name);
    s.blank().line_with_input(&[Sh("cat >"), Arg(&extensions)], &node_extensions(leaves));
    for (leaf, files) in &requests {
        let csr = files.csr.file_name();
        let cert = files.cert.file_name();
        s.blank();
        s.command(&["openssl", "req", "-in", csr, "-noout", "-verify"]);
        let subject = leaf.openssl_subject_line();
        let mismatch = format!("sign-{}.sh: {csr} does not ask for {}; refusing to sign it", worker.name, leaf.openssl_subject());
        s.line(&[Sh("if [ \"$(openssl req -in"), Arg(csr), Sh("-noout -subject)\" !="), Arg(&subject), Sh("]; then")])
            .line(&[Sh("  echo"), Arg(&mismatch), Sh(">&2")])
            .raw("  exit 1")
            .raw("fi");
        let days = leaf.validity_days.to_string();
        s.command(&[
            "openssl", "x509", "-req", "-CA", names::CA_CERT, "-CAkey", names::CA_KEY, "-CAcreateserial", "-in", csr, "-out", cert,
            "-days", &days, "-extfile", &extensions, "-extensions", section(leaf), "-sha256",
        ]);
    }
    let certs: Vec<&str> = requests.iter().map(|(_, files)| files.cert.file_name()).collect();
    s.blank().command(&["echo", &format!("Next: copy {} back to {} next to their keys.", certs.join(", "), worker.name)]);
    s.finish()
}

/// Where a signed certificate goes.
pub enum SignedPath<'a> {
    /// A node path, on the worker named.
    Node { worker: &'a str, path: &'a str },
    /// Below the workstation user's home directory.
    Home(&'a str),
}

/// The commands that put a certificate signed for a pasted CSR in place, next to the key the node
/// (or the workstation) made.
pub fn install_signed(role: &str, at: SignedPath, certificate_pem: &str) -> String {
    let mut s = match &at {
        SignedPath::Node { worker, .. } => Script::new(&[
            &format!("{role}: run as root on {worker}, where keys-on-node.sh made its key."),
            "Once each of its certificates is in place, run KEYS_ON_NODE=1 bash install.sh there.",
        ]),
        SignedPath::Home(_) => Script::new(&[&format!("{role}: run on the workstation, where keys-on-workstation.sh made its key.")]),
    };
    s.blank();
    match at {
        SignedPath::Node { path, .. } => s.line_with_input(&[Sh("cat >"), Arg(path)], certificate_pem),
        SignedPath::Home(path) => s.line_with_input(&[Sh("cat >"), Home(path)], certificate_pem),
    };
    s.finish()
}
