//! The guide's `openssl.cnf`: the `v3_req` extensions every worker CSR asks for and the CA applies.

/// The environment variable the config reads the worker IP from, as in the guide.
pub const WORKER_IP_ENV: &str = "WORKER_IP";

/// The config text. It names no worker: the IP SAN comes from `$WORKER_IP` at `openssl` time, which
/// is why the same file serves the worker (`req`) and the CA host (`x509 -req -extfile`).
pub fn render() -> String {
    let sections: [(&str, Vec<(&str, String)>); 4] = [
        ("[req]", vec![("req_extensions", "v3_req".into()), ("distinguished_name", "req_distinguished_name".into())]),
        ("[req_distinguished_name]", vec![]),
        (
            "[ v3_req ]",
            vec![
                ("basicConstraints", "CA:FALSE".into()),
                ("keyUsage", "nonRepudiation, digitalSignature, keyEncipherment".into()),
                ("subjectAltName", "@alt_names".into()),
            ],
        ),
        ("[alt_names]", vec![("IP.1", format!("$ENV::{WORKER_IP_ENV}"))]),
    ];
    let mut out = String::new();
    for (header, entries) in &sections {
        out.push_str(header);
        out.push('\n');
        for (key, value) in entries {
            out.push_str(&format!("{key} = {value}\n"));
        }
    }
    out
}
