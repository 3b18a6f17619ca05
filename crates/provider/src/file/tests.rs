//! The file provider's tests: reading and watching here, the per-file last good version in
//! `tests/last_good.rs`, files rewritten in place while watched in `tests/in_place.rs`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, mpsc};
use waygate_config::IssueKind;
use waygate_config::static_config::FileProvider as FileCfg;

use super::*;
use crate::testing::{PATIENCE, TempDir};

mod in_place;
mod last_good;

fn cfg(filename: &Path, directory: &Path, watch: bool) -> FileCfg {
    FileCfg {
        filename: filename.to_string_lossy().into_owned(),
        directory: directory.to_string_lossy().into_owned(),
        watch,
        ..FileCfg::default()
    }
}

fn router_yaml(name: &str) -> String {
    format!(
        "http:\n  routers:\n    {name}:\n      rule: Host(`{name}.test`)\n      service: svc\n  services:\n    svc:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n"
    )
}

fn routers(s: &Snapshot) -> Vec<String> {
    s.config
        .http
        .as_ref()
        .map(|h| h.routers.keys().cloned().collect())
        .unwrap_or_default()
}

/// Writes `text` and dates it a second back, so that a read does not wait for it to be
/// quiet (`stable.rs`).
fn write_old(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    let past = SystemTime::now() - Duration::from_secs(1);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(past))
        .expect("backdate");
}

/// The messages of the snapshot's warnings.
fn warnings(s: &Snapshot) -> Vec<&str> {
    s.issues
        .iter()
        .filter(|i| !i.is_error())
        .map(|i| i.message.as_str())
        .collect()
}

/// The next snapshot satisfying `pred`, within the test patience.
async fn next_where(
    rx: &mut mpsc::Receiver<Snapshot>,
    pred: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(s)) if pred(&s) => return s,
            Ok(Some(_)) => {}
            Ok(None) => panic!("provider stopped"),
            Err(_) => panic!("no matching snapshot within {PATIENCE:?}"),
        }
    }
}

#[tokio::test]
async fn filename_mode_rereads_on_write_rename_and_keeps_last_good() {
    let dir = TempDir::new("filename");
    let file = dir.path().join("dynamic.yml");
    std::fs::write(&file, router_yaml("one")).expect("write");
    let provider = FileProvider::new(&cfg(&file, Path::new(""), true));
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(provider.run(tx, Arc::new(Notify::new())));

    let first = next_where(&mut rx, |_| true).await;
    assert_eq!(first.provider, "file");
    assert_eq!(routers(&first), ["one"]);
    assert!(first.issues.is_empty(), "{:?}", first.issues);

    // A plain write.
    std::fs::write(&file, router_yaml("two")).expect("write");
    next_where(&mut rx, |s| routers(s) == ["two"]).await;

    // An editor-style replace: write elsewhere in the directory, rename over the file.
    let tmp = dir.path().join(".dynamic.yml.tmp");
    std::fs::write(&tmp, router_yaml("three")).expect("write tmp");
    std::fs::rename(&tmp, &file).expect("rename");
    next_where(&mut rx, |s| routers(s) == ["three"]).await;

    // A broken write keeps the last good configuration and reports the syntax error.
    std::fs::write(&file, "http: [unclosed").expect("write");
    let broken = next_where(&mut rx, |s| !s.issues.is_empty()).await;
    assert_eq!(routers(&broken), ["three"]);
    let issue = &broken.issues[0];
    assert_eq!(issue.kind, IssueKind::Syntax);
    assert_eq!(issue.provider.as_deref(), Some("file"));
    let source = issue.location.as_ref().map(|l| l.source.clone());
    assert_eq!(source, Some(file.to_string_lossy().into_owned()));

    // Other files in the directory are ignored.
    std::fs::write(dir.path().join("other.yml"), router_yaml("x")).expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.try_recv().is_err(),
        "a sibling file is not this provider's"
    );
    std::fs::write(&file, router_yaml("four")).expect("write");
    let fixed = next_where(&mut rx, |s| s.issues.is_empty()).await;
    assert_eq!(routers(&fixed), ["four"]);
    task.abort();
}

#[test]
fn filename_mode_unreadable_first_read_is_empty_with_error() {
    let dir = TempDir::new("missing");
    let provider = FileProvider::new(&cfg(&dir.path().join("nope.toml"), Path::new(""), false));
    let snap = provider.load();
    assert_eq!(*snap.config, DynamicConfig::default());
    assert_eq!(snap.issues.len(), 1);
    assert_eq!(snap.issues[0].kind, IssueKind::File);
    assert!(snap.issues[0].message.contains("nope.toml"));
}

#[test]
fn directory_mode_drops_only_the_broken_files_items() {
    let dir = TempDir::new("directory");
    std::fs::write(dir.path().join("a.yml"), router_yaml("a")).expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let toml = "[http.routers.b]\nrule = \"Host(`b.test`)\"\nservice = \"svc\"\n";
    std::fs::write(dir.path().join("sub/b.toml"), toml).expect("write");
    std::fs::write(dir.path().join("c.yml"), "http:\n  routers: [oops").expect("write");
    std::fs::write(dir.path().join("d.txt"), "not: config").expect("write");
    // An item with a decode error is absent; its file's other items load.
    let e = "http:\n  routers:\n    e:\n      rule: Host(`e.test`)\n      service: svc\n      bogus: 1\n    f:\n      rule: Host(`f.test`)\n      service: svc\n";
    std::fs::write(dir.path().join("e.yaml"), e).expect("write");

    let provider = FileProvider::new(&cfg(Path::new(""), dir.path(), false));
    let snap = provider.load();
    assert_eq!(routers(&snap), ["a", "b", "f"]);
    let syntax: Vec<_> = snap
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::Syntax)
        .collect();
    assert_eq!(syntax.len(), 1, "{:?}", snap.issues);
    let source = syntax[0].location.as_ref().map(|l| l.source.as_str());
    assert!(source.is_some_and(|s| s.ends_with("c.yml")));
    let unknown = snap.issues.iter().find(|i| i.kind == IssueKind::UnknownKey);
    let item = unknown
        .and_then(|i| i.item.as_ref())
        .map(|i| i.name.as_str());
    assert_eq!(item, Some("e"));
}

#[tokio::test]
async fn directory_mode_watches_recursively_and_reload_rereads() {
    let dir = TempDir::new("dirwatch");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("a.yml"), router_yaml("a")).expect("write");
    let provider = FileProvider::new(&cfg(Path::new(""), dir.path(), true));
    let (tx, mut rx) = mpsc::channel(16);
    let reload = Arc::new(Notify::new());
    let task = tokio::spawn(provider.run(tx, reload.clone()));
    next_where(&mut rx, |s| routers(s) == ["a"]).await;

    std::fs::write(dir.path().join("sub/b.yml"), router_yaml("b")).expect("write");
    next_where(&mut rx, |s| routers(s) == ["a", "b"]).await;

    // A reload request re-reads even without a change.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while rx.try_recv().is_ok() {}
    reload.notify_one();
    next_where(&mut rx, |s| routers(s) == ["a", "b"]).await;
    task.abort();
}
