//! The current profile handed to the tools a cluster operator has today: the official OpenAPI
//! schemas (kubernetes-validate), the published config types, openssl, kubectl, shellcheck and
//! systemd-analyze; and its version gates over 1.33 to 1.37.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{files_below, mode, run, run_env, stdout};
use studio::check::{self, BundleFiles, Status};
use studio::input::SpecFile;
use studio::profile::current;
use studio::release::{ProfileId, Version, REFUSES_CGROUP_V1, SUPPORTED};
use studio::yaml::{self, Value};
use studio::{Bundle, ClusterSpec};

const WORKERS: [(&str, &str); 3] = [("worker01", "192.168.2.1"), ("worker02", "192.168.2.2"), ("worker03", "192.168.2.3")];

fn spec(version: &str, delivery: &str, edit: impl FnOnce(&mut SpecFile)) -> ClusterSpec {
    let mut file = SpecFile::defaults(ProfileId::Current);
    file.kubernetes_version = version.into();
    file.kube_proxy.delivery = delivery.into();
    file.keys.algorithm = "ecdsa-p256".into();
    edit(&mut file);
    file.validate(common::now()).unwrap_or_else(|e| panic!("{e:?}"))
}

fn unpacked(spec: &ClusterSpec, include_ca_key: bool) -> (tempfile::TempDir, PathBuf, Bundle) {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = common::generate(spec, include_ca_key);
    let root = common::unpack(&bundle, tmp.path());
    (tmp, root, bundle)
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every Kubernetes object the bundle applies or runs: the add-ons and the static pods.
fn manifests(root: &Path) -> Vec<PathBuf> {
    files_below(root)
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            (s.contains("/cluster-addons/") && s.ends_with(".yaml")) || s.contains("/etc/kubernetes/manifests/")
        })
        .collect()
}

/// `kubernetes-validate --strict` for one Kubernetes release; returns its exit success and output.
fn kubernetes_validate(version: &str, files: &[PathBuf], cwd: &Path) -> (bool, String) {
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "-k", version])
        .args(files)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("kubernetes-validate could not start ({e}); install it with scripts/setup.sh"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn every_manifest_validates_against_the_official_schemas_of_1_33_and_1_37() {
    for (version, schema) in [("1.37", "1.37.0"), ("1.33", "1.33.0")] {
        for delivery in ["static-pod", "daemonset"] {
            let (_tmp, root, _) = unpacked(&spec(version, delivery, |_| {}), false);
            let files = manifests(&root);
            let expected = if delivery == "static-pod" { 9 + 3 } else { 9 + 4 };
            assert_eq!(files.len(), expected, "{delivery}: {files:?}");
            let (ok, text) = kubernetes_validate(schema, &files, &root);
            assert!(ok, "{version} {delivery}:\n{text}");
            assert!(!text.contains("Couldn't find schema"), "{version} {delivery}: every kind must be checked:\n{text}");
        }
    }
    // Control: the same tool rejects a Deployment with a misspelt field, so the pass above means something.
    let (_tmp, root, _) = unpacked(&spec("1.37", "static-pod", |_| {}), false);
    let deployment = root.join("cluster-addons/coredns-deployment.yaml");
    let text = fs::read_to_string(&deployment).unwrap().replace("replicas: 2", "replicaz: 2");
    fs::write(&deployment, text).unwrap();
    let (ok, text) = kubernetes_validate("1.37.0", &[deployment], &root);
    assert!(!ok && text.contains("replicaz"), "{text}");
}

/// The published Go types as read from kubernetes/kubernetes (see each fixture's `source`).
fn published_types(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/component-config").join(file);
    yaml::parse_value(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Decodes `doc` as the type `name` strictly: every field must exist in the published type with a
/// matching JSON kind. Returns every problem as `path: what`.
fn strict_decode(types: &Value, name: &str, doc: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(fields) = types[name].as_mapping() else {
        problems.push(format!("{at}: no published type {name}"));
        return;
    };
    let Some(doc) = doc.as_mapping() else {
        problems.push(format!("{at}: expected an object for {name}"));
        return;
    };
    for (key, value) in doc {
        let key = key.as_str().unwrap_or_default();
        let here = if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") };
        let Some(kind) = fields.get(key).and_then(|k| k.as_str()) else {
            problems.push(format!("{here}: unknown field of {name}"));
            continue;
        };
        let fits = match kind {
            "string" | "duration" | "quantity" => value.is_string(),
            "bool" => value.is_bool(),
            "int" => value.is_i64() || value.is_u64(),
            "float" => value.is_number(),
            "object" => true,
            "[]string" => value.as_sequence().is_some_and(|s| s.iter().all(Value::is_string)),
            "[]int" => value.as_sequence().is_some_and(|s| s.iter().all(Value::is_i64)),
            list if list.starts_with("[]") => match value.as_sequence() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        strict_decode(types, &list[2..], item, &format!("{here}[{i}]"), problems);
                    }
                    true
                }
                None => false,
            },
            nested => {
                strict_decode(types, nested, value, &here, problems);
                true
            }
        };
        if !fits {
            problems.push(format!("{here}: {value:?} is not a {kind}"));
        }
    }
}

