//! `waygate check` through the real binary, on the seeds' configuration and on broken files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "check/verdicts.rs"]
mod verdicts;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(args: &[&str], dir: &Path) -> (i32, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("TRAEFIK_LOG_LEVEL")
        .output()
        .expect("run waygate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_seed_configuration_gets_the_gateways_verdict() {
    let (code, out) = check(&["--configFile=examples/seeds/traefik.yml"], &repo());
    // The seeds' routers use headers, rateLimit and circuitBreaker — among them the
    // resilience chapter's `NetworkErrorRatio() > 0.5 && RecentRequests#10s > 10`, a Waygate
    // extension (docs/compat.md): all served, nothing disabled.
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("circuitBreaker") && !out.contains("rateLimit"),
        "the seeds' circuit breakers and rate limit run unchanged:\n{out}"
    );
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("items: ")
            && last.contains(", 0 disabled (")
            && last.contains("middleware 5/0/0")
            && last.contains("router 7/0/0"),
        "{last}"
    );
}

#[test]
fn rejects_the_broken_configuration_naming_each_culprit() {
    let (code, out) = check(&["--configFile=examples/broken/traefik.yml"], &repo());
    assert_eq!(code, 1, "{out}");
    let expect = [
        // Traefik ignores unknown root keys: a warning, still with the did-you-mean.
        "examples/broken/traefik.yml:7:1: warning: accessLogs: unknown key `accessLogs` (did you mean `accessLog`?)",
        "examples/broken/dynamic.yml:6:7: http.routers.misspelled.servce: unknown key `servce` (did you mean `service`?)",
        "examples/broken/dynamic.yml:8:13: http.routers.unquoted.rule: invalid rule `Host(example.com)`",
        "examples/broken/dynamic.yml:12:16: http.routers.dangling.service: service `no-such-service` does not exist",
        "examples/broken/dynamic.yml:22:21: http.middlewares.seed-breaker.circuitBreaker.expression:",
    ];
    for line in expect {
        assert!(
            out.lines().any(|l| l.starts_with(line)),
            "missing `{line}` in:\n{out}"
        );
    }
}

