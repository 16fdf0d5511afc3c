//! A bootstrap-token join's files: the token each bootstrap kubeconfig carries is a bootstrap
//! Secret among the add-ons, not expired and good for authentication; its group is bound to ask
//! for node certificates and have them approved (and nodes to renew theirs); the kubelet asks for
//! its serving certificate and rotates both; no node private key is on the worker.

use super::files::BundleFiles;
use super::x509::CertFacts;
use super::{CheckContext, Findings, Status};
use crate::identity::{NODES_GROUP, NODE_BOOTSTRAPPER_ROLE, NODE_CLIENT_APPROVAL_ROLE, SELF_NODE_CLIENT_APPROVAL_ROLE};
use crate::pki::{format_unix, BootstrapToken};
use crate::yaml;

const WHY_TOKEN: &str = "the API server admits a bootstrapping kubelet only with a bootstrap token it holds as a Secret, good for authentication and not expired";
const WHY_RBAC: &str = "without these bindings the token may not ask for a certificate, nobody approves it, or the node cannot renew it and drops out a year later";
const WHY_ROTATION: &str = "without serverTLSBootstrap the kubelet serves a self-signed certificate the API server refuses; without rotateCertificates its client certificate runs out";
const WHY_NO_KEY: &str = "a bootstrap-token join keeps every node key on its node; a key in the bundle is one more copy to steal";

/// The group every bootstrap token authenticates as.
const BOOTSTRAPPERS: &str = "system:bootstrappers";

/// A `bootstrap.kubernetes.io/token` Secret among the add-ons.
pub(crate) struct TokenSecret {
    path: String,
    id: String,
    secret: String,
    expiration: Option<String>,
    authentication: bool,
    groups: Vec<String>,
}

/// A ClusterRoleBinding among the add-ons: its role and the groups it binds.
pub(crate) struct RoleBinding {
    path: String,
    role: String,
    groups: Vec<String>,
}

/// The bootstrap objects among the add-ons, read once per run.
#[derive(Default)]
pub(crate) struct BootstrapAddons {
    secrets: Vec<TokenSecret>,
    bindings: Vec<RoleBinding>,
}