/// A bootstrap-token join's spec: the cluster CA by its certificate alone (made here by a throwaway
/// bundle of the studio's), kube-proxy as a DaemonSet.
fn bootstrap_spec(version: &str) -> ClusterSpec {
    let ca_bundle = common::generate(&common::default_spec(), false);
    let certificate = ca_bundle.find("ca-host/HOME/ca.crt").unwrap().content.clone();
    spec(version, "daemonset", |f| {
        f.join.method = "bootstrap-token".into();
        f.ca.source = "import".into();
        f.ca.certificate = certificate;
    })
}

#[test]
fn a_bootstrap_token_bundle_holds_no_node_key_and_its_objects_validate() {
    for (version, schema) in [("1.37", "1.37.0"), ("1.33", "1.33.0")] {
        let spec = bootstrap_spec(version);
        let (_tmp, root, bundle) = unpacked(&spec, false);
        assert!(bundle.artifacts.iter().all(|a| !a.content.contains("PRIVATE KEY")), "no private key anywhere");
        assert!(bundle.artifacts.iter().all(|a| !a.zip_path().starts_with("workstation/HOME")), "no admin credential is made without the CA key");
        let files = manifests(&root);
        // The add-ons less the admin binding, the DaemonSet's four, the token's Secret and three bindings.
        assert_eq!(files.len(), 8 + 4 + 4, "{files:?}");
        let (ok, text) = kubernetes_validate(schema, &files, &root);
        assert!(ok, "{version}:\n{text}");
        assert!(!text.contains("Couldn't find schema"), "{version}: every kind must be checked:\n{text}");
        let config = bundle.find("workers/worker01/var/lib/kubelet/config.yaml").unwrap();
        assert_eq!(decode_problems("kubelet-config-v1beta1.json", &config.content), Vec::<String>::new());
        for (path, mode) in [("workers/worker01/etc/kubernetes/bootstrap-kubelet.conf", 0o600), ("cluster-addons/bootstrap-token-secret.yaml", 0o600)] {
            assert_eq!(bundle.find(path).unwrap().mode, mode, "{path} carries the token");
        }
        let kubeconfig = bundle.find("workers/worker02/etc/kubernetes/bootstrap-kubelet.conf").unwrap();
        let secret = bundle.find("cluster-addons/bootstrap-token-secret.yaml").unwrap();
        let token = yaml::parse_value(&kubeconfig.content).unwrap()["users"][0]["user"]["token"].as_str().unwrap().to_owned();
        let data = &yaml::parse_value(&secret.content).unwrap()["stringData"];
        assert_eq!(token, format!("{}.{}", data["token-id"].as_str().unwrap(), data["token-secret"].as_str().unwrap()));
        assert_eq!(data["auth-extra-groups"].as_str(), Some("system:bootstrappers:worker-studio"));
    }
}

