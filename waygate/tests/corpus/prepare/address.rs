//! Moving entry points to `127.0.0.1:0` by editing the text as written (so the case's layout,
//! spelling and format are what the gateway reads), and declaring implicit ones.
//!
//! Only entry point addresses change: the `address` keys inside the root `entryPoints`
//! section of a YAML file, inside `[entryPoints.*]` tables or `entryPoints.*.address` keys of
//! a TOML file, `--entryPoints.*.address` flags and `TRAEFIK_ENTRYPOINTS_*_ADDRESS`
//! variables (any letter case). A `/udp` or `/tcp` suffix is kept.

const LOCAL: &str = "127.0.0.1:0";

/// The static file `name` (format from its extension) with its entry points moved.
pub(super) fn rewrite_file(name: &str, text: &str) -> String {
    if name.ends_with(".toml") {
        rewrite_toml(text)
    } else {
        rewrite_yaml(text)
    }
}

/// `--entryPoints.web.address=:80` → `--entryPoints.web.address=127.0.0.1:0`.
pub(super) fn rewrite_flag(arg: &str) -> String {
    let Some((key, value)) = arg.split_once('=') else {
        return arg.to_string();
    };
    let k = key.trim_start_matches('-').to_ascii_lowercase();
    if k.starts_with("entrypoints.") && k.ends_with(".address") {
        format!("{key}={}", local(value))
    } else {
        arg.to_string()
    }
}

/// `TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80` → `127.0.0.1:0`.
pub(super) fn rewrite_env(key: &str, value: &str) -> String {
    let k = key.to_ascii_uppercase();
    let entry_point = ["TRAEFIK_ENTRYPOINTS_", "WAYGATE_ENTRYPOINTS_"]
        .iter()
        .any(|p| k.starts_with(p));
    if entry_point && k.ends_with("_ADDRESS") {
        local(value)
    } else {
        value.to_string()
    }
}

/// Declares entry point `name` on `addr` in the static file `file`.
pub(super) fn declare(file: &str, text: &str, name: &str, addr: &str) -> String {
    if file.ends_with(".toml") {
        return format!("{text}\n[entryPoints.{name}]\n  address = \"{addr}\"\n");
    }
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| is_root_key(l, "entryPoints")) else {
        return format!("{text}\nentryPoints:\n  {name}:\n    address: \"{addr}\"\n");
    };
    // The children's indentation, so the new entry is their sibling.
    let indent: String = lines[at + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.chars().take_while(|c| *c == ' ').collect())
        .filter(|i: &String| !i.is_empty())
        .unwrap_or_else(|| "  ".to_string());
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(
        at + 1,
        format!("{indent}{name}:\n{indent}{indent}address: \"{addr}\""),
    );
    out.join("\n") + "\n"
}

/// The address with its host and port replaced, its `/udp` or `/tcp` suffix kept.
fn local(value: &str) -> String {
    match value.rfind('/') {
        Some(i) => format!("{LOCAL}{}", &value[i..]),
        None => LOCAL.to_string(),
    }
}

fn is_root_key(line: &str, key: &str) -> bool {
    line.split_once(':').is_some_and(|(k, _)| {
        k.trim_matches(|c| c == '"' || c == '\'')
            .eq_ignore_ascii_case(key)
            && !line.starts_with([' ', '\t'])
    })
}

fn rewrite_yaml(text: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !body.starts_with([' ', '\t']) && !body.trim().is_empty() && !body.starts_with('#') {
            inside = is_root_key(body, "entryPoints");
        }
        if inside {
            out.push_str(&replace_value(body, ':'));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

fn rewrite_toml(text: &str) -> String {
    let mut table = String::new();
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if trimmed.starts_with('[') {
            table = trimmed.trim_matches(['[', ']']).trim().to_ascii_lowercase();
        }
        let dotted = trimmed.to_ascii_lowercase().starts_with("entrypoints.");
        if table.starts_with("entrypoints") || dotted {
            out.push_str(&replace_value(body, '='));
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Replaces the value of every `address` key on `line` (separator `:` or `=`), quoted or
/// not, keeping the quotes.
fn replace_value(line: &str, sep: char) -> String {
    let lower = line.to_ascii_lowercase();
    let Some(at) = lower.find("address") else {
        return line.to_string();
    };
    // `address` must be a whole key: preceded by start, space, `{`, `,`, `.` or a quote.
    let before = line[..at].chars().last();
    if before.is_some_and(|c| !matches!(c, ' ' | '\t' | '{' | ',' | '.' | '"' | '\'')) {
        return line.to_string();
    }
    let rest = &line[at + "address".len()..];
    let rest_trim = rest.trim_start_matches(['"', '\'']).trim_start();
    let Some(after_sep) = rest_trim.strip_prefix(sep) else {
        return line.to_string();
    };
    let v = after_sep.trim_start();
    let v_start = line.len() - v.len();
    let (quote, inner_start) = match v.chars().next() {
        Some(q @ ('"' | '\'')) => (Some(q), v_start + 1),
        _ => (None, v_start),
    };
    let inner = &line[inner_start..];
    let inner_len = match quote {
        Some(q) => inner.find(q).unwrap_or(inner.len()),
        None => inner.find([',', '}', ' ', '#']).unwrap_or(inner.len()),
    };
    let value = &line[inner_start..inner_start + inner_len];
    format!(
        "{}{}{}",
        &line[..inner_start],
        local(value),
        &line[inner_start + inner_len..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_entry_points_only() {
        let y = "entryPoints:\n  web:\n    address: \":80\"\n  udp:\n    address: :53/udp\nhttp:\n  services:\n    s:\n      address: 10.0.0.1:80\n";
        let r = rewrite_yaml(y);
        assert!(r.contains("address: \"127.0.0.1:0\""), "{r}");
        assert!(r.contains("address: 127.0.0.1:0/udp"), "{r}");
        assert!(r.contains("address: 10.0.0.1:80"), "{r}");
    }

    #[test]
    fn toml_tables_and_dotted_keys() {
        let t = "[entryPoints.web]\n  address = \":8000\"\n[entryPoints]\n  [entryPoints.x]\n    Address = \":1\"\nentryPoints.y.address = \":2\"\n[tcp.services.s.loadBalancer]\n  address = \"1.2.3.4:5\"\n";
        let r = rewrite_toml(t);
        assert_eq!(r.matches("127.0.0.1:0").count(), 3, "{r}");
        assert!(r.contains("1.2.3.4:5"), "{r}");
    }

    #[test]
    fn flags_env_and_declarations() {
        assert_eq!(
            rewrite_flag("--entryPoints.http.Address=:8000"),
            "--entryPoints.http.Address=127.0.0.1:0"
        );
        assert_eq!(
            rewrite_env("TRAEFIK_ENTRYPOINTS_WEB_ADDRESS", ":80/udp"),
            "127.0.0.1:0/udp"
        );
        let y = declare(
            "t.yml",
            "entryPoints:\n    web:\n        address: x\n",
            "traefik",
            "A",
        );
        assert!(y.contains("\n    traefik:\n        address: \"A\""), "{y}");
    }
}
