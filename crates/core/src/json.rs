//! The one place that touches the JSON library: the studio's page keeps its project in local
//! storage and hands it to the engine as JSON, so the page's module carries no YAML library (project
//! files stay YAML, read and written by the engine through `yaml`).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serializes a value as compact JSON.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// Deserializes a JSON document.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}
