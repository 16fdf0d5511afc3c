//! `worker-studio`: the command-line front on the engine — print a project, generate a bundle.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use studio::check::{BundleFiles, CheckContext, FileEntry, Finding, Report, Status};
use studio::release::{KubeVersion, ProfileId, Version};
use studio::{Bundle, RenderOptions, SpecFile};

#[derive(Parser)]
#[command(name = "worker-studio", version, about = "Everything a Kubernetes worker node needs, from one project file")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a default project file (the guide's example values) as YAML.
    Init {
        /// Profile: guide-2016.
        #[arg(long, default_value = "guide-2016")]
        profile: String,
    },
    /// Generate keys, certificates and every artifact into a zip or a directory.
    Generate {
        /// The project file (YAML), as printed by `init`.
        #[arg(long)]
        spec: PathBuf,
        /// Where to write: a path ending in .zip writes a zip, anything else a directory.
        #[arg(long)]
        out: PathBuf,
        /// Import this CA certificate (PEM) instead of the project file's CA settings; alone (no
        /// --ca-key) for a bootstrap-token join, where the cluster signs for its nodes.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// The imported CA's private key (PEM: PKCS#1, PKCS#8 or SEC1).
        #[arg(long, requires = "ca_cert")]
        ca_key: Option<PathBuf>,
        /// Put a generated CA's private key in the bundle (ca-host/HOME/ca.key).
        #[arg(long)]
        include_ca_key: bool,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Check a bundle (a zip or a directory laid out like one, hand-written files included):
    /// every artifact against the others. Exits 1 when any check fails.
    Validate {
        /// The bundle: a .zip, or a directory with workers/<name>/..., ca-host/, cluster-addons/.
        bundle: PathBuf,
        /// The project file the bundle was made from (gives the worker IPs and the profile).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The Kubernetes version the kubelet flags must fit, e.g. 1.2 (default: the bundle's profile).
        #[arg(long)]
        kubernetes_version: Option<String>,
        /// Also check a real API server's serving certificate (kubeadm's
        /// /etc/kubernetes/pki/apiserver.crt): the bundle's CA signed it, it serves TLS, and it
        /// carries every name the nodes and kubectl dial (the front's VIP or name, 127.0.0.1).
        #[arg(long, value_name = "FILE")]
        apiserver_cert: Option<PathBuf>,
    },
    /// Print how a bundle fits together: every file by machine, and every reference between files
    /// the checks resolve (unit → kubeconfig → certificate → CA, clusterDNS → the DNS Service, the
    /// front → the API servers), each coloured by its check. DOT for graphviz, JSON for tools.
    Graph {
        /// The bundle: a .zip, or a directory laid out like one.
        bundle: PathBuf,
        /// The project file the bundle was made from (gives the worker IPs and the profile).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The Kubernetes version to check against (default: the bundle's profile).
        #[arg(long)]
        kubernetes_version: Option<String>,
        /// dot (graphviz: `| dot -Tsvg > bundle.svg`) or json.
        #[arg(long, default_value = "dot", value_parser = ["dot", "json"])]
        format: String,
    },
    /// Sign a CSR a node made with keys-on-node.sh (or the workstation with keys-on-workstation.sh),
    /// after checking that it asks for exactly what the project says that certificate is: its
    /// subject, names, usage and key. Exits 2, naming every mismatch, and writes nothing when not.
    Sign {
        /// The project file.
        #[arg(long)]
        spec: PathBuf,
        /// The cluster CA certificate (PEM).
        #[arg(long)]
        ca_cert: PathBuf,
        /// The cluster CA's private key (PEM).
        #[arg(long)]
        ca_key: PathBuf,
        /// The CSR (PEM).
        #[arg(long)]
        csr: PathBuf,
        /// Where to write the certificate (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A failure with the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: message.into() }
    }
    fn runtime(message: impl Into<String>) -> Failure {
        Failure { code: 1, message: message.into() }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message.trim_end());
            ExitCode::from(failure.code)
        }
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    fs::read_to_string(path).map_err(|e| Failure::usage(format!("error: cannot read {what} {}: {e}", path.display())))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Init { profile } => {
            let id = ProfileId::parse(&profile).ok_or_else(|| {
                let known: Vec<_> = ProfileId::ALL.iter().map(|p| p.as_str()).collect();
                Failure::usage(format!("error: unknown profile {profile:?}; choose one of: {}", known.join(", ")))
            })?;
            let text = SpecFile::defaults(id).to_yaml().map_err(|e| Failure::runtime(format!("error: {e}")))?;
            print!("{text}");
            Ok(())
        }
        Command::Generate { spec, out, ca_cert, ca_key, include_ca_key, force } => {
            let text = read_text(&spec, "the project file")?;
            let mut file = SpecFile::from_yaml(&text)
                .map_err(|e| Failure::usage(format!("error: {} is not a valid project file:\n  {e}", spec.display())))?;
            if let Some(cert) = ca_cert {
                file.ca.source = studio::spec::CaSource::Import.as_str().into();
                file.ca.certificate = read_text(&cert, "the CA certificate")?;
                file.ca.key = match ca_key {
                    Some(key) => read_text(&key, "the CA key")?,
                    None => String::new(),
                };
            }
            let now = now();
            let cluster = file.validate(now).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
                Failure::usage(format!("error: {} has {} problem(s):\n{}", spec.display(), errors.len(), lines.join("\n")))
            })?;
            if out.exists() && !force {
                return Err(Failure::usage(format!("error: {} exists; pass --force to replace it", out.display())));
            }
            let options = RenderOptions { now, include_ca_key };
            let bundle = studio::generate_with_new_keys(&cluster, options).map_err(|e| Failure::runtime(format!("error: {e}")))?;
            let is_zip = out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("zip"));
            if is_zip {
                let bytes = bundle.to_zip(now).map_err(|e| Failure::runtime(format!("error: {e}")))?;
                replace_atomically(&out, |tmp| write_file(tmp, &bytes, 0o600))?;
            } else {
                replace_atomically(&out, |tmp| write_tree(tmp, &bundle))?;
            }
            let keys = bundle.artifacts.iter().filter(|a| a.kind == studio::ArtifactKind::PrivateKey).count();
            eprintln!(
                "wrote {} ({} files for {} worker(s), {keys} private keys); start with README.txt",
                out.display(),
                bundle.artifacts.len(),
                cluster.workers.len()
            );
            if matches!(cluster.ca, studio::spec::CaSpec::Generate { .. }) && !include_ca_key {
                eprintln!("note: the generated CA's key was not saved (--include-ca-key keeps it on ca-host/)");
            }
            Ok(())
        }
        Command::Validate { bundle, spec, kubernetes_version, apiserver_cert } => {
            validate(&bundle, spec.as_deref(), kubernetes_version.as_deref(), apiserver_cert.as_deref())
        }
        Command::Graph { bundle, spec, kubernetes_version, format } => graph(&bundle, spec.as_deref(), kubernetes_version.as_deref(), &format),
        Command::Sign { spec, ca_cert, ca_key, csr, out } => sign(&spec, &ca_cert, &ca_key, &csr, out.as_deref()),
    }
}

