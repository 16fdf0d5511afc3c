//! Shell scripts assembled from parts: every user value goes through [`crate::words::quote`], fixed shell text is
//! `&'static str`, and files are written through quoted here-documents whose delimiter never
//! occurs in the body.

use std::borrow::Cow;

use crate::words::quote;

/// A word of a mixed line: fixed shell syntax, or a value to quote.
#[derive(Clone, Copy, Debug)]
pub enum Word<'a> {
    /// Shell syntax (`if`, `[`, `>&2`): static text only, so it cannot carry user input.
    Sh(&'static str),
    /// A value, always quoted.
    Arg(&'a str),
    /// A node path below `$ROOT`, quoted: `"$ROOT"'/etc/x'`.
    Rooted(&'a str),
    /// A path below the user's home directory, quoted: `"$HOME"/'.kube/x'`.
    Home(&'a str),
}

/// A bash script under construction.
#[derive(Clone, Debug, Default)]
pub struct Script {
    text: String,
    indent: &'static str,
}

impl Script {
    /// Starts a strict bash script with a comment header.
    pub fn new(header: &[&str]) -> Script {
        let mut script = Script { text: "#!/usr/bin/env bash\n".into(), indent: "" };
        for line in header {
            script.comment(line);
        }
        script.raw("set -euo pipefail");
        script
    }

    /// Indents the commands that follow (here-document bodies are never indented).
    pub fn indent(&mut self, indent: &'static str) -> &mut Self {
        self.indent = indent;
        self
    }

    /// A line mixing shell syntax and quoted values: `if [ ! -x '/usr/local/bin/kubelet' ]; then`.
    pub fn line(&mut self, words: &[Word]) -> &mut Self {
        self.text.push_str(self.indent);
        self.text.push_str(&render_words(words));
        self.text.push('\n');
        self
    }

    /// A command whose last word is a path below `$ROOT` (`mkdir -p -- "$ROOT"/etc/x`).
    pub fn rooted(&mut self, words: &[&'static str], path: &str) -> &mut Self {
        self.text.push_str(self.indent);
        self.text.push_str(&join(words));
        self.text.push_str(" \"$ROOT\"");
        self.text.push_str(&quote(path));
        self.text.push('\n');
        self
    }

    /// A comment line; control characters in `text` are replaced so it stays one line.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        if clean.is_empty() {
            self.text.push_str(self.indent);
            self.text.push_str("#\n");
        } else {
            self.text.push_str(self.indent);
            self.text.push_str("# ");
            self.text.push_str(&clean);
            self.text.push('\n');
        }
        self
    }

    /// Fixed shell text: a `&'static str` cannot carry user input.
    pub fn raw(&mut self, line: &'static str) -> &mut Self {
        self.text.push_str(self.indent);
        self.text.push_str(line);
        self.text.push('\n');
        self
    }

    pub fn blank(&mut self) -> &mut Self {
        self.text.push('\n');
        self
    }

    /// One command, every word quoted.
    pub fn command<S: AsRef<str>>(&mut self, words: &[S]) -> &mut Self {
        self.text.push_str(self.indent);
        self.text.push_str(&join(words));
        self.text.push('\n');
        self
    }

    /// One command laid out like the guide: the first line, then each group on a `\`-continued line.
    pub fn command_lines<S: AsRef<str>>(&mut self, first: &[S], groups: &[Vec<String>]) -> &mut Self {
        self.text.push_str(self.indent);
        self.text.push_str(&join(first));
        for group in groups {
            self.text.push_str(" \\\n  ");
            self.text.push_str(&join(group));
        }
        self.text.push('\n');
        self
    }

    /// A command fed `body` on standard input through a quoted here-document.
    /// Bodies that do not end in a newline are fed through `printf` so the bytes stay exact.
    pub fn line_with_input(&mut self, words: &[Word], body: &str) -> &mut Self {
        let command = render_words(words);
        self.text.push_str(self.indent);
        if body.ends_with('\n') {
            let delimiter = delimiter_for(body);
            self.text.push_str(&format!("{command} <<'{delimiter}'\n{body}{delimiter}\n"));
        } else {
            self.text.push_str(&format!("printf '%s' {} | {command}\n", quote(body)));
        }
        self
    }

    pub fn finish(&self) -> String {
        self.text.clone()
    }
}

fn render_words(words: &[Word]) -> String {
    let rendered: Vec<Cow<str>> = words
        .iter()
        .map(|w| match w {
            Word::Sh(text) => Cow::Borrowed(*text),
            Word::Arg(value) => quote(value),
            Word::Rooted(path) => Cow::Owned(format!("\"$ROOT\"{}", quote(path))),
            Word::Home(path) => Cow::Owned(format!("\"$HOME\"/{}", quote(path))),
        })
        .collect();
    rendered.join(" ")
}

fn join<S: AsRef<str>>(words: &[S]) -> String {
    words.iter().map(|w| quote(w.as_ref())).collect::<Vec<_>>().join(" ")
}

/// `EOF`, or `EOF_1`, `EOF_2`, … if a line of the body equals it.
fn delimiter_for(body: &str) -> String {
    let mut candidate = "EOF".to_owned();
    let mut n = 0;
    while body.lines().any(|line| line == candidate) {
        n += 1;
        candidate = format!("EOF_{n}");
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_delimiter_avoids_body_lines() {
        let mut script = Script::default();
        script.line_with_input(&[Word::Sh("cat")], "EOF\nEOF_1\n");
        assert!(script.finish().ends_with("<<'EOF_2'\nEOF\nEOF_1\nEOF_2\n"), "{}", script.finish());
    }
}
