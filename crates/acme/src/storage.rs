//! `acme.json`, in Traefik's layout (reference §9): one object per resolver name, each with
//! its `Account` and its `Certificates`. Several resolvers may share one file; each one only
//! ever rewrites its own entry and keeps the others' as they were read.
//!
//! Safety rules:
//! - a missing file is created with mode 0600; an existing file with any group/other
//!   permission bit is refused for the resolver, with a message naming the file, its mode and
//!   the fix (as Traefik: private keys live in it);
//! - writes are atomic: a temporary file beside it, fsync, rename, fsync of the directory, so
//!   a kill -9 at any moment leaves either the old or the new content, never a torn file;
//! - writes to one path are serialized within the process (a lock per path).

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A storage problem; the message names the file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

/// One resolver's entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResolverData {
    #[serde(rename = "Account", default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountRecord>,
    #[serde(rename = "Certificates", default)]
    pub certificates: Vec<CertRecord>,
}

/// The ACME account (`Account`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountRecord {
    #[serde(rename = "Email", default)]
    pub email: String,
    #[serde(
        rename = "Registration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub registration: Option<Registration>,
    /// DER of the private key (Go's `[]byte`: base64 in JSON). Waygate writes PKCS#8 P-256;
    /// Traefik's PKCS#1 RSA keys are read but cannot be used (a new account is created).
    #[serde(rename = "PrivateKey", default, with = "b64")]
    pub private_key: Vec<u8>,
    /// Written by Traefik v3 before mid-2026; tolerated on read.
    #[serde(rename = "KeyType", default, skip_serializing_if = "String::is_empty")]
    pub key_type: String,
}

/// `Registration`: the account object and its URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    #[serde(default)]
    pub body: Value,
    #[serde(default)]
    pub uri: String,
}

/// One certificate (`Certificates[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertRecord {
    pub domain: Domain,
    /// The PEM chain (base64 in JSON).
    #[serde(default, with = "b64")]
    pub certificate: Vec<u8>,
    /// The PEM private key (base64 in JSON).
    #[serde(default, with = "b64")]
    pub key: Vec<u8>,
    #[serde(rename = "Store", default)]
    pub store: String,
}

/// A certificate's names: `main` and the subject alternative names.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Domain {
    #[serde(default)]
    pub main: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
}

impl Domain {
    /// Every name, `main` first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.main.as_str()).chain(self.sans.iter().map(String::as_str))
    }
}

/// `acme.json` of one resolver.
#[derive(Debug, Clone)]
pub struct Storage {
    path: PathBuf,
    resolver: String,
}

// === impl Storage ===

impl Storage {
    pub fn new(path: impl Into<PathBuf>, resolver: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            resolver: resolver.into(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads this resolver's entry, creating the file (0600, empty) if it does not exist.
    /// Certificates with an empty certificate or key are pruned, as in Traefik.
    pub fn load(&self) -> Result<ResolverData, StorageError> {
        let _guard = lock(&self.path);
        let mut all = self.read_all()?;
        let mut data: ResolverData = match all.remove(&self.resolver) {
            None | Some(Value::Null) => ResolverData::default(),
            Some(v) => serde_json::from_value(v)
                .map_err(|e| self.error(format!("entry `{}` is not valid: {e}", self.resolver)))?,
        };
        data.certificates
            .retain(|c| !c.certificate.is_empty() && !c.key.is_empty());
        Ok(data)
    }

    /// Checks the file as [`Storage::load`] would, without creating it: permissions, JSON,
    /// this resolver's entry. A missing file is fine (it will be created).
    pub fn inspect(&self) -> Result<(), StorageError> {
        if !self.path.exists() {
            return Ok(());
        }
        self.load().map(|_| ())
    }

    /// Replaces this resolver's entry, keeping the other resolvers' entries.
    pub fn save(&self, data: &ResolverData) -> Result<(), StorageError> {
        let _guard = lock(&self.path);
        let mut all = self.read_all()?;
        let value = serde_json::to_value(data).map_err(|e| self.error(e.to_string()))?;
        all.insert(self.resolver.clone(), value);
        let mut text = serde_json::to_vec_pretty(&all).map_err(|e| self.error(e.to_string()))?;
        text.push(b'\n');
        self.write_atomic(&text)
    }

    fn read_all(&self) -> Result<BTreeMap<String, Value>, StorageError> {
        match fs::metadata(&self.path) {
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(self.error(format!(
                        "permissions {mode:04o} are too open, please use 600 \
                         (chmod 600 {})",
                        self.path.display()
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.write_atomic(b"")?;
                return Ok(BTreeMap::new());
            }
            Err(e) => return Err(self.error(format!("cannot read: {e}"))),
        }
        let text = fs::read(&self.path).map_err(|e| self.error(format!("cannot read: {e}")))?;
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(BTreeMap::new());
        }
        serde_json::from_slice(&text).map_err(|e| self.error(format!("invalid JSON: {e}")))
    }

    /// Temp file (0600) beside the target, fsync, rename over it, fsync the directory.
    fn write_atomic(&self, bytes: &[u8]) -> Result<(), StorageError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map_or_else(|| "acme.json".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            fs::create_dir_all(&dir)?;
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            File::open(&dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.error(format!("cannot write: {e}"))
        })
    }

    fn error(&self, message: String) -> StorageError {
        StorageError(format!(
            "ACME storage {} (resolver {}): {message}",
            self.path.display(),
            self.resolver
        ))
    }
}

/// The process-wide lock of one storage path.
fn lock(path: &Path) -> std::sync::MutexGuard<'static, ()> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, &'static Mutex<()>>>> = OnceLock::new();
    let key = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let m: &'static Mutex<()> = locks
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))));
    drop(locks);
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Go's `[]byte` JSON encoding: standard base64 (`null` reads as empty).
mod b64 {
    use super::*;

    pub(super) fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        STANDARD
            .decode(s.unwrap_or_default())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
