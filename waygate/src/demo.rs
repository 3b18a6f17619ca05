//! `waygate demo`: the gateway on an embedded Traefik-style configuration with three
//! in-process `whoami` backends (a weighted canary split, health checks, a headers
//! middleware). No files needed; runs until Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;

use waygate_config::format::parse_yaml;
use waygate_config::load::{StaticInputs, decode_dynamic, load_static};
use waygate_provider::Snapshot;

use crate::args::Args;

const STATIC: &str = include_str!("demo/static.yml");
const DYNAMIC: &str = include_str!("demo/dynamic.yml");

pub(crate) fn run(args: &Args) -> ExitCode {
    let st = load_static(&StaticInputs {
        file: Some(("demo/static.yml".into(), STATIC.into())),
        ..StaticInputs::default()
    });
    let mut config = st.config;
    // `--entryPoints.web.address=…` moves the demo to another address.
    if let Some((_, addr)) = args
        .flags
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("entryPoints.web.address"))
        && let Some(ep) = config.entry_points.get_mut("web")
    {
        ep.address = addr.clone();
    }
    crate::logging::init(config.log.as_ref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(crate::workers::count(0))
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("waygate demo: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async move {
        let backends = match start_backends().await {
            Ok(b) => b,
            Err(e) => {
                eprintln!("waygate demo: cannot start the whoami backends: {e}");
                return ExitCode::from(1);
            }
        };
        let text = DYNAMIC
            .replace("@STABLE_1@", &backends[0].addr().to_string())
            .replace("@STABLE_2@", &backends[1].addr().to_string())
            .replace("@CANARY@", &backends[2].addr().to_string());
        let tree = match parse_yaml(&text) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("waygate demo: embedded configuration: {e:?}");
                return ExitCode::from(1);
            }
        };
        let load = decode_dynamic(&tree, "demo/dynamic.yml", "file");
        let snapshot = Snapshot::new("file", load.config, load.issues);
        let code = crate::run::serve(Arc::new(config), vec![snapshot], |gateway| {
            if let Some(addr) = gateway.local_addr("web") {
                print_banner(addr, &backends);
            }
        })
        .await;
        drop(backends);
        code
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}

async fn start_backends() -> std::io::Result<Vec<whoami::Server>> {
    let mut out = Vec::new();
    for name in ["whoami-1", "whoami-2", "whoami-canary"] {
        out.push(
            whoami::Server::start(whoami::Config {
                name: name.into(),
                ..whoami::Config::default()
            })
            .await?,
        );
    }
    Ok(out)
}

fn print_banner(addr: std::net::SocketAddr, backends: &[whoami::Server]) {
    let url = format!("http://{addr}");
    println!("Waygate demo: {url}/  (weighted service: 90 % stable, 10 % canary)");
    println!();
    println!("  {url}/            echo from whoami-1/whoami-2 (stable) or whoami-canary");
    println!("  {url}/api         JSON echo from the stable backends");
    println!("  {url}/data?size=1048576   1 MiB streamed through the gateway");
    println!();
    println!("Backends (health-checked every second):");
    for b in backends {
        println!(
            "  {:<14} {}   mark it down: curl -X POST -d 503 {}/health",
            b.name(),
            b.url(),
            b.url()
        );
    }
    println!();
    println!("Try: for i in $(seq 10); do curl -s {url}/ | head -1; done");
    println!("Ctrl-C to stop.");
}
