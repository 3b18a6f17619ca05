//! `exec` with real programs: a shell script that publishes the record in a real Knot DNS
//! with `knsupdate` (as a user's hook would), a RAW-mode script that records its arguments,
//! and a failing script whose stderr must reach the error.

#[path = "support/knot.rs"]
mod knot;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use knot::Knot;
use waygate_acme::dns::{DnsProvider, TxtRecord};

fn record(label: &str) -> TxtRecord {
    TxtRecord {
        domain: format!("{label}.waygate.test"),
        fqdn: format!("_acme-challenge.{label}.waygate.test."),
        value: format!("value-of-{label}"),
        token: "the-token".into(),
        key_auth: "the-token.the-thumbprint".into(),
    }
}

fn exec_provider(script: &Path, mode: Option<&str>) -> DnsProvider {
    let mut map = HashMap::from([("EXEC_PATH".to_string(), script.display().to_string())]);
    if let Some(mode) = mode {
        map.insert("EXEC_MODE".into(), mode.into());
    }
    DnsProvider::from_env("exec", &move |k| map.get(k).cloned()).expect("exec provider")
}

fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
    path
}

#[tokio::test]
async fn a_knsupdate_script_publishes_and_removes_the_record() {
    let knot = Knot::start();
    let script = write_script(
        &knot.dir,
        "hook.sh",
        &format!(
            r#"#!/bin/sh
set -e
case "$1" in
  present) op="update add $2 120 TXT \"$3\"" ;;
  cleanup) op="update delete $2 TXT \"$3\"" ;;
  *) echo "unknown action $1" >&2; exit 2 ;;
esac
echo "running $1 for $2"
knsupdate -y {alg}:{key}:{secret} <<EOF
server 127.0.0.1 {port}
zone {zone}
$op
send
EOF
"#,
            alg = knot.algorithm,
            key = knot.key_name,
            secret = knot.key_secret,
            port = knot.port(),
            zone = knot.zone,
        ),
    );
    let dns = exec_provider(&script, None);
    let rec = record("hook");
    dns.present(&rec).await.expect("present through the script");
    assert_eq!(knot.kdig_txt(&rec.fqdn), vec!["value-of-hook"]);
    dns.cleanup(&rec).await.expect("cleanup through the script");
    assert!(knot.kdig_txt(&rec.fqdn).is_empty(), "{}", knot.log());
}

#[tokio::test]
async fn raw_mode_passes_domain_token_and_key_authorization() {
    let dir = tempdir("raw");
    let args = dir.join("args");
    let script = write_script(
        &dir,
        "raw.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", args.display()),
    );
    let dns = exec_provider(&script, Some("RAW"));
    let rec = record("raw");
    dns.present(&rec).await.expect("present");
    dns.cleanup(&rec).await.expect("cleanup");
    let seen = std::fs::read_to_string(&args).expect("script ran");
    assert_eq!(
        seen,
        "present -- raw.waygate.test the-token the-token.the-thumbprint\n\
         cleanup -- raw.waygate.test the-token the-token.the-thumbprint\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_failing_script_reports_its_stderr() {
    let dir = tempdir("fail");
    let script = write_script(
        &dir,
        "fail.sh",
        "#!/bin/sh\necho 'some progress on stdout'\necho \"cannot reach the DNS API for $2\" >&2\nexit 3\n",
    );
    let err = exec_provider(&script, None)
        .present(&record("broken"))
        .await
        .expect_err("must fail")
        .to_string();
    assert!(
        err.contains("cannot reach the DNS API for _acme-challenge.broken.waygate.test."),
        "{err}"
    );
    assert!(err.contains("exit status: 3"), "{err}");
    assert!(
        !err.contains("some progress"),
        "stdout is logged, not put in the error: {err}"
    );

    let missing = exec_provider(&dir.join("does-not-exist"), None)
        .present(&record("x"))
        .await
        .expect_err("no program");
    assert!(missing.to_string().contains("cannot run"), "{missing}");
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("waygate-exec-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
