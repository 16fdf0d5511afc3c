//! The one place that touches the YAML library, so it can be swapped (serde_yaml is archived upstream).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A YAML read failure with the path of the offending field when serde knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Dotted field path such as `workers[2].ip`, or empty when the document itself is broken.
    pub path: String,
    pub message: String,
}

/// Serializes a value as one YAML document (no leading `---`).
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    let text = serde_yaml::to_string(value).map_err(|e| YamlError { path: String::new(), message: e.to_string() })?;
    Ok(quote_timestamps(&text))
}

/// serde_yaml writes YAML 1.2, where `2026-12-03T02:00:00Z` is a plain string; YAML 1.1 readers
/// (PyYAML, go-yaml v2 under kubectl) take it for a time, so a mapping value or list item of
/// exactly that shape is single-quoted.
fn quote_timestamps(text: &str) -> String {
    let is_timestamp = |s: &str| {
        let b = s.as_bytes();
        b.len() == 20
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let split = body.rfind(": ").map(|i| i + 2).or_else(|| body.trim_start().starts_with("- ").then(|| body.find("- ").map_or(0, |i| i + 2)));
        match split {
            Some(at) if is_timestamp(&body[at..]) => {
                out.push_str(&body[..at]);
                out.push('\'');
                out.push_str(&body[at..]);
                out.push('\'');
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Deserializes one YAML document, reporting where a wrong or unknown field sits.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." || path == "?" { String::new() } else { path };
        YamlError { path, message: err.into_inner().to_string() }
    })
}

/// Reads `text` laid over `base`: fields the document leaves out keep `base`'s values, at any depth
/// (sequences are replaced whole). Call it on text [`from_str`] already accepted, for its messages.
pub fn from_str_over<T: Serialize + DeserializeOwned>(text: &str, base: &T) -> Result<T, YamlError> {
    let top: Value = from_str(text)?;
    let mut merged = to_value(base)?;
    overlay(&mut merged, top);
    serde_path_to_error::deserialize(merged).map_err(|err| YamlError { path: err.path().to_string(), message: err.into_inner().to_string() })
}

fn overlay(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Mapping(base), Value::Mapping(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(slot) => overlay(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, top) => *slot = top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_quoted_and_nothing_else_changes() {
        let doc = "expiration: 2026-12-03T02:00:00Z\nlist:\n- 2026-12-03T02:00:00Z\nnote: 2026-12-03 and more\n";
        assert_eq!(
            quote_timestamps(doc),
            "expiration: '2026-12-03T02:00:00Z'\nlist:\n- '2026-12-03T02:00:00Z'\nnote: 2026-12-03 and more\n"
        );
        let back: Value = from_str(&quote_timestamps(doc)).unwrap();
        assert_eq!(back["expiration"].as_str(), Some("2026-12-03T02:00:00Z"));
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, YamlError> {
    serde_yaml::to_value(value).map_err(|e| YamlError { path: String::new(), message: e.to_string() })
}

/// Parses YAML into a generic value tree (for comparing documents as data).
pub fn parse_value(text: &str) -> Result<serde_yaml::Value, YamlError> {
    from_str(text)
}

/// Parses every document of a multi-document stream into generic values.
pub fn parse_documents(text: &str) -> Result<Vec<serde_yaml::Value>, YamlError> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| serde_yaml::Value::deserialize(doc).map_err(|e| YamlError { path: String::new(), message: e.to_string() }))
        .collect()
}

/// The generic value type documents are compared as.
pub type Value = serde_yaml::Value;