#[test]
fn json_format_and_missing_config_file() {
    let (code, out) = check(
        &[
            "--configFile=examples/broken/traefik.yml",
            "--format",
            "json",
        ],
        &repo(),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(v["ok"], false);
    let first = &v["issues"][0];
    assert_eq!(first["kind"], "unknownKey");
    assert_eq!(first["location"]["line"], 7);
    assert_eq!(first["suggestion"], "accessLog");

    let (code, out) = check(&["--configFile=does-not-exist.yml"], &repo());
    assert_eq!(code, 1);
    assert!(out.contains("does-not-exist.yml"), "{out}");
}

#[test]
fn directory_with_one_broken_file_still_checks_the_others() {
    let dir = std::env::temp_dir().join(format!("waygate-check-{}", std::process::id()));
    let dynamic = dir.join("dynamic");
    std::fs::create_dir_all(dynamic.join("nested")).expect("mkdir");
    std::fs::write(
        dir.join("waygate.toml"),
        "[entryPoints.web]\naddress = \":8000\"\n\n[providers.file]\ndirectory = \"dynamic\"\n",
    )
    .expect("write");
    std::fs::write(
        dynamic.join("a.yml"),
        "http:\n  routers:\n    r:\n      rule: Path(`/`)\n      service: s\n",
    )
    .expect("write");
    std::fs::write(dynamic.join("nested/b.toml"), "[http.services.s.loadBalancer]\n[[http.services.s.loadBalancer.servers]]\nurl = \"http://127.0.0.1:1\"\n").expect("write");
    std::fs::write(dynamic.join("c.yml"), "http:\n  routers: [oops\n").expect("write");
    // No --configFile: ./waygate.toml is found by the search list.
    let (code, out) = check(&[], &dir);
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("c.yml:")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        !out.contains("service `s` does not exist"),
        "other files still checked:\n{out}"
    );
    std::fs::remove_file(dynamic.join("c.yml")).expect("rm");
    let (code, out) = check(&[], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: 1 entry points, 1 routers, 1 services, 0 middlewares"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn static_config_from_flags_and_env() {
    let dir = std::env::temp_dir().join(format!("waygate-flags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (code, out) = check(
        &[
            "--entryPoints.web.address=:80",
            "--entryPoints.web.adress=:81",
            "--api.insecure",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("flag --entryPoints.web.adress: entryPoints.web.adress: unknown key `adress` (did you mean `address`?)"), "{out}");

    let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(["check"])
        .current_dir(&dir)
        .env("TRAEFIK_ENTRYPOINTS_WEB_ADDRESS", ":80")
        .env("WAYGATE_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT", "maybe")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("env WAYGATE_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT: providers.docker.exposedByDefault: expected a boolean"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tls_files_two_type_middlewares_and_duplicates_across_files() {
    let dir = std::env::temp_dir().join(format!("waygate-more-{}", std::process::id()));
    let dynamic = dir.join("dyn");
    std::fs::create_dir_all(&dynamic).expect("mkdir");
    std::fs::write(
        dir.join("traefik.yml"),
        "entryPoints:\n  web:\n    address: ':80'\nproviders:\n  file:\n    directory: dyn\n",
    )
    .expect("write");
    std::fs::write(
        dynamic.join("a.yml"),
        "tls:\n  options:\n    mtls:\n      minVersion: VersionTLS11\n      clientAuth:\n        caFiles: [/nonexistent/ca.pem]\n        clientAuthType: RequireAndVerifyClientCerts\nhttp:\n  middlewares:\n    both:\n      addPrefix: {prefix: /a}\n      stripPrefix: {prefixes: [/b]}\n  routers:\n    r:\n      rule: Path(`/`)\n      service: s\n      middlewares: [both]\n  services:\n    s:\n      loadBalancer:\n        servers: [{url: 'http://127.0.0.1:1'}]\n",
    )
    .expect("write");
    std::fs::write(dynamic.join("b.yml"), "http:\n  services:\n    s:\n      loadBalancer:\n        servers: [{url: 'http://127.0.0.1:2'}]\n").expect("write");
    let (code, out) = check(&[], &dir);
    assert_eq!(code, 1, "{out}");
    for expected in [
        "dyn/a.yml:4:19: tls.options.mtls.minVersion: VersionTLS11 is not offered by Waygate",
        "dyn/a.yml:6:19: tls.options.mtls.clientAuth.caFiles[0]: file `/nonexistent/ca.pem` does not exist",
        "dyn/a.yml:7:25: tls.options.mtls.clientAuth.clientAuthType: unknown value `RequireAndVerifyClientCerts`",
        "dyn/a.yml:10:5: http.middlewares.both: a middleware has exactly one type, found: addPrefix, stripPrefix",
        "dyn/b.yml:3:5: warning: http.services.s: service `s` is already defined in an earlier file",
    ] {
        assert!(
            out.lines().any(|l| l.contains(expected)),
            "missing `{expected}` in:\n{out}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn acme_storage_permissions_and_dns_credentials_are_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("waygate-check-acme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let storage = dir.join("acme.json");
    std::fs::write(&storage, "{}").expect("write");
    std::fs::set_permissions(&storage, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let config = format!(
        "entryPoints:\n  web:\n    address: ':80'\ncertificatesResolvers:\n  le:\n    acme:\n      storage: {}\n      httpChallenge:\n        entryPoint: web\n  dns:\n    acme:\n      storage: {}/dns.json\n      dnsChallenge:\n        provider: rfc2136\n",
        storage.display(),
        dir.display()
    );
    std::fs::write(dir.join("traefik.yml"), config).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(["check", "--configFile=traefik.yml"])
        .current_dir(&dir)
        .env_remove("RFC2136_NAMESERVER")
        .output()
        .expect("run waygate");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("certificatesResolvers.le.acme.storage:")
            && text.contains("permissions 0644 are too open, please use 600"),
        "{text}"
    );
    assert!(
        text.contains("certificatesResolvers.dns.acme.dnsChallenge.provider:")
            && text.contains("RFC2136_NAMESERVER"),
        "{text}"
    );
    assert!(
        !dir.join("dns.json").exists(),
        "check creates no storage file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn warns_about_services_no_timeout_bounds() {
    let dir = std::env::temp_dir().join(format!("waygate-check-timeouts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let dynamic = "http:\n  services:\n    open:\n      loadBalancer:\n        servers: [{url: \"http://127.0.0.1:1\"}]\n    bounded:\n      loadBalancer:\n        serversTransport: quick\n        servers: [{url: \"http://127.0.0.1:2\"}]\n  serversTransports:\n    quick:\n      forwardingTimeouts:\n        responseHeaderTimeout: 30s\n";
    std::fs::write(dir.join("dynamic.yml"), dynamic).expect("write");
    let st = format!(
        "providers:\n  file:\n    filename: {}\n",
        dir.join("dynamic.yml").display()
    );
    std::fs::write(dir.join("traefik.yml"), &st).expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 0, "a warning, not an error: {out}");
    let warning = out
        .lines()
        .find(|l| l.contains("no responseHeaderTimeout bounds"))
        .unwrap_or_else(|| panic!("no timeout warning in:\n{out}"));
    assert!(
        warning.contains("after 60s): open. Set"),
        "only `open` is listed: {warning}"
    );
    assert!(!warning.contains("bounded"), "{warning}");

    // With a static default, nothing is unbounded.
    let st =
        format!("serversTransport:\n  forwardingTimeouts:\n    responseHeaderTimeout: 60s\n{st}");
    std::fs::write(dir.join("traefik.yml"), st).expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("no responseHeaderTimeout"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_file_holds_static_and_dynamic_configuration() {
    // As 113 of Traefik's 158 integration fixtures do: the static file names itself as the
    // file provider's file, and holds `http`/`tls` sections too.
    let dir = std::env::temp_dir().join(format!("waygate-check-onefile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("traefik.toml");
    std::fs::write(
        &file,
        format!(
            "[entryPoints.web]\naddress = \":8000\"\n\n[providers.file]\nfilename = \"{}\"\n\n[accessLog]\n[accesslog.otlp]\n\n[http.routers.r]\nrule = \"Host(`a.test`)\"\nservice = \"s\"\n[http.services.s.loadBalancer]\n[[http.services.s.loadBalancer.servers]]\nurl = \"http://127.0.0.1:9\"\n",
            file.display()
        ),
    )
    .expect("write");
    let (code, out) = check(&["--configFile=traefik.toml"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("unknown key"), "{out}");
    assert!(out.contains("1 routers, 1 services"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn acme_key_type_empty_or_unknown_falls_back_like_traefik() {
    let dir = std::env::temp_dir().join(format!("waygate-check-keytype-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let st = |key_type: &str| {
        format!(
            "certificatesResolvers:\n  le:\n    acme:\n      email: a@b.test\n      storage: {}/acme.json\n      keyType: \"{key_type}\"\n      httpChallenge:\n        entryPoint: web\nentryPoints:\n  web:\n    address: \":80\"\n",
            dir.display()
        )
    };
    std::fs::write(dir.join("traefik.yml"), st("")).expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 0, "an empty keyType is RSA4096: {out}");
    assert!(!out.contains("keyType"), "{out}");
    std::fs::write(dir.join("traefik.yml"), st("RSA1024")).expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 0, "an unknown keyType falls back: {out}");
    assert!(
        out.contains("warning: certificatesResolvers.le.acme.keyType: unknown key type `RSA1024`: RSA4096 is used"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tcp_transport_spiffe_is_decoded_and_reported() {
    let dir = std::env::temp_dir().join(format!("waygate-check-spiffe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("dynamic.yml"),
        "tcp:\n  serversTransports:\n    mesh:\n      tls:\n        spiffe:\n          ids: [\"spiffe://example.org/db\"]\n          trustDomain: example.org\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("traefik.yml"),
        format!(
            "providers:\n  file:\n    filename: {}\n",
            dir.join("dynamic.yml").display()
        ),
    )
    .expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("unknown key"), "{out}");
    assert!(
        out.contains("warning: tcp.serversTransports.mesh.tls.spiffe: spiffe is not implemented"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_and_version_flags_print_and_exit_zero() {
    for flag in ["--help", "-h"] {
        let (code, out) = check_like(&[flag]);
        assert_eq!(code, 0, "{flag}: {out}");
        assert!(out.starts_with("Usage: waygate"), "{flag}: {out}");
    }
    let (code, out) = check_like(&["--version"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("waygate "), "{out}");
}

/// Runs the binary with `args` (no subcommand).
fn check_like(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(args)
        .output()
        .expect("run waygate");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn log_file_path_receives_the_log() {
    let dir = std::env::temp_dir().join(format!("waygate-logfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("waygate.log");
    std::fs::write(
        dir.join("traefik.yml"),
        format!(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\nlog:\n  level: INFO\n  filePath: {}\n",
            log.display()
        ),
    )
    .expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .arg(format!(
            "--configFile={}",
            dir.join("traefik.yml").display()
        ))
        .env_remove("RUST_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut text = String::new();
    while std::time::Instant::now() < deadline {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("entry point listening") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait");
    assert!(text.contains("entry point listening"), "log file: {text}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("entry point listening"),
        "the log goes to the file, not stderr"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_contacts_a_docker_engine_only_when_asked() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("tcp://{}", listener.local_addr().expect("addr"));
    let flag = format!("--providers.docker.endpoint={endpoint}");
    let (code, out) = check(&[&flag], &std::env::temp_dir());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("not probed"), "{out}");
    assert!(
        listener.accept().is_err(),
        "check contacted the engine without --probeDocker"
    );
    // With --probeDocker it does (here the "engine" never answers: a warning, not a hang).
    let probe = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if listener.accept().is_ok() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    });
    Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(["check", "--probeDocker", &flag])
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn")
        .wait_timeout_or_kill();
    assert!(
        probe.join().expect("probe"),
        "--probeDocker reads the engine"
    );
}

trait WaitOrKill {
    fn wait_timeout_or_kill(self);
}

impl WaitOrKill for std::process::Child {
    /// Waits up to 15 s, then kills (an engine that never answers may hold `check`).
    fn wait_timeout_or_kill(mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            if matches!(self.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.kill();
        let _ = self.wait();
    }
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    // The README opens with two commands; the second is the test command, and CI runs
    // exactly it (a newcomer's run and CI's are the same script).
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let block: Vec<&str> = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block")
        .lines()
        .collect();
    assert_eq!(block, ["cargo run --release -- demo", "./test.sh"]);
    let ci = std::fs::read_to_string(repo().join(".ci/run")).expect(".ci/run");
    assert!(ci.lines().any(|l| l.trim() == "./test.sh"), "{ci}");
    let script = std::fs::read_to_string(repo().join("test.sh")).expect("test.sh");
    for package in [
        "pebble",
        "knot",
        "knot-dnsutils",
        "testssl.sh",
        "nghttp2-client",
        "curl",
    ] {
        assert!(
            script.contains(&format!("need+=({package})")),
            "test.sh installs {package}"
        );
    }
    assert!(script.contains("cargo nextest run --workspace"));
}

#[test]
fn multi_layer_parent_routers_are_reported_not_rejected() {
    let dir = std::env::temp_dir().join(format!("waygate-check-parent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // Traefik 3.6 multi-layer routing: the parent has no service, the child names it.
    std::fs::write(
        dir.join("dynamic.yml"),
        "http:\n  routers:\n    api-parent:\n      rule: PathPrefix(`/api`)\n    api-admin:\n      rule: Header(`X-Role`, `admin`)\n      parentRefs: [api-parent]\n      service: s\n    lonely:\n      rule: Path(`/x`)\n  services:\n    s:\n      loadBalancer:\n        servers: [{url: \"http://127.0.0.1:9\"}]\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("traefik.yml"),
        format!(
            "providers:\n  file:\n    filename: {}\n",
            dir.join("dynamic.yml").display()
        ),
    )
    .expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert!(
        !out.contains("http.routers.api-parent.service: service is required"),
        "{out}"
    );
    // A router that is nobody's parent still needs a service.
    assert!(
        out.contains("http.routers.lonely.service: service is required"),
        "{out}"
    );
    assert_eq!(code, 1, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn templated_dynamic_files_are_rendered_and_template_errors_located() {
    let dir = std::env::temp_dir().join(format!("waygate-check-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("traefik.yml"),
        "entryPoints:\n  web:\n    address: \":8000\"\nproviders:\n  file:\n    filename: dynamic.yml\n",
    )
    .expect("write");
    let good = "http:\n  routers:\n{{- range $i := until 3 }}\n    r{{ $i }}:\n      rule: Host(`{{ $i }}.{{ env \"WG_CHECK_DOMAIN\" }}`)\n      service: s\n{{- end }}\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n";
    std::fs::write(dir.join("dynamic.yml"), good).expect("write");
    let run = |dir: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
            .args(["check", "--configFile=traefik.yml"])
            .current_dir(dir)
            .env("WG_CHECK_DOMAIN", "example.org")
            .output()
            .expect("run waygate");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    };
    let (code, out) = run(&dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: 1 entry points, 3 routers, 1 services"),
        "{out}"
    );

    // A misspelt function: the template error with its line and column.
    let broken = good.replace("until 3", "untill 3");
    std::fs::write(dir.join("dynamic.yml"), broken).expect("write");
    let (code, out) = run(&dir);
    assert_eq!(code, 1, "{out}");
    let want =
        "dynamic.yml:3:17: template: function \"untill\" not defined (did you mean `until`?)";
    assert!(
        out.lines().any(|l| l.ends_with(want)),
        "missing `{want}` in:\n{out}"
    );

    // A bad value in generated YAML is reported at the template line that produced it.
    let bad_rule = good.replace("Host(`{{ $i }}", "Host({{ $i }}");
    std::fs::write(dir.join("dynamic.yml"), bad_rule).expect("write");
    let (code, out) = run(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("dynamic.yml:5:13: http.routers.r0.rule: invalid rule")),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
