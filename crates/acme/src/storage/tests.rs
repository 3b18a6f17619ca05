//! acme.json: Traefik's layout read and written, permissions, atomic writes, sharing.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("waygate-acme-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A file as Traefik v3 writes it (before mid-2026, with `KeyType` in `Account`).
const TRAEFIK_FILE: &str = r#"{
  "le": {
    "Account": {
      "Email": "ops@example.com",
      "Registration": {
        "body": { "status": "valid", "contact": ["mailto:ops@example.com"] },
        "uri": "https://acme-v02.api.letsencrypt.org/acme/acct/123"
      },
      "PrivateKey": "AAEC",
      "KeyType": "4096"
    },
    "Certificates": [
      { "domain": { "main": "example.com", "sans": ["www.example.com"] },
        "certificate": "Q0VSVA==", "key": "S0VZ", "Store": "default" },
      { "domain": { "main": "empty.example.com" }, "certificate": "", "key": "S0VZ", "Store": "default" }
    ]
  },
  "other": { "Account": null, "Certificates": null }
}"#;

#[test]
fn reads_traefik_layout_and_prunes_empty_entries() {
    let dir = tempdir("read");
    let path = dir.join("acme.json");
    fs::write(&path, TRAEFIK_FILE).expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    let data = Storage::new(&path, "le").load().expect("load");
    let account = data.account.expect("account");
    assert_eq!(account.email, "ops@example.com");
    assert_eq!(account.key_type, "4096");
    assert_eq!(account.private_key, [0, 1, 2]);
    assert_eq!(
        account.registration.expect("registration").uri,
        "https://acme-v02.api.letsencrypt.org/acme/acct/123"
    );
    assert_eq!(
        data.certificates.len(),
        1,
        "the entry without certificate is pruned"
    );
    let c = &data.certificates[0];
    assert_eq!(
        c.domain.names().collect::<Vec<_>>(),
        ["example.com", "www.example.com"]
    );
    assert_eq!(
        (c.certificate.as_slice(), c.key.as_slice()),
        (&b"CERT"[..], &b"KEY"[..])
    );
    assert_eq!(c.store, "default");
}

#[test]
fn save_keeps_other_resolvers_and_writes_traefik_keys() {
    let dir = tempdir("save");
    let path = dir.join("acme.json");
    fs::write(&path, TRAEFIK_FILE).expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    let mine = Storage::new(&path, "mine");
    let data = ResolverData {
        account: None,
        certificates: vec![CertRecord {
            domain: Domain {
                main: "a.test".into(),
                sans: vec![],
            },
            certificate: b"PEM".to_vec(),
            key: b"KEY".to_vec(),
            store: "default".into(),
        }],
    };
    mine.save(&data).expect("save");
    assert_eq!(mine.load().expect("reload"), data);
    let raw: serde_json::Value =
        serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
    assert_eq!(
        raw["le"]["Account"]["Email"], "ops@example.com",
        "others kept"
    );
    let cert = &raw["mine"]["Certificates"][0];
    assert_eq!(cert["domain"]["main"], "a.test");
    assert_eq!(cert["certificate"], "UEVN");
    assert_eq!(cert["Store"], "default");
    let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");
}

#[test]
fn missing_file_is_created_0600_and_empty_file_is_no_data() {
    let dir = tempdir("create");
    let path = dir.join("sub").join("acme.json");
    let data = Storage::new(&path, "le").load().expect("load");
    assert_eq!(data, ResolverData::default());
    let mode = fs::metadata(&path).expect("created").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn too_open_permissions_are_refused_with_the_fix() {
    let dir = tempdir("mode");
    let path = dir.join("acme.json");
    fs::write(&path, "{}").expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = Storage::new(&path, "le")
        .load()
        .expect_err("0644 must be refused");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("0644"), "{msg}");
    assert!(msg.contains("chmod 600"), "{msg}");
    let save = Storage::new(&path, "le").save(&ResolverData::default());
    assert!(save.is_err(), "nothing is written into a too-open file");
}

#[test]
fn invalid_json_names_the_file() {
    let dir = tempdir("json");
    let path = dir.join("acme.json");
    fs::write(&path, "{ not json").expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    let msg = Storage::new(&path, "le")
        .load()
        .expect_err("invalid")
        .to_string();
    assert!(
        msg.contains("acme.json") && msg.contains("invalid JSON"),
        "{msg}"
    );
}

#[test]
fn readers_never_see_a_torn_file_while_it_is_rewritten() {
    // What a kill -9 mid-write would leave is what a concurrent reader can observe: with
    // temp + rename, every read parses as one complete version.
    let dir = tempdir("atomic");
    let path = dir.join("acme.json");
    let storage = Storage::new(&path, "le");
    let big = |n: usize| ResolverData {
        account: None,
        certificates: (0..n)
            .map(|i| CertRecord {
                domain: Domain {
                    main: format!("d{i}.test"),
                    sans: vec![],
                },
                certificate: vec![b'c'; 4096],
                key: vec![b'k'; 1024],
                store: "default".into(),
            })
            .collect(),
    };
    storage.save(&big(1)).expect("first save");
    let writer = {
        let storage = storage.clone();
        std::thread::spawn(move || {
            for round in 0..200 {
                storage.save(&big(1 + round % 40)).expect("save");
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() {
        let text = fs::read(&path).expect("read");
        let parsed: Result<BTreeMap<String, Value>, _> = serde_json::from_slice(&text);
        assert!(parsed.is_ok(), "torn read of {} bytes", text.len());
        reads += 1;
    }
    writer.join().expect("writer");
    assert!(reads > 0);
}
