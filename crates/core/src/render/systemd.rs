//! systemd unit files built from sections and entries, with `ExecStart=` words quoted for systemd.

use crate::words::quote_word;

/// A unit file: sections in order, each with its entries.
#[derive(Clone, Debug, Default)]
pub struct Unit {
    sections: Vec<Section>,
}

#[derive(Clone, Debug)]
struct Section {
    name: &'static str,
    /// The guide puts a blank line before `[Service]` but none before `[Install]`; keep its layout.
    blank_line_before: bool,
    entries: Vec<String>,
}

impl Unit {
    pub fn section(&mut self, name: &'static str, blank_line_before: bool) -> &mut Self {
        self.sections.push(Section { name, blank_line_before, entries: Vec::new() });
        self
    }

    /// A `Key=value` entry whose value is fixed text.
    pub fn entry(&mut self, key: &'static str, value: &'static str) -> &mut Self {
        self.push(format!("{key}={value}"))
    }

    /// `ExecStart=` with the binary on the first line and one argument per continued line.
    pub fn exec_start(&mut self, binary: &str, args: &[String]) -> &mut Self {
        let mut line = format!("ExecStart={}", quote_word(binary));
        for arg in args {
            line.push_str(" \\\n  ");
            line.push_str(&quote_word(arg));
        }
        self.push(line)
    }

    fn push(&mut self, line: String) -> &mut Self {
        if let Some(section) = self.sections.last_mut() {
            section.entries.push(line);
        }
        self
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 && section.blank_line_before {
                out.push('\n');
            }
            out.push('[');
            out.push_str(section.name);
            out.push_str("]\n");
            for entry in &section.entries {
                out.push_str(entry);
                out.push('\n');
            }
        }
        out
    }
}
