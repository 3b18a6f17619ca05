//! The static configuration's three exclusive sources (reference §2.1): a file if one is found,
//! else CLI flags if any, else `TRAEFIK_*`/`WAYGATE_*` environment variables.

use crate::decode::decode;
use crate::flat::{env_to_node, flags_to_node};
use crate::format::Format;
use crate::issue::{Issue, IssueKind};
use crate::node::Node;
use crate::static_config::{StaticConfig, TOP_LEVEL};
use crate::validate::{Scope, Validate, locate};

/// What the caller (who does the I/O) found.
#[derive(Debug, Default)]
pub struct StaticInputs {
    /// The configuration file found (`--configFile` or the search list), with its contents.
    pub file: Option<(String, String)>,
    /// CLI flags other than `--configFile`, as `(key, value)` without dashes.
    pub flags: Vec<(String, String)>,
    /// The process environment.
    pub env: Vec<(String, String)>,
}

/// Where the static configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticSource {
    File(String),
    Flags,
    Env,
    /// Nothing was given: every default applies.
    Defaults,
}

#[derive(Debug)]
pub struct StaticLoad {
    pub config: StaticConfig,
    pub source: StaticSource,
    /// The tree it was decoded from (for locating later issues).
    pub tree: Node,
    pub issues: Vec<Issue>,
}

/// The configuration file search list (§2.2), Waygate's names before Traefik's at each base.
pub fn search_paths(home: Option<&str>, xdg_config_home: Option<&str>) -> Vec<String> {
    let mut bases = vec![
        "/etc/waygate/waygate".to_string(),
        "/etc/traefik/traefik".to_string(),
    ];
    if let Some(x) = xdg_config_home.filter(|x| !x.is_empty()) {
        bases.push(format!("{x}/waygate"));
        bases.push(format!("{x}/traefik"));
    }
    if let Some(h) = home.filter(|h| !h.is_empty()) {
        bases.push(format!("{h}/.config/waygate"));
        bases.push(format!("{h}/.config/traefik"));
    }
    bases.push("./waygate".to_string());
    bases.push("./traefik".to_string());
    bases
        .iter()
        .flat_map(|b| ["toml", "yaml", "yml"].map(|ext| format!("{b}.{ext}")))
        .collect()
}

/// The dynamic configuration's root keys.
const DYNAMIC_ROOT: &[&str] = &["http", "tcp", "udp", "tls"];

/// `tree` without the root entries named by `keys` (case-insensitive).
fn without_root_keys(mut tree: Node, keys: &[&str]) -> Node {
    if let crate::node::Value::Map(entries) = &mut tree.value {
        entries.retain(|e| !keys.iter().any(|k| k.eq_ignore_ascii_case(&e.key)));
    }
    tree
}

/// Decodes and validates the static configuration from the first source that has anything.
pub fn load_static(inputs: &StaticInputs) -> StaticLoad {
    let mut issues = Vec::new();
    let (tree, source, name) = if let Some((path, contents)) = &inputs.file {
        if !inputs.flags.is_empty() {
            let keys: Vec<String> = inputs.flags.iter().map(|(k, _)| format!("--{k}")).collect();
            issues.push(Issue::warning(
                IssueKind::Conflict,
                "",
                format!("flags {} are ignored: the configuration file {path} is used (sources are exclusive)", keys.join(" ")),
            ));
        }
        let tree = match Format::from_path(path) {
            Some(format) => format.parse(contents).unwrap_or_else(|e| {
                issues.push(e.into_issue(path));
                Node::null()
            }),
            None => {
                issues.push(Issue::error(
                    IssueKind::Syntax,
                    "",
                    format!("{path}: unsupported file extension (use .yml, .yaml or .toml)"),
                ));
                Node::null()
            }
        };
        (tree, StaticSource::File(path.clone()), path.clone())
    } else if !inputs.flags.is_empty() {
        let (tree, flat) =
            flags_to_node(inputs.flags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        issues.extend(flat);
        (tree, StaticSource::Flags, "flag".to_string())
    } else {
        let (tree, flat) = env_to_node(
            inputs.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            TOP_LEVEL,
        );
        issues.extend(flat);
        let source = if tree.entries().is_empty() {
            StaticSource::Defaults
        } else {
            StaticSource::Env
        };
        (tree, source, "env".to_string())
    };
    // One file may hold both kinds: the dynamic sections are the file provider's business.
    let tree = without_root_keys(tree, DYNAMIC_ROOT);
    let decoded = decode::<StaticConfig>(&tree, "", &name);
    // Traefik ignores unknown root keys of a file (its file decoder filters the root by the
    // model's sections): still reported (with the did-you-mean), but a warning that does not
    // stop a start. Not for flags: Traefik's flag decoder refuses them ("field not found").
    // And not `pilot`: Traefik v3 refuses to start with it (its deprecation check).
    let from_file = matches!(source, StaticSource::File(_));
    issues.extend(decoded.issues.into_iter().map(|mut i| {
        if i.kind == IssueKind::UnknownKey && !i.key_path.contains('.') {
            if i.key_path.eq_ignore_ascii_case("pilot") {
                i.message = "Traefik Pilot was removed in Traefik v3 (which refuses to start \
                             with this section): remove it"
                    .to_string();
            } else if from_file {
                i.severity = crate::issue::Severity::Warning;
            }
        }
        i
    }));
    let config = decoded.value.unwrap_or_default();
    let mut checks = Vec::new();
    config.validate(&mut Scope::new(&mut checks, ""));
    for mut issue in checks {
        locate(&mut issue, &tree, &name);
        issues.push(issue);
    }
    StaticLoad {
        config,
        source,
        tree,
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> StaticLoad {
        load_static(&StaticInputs {
            file: Some(("t.yml".to_string(), yaml.to_string())),
            ..StaticInputs::default()
        })
    }

    #[test]
    fn unknown_root_keys_warn_but_pilot_is_refused() {
        let l = load("accessLogs: {}\nentryPoints:\n  web:\n    address: \":80\"\n");
        assert!(l.issues.iter().all(|i| !i.is_error()), "{:?}", l.issues);
        let l = load("pilot:\n  token: abc\n");
        let pilot: Vec<_> = l.issues.iter().filter(|i| i.key_path == "pilot").collect();
        assert_eq!(pilot.len(), 1, "{:?}", l.issues);
        assert!(pilot[0].is_error());
        assert!(
            pilot[0].message.contains("removed in Traefik v3"),
            "{}",
            pilot[0]
        );
    }

    #[test]
    fn unknown_root_flags_are_refused() {
        // Traefik: "failed to decode configuration from flags: field not found, node: consul".
        let l = load_static(&StaticInputs {
            flags: vec![
                ("consul.namespace".to_string(), "foobar".to_string()),
                ("entryPoints.web.address".to_string(), ":80".to_string()),
            ],
            ..StaticInputs::default()
        });
        let consul: Vec<_> = l.issues.iter().filter(|i| i.key_path == "consul").collect();
        assert_eq!(consul.len(), 1, "{:?}", l.issues);
        assert!(consul[0].is_error(), "{}", consul[0]);
    }
}