impl BootstrapAddons {
    pub(crate) fn read(documents: &[(String, yaml::Value)]) -> BootstrapAddons {
        let text = |v: &yaml::Value| v.as_str().map(str::to_owned);
        let mut addons = BootstrapAddons::default();
        for (path, doc) in documents {
            match doc["kind"].as_str() {
                Some("Secret") if doc["type"].as_str() == Some("bootstrap.kubernetes.io/token") => {
                    let data = &doc["stringData"];
                    addons.secrets.push(TokenSecret {
                        path: path.clone(),
                        id: text(&data["token-id"]).unwrap_or_default(),
                        secret: text(&data["token-secret"]).unwrap_or_default(),
                        expiration: text(&data["expiration"]),
                        authentication: data["usage-bootstrap-authentication"].as_str() == Some("true"),
                        groups: text(&data["auth-extra-groups"]).map(|g| g.split(',').map(str::to_owned).collect()).unwrap_or_default(),
                    });
                }
                Some("ClusterRoleBinding") => addons.bindings.push(RoleBinding {
                    path: path.clone(),
                    role: text(&doc["roleRef"]["name"]).unwrap_or_default(),
                    groups: doc["subjects"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .filter(|s| s["kind"].as_str() == Some("Group"))
                        .filter_map(|s| text(&s["name"]))
                        .collect(),
                }),
                _ => {}
            }
        }
        addons
    }

    /// The binding of `role` to any of `groups`.
    fn binding(&self, role: &str, groups: &[String]) -> Option<&RoleBinding> {
        self.bindings.iter().find(|b| b.role == role && b.groups.iter().any(|g| groups.contains(g)))
    }
}

/// `2026-12-03T02:00:00Z` as unix seconds.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(str::parse::<i32>);
    let (year, month, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.splitn(3, ':').map(|n| n.parse::<u8>());
    let (hour, minute, second) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let time = time::Time::from_hms(hour, minute, second).ok()?;
    Some(time::PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp())
}

/// Where the worker's bootstrap kubeconfig is and what the kubelet is configured with.
pub(super) struct Bootstrapping<'a> {
    /// The bootstrap kubeconfig's path in the bundle.
    pub kubeconfig: String,
    /// The KubeletConfiguration (path and document), if the unit names one.
    pub config: Option<&'a (String, yaml::Value)>,
    pub dir: &'a str,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn check(
    files: &BundleFiles,
    name: &str,
    join: &Bootstrapping,
    ca: Option<&CertFacts>,
    addons: &BootstrapAddons,
    ctx: &CheckContext,
    out: &mut Findings,
) {
    let dir = join.dir;
    let title = format!("{name}: the bootstrap kubeconfig's token is a bootstrap Secret of the add-ons, valid now");
    let mut involved = vec![join.kubeconfig.clone()];
    let mut authority_at: Option<String> = None;
    let secret = (|| {
        let doc = files.document(&join.kubeconfig).ok_or("it is missing or does not parse")?;
        let context = doc["current-context"].as_str().unwrap_or_default();
        let context = doc["contexts"].as_sequence().into_iter().flatten().find(|c| c["name"].as_str() == Some(context));
        let user = context.and_then(|c| c["context"]["user"].as_str()).ok_or("its current context names no user")?;
        let user = doc["users"].as_sequence().into_iter().flatten().find(|u| u["name"].as_str() == Some(user)).ok_or("its user is not in it")?;
        let token = user["user"]["token"].as_str().ok_or("its user has no token")?;
        let token = BootstrapToken::parse(token).map_err(|e| format!("its token {e}"))?;
        let cluster = context.and_then(|c| c["context"]["cluster"].as_str()).unwrap_or_default();
        let cluster = doc["clusters"].as_sequence().into_iter().flatten().find(|c| c["name"].as_str() == Some(cluster)).ok_or("its cluster is not in it")?;
        let authority = cluster["cluster"]["certificate-authority"].as_str().ok_or("its cluster names no certificate-authority file")?;
        let authority_path = format!("{dir}/{}", authority.trim_start_matches('/'));
        authority_at = Some(authority_path.clone());
        let authority = files.get(&authority_path).ok_or(format!("its certificate-authority {authority} is not on the node"))?;
        let authority = authority.certificate().map_err(|e| format!("its certificate-authority {e}"))?;
        if ca.is_some_and(|bundle| bundle.der != authority.der) {
            return Err("its certificate-authority is not the bundle's CA".to_owned());
        }
        let secret = addons.secrets.iter().find(|s| s.id == token.id()).ok_or(format!(
            "no bootstrap Secret among the add-ons has token-id {} (the Secret is bootstrap-token-{})",
            token.id(),
            token.id()
        ))?;
        if secret.secret != token.secret() {
            return Err(format!("{}'s token-secret is not the one the kubeconfig carries", secret.path));
        }
        if !secret.authentication {
            return Err(format!("{} lacks usage-bootstrap-authentication: \"true\"", secret.path));
        }
        match secret.expiration.as_deref().map(|e| (e, parse_rfc3339(e))) {
            Some((_, Some(expires))) if expires <= ctx.now => return Err(format!("the token expired {}", format_unix(expires))),
            Some((text, None)) => return Err(format!("its expiration {text:?} is not an RFC 3339 time")),
            _ => {}
        }
        Ok(secret)
    })();
    let (secret, finding) = match secret {
        Ok(secret) => {
            involved.push(secret.path.clone());
            let until = secret.expiration.as_deref().and_then(parse_rfc3339).map_or("does not expire".to_owned(), |e| format!("expires {}", format_unix(e)));
            let finding = out.add(Status::Pass, "bootstrap-token", WHY_TOKEN, title, involved, format!("token {} {until}", secret.id));
            out.link(finding, &join.kubeconfig, &secret.path, "token");
            (Some(secret), finding)
        }
        Err(e) => (None, out.add(Status::Fail, "bootstrap-token", WHY_TOKEN, title, involved, e)),
    };
    if let Some(authority) = authority_at {
        let status = if files.get(&authority).is_some() { out.report.findings[finding].status } else { Status::Fail };
        out.link_as(finding, &join.kubeconfig, &authority, "certificate-authority", status);
    }

    if let Some(secret) = secret {
        let groups: Vec<String> = secret.groups.iter().cloned().chain([BOOTSTRAPPERS.to_owned()]).collect();
        let title = format!("{name}: the token's group may ask for node certificates, has them approved, and nodes renew theirs");
        let mut involved = vec![secret.path.clone()];
        let mut missing = Vec::new();
        for role in [NODE_BOOTSTRAPPER_ROLE, NODE_CLIENT_APPROVAL_ROLE] {
            match addons.binding(role, &groups) {
                Some(binding) => involved.push(binding.path.clone()),
                None => missing.push(format!("no binding of {role} to {}", groups.join(" or "))),
            }
        }
        let renewal = addons.binding(SELF_NODE_CLIENT_APPROVAL_ROLE, &[NODES_GROUP.to_owned()]);
        involved.extend(renewal.map(|b| b.path.clone()));
        involved.dedup();
        let finding = if !missing.is_empty() {
            out.add(Status::Fail, "bootstrap-rbac", WHY_RBAC, title, involved.clone(), missing.join("; "))
        } else if renewal.is_none() {
            out.add(Status::Warn, "bootstrap-rbac", WHY_RBAC, title, involved.clone(), format!("no binding of {SELF_NODE_CLIENT_APPROVAL_ROLE} to {NODES_GROUP}: renewals wait for someone to approve them"))
        } else {
            out.add(Status::Pass, "bootstrap-rbac", WHY_RBAC, title, involved.clone(), groups.join(", "))
        };
        for binding in involved.iter().skip(1).filter(|b| **b != secret.path) {
            out.link(finding, &secret.path, binding, "its groups bound by");
        }
    }

    let title = format!("{name}: the kubelet asks for its serving certificate and rotates both");
    match join.config {
        Some((path, doc)) => {
            let missing: Vec<&str> =
                ["rotateCertificates", "serverTLSBootstrap"].into_iter().filter(|f| doc[*f].as_bool() != Some(true)).collect();
            if missing.is_empty() {
                out.add(Status::Pass, "rotation", WHY_ROTATION, title, vec![path.clone()], String::new());
            } else {
                out.add(Status::Fail, "rotation", WHY_ROTATION, title, vec![path.clone()], format!("{} not true", missing.join(" and ")));
            }
        }
        None => {
            out.add(Status::Fail, "rotation", WHY_ROTATION, title, vec![join.kubeconfig.clone()], "no KubeletConfiguration to say so".into());
        }
    }

    let keys: Vec<String> = files
        .below(dir)
        .into_iter()
        .filter(|(rel, entry)| !rel.ends_with(".sh") && entry.text().is_some_and(|t| t.contains("PRIVATE KEY-----")))
        .map(|(rel, _)| format!("{dir}/{rel}"))
        .collect();
    let title = format!("{name}: no node private key is in the bundle");
    if keys.is_empty() {
        out.add(Status::Pass, "no-node-key", WHY_NO_KEY, title, vec![dir.to_owned()], "the kubelet makes its own".into());
    } else {
        out.add(Status::Fail, "no-node-key", WHY_NO_KEY, title, keys, "private keys on a worker that joins with a token".into());
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn rfc3339_times_read_back() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339(&crate::pki::rfc3339(1_800_000_000)), Some(1_800_000_000));
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("tomorrow"), None);
    }
}
