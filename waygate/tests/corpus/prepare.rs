//! Turning a case into something that can run on a busy machine: its files copied into a
//! fresh directory (with the generated certificates under `certs/` and `@@PEM file@@`
//! expanded), every entry point moved to `127.0.0.1:0` (static file, flags, environment),
//! and the entry points Traefik creates implicitly (`http` on `:80`, `traefik` on `:8080`)
//! declared on `127.0.0.1:0` too. Nothing else of the case is changed.

mod address;

use std::path::{Path, PathBuf};

use waygate_config::load::{StaticInputs, load_static};
use waygate_config::static_config::StaticConfig;

use crate::case::Case;

/// A case ready to run, in its own directory.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) dir: PathBuf,
    /// `--configFile` (relative to `dir`), if any.
    pub(crate) config: Option<String>,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    /// The file provider is configured: serving is ready once it has been applied.
    pub(crate) file_provider: bool,
    /// `log.filePath`: where the gateway's log goes instead of stderr.
    pub(crate) log_file: Option<PathBuf>,
}

/// Prepares `case` in `dir` (created), with the certificates of `certs`.
pub(crate) fn prepare(case: &Case, certs: &Path, dir: PathBuf) -> Result<Prepared, String> {
    copy_tree(&case.dir, &dir, certs)?;
    if let Some(from) = &case.meta.from {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        copy_tree(&repo.join(from), &dir.join(from), certs)?;
    }
    copy_tree(certs, &dir.join("certs"), certs)?;
    let config = case.config_file();
    // The file the gateway reads: --configFile, else the one the search list finds.
    let file = config.clone().or_else(|| searched(&dir));
    let mut args = case.meta.args.clone();
    let mut env: Vec<(String, String)> = case.meta.env.clone().into_iter().collect();
    if let Some(f) = &file {
        let path = dir.join(f);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{f}: {e}"))?;
        std::fs::write(&path, address::rewrite_file(f, &text)).map_err(|e| e.to_string())?;
    }
    for a in &mut args {
        *a = address::rewrite_flag(a);
    }
    for (k, v) in &mut env {
        *v = address::rewrite_env(k, v);
    }
    let st = load(&dir, file.as_deref(), &args, &env);
    if let Some(st) = &st {
        for name in implicit_entry_points(st) {
            let addr = "127.0.0.1:0";
            match (&file, args.is_empty()) {
                (Some(f), _) => {
                    let path = dir.join(f);
                    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                    let text = address::declare(f, &text, &name, addr);
                    std::fs::write(&path, text).map_err(|e| e.to_string())?;
                }
                (None, false) => args.push(format!("--entryPoints.{name}.address={addr}")),
                (None, true) => env.push((
                    format!("TRAEFIK_ENTRYPOINTS_{}_ADDRESS", name.to_ascii_uppercase()),
                    addr.to_string(),
                )),
            }
        }
    }
    // Checked again on what will run: a fixed port would make the serve flaky.
    let st = load(&dir, file.as_deref(), &args, &env);
    if let Some(st) = &st {
        for (name, ep) in st.effective_entry_points() {
            let bare = ep.address.split('/').next().unwrap_or_default();
            if bare != "127.0.0.1:0" {
                return Err(format!(
                    "entry point {name} still listens on `{}` after the rewrite (harness bug)",
                    ep.address
                ));
            }
        }
    }
    let file_provider = st
        .as_ref()
        .and_then(|s| s.providers.as_ref())
        .and_then(|p| p.file.as_ref())
        .is_some_and(|f| !f.filename.is_empty() || !f.directory.is_empty());
    let log_file = st
        .as_ref()
        .and_then(|s| s.log.as_ref())
        .map(|l| l.file_path.clone())
        .filter(|p| !p.is_empty())
        .map(|p| dir.join(p));
    Ok(Prepared {
        dir,
        config,
        args,
        env,
        file_provider,
        log_file,
    })
}

/// The file the search list finds without --configFile: it ends with ./waygate.* and
/// ./traefik.* (HOME and XDG_CONFIG_HOME point into the case directory, where nothing is
/// found; /etc/traefik is assumed absent).
fn searched(dir: &Path) -> Option<String> {
    ["waygate", "traefik"]
        .iter()
        .flat_map(|b| ["toml", "yaml", "yml"].map(|e| format!("{b}.{e}")))
        .find(|f| dir.join(f).is_file())
}

/// The static configuration as the gateway will read it; `None` when it has errors (the
/// gateway refuses to start then, so no port is bound).
fn load(
    dir: &Path,
    file: Option<&str>,
    args: &[String],
    env: &[(String, String)],
) -> Option<StaticConfig> {
    let inputs = StaticInputs {
        file: file.map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
            (f.to_string(), text)
        }),
        flags: args
            .iter()
            .map(|a| {
                let body = a.trim_start_matches('-');
                match body.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (body.to_string(), "true".to_string()),
                }
            })
            .collect(),
        env: env.to_vec(),
    };
    let loaded = load_static(&inputs);
    (!loaded.issues.iter().any(|i| i.is_error())).then_some(loaded.config)
}

/// Entry points the gateway adds by itself (not written in the configuration).
fn implicit_entry_points(st: &StaticConfig) -> Vec<String> {
    st.effective_entry_points()
        .into_keys()
        .filter(|n| !st.entry_points.contains_key(n))
        .collect()
}

/// Copies `from` into `to` recursively, expanding `@@PEM <file>@@` in text files.
fn copy_tree(from: &Path, to: &Path, certs: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target, certs)?;
        } else if entry.file_name() != "case.toml" {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => expand_pem(&text, certs)?.into_bytes(),
                Err(e) => e.into_bytes(),
            };
            std::fs::write(&target, bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// `@@PEM certs/x.crt@@` → the file's content.
fn expand_pem(text: &str, certs: &Path) -> Result<String, String> {
    if !text.contains("@@PEM ") {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let Some(start) = line.find("@@PEM ") else {
            out.push_str(line);
            continue;
        };
        let rest = &line[start + 6..];
        let end = rest.find("@@").ok_or("unterminated @@PEM placeholder")?;
        let file = rest[..end].trim();
        let name = file.strip_prefix("certs/").unwrap_or(file);
        let pem = std::fs::read_to_string(certs.join(name)).map_err(|e| format!("{file}: {e}"))?;
        // Alone on its line (a YAML block scalar): later lines keep its indentation.
        let indent = if line[..start].trim().is_empty() {
            line[..start].to_string()
        } else {
            String::new()
        };
        let pem = pem.trim_end().replace('\n', &format!("\n{indent}"));
        out.push_str(&line[..start]);
        out.push_str(&pem);
        out.push_str(&rest[end + 2..]);
    }
    Ok(out)
}
