//! `waygate`: the command line. Parses the subcommand and Traefik-style flags, then hands over
//! to the command; maps failures to exit codes.

mod args;
mod check;
mod demo;
mod explain;
mod files;
mod healthcheck;
mod logging;
mod out;
mod retire;
mod run;
mod static_load;
mod trim;
mod workers;

use std::process::ExitCode;

const USAGE: &str = "\
Usage: waygate [command] [--configFile=FILE] [--<traefik.static.option>=VALUE ...]

Commands:
  run        (default) serve with the static configuration and its providers
  demo       run the gateway on an embedded demo configuration with three whoami backends
  check      load the static configuration and the file provider's dynamic files, print every
             problem as file:line:col: key.path: message; exit 1 on errors, 3 when every
             error is a feature Waygate does not implement yet (--format json;
             --probeDocker also reads the Docker engine's containers)
  explain    which router takes a request, and why: waygate explain --configFile=F
             'GET https://host/path?q' [-H 'K: V']... [--entryPoint=NAME] [--clientIP=IP]
             [--format json]; every router in match order with each matcher's result, the
             winner's middlewares, service, server and TLS option and certificate
  healthcheck  exit 0 when the ping endpoint answers 200 (for container health checks)
  version    print the version
  help       print this help

The static configuration comes from exactly one source, as with Traefik: a file
(--configFile, else waygate.{toml,yaml,yml} or traefik.* in /etc/waygate, /etc/traefik,
$XDG_CONFIG_HOME, ~/.config, .), else CLI flags, else TRAEFIK_* / WAYGATE_* variables.";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // Traefik's `--help`/`-h` print the help; `--version` the version (as `version` does).
    if argv.iter().any(|a| a == "--help" || a == "-h") {
        crate::out::outln!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if argv.iter().any(|a| a == "--version") {
        crate::out::outln!("waygate {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let (command, rest) = match argv.split_first() {
        Some((c, rest)) if !c.starts_with('-') => (c.as_str(), rest),
        _ => ("run", argv.as_slice()),
    };
    // `explain` takes a request and curl-style options besides the common flags.
    if command == "explain" {
        return explain::run(rest);
    }
    let parsed = match args::parse(rest) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("waygate: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        "run" => run::run(&parsed),
        "check" => check::run(&parsed),
        "demo" => demo::run(&parsed),
        "healthcheck" => healthcheck::run(&parsed),
        "version" => {
            crate::out::outln!("waygate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "help" => {
            crate::out::outln!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("waygate: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
