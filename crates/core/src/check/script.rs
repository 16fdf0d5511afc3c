//! install.sh (and install-lb.sh) against the files beside it: every file it writes must be the
//! bundle's copy, with the bundle's mode, and keys must be written 0600. A file staged next to its
//! target (checked, then renamed over it) counts as its target once the script renames it.

use super::files::BundleFiles;
use crate::bundle::layout;
use crate::words::split_words as words;
use super::graph::WRITES;
use super::{Findings, Status};

const WHY_SCRIPT: &str = "what install.sh writes is what lands on the node; it must be exactly the checked files";

/// One file write in the script: path, mode and the bytes fed to it.
struct Write {
    path: String,
    mode: String,
    body: String,
}

fn is_writer(word: &str) -> bool {
    word == "write_file" || word == "write_key_material"
}

/// The `mv -f -- "$ROOT"from "$ROOT"to` renames of a script, as (from, to).
fn renames(script: &str) -> Vec<(String, String)> {
    script
        .lines()
        // Only a line spelling both unquoted can be one (as the studio writes them); splitting
        // every line of the files' copies into words was most of the checks' time.
        .filter(|line| line.contains("mv") && line.contains("$ROOT"))
        .filter_map(|line| {
            let w = words(line.trim_start());
            let rooted: Vec<&str> = w.iter().filter_map(|word| word.strip_prefix("$ROOT")).collect();
            (w.first().map(String::as_str) == Some("mv") && rooted.len() == 2).then(|| (rooted[0].to_owned(), rooted[1].to_owned()))
        })
        .collect()
}

/// The writes of a studio-style install script, a staged file under the name it is renamed to.
fn writes(script: &str) -> Result<Vec<Write>, String> {
    let staged = renames(script);
    let mut out = writes_as_written(script)?;
    for write in &mut out {
        if let Some(stem) = write.path.strip_suffix(layout::STAGED_SUFFIX) {
            match staged.iter().find(|(from, _)| *from == write.path) {
                Some((_, to)) if to == stem => write.path = stem.to_owned(),
                _ => return Err(format!("it stages {} but never renames it to {stem}", write.path)),
            }
        }
    }
    Ok(out)
}

fn writes_as_written(script: &str) -> Result<Vec<Write>, String> {
    let mut out = Vec::new();
    let mut lines = script.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let line = line.trim_start();
        if let Some((head, delimiter)) = line.split_once(" <<'") {
            let w = words(head);
            if w.len() == 3 && is_writer(&w[0]) {
                let delimiter = delimiter.trim_end_matches('\'');
                let mut body = String::new();
                let mut closed = false;
                for (_, body_line) in lines.by_ref() {
                    if body_line == delimiter {
                        closed = true;
                        break;
                    }
                    body.push_str(body_line);
                    body.push('\n');
                }
                if !closed {
                    return Err(format!("line {}: the here-document for {} never ends", number + 1, w[1]));
                }
                out.push(Write { path: w[1].clone(), mode: w[2].clone(), body });
            }
        } else if let Some(rest) = line.strip_prefix("printf '%s' ") {
            let w = words(rest);
            if w.len() == 5 && w[1] == "|" && is_writer(&w[2]) {
                out.push(Write { path: w[3].clone(), mode: w[4].clone(), body: w[0].clone() });
            }
        }
    }
    Ok(out)
}

/// `script` (install.sh or install-lb.sh) of the machine in `dir` against that machine's files.
pub(super) fn check_install(files: &BundleFiles, name: &str, dir: &str, script_name: &str, out: &mut Findings) {
    let path = format!("{dir}/{script_name}");
    let Some(script) = files.text(&path) else { return };
    let title = format!("{name}: {script_name} writes exactly the bundle's files and modes");
    let writes = match writes(script) {
        Ok(w) => w,
        Err(e) => {
            out.add(Status::Fail, "install-script", WHY_SCRIPT, title, vec![path], e);
            return;
        }
    };
    let mut problems = Vec::new();
    let mut written = Vec::new();
    // Each write's own verdict, for its reference: the finding fails for any of them.
    let mut sound = Vec::new();
    for write in &writes {
        let target = format!("{dir}/{}", write.path.trim_start_matches('/'));
        written.push(target.clone());
        let before = problems.len();
        match files.get(&target) {
            None => problems.push(format!("writes {} which the bundle lacks", write.path)),
            Some(entry) => {
                if entry.bytes() != write.body.as_bytes() {
                    problems.push(format!("its copy of {} differs from the bundle's", write.path));
                }
                let mode = u32::from_str_radix(&write.mode, 8).ok();
                if let (Some(mode), Some(file_mode)) = (mode, entry.mode) {
                    if mode != file_mode {
                        problems.push(format!("writes {} as {} but the bundle has {:04o}", write.path, write.mode, file_mode));
                    }
                }
                if write.body.contains("PRIVATE KEY-----") && mode.is_none_or(|m| m & 0o077 != 0) {
                    problems.push(format!("writes the key {} with mode {}", write.path, write.mode));
                }
            }
        }
        sound.push(problems.len() == before);
    }
    let unwritten: Vec<String> = files
        .below(dir)
        .into_iter()
        .map(|(rel, _)| format!("{dir}/{rel}"))
        .filter(|p| !p.ends_with(".sh") && !written.contains(p))
        .collect();
    let mut involved = vec![path.clone()];
    involved.extend(written.iter().cloned());
    let finding = if !problems.is_empty() {
        out.add(Status::Fail, "install-script", WHY_SCRIPT, title, involved, problems.join("; "))
    } else if writes.is_empty() {
        out.add(Status::Warn, "install-script", WHY_SCRIPT, title, involved, "no write_file lines found; not a studio install script".into())
    } else if !unwritten.is_empty() {
        out.add(Status::Warn, "install-script", WHY_SCRIPT, title, involved, format!("does not write {}", unwritten.join(", ")))
    } else {
        out.add(Status::Pass, "install-script", WHY_SCRIPT, title, involved, format!("{} files", writes.len()))
    };
    for (target, sound) in written.iter().zip(sound) {
        match (sound, problems.is_empty()) {
            // No write is wrong: each shares the finding's verdict (a warning for a file left out).
            (true, true) => out.link(finding, &path, target, WRITES),
            (true, false) => out.link_as(finding, &path, target, WRITES, Status::Pass),
            (false, _) => out.link_as(finding, &path, target, WRITES, Status::Fail),
        }
    }
}