fn decode_problems(fixture: &str, text: &str) -> Vec<String> {
    let published = published_types(fixture);
    let mut problems = Vec::new();
    let root = published["root"].as_str().unwrap().to_owned();
    strict_decode(&published["types"], &root, &yaml::parse_value(text).unwrap(), "", &mut problems);
    problems
}

#[test]
fn component_configs_decode_strictly_against_their_published_types() {
    for mode in ["iptables", "nftables"] {
        let spec = spec("1.37", "static-pod", |f| f.kube_proxy.mode = mode.into());
        let bundle = common::generate(&spec, false);
        let kubelet = bundle.find("workers/worker01/var/lib/kubelet/config.yaml").unwrap();
        assert_eq!(decode_problems("kubelet-config-v1beta1.json", &kubelet.content), Vec::<String>::new());
        let proxy = bundle.find("workers/worker01/var/lib/kube-proxy/config.conf").unwrap();
        assert_eq!(decode_problems("kube-proxy-config-v1alpha1.json", &proxy.content), Vec::<String>::new());
        let modes = &published_types("kube-proxy-config-v1alpha1.json")["enums"]["mode"]["values"];
        let written = yaml::parse_value(&proxy.content).unwrap()["mode"].clone();
        assert!(modes.as_sequence().unwrap().contains(&written), "{written:?} is not a published proxy mode");
    }
    let spec = spec("1.37", "daemonset", |_| {});
    let bundle = common::generate(&spec, false);
    let map = yaml::parse_value(&bundle.find("cluster-addons/kube-proxy-configmap.yaml").unwrap().content).unwrap();
    let config = map["data"]["config.conf"].as_str().unwrap();
    assert_eq!(decode_problems("kube-proxy-config-v1alpha1.json", config), Vec::<String>::new());

    // Control: the decoder refuses what the kubelet would refuse.
    let wrong = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDns: [10.3.0.2]\nauthentication:\n  anonymous:\n    enabled: 'no'\n";
    assert_eq!(
        decode_problems("kubelet-config-v1beta1.json", wrong),
        ["clusterDns: unknown field of KubeletConfiguration", "authentication.anonymous.enabled: String(\"no\") is not a bool"]
    );
}

#[test]
fn certificates_carry_node_authorizer_identities_and_fit_their_purpose() {
    let (_tmp, root, _) = unpacked(&spec("1.37", "static-pod", |_| {}), false);
    let ca = root.join("ca-host/HOME/ca.crt");
    let verify = |cert: &Path, extra: &[&str]| {
        let mut args = vec!["verify", "-CAfile", path_str(&ca)];
        args.extend(extra);
        args.push(path_str(cert));
        Command::new("openssl").args(&args).current_dir(&root).output().unwrap().status.success()
    };
    let subject = |cert: &Path| stdout(&run("openssl", &["x509", "-in", path_str(cert), "-noout", "-subject", "-nameopt", "RFC2253"], &root));
    for (name, ip) in WORKERS {
        let pki = root.join(format!("workers/{name}/var/lib/kubelet/pki"));
        let client = pki.join("kubelet-client.crt");
        assert_eq!(subject(&client).trim(), format!("subject=CN=system:node:{name},O=system:nodes"));
        assert!(verify(&client, &["-purpose", "sslclient"]), "{name}: the kubelet client certificate is a TLS client");
        assert!(!verify(&client, &["-purpose", "sslserver"]), "{name}: and nothing else");

        let serving = pki.join("kubelet.crt");
        assert_eq!(subject(&serving).trim(), format!("subject=CN=system:node:{name},O=system:nodes"));
        assert!(verify(&serving, &["-purpose", "sslserver", "-verify_hostname", name]), "{name}: serving cert for its DNS name");
        assert!(verify(&serving, &["-purpose", "sslserver", "-verify_ip", ip]), "{name}: serving cert for its IP");
        assert!(!verify(&serving, &["-purpose", "sslserver", "-verify_ip", "192.168.2.99"]), "{name}: not for another IP");
        assert!(!verify(&serving, &["-purpose", "sslclient"]), "{name}: the serving certificate is no client");

        let proxy = root.join(format!("workers/{name}/var/lib/kube-proxy/kube-proxy.crt"));
        assert_eq!(subject(&proxy).trim(), "subject=CN=system:kube-proxy");
        assert!(verify(&proxy, &["-purpose", "sslclient"]));
        for key in files_below(&root.join(format!("workers/{name}"))).into_iter().filter(|p| p.to_string_lossy().ends_with(".key")) {
            assert_eq!(mode(&key), 0o600, "{}", key.display());
        }
    }
    let admin = root.join("workstation/HOME/.kube/kubectl.crt");
    assert_eq!(subject(&admin).trim(), "subject=CN=kubernetes-admin,O=kubeadm:cluster-admins");
    let masters = spec("1.37", "static-pod", |f| f.kubectl.admin_group = "system:masters".into());
    let bundle = common::generate(&masters, false);
    assert!(bundle.find("cluster-addons/admin-clusterrolebinding.yaml").is_none(), "system:masters needs no binding");
}

