//! The default bundle handed to the tools an admin would use: openssl, kubectl, bash, shellcheck.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{files_below, mode, run, run_env, stdout};

fn default_bundle_dir(include_ca_key: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = common::generate(&common::default_spec(), include_ca_key);
    let root = common::unpack(&bundle, tmp.path());
    (tmp, root)
}

fn with_suffix(root: &Path, suffix: &str) -> Vec<PathBuf> {
    files_below(root).into_iter().filter(|p| p.to_string_lossy().ends_with(suffix)).collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_certificate_chains_to_the_ca_and_every_key_matches() {
    let (_tmp, root) = default_bundle_dir(true);
    let ca = root.join("ca-host/HOME/ca.crt");
    let certs: Vec<PathBuf> = with_suffix(&root, ".crt").into_iter().filter(|p| !p.ends_with("ca.crt")).collect();
    assert_eq!(certs.len(), 4, "three workers and the admin: {certs:?}");
    let mut args = vec!["verify", "-CAfile", path_str(&ca)];
    args.extend(certs.iter().map(|p| path_str(p)));
    let verified = stdout(&run("openssl", &args, &root));
    assert_eq!(verified.lines().filter(|l| l.ends_with(": OK")).count(), 4, "{verified}");

    for csr in with_suffix(&root, ".csr") {
        let out = run("openssl", &["req", "-in", path_str(&csr), "-noout", "-verify"], &root);
        assert!(String::from_utf8_lossy(&out.stderr).contains("verify OK") || stdout(&out).contains("verify OK"));
    }

    for key in with_suffix(&root, ".key") {
        assert_eq!(mode(&key), 0o600, "{}", key.display());
        let cert = if key.ends_with("ca.key") { key.with_file_name("ca.crt") } else { key.with_extension("crt") };
        let from_key = stdout(&run("openssl", &["pkey", "-in", path_str(&key), "-pubout"], &root));
        let from_cert = stdout(&run("openssl", &["x509", "-in", path_str(&cert), "-noout", "-pubkey"], &root));
        assert_eq!(from_key, from_cert, "{} does not match {}", key.display(), cert.display());
    }

    for (name, ip) in [("worker01", "192.168.2.1"), ("worker02", "192.168.2.2"), ("worker03", "192.168.2.3")] {
        let cert = root.join(format!("workers/{name}/etc/kubernetes/ssl/worker.crt"));
        let text = stdout(&run("openssl", &["x509", "-in", path_str(&cert), "-noout", "-subject", "-ext", "subjectAltName,basicConstraints,keyUsage"], &root));
        assert!(text.contains(&format!("CN = {name}")), "{text}");
        assert!(text.contains(&format!("IP Address:{ip}")), "{text}");
        assert!(text.contains("CA:FALSE"), "{text}");
        assert!(text.contains("Digital Signature, Non Repudiation, Key Encipherment"), "{text}");
    }
    let ca_text = stdout(&run("openssl", &["x509", "-in", path_str(&ca), "-noout", "-ext", "basicConstraints,keyUsage"], &root));
    assert!(ca_text.contains("CA:TRUE") && ca_text.contains("Certificate Sign"), "{ca_text}");
}

#[test]
fn the_ca_key_never_reaches_a_worker() {
    let (_tmp, root) = default_bundle_dir(true);
    let ca_key = fs::read_to_string(root.join("ca-host/HOME/ca.key")).unwrap();
    let body = ca_key.lines().nth(1).unwrap();
    for file in files_below(&root.join("workers")).into_iter().chain(files_below(&root.join("workstation"))) {
        assert!(!fs::read_to_string(&file).unwrap().contains(body), "{} holds the CA key", file.display());
    }
    let (_tmp2, without) = default_bundle_dir(false);
    assert!(!without.join("ca-host/HOME/ca.key").exists(), "the CA key is only included on request");
}

#[test]
fn scripts_pass_bash_and_shellcheck() {
    let (_tmp, root) = default_bundle_dir(true);
    let scripts = with_suffix(&root, ".sh");
    assert_eq!(scripts.len(), 3 * 2 + 4 + 2 + 1, "{scripts:?}");
    for script in &scripts {
        assert_eq!(mode(script), 0o700, "{} carries keys: owner only", script.display());
        run("bash", &["-n", path_str(script)], &root);
    }
    let mut args = vec!["--severity=style", "--shell=bash"];
    args.extend(scripts.iter().map(|p| path_str(p)));
    run("shellcheck", &args, &root);
}

#[test]
fn install_script_writes_exactly_the_bundle_and_can_run_again() {
    let (tmp, root) = default_bundle_dir(false);
    let node = tmp.path().join("node");
    let worker = root.join("workers/worker02");
    let install = worker.join("install.sh");
    for _ in 0..2 {
        let out = run_env("bash", &[path_str(&install)], &root, &[("ROOT", path_str(&node))]);
        assert!(stdout(&out).contains("files written below"), "{}", stdout(&out));
    }
    let expected: Vec<PathBuf> = files_below(&worker)
        .into_iter()
        .filter(|p| !p.ends_with("install.sh") && !p.ends_with("keys-on-node.sh"))
        .collect();
    let written = files_below(&node);
    assert_eq!(written.len(), expected.len(), "{written:?}");
    for file in expected {
        let rel = file.strip_prefix(&worker).unwrap();
        let target = node.join(rel);
        assert_eq!(fs::read(&target).unwrap(), fs::read(&file).unwrap(), "{}", rel.display());
        assert_eq!(mode(&target), mode(&file), "{}", rel.display());
    }

    // KEYS_ON_NODE=1 keeps key material made on the node and still writes the rest.
    let key = node.join("etc/kubernetes/ssl/worker.key");
    fs::write(&key, "made on the node\n").unwrap();
    fs::remove_file(node.join("etc/kubernetes/worker-kubeconfig.yaml")).unwrap();
    run_env("bash", &[path_str(&install)], &root, &[("ROOT", path_str(&node)), ("KEYS_ON_NODE", "1")]);
    assert_eq!(fs::read_to_string(&key).unwrap(), "made on the node\n");
    assert!(node.join("etc/kubernetes/worker-kubeconfig.yaml").exists());
}

#[test]
fn install_script_stops_with_a_clear_message_on_a_host_without_systemd() {
    let (tmp, root) = default_bundle_dir(false);
    let install = root.join("workers/worker01/install.sh");
    // A PATH with `id` but no systemctl: the preflight check must stop before writing anything.
    let bin = tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(which("id"), bin.join("id")).unwrap();
    let out = Command::new(which("bash")).arg(&install).env("PATH", &bin).env_remove("ROOT").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = if running_as_root() { "systemctl not found" } else { "run this as root" };
    assert!(stderr.contains(expected), "{stderr}");
}

fn which(tool: &str) -> PathBuf {
    let out = run("sh", &["-c", &format!("command -v {tool}")], Path::new("/"));
    PathBuf::from(stdout(&out).trim())
}

fn running_as_root() -> bool {
    stdout(&run("id", &["-u"], Path::new("/"))).trim() == "0"
}

#[test]
fn kubeconfigs_load_in_kubectl() {
    let (tmp, root) = default_bundle_dir(false);
    for name in ["worker01", "worker02", "worker03"] {
        let config = root.join(format!("workers/{name}/etc/kubernetes/worker-kubeconfig.yaml"));
        let out = run("kubectl", &["config", "view", "--kubeconfig", path_str(&config), "-o", "jsonpath={.current-context} {.users[0].user.client-key}"], &root);
        assert_eq!(stdout(&out), "kubelet-context /etc/kubernetes/ssl/worker.key");
    }
    let kube_dir = tmp.path().join("kube");
    let home = tmp.path().join("home");
    fs::create_dir_all(&home).unwrap();
    let setup = root.join("workstation/setup-kubectl.sh");
    run_env("bash", &[path_str(&setup)], &root, &[("KUBE_DIR", path_str(&kube_dir)), ("HOME", path_str(&home))]);
    assert_eq!(mode(&kube_dir.join("kubectl.key")), 0o600);
    let config = kube_dir.join("config");
    let out = run("kubectl", &["config", "view", "--kubeconfig", path_str(&config), "--minify", "-o", "jsonpath={.clusters[0].cluster.server} {.users[0].name}"], &root);
    assert_eq!(stdout(&out), "https://loadbalancer.example.com default-admin");
}

/// A local TLS server that demands a client certificate signed by the bundle's CA.
struct TlsServer {
    child: Child,
    port: u16,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_server(dir: &Path, ca_cert: &Path, ca_key: &Path) -> TlsServer {
    let cnf = dir.join("server.cnf");
    fs::write(&cnf, "[ext]\nsubjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n").unwrap();
    run("openssl", &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=apiserver"], dir);
    run(
        "openssl",
        &["x509", "-req", "-in", "server.csr", "-CA", path_str(ca_cert), "-CAkey", path_str(ca_key), "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", path_str(&cnf), "-extensions", "ext"],
        dir,
    );
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert", "server.crt", "-key", "server.key"])
        .args(["-CAfile", path_str(ca_cert), "-Verify", "1", "-verify_return_error", "-www"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    TlsServer { child, port }
}

#[test]
fn client_certificates_complete_mutual_tls_against_a_server_trusting_the_ca() {
    let (tmp, root) = default_bundle_dir(true);
    let ca_cert = root.join("ca-host/HOME/ca.crt");
    let ca_key = root.join("ca-host/HOME/ca.key");
    let server = start_server(tmp.path(), &ca_cert, &ca_key);
    let url = format!("https://127.0.0.1:{}", server.port);

    // kubectl with the workstation kubeconfig the guide's commands produce.
    let kube_dir = tmp.path().join("kube");
    run_env("bash", &[path_str(&root.join("workstation/setup-kubectl.sh"))], &root, &[("KUBE_DIR", path_str(&kube_dir))]);
    let config = kube_dir.join("config");
    let out = run("kubectl", &["--kubeconfig", path_str(&config), "--server", &url, "get", "--raw", "/"], &root);
    assert!(stdout(&out).contains("s_server"), "{}", stdout(&out));

    // A worker's kubeconfig: its CA, certificate and key, as installed below ROOT.
    let node = tmp.path().join("node");
    run_env("bash", &[path_str(&root.join("workers/worker01/install.sh"))], &root, &[("ROOT", path_str(&node))]);
    let kubeconfig: studio::render::kubeconfig::Kubeconfig =
        studio::yaml::from_str(&fs::read_to_string(node.join("etc/kubernetes/worker-kubeconfig.yaml")).unwrap()).unwrap();
    let rooted = |p: &Option<String>| node.join(p.as_deref().unwrap().trim_start_matches('/'));
    let user = &kubeconfig.users[0].user;
    let connect = format!("127.0.0.1:{}", server.port);
    let handshake = |cert: &Path, key: &Path| {
        let mut child = Command::new("openssl")
            .args(["s_client", "-connect", &connect, "-ign_eof", "-verify_return_error", "-CAfile"])
            .arg(rooted(&kubeconfig.clusters[0].cluster.certificate_authority))
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut body = String::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok) {
            body.push_str(&line);
            body.push('\n');
        }
        let _ = child.wait();
        body
    };
    let body = handshake(&rooted(&user.client_certificate), &rooted(&user.client_key));
    assert!(body.contains("HTTP/1.0 200 ok"), "{body}");

    // Control: a client certificate from another CA is refused, so the check above can fail.
    run("openssl", &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt", "-subj", "/CN=intruder", "-days", "1"], tmp.path());
    let refused = handshake(&tmp.path().join("other.crt"), &tmp.path().join("other.key"));
    assert!(!refused.contains("HTTP/1.0 200 ok"), "{refused}");
}

#[test]
fn the_keys_on_node_path_works_with_openssl_alone() {
    let (tmp, root) = default_bundle_dir(true);
    let node = tmp.path().join("node");
    run_env("bash", &[path_str(&root.join("workers/worker03/keys-on-node.sh"))], &root, &[("ROOT", path_str(&node))]);
    let ssl = node.join("etc/kubernetes/ssl");
    assert_eq!(mode(&ssl.join("worker.key")), 0o600);

    let ca_host = tmp.path().join("ca-host");
    fs::create_dir_all(&ca_host).unwrap();
    for (from, name) in [(root.join("ca-host/HOME/ca.crt"), "ca.crt"), (root.join("ca-host/HOME/ca.key"), "ca.key"), (ssl.join("openssl.cnf"), "openssl.cnf"), (ssl.join("worker.csr"), "worker.csr")] {
        fs::copy(from, ca_host.join(name)).unwrap();
    }
    run("bash", &[path_str(&root.join("ca-host/sign-worker03.sh"))], &ca_host);
    let cert = ca_host.join("worker.crt");
    run("openssl", &["verify", "-CAfile", "ca.crt", "worker.crt"], &ca_host);
    let text = stdout(&run("openssl", &["x509", "-in", path_str(&cert), "-noout", "-subject", "-ext", "subjectAltName"], &ca_host));
    assert!(text.contains("CN = worker03") && text.contains("IP Address:192.168.2.3"), "{text}");

    // The kubectl admin the same way.
    let kube = tmp.path().join("kube");
    run_env("bash", &[path_str(&root.join("workstation/keys-on-workstation.sh"))], &root, &[("KUBE_DIR", path_str(&kube))]);
    fs::copy(kube.join("kubectl.csr"), ca_host.join("kubectl.csr")).unwrap();
    run("bash", &[path_str(&root.join("ca-host/sign-kubectl.sh"))], &ca_host);
    run("openssl", &["verify", "-CAfile", "ca.crt", "kubectl.crt"], &ca_host);
}
