//! Each file's last good version: broken, emptied and cut files keep their items; the hold of
//! a file that looks like an edit in progress ends after the settle period. Reads are made at
//! chosen instants (`load_at`), so no test waits for the settle period.

use std::time::Instant;

use waygate_config::Severity;

use super::super::state::SETTLE;
use super::*;

fn two_routers() -> String {
    "http:\n  routers:\n    a:\n      rule: Host(`a.test`)\n      service: svc\n    b:\n      rule: Host(`b.test`)\n      service: svc\n  services:\n    svc:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n".to_string()
}

fn filename_provider(dir: &TempDir) -> (FileProvider, std::path::PathBuf) {
    let file = dir.path().join("dynamic.yml");
    (FileProvider::new(&cfg(&file, Path::new(""), false)), file)
}

#[test]
fn a_broken_file_keeps_its_last_good_items_and_says_so() {
    let dir = TempDir::new("broken");
    let (provider, file) = filename_provider(&dir);
    write_old(&file, &router_yaml("one"));
    let good = provider.load();
    assert_eq!(routers(&good), ["one"]);

    write_old(&file, "http:\n  routers: [oops\n");
    let broken = provider.load();
    assert_eq!(broken.config, good.config);
    assert_eq!(broken.issues[0].kind, IssueKind::Syntax);
    let source = broken.issues[0]
        .location
        .as_ref()
        .map(|l| l.source.as_str());
    assert_eq!(source, Some(&*file.to_string_lossy()));
    let keeping = format!("keeping the last good configuration of {}", file.display());
    assert_eq!(warnings(&broken), [keeping.as_str()]);

    std::fs::remove_file(&file).expect("remove");
    let gone = provider.load();
    assert_eq!(gone.config, good.config);
    assert!(gone.issues[0].message.starts_with("cannot read"));
    assert!(gone.issues[0].message.contains("dynamic.yml"));
    assert_eq!(warnings(&gone), [keeping.as_str()]);
}

#[test]
fn an_emptied_file_is_held_for_the_settle_period_then_applied() {
    let dir = TempDir::new("emptied");
    let (provider, file) = filename_provider(&dir);
    write_old(&file, &router_yaml("one"));
    let t0 = Instant::now();
    let good = provider.load_at(t0);
    assert_eq!(provider.settle_at(), None);

    write_old(&file, "");
    let held = provider.load_at(t0);
    assert_eq!(held.config, good.config);
    let warned = warnings(&held);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("is empty; keeping the last good configuration of"));
    assert!(warned[0].contains(&*file.to_string_lossy()));
    assert_eq!(provider.settle_at(), Some(t0 + SETTLE));

    // Still empty (comments are nothing) a second later: still held, same deadline.
    write_old(&file, "# nothing here yet\n\n");
    let still = provider.load_at(t0 + Duration::from_secs(1));
    assert_eq!(still.config, good.config);
    assert_eq!(provider.settle_at(), Some(t0 + SETTLE));

    // Still empty at the end of the settle period: applied.
    let applied = provider.load_at(t0 + SETTLE);
    assert_eq!(*applied.config, DynamicConfig::default());
    assert!(applied.issues.is_empty(), "{:?}", applied.issues);
    assert_eq!(provider.settle_at(), None);
}

#[test]
fn an_emptied_file_written_again_is_never_applied_empty() {
    let dir = TempDir::new("refilled");
    let (provider, file) = filename_provider(&dir);
    write_old(&file, &router_yaml("one"));
    let t0 = Instant::now();
    provider.load_at(t0);
    write_old(&file, "");
    assert_eq!(routers(&provider.load_at(t0)), ["one"]);
    write_old(&file, &router_yaml("two"));
    let next = provider.load_at(t0 + Duration::from_millis(100));
    assert_eq!(routers(&next), ["two"]);
    assert!(next.issues.is_empty(), "{:?}", next.issues);
    assert_eq!(provider.settle_at(), None);
}

#[test]
fn a_file_empty_from_the_start_is_simply_empty() {
    let dir = TempDir::new("empty");
    let (provider, file) = filename_provider(&dir);
    for text in ["", "  \n# a comment\n", "{}\n"] {
        write_old(&file, text);
        let snap = provider.load();
        assert_eq!(*snap.config, DynamicConfig::default(), "{text:?}");
        assert!(snap.issues.is_empty(), "{text:?}: {:?}", snap.issues);
        assert_eq!(provider.settle_at(), None);
    }
}

