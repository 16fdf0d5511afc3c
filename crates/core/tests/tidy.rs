//! Keeps the engine's structure honest, in the spirit of rust-analyzer's tidy test: every
//! `crate::` edge of the core crate must follow the layer table in ARCHITECTURE.md (which this
//! test reads), every module starts with a `//!` line, and core never touches the filesystem, the
//! clock, the environment, processes or the network. A control case adds a backward import to the
//! real sources and must see it refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `src/`, by its path relative to `src/`.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).expect("below src/").to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).expect("a source file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root().join("src"), &root().join("src"), &mut out);
    out
}

/// The layer table: each top-level module and the modules it may import, from the fenced block
/// after `<!-- layers -->` in ARCHITECTURE.md (`name: a, b, c` or `name: -`).
fn layers() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("../../ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let block = text.split("<!-- layers -->").nth(1).expect("ARCHITECTURE.md has a <!-- layers --> table");
    let body = block.split("```").nth(1).expect("the layer table is a fenced block");
    let mut table = BTreeMap::new();
    for line in body.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (module, rest) = line.split_once(':').unwrap_or_else(|| panic!("layer line without ':': {line}"));
        let allowed = rest.split('#').next().unwrap_or_default();
        let allowed = allowed.split(',').map(str::trim).filter(|m| !m.is_empty() && *m != "-").map(str::to_owned).collect();
        table.insert(module.trim().to_owned(), allowed);
    }
    table
}

/// The top-level module a file belongs to (`pki/key.rs` → `pki`); the crate root is `lib`.
fn module_of(file: &str) -> String {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first).to_owned()
}

/// Source text with comments, strings and character literals blanked out.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !bytes.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_') {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while bytes.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if bytes.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while j < bytes.len() && !bytes[j..].iter().take(closing.len()).copied().eq(closing.chars()) {
                j += 1;
            }
            i = j + closing.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && bytes.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < bytes.len() && bytes[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The top-level modules a file names through `crate::` (in `use` lines and inline paths).
fn crate_edges(text: &str) -> BTreeSet<String> {
    let code = code_only(text);
    let mut edges = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        edges.extend(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            edges.extend(first_ident(&item));
        } else {
            edges.extend(first_ident(rest));
        }
    }
    edges
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!ident.is_empty() && ident != "self").then_some(ident)
}

/// Every rule the sources break.
fn violations(sources: &BTreeMap<String, String>, layers: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in sources {
        let module = module_of(file);
        if !text.trim_start().starts_with("//!") {
            out.push(format!("{file}: does not start with a //! line saying what the module holds"));
        }
        let code = code_only(text);
        for banned in ["std::fs", "std::env", "std::process", "std::time::SystemTime", "SystemTime::now", "Instant::now", "TcpStream", "TcpListener", "UdpSocket", "std::thread"] {
            if code.contains(banned) {
                out.push(format!("{file}: uses {banned}; core never touches the filesystem, the clock, processes or the network"));
            }
        }
        if module == "lib" {
            continue;
        }
        let Some(allowed) = layers.get(&module) else {
            out.push(format!("{file}: module {module} is not in ARCHITECTURE.md's layer table"));
            continue;
        };
        for edge in crate_edges(text) {
            if edge != module && !allowed.contains(&edge) {
                out.push(format!("{file}: {module} imports {edge}, which its layer may not (ARCHITECTURE.md)"));
            }
        }
    }
    out
}

/// The layer table itself is a DAG: no module may, through the table, import itself.
fn table_cycles(layers: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for start in layers.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = layers[start].iter().collect();
        while let Some(module) = stack.pop() {
            if module == start {
                out.push(format!("the layer table lets {start} reach itself"));
                break;
            }
            if seen.insert(module.clone()) {
                stack.extend(layers.get(module).into_iter().flatten());
            }
        }
    }
    out
}

#[test]
fn the_core_crate_follows_its_layers() {
    let layers = layers();
    assert!(layers.len() >= 8, "the layer table is too small to be the real one: {layers:?}");
    let problems: Vec<String> = table_cycles(&layers).into_iter().chain(violations(&sources(), &layers)).collect();
    assert!(problems.is_empty(), "tidy:\n  {}", problems.join("\n  "));
}

#[test]
fn a_backward_import_is_refused() {
    let layers = layers();
    let mut sources = sources();
    let spec = sources.get_mut("spec/mod.rs").expect("spec/mod.rs");
    spec.push_str("\nuse crate::render::k8s::Manifest;\n");
    sources.insert("release/control.rs".into(), "//! Control.\nfn _f() { let _ = crate::plan::names::CA_CERT; }\n".into());
    sources.insert("plan/unlabelled.rs".into(), "use std::fs;\n".into());
    let found = violations(&sources, &layers);
    let expected = [
        "spec/mod.rs: spec imports render, which its layer may not (ARCHITECTURE.md)",
        "release/control.rs: release imports plan, which its layer may not (ARCHITECTURE.md)",
        "plan/unlabelled.rs: does not start with a //! line saying what the module holds",
        "plan/unlabelled.rs: uses std::fs; core never touches the filesystem, the clock, processes or the network",
    ];
    for want in expected {
        assert!(found.iter().any(|f| f == want), "the tidy check missed: {want}\nit found: {found:#?}");
    }
}

#[test]
fn edges_are_read_from_use_groups_and_inline_paths() {
    let text = "//! x\nuse crate::{plan::{Plan, names}, spec::Hostname};\nfn f() { crate::profile::flags::v(1, 2); }\n// crate::render in a comment\nconst S: &str = \"crate::check\";\n";
    let edges: Vec<String> = crate_edges(text).into_iter().collect();
    assert_eq!(edges, ["plan", "profile", "spec"]);
}
