//! Traefik's flag grammar: `--a.b=v`, `--a.b v`, `-a.b=v`, bare `--a.b` meaning `true`, `--`
//! ending flags. `--configFile`, `--format` and `--probeDocker` are Waygate's own; everything
//! else is a static configuration key handed to the flat-key decoder.

/// The parsed command line (after the subcommand).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Args {
    pub(crate) config_file: Option<String>,
    pub(crate) format: Option<String>,
    /// `check --probeDocker`: read the Docker engine's containers (otherwise `check` never
    /// contacts it).
    pub(crate) probe_docker: bool,
    /// Static configuration flags as `(key, value)`, dashes removed.
    pub(crate) flags: Vec<(String, String)>,
}

pub(crate) fn parse(argv: &[String]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        i += 1;
        if arg == "--" {
            break;
        }
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            return Err(format!(
                "unexpected argument `{arg}` (flags look like --entryPoints.web.address=:80)"
            ));
        };
        let (key, value) = match body.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => match argv.get(i) {
                Some(next) if !next.starts_with('-') && takes_value(body) => {
                    i += 1;
                    (body.to_string(), next.clone())
                }
                _ => (body.to_string(), "true".to_string()),
            },
        };
        if key.is_empty() {
            return Err(format!("empty flag name in `{arg}`"));
        }
        match key.to_ascii_lowercase().as_str() {
            "configfile" => out.config_file = Some(value),
            "format" => out.format = Some(value),
            "probedocker" => out.probe_docker = truthy(&value),
            _ => out.flags.push((key, value)),
        }
    }
    Ok(out)
}

/// A switch's value: `true` unless it says false.
fn truthy(value: &str) -> bool {
    !matches!(value.to_ascii_lowercase().as_str(), "false" | "0" | "f")
}

/// Whether `--key value` (space-separated) is plausible: everything except known switches.
pub(crate) fn takes_value(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    !matches!(
        k.as_str(),
        "api"
            | "api.insecure"
            | "ping"
            | "providers.docker"
            | "accesslog"
            | "metrics.prometheus"
            | "probedocker"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Args {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("parse")
    }

    #[test]
    fn traefik_flag_forms() {
        let a = p(&[
            "--configFile=x.yml",
            "--entryPoints.web.address",
            ":80",
            "-api.insecure=true",
            "--providers.docker",
            "--format",
            "json",
        ]);
        assert_eq!(a.config_file.as_deref(), Some("x.yml"));
        assert_eq!(a.format.as_deref(), Some("json"));
        assert_eq!(
            a.flags,
            [
                ("entryPoints.web.address".to_string(), ":80".to_string()),
                ("api.insecure".to_string(), "true".to_string()),
                ("providers.docker".to_string(), "true".to_string()),
            ]
        );
        assert!(parse(&["stray".to_string()]).is_err());
    }
}