#[test]
fn a_file_cut_in_the_middle_of_a_line_never_changes_the_configuration() {
    let dir = TempDir::new("cut");
    let (provider, file) = filename_provider(&dir);
    let full = two_routers();
    write_old(&file, &full);
    let t0 = Instant::now();
    let good = provider.load_at(t0);
    assert_eq!(routers(&good), ["a", "b"]);
    // A writer that truncated the file and wrote part of it: cut in the middle of each line.
    let mut start = 0;
    for line in full.split_inclusive('\n') {
        let cut = start + line.len() / 2;
        start += line.len();
        let text = &full[..cut];
        write_old(&file, text);
        let snap = provider.load_at(t0);
        assert_eq!(snap.config, good.config, "cut after {text:?}");
        let why = snap.issues.iter().map(|i| i.message.as_str());
        let said = why.clone().any(|m| {
            m.contains("ends in the middle of a line") || m.contains("keeping the last good")
        });
        assert!(said, "cut after {text:?}: {:?}", snap.issues);
        // The whole file again, before the settle period ends.
        write_old(&file, &full);
        let whole = provider.load_at(t0);
        assert_eq!(whole.config, good.config);
        assert!(whole.issues.is_empty(), "{:?}", whole.issues);
    }
    // A file that really ends without a line break is applied once the hold is over.
    let short = "http:\n  routers:\n    a:\n      rule: Host(`a.test`)\n      service: svc";
    write_old(&file, short);
    assert_eq!(routers(&provider.load_at(t0)), ["a", "b"]);
    assert_eq!(routers(&provider.load_at(t0 + SETTLE)), ["a"]);
    // From then on, such a file is this writer's style: no hold.
    write_old(&file, &short.replace("a.test", "c.test"));
    let next = provider.load_at(t0 + SETTLE);
    assert!(next.issues.is_empty(), "{:?}", next.issues);
    assert_eq!(provider.settle_at(), None);
}

#[test]
fn an_item_that_fails_to_decode_keeps_its_last_good_definition() {
    let dir = TempDir::new("item");
    let (provider, file) = filename_provider(&dir);
    write_old(&file, &two_routers());
    let good = provider.load();
    let http = |s: &Snapshot| s.config.http.clone().expect("http");
    let old_a = http(&good).routers["a"].clone();
    // `a` gets a key that does not exist, `b` a new rule, `c` is new and broken.
    let next = two_routers()
        .replace(
            "      rule: Host(`a.test`)\n",
            "      rule: Host(`a2.test`)\n      bogus: 1\n",
        )
        .replace("b.test", "b2.test")
        .replace(
            "  services:\n",
            "    c:\n      rule: Host(`c.test`)\n      bogus: 1\n  services:\n",
        );
    write_old(&file, &next);
    let snap = provider.load();
    assert_eq!(routers(&snap), ["a", "b"]);
    assert_eq!(
        http(&snap).routers["a"],
        old_a,
        "a keeps its last good definition"
    );
    assert_eq!(http(&snap).routers["b"].rule, "Host(`b2.test`)");
    let named = |name: &str| {
        snap.issues
            .iter()
            .filter(|i| i.item.as_ref().is_some_and(|it| it.name == name))
            .map(|i| (i.severity, i.kind))
            .collect::<Vec<_>>()
    };
    // `a`'s error is still an error but no longer names it (that would disable it); a warning
    // on `a` says its last good definition is in effect.
    assert_eq!(named("a"), [(Severity::Warning, IssueKind::File)]);
    let unknown: Vec<_> = snap
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::UnknownKey)
        .collect();
    assert_eq!(unknown.len(), 2, "{:?}", snap.issues);
    assert!(unknown.iter().all(|i| i.is_error()));
    assert_eq!(named("c"), [(Severity::Error, IssueKind::UnknownKey)]);

    // And it stays kept while the file keeps that error.
    write_old(&file, &next.replace("b2.test", "b3.test"));
    assert_eq!(http(&provider.load()).routers["a"], old_a);
}