/// An HTTPS server with the kubelet's serving certificate that, like the kubelet's x509
/// authentication, demands a client certificate from the cluster CA.
#[test]
fn the_api_server_reaches_the_kubelet_over_verified_mutual_tls() {
    let (tmp, root, _) = unpacked(&spec("1.37", "static-pod", |_| {}), true);
    let dir = tmp.path();
    let ca = root.join("ca-host/HOME/ca.crt");
    let ca_key = root.join("ca-host/HOME/ca.key");
    // The API server's --kubelet-client-certificate, made with openssl as an operator would.
    fs::write(dir.join("client.cnf"), "[ext]\nextendedKeyUsage = clientAuth\n").unwrap();
    run("openssl", &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver-kubelet-client"], dir);
    run("openssl", &["x509", "-req", "-in", "apiserver.csr", "-CA", path_str(&ca), "-CAkey", path_str(&ca_key), "-CAcreateserial", "-out", "apiserver.crt", "-days", "1", "-extfile", "client.cnf", "-extensions", "ext"], dir);

    let pki = root.join("workers/worker01/var/lib/kubelet/pki");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-www", "-Verify", "1", "-verify_return_error"])
        .args(["-cert", path_str(&pki.join("kubelet.crt")), "-key", path_str(&pki.join("kubelet.key")), "-CAfile", path_str(&ca)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "s_server did not listen");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let fetch = |verify: &[&str], cert: &str, key: &str| {
        let mut args = vec!["-sS", "--fail", "--cacert", path_str(&ca), "--cert", cert, "--key", key];
        args.extend(verify);
        Command::new("curl").args(&args).current_dir(dir).output().unwrap()
    };
    // curl checks the serving certificate against the name it connects to, as the API server does.
    let url = format!("https://worker01:{port}/");
    let resolve = format!("worker01:{port}:127.0.0.1");
    let out = fetch(&["--resolve", &resolve, &url], "apiserver.crt", "apiserver.key");
    assert!(out.status.success() && stdout(&out).contains("s_server"), "{}", String::from_utf8_lossy(&out.stderr));
    // Control: under another node's name the certificate is refused.
    let wrong = format!("https://worker02:{port}/");
    let out = fetch(&["--resolve", &format!("worker02:{port}:127.0.0.1"), &wrong], "apiserver.crt", "apiserver.key");
    assert!(!out.status.success(), "a serving certificate must not pass for another node");
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn kubeconfigs_load_in_kubectl_and_name_the_node() {
    for delivery in ["static-pod", "daemonset"] {
        let (tmp, root, bundle) = unpacked(&spec("1.37", delivery, |_| {}), false);
        for (name, _) in WORKERS {
            let config = root.join(format!("workers/{name}/etc/kubernetes/kubelet.conf"));
            let out = run("kubectl", &["config", "view", "--kubeconfig", path_str(&config), "-o", "jsonpath={.current-context} {.clusters[0].cluster.server} {.users[0].user.client-certificate}"], &root);
            assert_eq!(stdout(&out), format!("system:node:{name}@kubernetes https://loadbalancer.example.com /var/lib/kubelet/pki/kubelet-client.crt"));
        }
        let proxy_kubeconfig = match delivery {
            "static-pod" => fs::read_to_string(root.join("workers/worker01/var/lib/kube-proxy/kubeconfig.conf")).unwrap(),
            _ => {
                let map = yaml::parse_value(&bundle.find("cluster-addons/kube-proxy-configmap.yaml").unwrap().content).unwrap();
                map["data"]["kubeconfig.conf"].as_str().unwrap().to_owned()
            }
        };
        let path = tmp.path().join("proxy.conf");
        fs::write(&path, proxy_kubeconfig).unwrap();
        let out = run("kubectl", &["config", "view", "--kubeconfig", path_str(&path), "-o", "jsonpath={.users[0].name} {.users[0].user.tokenFile}"], &root);
        let expected = match delivery {
            "static-pod" => "system:kube-proxy ",
            _ => "kube-proxy /var/run/secrets/kubernetes.io/serviceaccount/token",
        };
        assert_eq!(stdout(&out), expected);
    }
}

#[test]
fn scripts_and_units_pass_shellcheck_and_systemd_and_install_stages_exactly() {
    let (tmp, root, bundle) = unpacked(&spec("1.37", "static-pod", |_| {}), false);
    let scripts: Vec<PathBuf> = files_below(&root).into_iter().filter(|p| p.to_string_lossy().ends_with(".sh")).collect();
    assert_eq!(scripts.len(), 11, "{scripts:?}");
    for script in &scripts {
        run("bash", &["-n", path_str(script)], &root);
        run("shellcheck", &["-S", "style", path_str(script)], &root);
    }

    // systemd reads the unit; the binary and containerd stand in as stubs.
    let units = tmp.path().join("units");
    fs::create_dir_all(&units).unwrap();
    for stub in ["containerd.service", "network-online.target"] {
        fs::write(units.join(stub), "[Service]\nExecStart=/bin/true\n").unwrap();
    }
    let unit = units.join("kubelet.service");
    let text = fs::read_to_string(root.join("workers/worker01/etc/systemd/system/kubelet.service")).unwrap();
    fs::write(&unit, text.replace("ExecStart=/usr/bin/kubelet", "ExecStart=/bin/true")).unwrap();
    run_env("systemd-analyze", &["verify", "--man=no", path_str(&unit)], tmp.path(), &[("SYSTEMD_UNIT_PATH", &format!("{}:", units.display()))]);

    // ROOT=… stages every file of the worker with its bytes and mode; the host checks are skipped.
    let node = tmp.path().join("node");
    run_env("bash", &[path_str(&root.join("workers/worker02/install.sh"))], &root, &[("ROOT", path_str(&node))]);
    let delivered: Vec<_> = bundle.artifacts.iter().filter(|a| a.zip_path().starts_with("workers/worker02/") && !a.zip_path().ends_with(".sh")).collect();
    assert_eq!(delivered.len(), 13);
    for artifact in delivered {
        let rel = artifact.zip_path().trim_start_matches("workers/worker02/").to_owned();
        assert_eq!(fs::read_to_string(node.join(&rel)).unwrap(), artifact.content, "{rel}");
        assert_eq!(mode(&node.join(&rel)), artifact.mode, "{rel}");
    }
}

#[test]
fn install_refuses_a_host_without_containerd_and_writes_nothing() {
    let socket_dir = tempfile::tempdir().unwrap();
    let socket = socket_dir.path().join("absent/containerd.sock");
    let endpoint = format!("unix://{}", socket.display());
    let (tmp, root, _) = unpacked(&spec("1.37", "static-pod", |f| f.kubelet.container_runtime_endpoint = endpoint), false);
    let out = Command::new("bash").arg(root.join("workers/worker01/install.sh")).current_dir(tmp.path()).env_remove("ROOT").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let as_root = Command::new("id").arg("-u").output().map(|o| stdout(&o).trim() == "0").unwrap_or(false);
    if as_root && Path::new("/usr/bin/systemctl").exists() {
        assert!(err.contains(&format!("no container runtime socket at {}", socket.display())), "{err}");
    } else {
        assert!(err.contains("install.sh: "), "{err}");
    }
    assert!(!socket.exists() && !socket_dir.path().join("absent").exists());
}

#[test]
fn both_deliveries_pass_every_check_on_every_supported_version() {
    for version in SUPPORTED {
        for delivery in ["static-pod", "daemonset"] {
            let spec = spec(&version.to_string(), delivery, |_| {});
            let bundle = common::generate(&spec, false);
            let report = check::check(&BundleFiles::from_bundle(&bundle), &studio::check_context(&spec, common::now()));
            let bad: Vec<_> = report.findings.iter().filter(|f| f.status != Status::Pass).collect();
            assert!(bad.is_empty(), "{version} {delivery}: {bad:#?}");
            let ids: Vec<&str> = report.findings.iter().map(|f| f.check.as_ref()).collect();
            for id in ["node-identity", "kubelet-config", "cluster-dns", "cluster-domain", "dns-addon", "static-pod"] {
                assert_eq!(ids.iter().filter(|i| **i == id).count(), if id == "dns-addon" { 1 } else { 3 }, "{version} {delivery}: {id}");
            }
            let proxy_identities = ids.iter().filter(|i| **i == "proxy-identity").count();
            assert_eq!(proxy_identities, if delivery == "static-pod" { 3 } else { 0 });
        }
    }
}

/// What each supported version gets: images, the cgroup v1 stance, and which 2016 flags it refuses.
#[test]
fn version_gates_over_1_33_to_1_37() {
    struct Gate {
        version: Version,
        coredns: &'static str,
        refuses_cgroup_v1: bool,
        register_schedulable_removed: bool,
    }
    let v = studio::release::v;
    let table = [
        Gate { version: v(1, 33), coredns: "v1.12.0", refuses_cgroup_v1: false, register_schedulable_removed: false },
        Gate { version: v(1, 34), coredns: "v1.12.1", refuses_cgroup_v1: false, register_schedulable_removed: true },
        Gate { version: v(1, 35), coredns: "v1.13.1", refuses_cgroup_v1: true, register_schedulable_removed: true },
        Gate { version: v(1, 36), coredns: "v1.14.2", refuses_cgroup_v1: true, register_schedulable_removed: true },
        Gate { version: v(1, 37), coredns: "v1.14.4", refuses_cgroup_v1: true, register_schedulable_removed: true },
    ];
    assert_eq!(table.iter().map(|g| g.version).collect::<Vec<_>>(), SUPPORTED);
    for gate in table {
        let spec = spec(&format!("{}.4", gate.version), "static-pod", |_| {});
        let bundle = common::generate(&spec, false);
        let pod = yaml::parse_value(&bundle.find("workers/worker01/etc/kubernetes/manifests/kube-proxy.yaml").unwrap().content).unwrap();
        assert_eq!(pod["spec"]["containers"][0]["image"].as_str().unwrap(), format!("registry.k8s.io/kube-proxy:v{}.4", gate.version));
        let dns = yaml::parse_value(&bundle.find("cluster-addons/coredns-deployment.yaml").unwrap().content).unwrap();
        assert_eq!(dns["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap(), format!("registry.k8s.io/coredns/coredns:{}", gate.coredns));

        let install = &bundle.find("workers/worker01/install.sh").unwrap().content;
        assert_eq!(install.contains("refuses it (failCgroupV1)"), gate.refuses_cgroup_v1, "{}", gate.version);
        assert_eq!(install.contains("only tolerates"), !gate.refuses_cgroup_v1, "{}", gate.version);
        assert_eq!(gate.version >= REFUSES_CGROUP_V1, gate.refuses_cgroup_v1);

        let config = yaml::parse_value(&bundle.find("workers/worker01/var/lib/kubelet/config.yaml").unwrap().content).unwrap();
        // failCgroupV1 exists since 1.31 but is written only where it is the default: before 1.35 an
        // explicit true would stop the kubelet on a host install.sh merely warns about.
        assert_eq!(config["failCgroupV1"].as_bool(), gate.refuses_cgroup_v1.then_some(true), "{}", gate.version);
        assert!(current::accepts("KubeletConfiguration.containerRuntimeEndpoint", gate.version));

        let flag = studio::profile::flags::kubelet_flag("--register-schedulable=true").unwrap();
        assert_eq!(flag.removed.is_some_and(|r| r <= gate.version), gate.register_schedulable_removed, "{}", gate.version);
    }
    // A field is written only where the type has it: failCgroupV1 came in 1.31.
    assert!(!current::accepts("KubeletConfiguration.failCgroupV1", v(1, 30)));
    assert!(current::accepts("KubeletConfiguration.failCgroupV1", v(1, 31)));
}

#[test]
fn switching_profiles_keeps_what_the_user_changed() {
    let mut guide = SpecFile::default();
    guide.workers[0].name = "node-a".into();
    guide.cluster.api_server = "https://k8s.internal:6443".into();
    let current = guide.switch_profile(ProfileId::Current);
    assert_eq!(current.profile, "current");
    assert_eq!(current.workers[0].name, "node-a");
    assert_eq!(current.cluster.api_server, "https://k8s.internal:6443");
    assert_eq!(current.paths.kubeconfig, "/etc/kubernetes/kubelet.conf", "defaults follow the profile");
    assert_eq!(current.kubernetes_version, "1.37");
    assert!(current.validate(common::now()).is_ok());
    let back = current.switch_profile(ProfileId::Guide2016);
    assert_eq!(back, guide, "and back again");
    // Fields only the current profile has go when switching away, even when changed, since the
    // guide's form would neither show nor accept them.
    let mut changed = current.clone();
    changed.kubernetes_version = "1.35".into();
    changed.cluster.pod_cidr = "10.244.0.0/16".into();
    let back = changed.switch_profile(ProfileId::Guide2016);
    assert_eq!(back, guide);
    assert!(back.validate(common::now()).is_ok());

    // A partial project file takes its own profile's defaults.
    let file = SpecFile::from_yaml("profile: current\nkubernetesVersion: '1.34'\n").unwrap();
    assert_eq!(file.paths.kubelet_config, "/var/lib/kubelet/config.yaml");
    assert_eq!(file.kubelet.housekeeping_interval, "");
    let spec = file.validate(common::now()).unwrap();
    assert_eq!(spec.kubernetes_version(), studio::release::v(1, 34));
    assert_eq!(spec.to_file(), file, "and writes back the same");
}

/// The keys-stay-on-the-node path with openssl alone: the node makes its keys and CSRs, the CA host
/// signs them with each role's extensions, and install.sh keeps them.
#[test]
fn the_keys_on_node_path_issues_the_same_identities_with_openssl_alone() {
    for algorithm in ["rsa-2048", "ecdsa-p384"] {
        let spec = spec("1.37", "static-pod", |f| f.keys.algorithm = algorithm.into());
        let (tmp, root, _) = unpacked(&spec, true);
        let node = tmp.path().join("node");
        run_env("bash", &[path_str(&root.join("workers/worker03/keys-on-node.sh"))], &root, &[("ROOT", path_str(&node))]);
        let ca_host = tmp.path().join("ca-host");
        fs::create_dir_all(&ca_host).unwrap();
        for file in ["ca.crt", "ca.key"] {
            fs::copy(root.join("ca-host/HOME").join(file), ca_host.join(file)).unwrap();
        }
        let placed = [("var/lib/kubelet/pki", "kubelet-client"), ("var/lib/kubelet/pki", "kubelet"), ("var/lib/kube-proxy", "kube-proxy")];
        for (dir, stem) in placed {
            assert_eq!(mode(&node.join(dir).join(format!("{stem}.key"))), 0o600, "{stem}.key");
            fs::copy(node.join(dir).join(format!("{stem}.csr")), ca_host.join(format!("{stem}.csr"))).unwrap();
        }
        run("bash", &[path_str(&root.join("ca-host/sign-worker03.sh"))], &ca_host);
        for (dir, stem) in placed {
            fs::copy(ca_host.join(format!("{stem}.crt")), node.join(dir).join(format!("{stem}.crt"))).unwrap();
        }
        run_env("bash", &[path_str(&root.join("workers/worker03/install.sh"))], &root, &[("ROOT", path_str(&node)), ("KEYS_ON_NODE", "1")]);

        // A node that asks for more than its identity is refused by the CA host.
        let greedy = tmp.path().join("greedy");
        fs::create_dir_all(&greedy).unwrap();
        for file in ["ca.crt", "ca.key", "kubelet.csr", "kube-proxy.csr"] {
            fs::copy(ca_host.join(file), greedy.join(file)).unwrap();
        }
        let key = path_str(&node.join("var/lib/kubelet/pki/kubelet-client.key")).to_owned();
        run("openssl", &["req", "-new", "-key", &key, "-out", "kubelet-client.csr", "-subj", "/O=system:masters/CN=system:node:worker03"], &greedy);
        let out = Command::new("bash").arg(root.join("ca-host/sign-worker03.sh")).current_dir(&greedy).output().unwrap();
        assert!(!out.status.success(), "{algorithm}: a system:masters CSR must not be signed");
        assert!(String::from_utf8_lossy(&out.stderr).contains("kubelet-client.csr does not ask for /O=system:nodes/CN=system:node:worker03; refusing to sign it"));
        assert!(!greedy.join("kubelet-client.crt").exists());

        let pki = node.join("var/lib/kubelet/pki");
        let ca = path_str(&ca_host.join("ca.crt")).to_owned();
        run("openssl", &["verify", "-CAfile", &ca, "-purpose", "sslclient", path_str(&pki.join("kubelet-client.crt"))], &node);
        run("openssl", &["verify", "-CAfile", &ca, "-purpose", "sslserver", "-verify_ip", "192.168.2.3", path_str(&pki.join("kubelet.crt"))], &node);
        run("openssl", &["verify", "-CAfile", &ca, "-purpose", "sslclient", path_str(&node.join("var/lib/kube-proxy/kube-proxy.crt"))], &node);
        for (dir, stem) in placed {
            let key = stdout(&run("openssl", &["pkey", "-in", path_str(&node.join(dir).join(format!("{stem}.key"))), "-pubout"], &node));
            let cert = stdout(&run("openssl", &["x509", "-in", path_str(&node.join(dir).join(format!("{stem}.crt"))), "-noout", "-pubkey"], &node));
            assert_eq!(key, cert, "{algorithm}: {stem}.key was kept and matches its certificate");
            let bundled = fs::read_to_string(root.join("workers/worker03").join(dir).join(format!("{stem}.key"))).unwrap();
            assert_ne!(fs::read_to_string(node.join(dir).join(format!("{stem}.key"))).unwrap(), bundled, "{stem}: the node's own key");
        }
    }
}
