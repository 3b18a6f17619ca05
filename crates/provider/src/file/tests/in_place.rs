//! Files rewritten in place while the provider watches them: a writer that pauses between
//! chunks is not read half-way, and an emptied file is applied only after the settle period.

use std::io::Write;
use std::time::Instant;

use super::super::state::SETTLE;
use super::*;

/// Rewrites `path` in place: truncate, write `chunks` with `pause` between them, close.
fn write_in_place(path: &Path, chunks: &[&str], pause: Duration) {
    let mut f = std::fs::File::options()
        .write(true)
        .truncate(true)
        .open(path)
        .expect("open");
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(pause);
        }
        f.write_all(chunk.as_bytes()).expect("write");
    }
}

#[tokio::test]
async fn a_writer_pausing_between_whole_lines_is_read_after_it_closes() {
    let dir = TempDir::new("in-place");
    let file = dir.path().join("dynamic.yml");
    let one = router_yaml("one");
    // The second router's lines come in a second chunk: the first chunk alone is a valid
    // file ending with a line break, which only waiting for the close tells from the end.
    let two = "    two:\n      rule: Host(`two.test`)\n      service: svc\n";
    let (head, services) = one.split_at(one.find("  services:").expect("services"));
    std::fs::write(&file, router_yaml("zero")).expect("write");
    let provider = FileProvider::new(&cfg(&file, Path::new(""), true));
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(provider.run(tx, Arc::new(Notify::new())));
    next_where(&mut rx, |s| routers(s) == ["zero"]).await;

    let first = format!("{head}{two}");
    let writer = {
        let file = file.clone();
        let services = services.to_string();
        // Longer than the debounce and than the settled read's quiet time.
        std::thread::spawn(move || {
            write_in_place(&file, &[&first, &services], Duration::from_millis(250))
        })
    };
    let last = next_where(&mut rx, |s| routers(s) != ["zero"]).await;
    writer.join().expect("writer");
    assert_eq!(routers(&last), ["one", "two"]);
    let services = last.config.http.as_ref().map(|h| h.services.len());
    assert_eq!(services, Some(1), "read after the close: the whole file");
    task.abort();
}

#[tokio::test]
async fn an_emptied_file_is_applied_when_the_settle_period_ends() {
    let dir = TempDir::new("settle-run");
    let file = dir.path().join("dynamic.yml");
    std::fs::write(&file, router_yaml("one")).expect("write");
    let provider = FileProvider::new(&cfg(&file, Path::new(""), true));
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(provider.run(tx, Arc::new(Notify::new())));
    next_where(&mut rx, |s| routers(s) == ["one"]).await;

    write_in_place(&file, &[], Duration::ZERO);
    let emptied = Instant::now();
    let held = next_where(&mut rx, |s| !s.issues.is_empty()).await;
    assert_eq!(routers(&held), ["one"]);
    assert!(warnings(&held)[0].contains("is empty"), "{:?}", held.issues);
    let applied = next_where(&mut rx, |s| routers(s).is_empty()).await;
    assert!(applied.issues.is_empty(), "{:?}", applied.issues);
    let after = emptied.elapsed();
    assert!(
        after >= SETTLE && after < SETTLE + Duration::from_secs(2),
        "applied after {after:?}"
    );
    task.abort();
}