#[test]
fn directory_mode_a_broken_or_emptied_file_keeps_its_items() {
    let dir = TempDir::new("dir-last-good");
    write_old(&dir.path().join("a.yml"), &router_yaml("a"));
    let b = dir.path().join("b.yml");
    let b_text = "http:\n  routers:\n    b:\n      rule: Host(`b.test`)\n      service: svc\n";
    write_old(&b, b_text);
    let provider = FileProvider::new(&cfg(Path::new(""), dir.path(), false));
    let t0 = Instant::now();
    let good = provider.load_at(t0);
    assert_eq!(routers(&good), ["a", "b"]);

    write_old(&b, "http:\n  routers:\n    b: [oops\n");
    let broken = provider.load_at(t0);
    assert_eq!(broken.config, good.config);
    let syntax = broken.issues.iter().find(|i| i.kind == IssueKind::Syntax);
    let source = syntax.and_then(|i| i.location.as_ref()).map(|l| &l.source);
    assert_eq!(source.map(String::as_str), Some(&*b.to_string_lossy()));
    let keeping = format!("keeping the last good configuration of {}", b.display());
    assert_eq!(warnings(&broken), [keeping.as_str()]);

    write_old(&b, "");
    let held = provider.load_at(t0);
    assert_eq!(held.config, good.config);
    assert_eq!(provider.settle_at(), Some(t0 + SETTLE));
    assert_eq!(routers(&provider.load_at(t0 + SETTLE)), ["a"]);

    // A file that is gone is gone: its items with it.
    write_old(&b, b_text);
    assert_eq!(routers(&provider.load_at(t0 + SETTLE)), ["a", "b"]);
    std::fs::remove_file(&b).expect("remove");
    let removed = provider.load_at(t0 + SETTLE);
    assert_eq!(routers(&removed), ["a"]);
    assert!(removed.issues.is_empty(), "{:?}", removed.issues);
}

#[test]
fn directory_mode_an_unlistable_directory_keeps_everything() {
    let root = TempDir::new("dir-gone");
    let dir = root.path().join("conf");
    std::fs::create_dir(&dir).expect("mkdir");
    write_old(&dir.join("a.yml"), &router_yaml("a"));
    let provider = FileProvider::new(&cfg(Path::new(""), &dir, false));
    let good = provider.load();
    std::fs::rename(&dir, root.path().join("elsewhere")).expect("rename");
    let kept = provider.load();
    assert_eq!(kept.config, good.config);
    assert!(kept.issues[0].message.starts_with("cannot read directory"));
    assert_eq!(provider.settle_at(), None);
}

/// Routers `one` and `two` generated by a template.
fn templated_routers() -> String {
    "http:\n  routers:\n{{- range list \"one\" \"two\" }}\n    {{ . }}:\n      rule: Host(`{{ . }}.test`)\n      service: svc\n{{- end }}\n  services:\n    svc:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n".to_string()
}

#[test]
fn a_template_error_keeps_the_last_good_items_in_either_mode() {
    let dir = TempDir::new("template");
    let (provider, file) = filename_provider(&dir);
    write_old(&file, &templated_routers());
    let good = provider.load();
    assert_eq!(routers(&good), ["one", "two"]);
    write_old(&file, "http:\n  routers:\n{{ range nosuch }}{{ end }}\n");
    let broken = provider.load();
    assert_eq!(broken.config, good.config);
    assert_eq!(broken.issues[0].kind, IssueKind::Syntax);
    let shown = broken.issues[0].to_string();
    assert!(
        shown.ends_with("dynamic.yml:3:10: template: function \"nosuch\" not defined"),
        "{shown}"
    );

    let sub = TempDir::new("template-dir");
    let provider = FileProvider::new(&cfg(Path::new(""), sub.path(), false));
    write_old(&sub.path().join("a.yml"), &templated_routers());
    write_old(&sub.path().join("b.yml"), &router_yaml("plain"));
    assert_eq!(routers(&provider.load()), ["one", "plain", "two"]);
    write_old(&sub.path().join("a.yml"), "{{ .Missing.Field }}");
    let broken = provider.load();
    assert_eq!(routers(&broken), ["one", "plain", "two"]);
    assert!(
        broken.issues[0]
            .message
            .contains("can't evaluate field Missing in type bool"),
        "{:?}",
        broken.issues
    );
}
