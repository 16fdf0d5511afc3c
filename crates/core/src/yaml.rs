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
    serde_yaml::to_string(value).map_err(|e| YamlError { path: String::new(), message: e.to_string() })
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

/// `value` with every leaf still equal to `old`'s replaced by `new`'s (a switch of defaults that
/// keeps what the user changed).
pub fn rebase<T: Serialize + DeserializeOwned>(value: &T, old: &T, new: &T) -> Result<T, YamlError> {
    let mut tree = to_value(value)?;
    rebase_tree(&mut tree, &to_value(old)?, &to_value(new)?);
    serde_path_to_error::deserialize(tree).map_err(|err| YamlError { path: err.path().to_string(), message: err.into_inner().to_string() })
}

fn rebase_tree(value: &mut Value, old: &Value, new: &Value) {
    match value {
        Value::Mapping(map) => {
            // A field only the old side writes (one the new profile leaves empty) goes, whatever its
            // value: the new profile has no use for it, and its form would not show it.
            map.retain(|key, _| !(new.get(key).is_none() && old.get(key).is_some()));
            for (key, slot) in map.iter_mut() {
                rebase_tree(slot, &old[key], &new[key]);
            }
            if let (Some(old), Some(new)) = (old.as_mapping(), new.as_mapping()) {
                let added: Vec<_> = new.iter().filter(|(k, _)| !old.contains_key(*k) && !map.contains_key(*k)).collect();
                for (key, default) in added {
                    map.insert(key.clone(), default.clone());
                }
            }
        }
        _ if value == old => *value = new.clone(),
        _ => {}
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