/// A bundle's files and what the checks need beside them: the time, the version (given, the
/// spec's, or the bundle's README's), and the spec's addresses.
fn bundle_and_context(bundle: &Path, spec: Option<&Path>, version: Option<&str>) -> Result<(BundleFiles, CheckContext), Failure> {
    let files = if bundle.is_dir() {
        read_tree(bundle).map_err(|e| Failure::usage(format!("error: cannot read {}: {e}", bundle.display())))?
    } else {
        let bytes = fs::read(bundle).map_err(|e| Failure::usage(format!("error: cannot read {}: {e}", bundle.display())))?;
        BundleFiles::from_zip(&bytes).map_err(|e| Failure::usage(format!("error: {}: {e}", bundle.display())))?
    };
    let now = now();
    let mut expected_ips = Default::default();
    let mut bundle_version = studio::check::version_of(&files);
    if let Some(spec_path) = spec {
        let text = read_text(spec_path, "the project file")?;
        let cluster = studio::input::spec_from_yaml(&text, now).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            Failure::usage(format!("error: {} is not valid:\n{}", spec_path.display(), lines.join("\n")))
        })?;
        bundle_version = cluster.kubernetes_version();
        expected_ips = studio::check_context(&cluster, now).expected_ips;
    }
    let version = match version {
        Some(text) => parse_version(text)?,
        None => bundle_version,
    };
    Ok((files, CheckContext { now, version, expected_ips }))
}

fn graph(bundle: &Path, spec: Option<&Path>, version: Option<&str>, format: &str) -> Result<(), Failure> {
    let (files, context) = bundle_and_context(bundle, spec, version)?;
    let report = studio::check::check(&files, &context);
    let graph = studio::check::Graph::new(files.entries.keys().map(String::as_str), &report);
    let text = match format {
        "json" => studio::json::to_string(&graph.to_json_value(&report)).map_err(Failure::runtime)? + "\n",
        _ => graph.to_dot(),
    };
    std::io::stdout().write_all(text.as_bytes()).map_err(|e| Failure::runtime(format!("error: cannot write the graph: {e}")))
}

fn validate(bundle: &Path, spec: Option<&Path>, version: Option<&str>, apiserver_cert: Option<&Path>) -> Result<(), Failure> {
    let (files, context) = bundle_and_context(bundle, spec, version)?;
    let mut report = studio::check::check(&files, &context);
    check_script_syntax(&files, &mut report);
    if let Some(path) = apiserver_cert {
        let pem = read_text(path, "the API server certificate")?;
        for finding in studio::check::check_apiserver_certificate(&files, &pem, &path.display().to_string(), &context).findings {
            report.push(finding);
        }
    }
    print!("{}", report.to_text());
    if report.has_failures() {
        Err(Failure { code: 1, message: format!("{}: checks failed", bundle.display()) })
    } else {
        Ok(())
    }
}

fn sign(spec_path: &Path, ca_cert: &Path, ca_key: &Path, csr_path: &Path, out: Option<&Path>) -> Result<(), Failure> {
    let text = read_text(spec_path, "the project file")?;
    let mut file = SpecFile::from_yaml(&text)
        .map_err(|e| Failure::usage(format!("error: {} is not a valid project file:\n  {e}", spec_path.display())))?;
    file.ca.source = studio::spec::CaSource::Import.as_str().into();
    file.ca.certificate = read_text(ca_cert, "the CA certificate")?;
    file.ca.key = read_text(ca_key, "the CA key")?;
    let now = now();
    let cluster = file.validate(now).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        Failure::usage(format!("error: {} has {} problem(s):\n{}", spec_path.display(), errors.len(), lines.join("\n")))
    })?;
    let csr = read_text(csr_path, "the CSR")?;
    let signed = studio::sign_pasted_csr(&cluster, &csr, now).map_err(|reasons| {
        let lines: Vec<String> = reasons.iter().map(|r| format!("  - {r}")).collect();
        Failure::usage(format!("error: {} was not signed:\n{}", csr_path.display(), lines.join("\n")))
    })?;
    match out {
        Some(path) => {
            replace_atomically(path, |tmp| write_file(tmp, signed.certificate_pem.as_bytes(), 0o644))?;
            eprintln!("wrote {} ({}); it goes to {}. To install it:\n\n{}", path.display(), signed.role, signed.path, signed.install);
        }
        None => {
            print!("{}", signed.certificate_pem);
            eprintln!("signed {}; it goes to {}. To install it:\n\n{}", signed.role, signed.path, signed.install);
        }
    }
    Ok(())
}

fn parse_version(text: &str) -> Result<Version, Failure> {
    KubeVersion::read(text)
        .map(|version| version.minor)
        .ok_or_else(|| Failure::usage(format!("error: --kubernetes-version {text:?} is not MAJOR.MINOR, e.g. 1.2 or 1.37")))
}

/// `bash -n` on every script: a syntax error stops install.sh before it writes anything useful.
fn check_script_syntax(files: &BundleFiles, report: &mut Report) {
    for (path, entry) in files.entries.iter().filter(|(p, _)| p.ends_with(".sh")) {
        let result = std::process::Command::new("bash")
            .arg("-n")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(entry.bytes())?;
                }
                child.wait_with_output()
            });
        let (status, detail) = match result {
            Ok(out) if out.status.success() => (Status::Pass, String::new()),
            Ok(out) => (Status::Fail, String::from_utf8_lossy(&out.stderr).trim().replace("bash: line", "line")),
            Err(e) => (Status::Warn, format!("bash could not run: {e}")),
        };
        report.push(Finding {
            status,
            check: "script-syntax".into(),
            title: "The script parses (bash -n)".into(),
            files: vec![path.clone()],
            detail,
            why: "a script with a syntax error stops partway, leaving a node half set up".into(),
        });
    }
}

/// Reads a directory laid out like a bundle, with each file's mode.
fn read_tree(root: &Path) -> std::io::Result<BundleFiles> {
    let mut files = BundleFiles::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let meta = fs::symlink_metadata(entry.path())?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                let rel = entry.path().strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                #[cfg(unix)]
                let mode = Some(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777);
                #[cfg(not(unix))]
                let mode = None;
                files.entries.insert(rel, FileEntry::new(mode, fs::read(entry.path())?));
            }
        }
    }
    Ok(files)
}

/// Writes into a temporary sibling, then renames it over `target`: nothing half-written is left.
fn replace_atomically(target: &Path, write: impl FnOnce(&Path) -> std::io::Result<()>) -> Result<(), Failure> {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "bundle".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let io = |e: std::io::Error| Failure::runtime(format!("error: writing {}: {e}", target.display()));
    let result = write(&tmp).and_then(|()| {
        if target.is_dir() {
            fs::remove_dir_all(target)?;
        } else if target.exists() {
            fs::remove_file(target)?;
        }
        fs::rename(&tmp, target)
    });
    if result.is_err() {
        let _ = if tmp.is_dir() { fs::remove_dir_all(&tmp) } else { fs::remove_file(&tmp) };
    }
    result.map_err(io)
}

/// A file created with its final mode, so a key is never readable by others.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode);
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        options.open(path)?.write_all(bytes)
    }
}

fn write_tree(root: &Path, bundle: &Bundle) -> std::io::Result<()> {
    fs::create_dir_all(root)?;
    for artifact in &bundle.artifacts {
        let path = root.join(artifact.zip_path());
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        write_file(&path, artifact.content.as_bytes(), artifact.mode)?;
    }
    Ok(())
}
