//! `exec`: run a program of the user's to publish and remove the record (lego's "External
//! program" provider).
//!
//! The program gets `present <fqdn> <value>` / `cleanup <fqdn> <value>`, or with
//! `EXEC_MODE=RAW` `present -- <domain> <token> <keyAuth>` (and `cleanup ...`). It inherits
//! our environment; its stdout is logged; a non-zero exit is an error carrying its stderr
//! (trimmed, at most [`MAX_OUTPUT`] bytes, the end kept; stdout when stderr is empty). lego
//! sets no time limit and neither do we, but the program is killed if the future running it
//! is dropped (e.g. by a caller's timeout).
//!
//! Variables (each also as `<NAME>_FILE`): `EXEC_PATH` (required), `EXEC_MODE`,
//! `EXEC_PROPAGATION_TIMEOUT` (60), `EXEC_POLLING_INTERVAL` (2), `EXEC_SEQUENCE_INTERVAL` (60),
//! in seconds.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use super::env::Env;
use super::{DnsError, TxtRecord};

/// How much of the program's stderr an error carries.
pub(crate) const MAX_OUTPUT: usize = 2048;

/// Settings of the `exec` provider (see the module doc).
#[derive(Debug)]
pub struct Exec {
    program: PathBuf,
    raw: bool,
    pub(crate) propagation_timeout: Duration,
    pub(crate) polling_interval: Duration,
    pub(crate) sequence_interval: Duration,
}

// === impl Exec ===

impl Exec {
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Self, DnsError> {
        Ok(Self {
            program: PathBuf::from(env.required(&["EXEC_PATH"])?),
            // lego compares exactly: `raw` is not RAW mode.
            raw: env.get(&["EXEC_MODE"])?.as_deref() == Some("RAW"),
            propagation_timeout: env
                .seconds("EXEC_PROPAGATION_TIMEOUT", Duration::from_secs(60))?,
            polling_interval: env.seconds("EXEC_POLLING_INTERVAL", Duration::from_secs(2))?,
            sequence_interval: env.seconds("EXEC_SEQUENCE_INTERVAL", Duration::from_secs(60))?,
        })
    }

    pub(crate) async fn present(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.run("present", rec).await
    }

    pub(crate) async fn cleanup(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.run("cleanup", rec).await
    }

    async fn run(&self, action: &str, rec: &TxtRecord) -> Result<(), DnsError> {
        let args: Vec<&str> = if self.raw {
            vec![action, "--", &rec.domain, &rec.token, &rec.key_auth]
        } else {
            vec![action, &rec.fqdn, &rec.value]
        };
        let program = self.program.display();
        let failed = |what: String| {
            DnsError(format!(
                "exec: `{program} {action}` for {}: {what}",
                rec.fqdn
            ))
        };
        let output = run(&self.program, &args)
            .await
            .map_err(|e| failed(format!("cannot run: {e}")))?;
        for line in String::from_utf8_lossy(&output.stdout).lines().take(100) {
            tracing::info!(provider = "exec", %program, action, "{line}");
        }
        if output.status.success() {
            return Ok(());
        }
        let mut detail = tail(&String::from_utf8_lossy(&output.stderr));
        if detail.is_empty() {
            detail = tail(&String::from_utf8_lossy(&output.stdout));
        }
        Err(failed(format!("failed ({}): {detail}", output.status)))
    }
}

/// The program's exit status and (bounded) output.
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Kills the program if the future running it is dropped before it exits.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs the program to completion. std's process API with the pipes read on blocking threads
/// and the exit polled: the workspace's tokio is built without its `process` feature.
async fn run(program: &Path, args: &[&str]) -> std::io::Result<Output> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let mut child = KillOnDrop(child);
    let stdout = tokio::task::spawn_blocking(move || read_bounded(stdout));
    let stderr = tokio::task::spawn_blocking(move || read_bounded(stderr));
    let status = loop {
        match child.0.try_wait()? {
            Some(status) => break status,
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    // A daemon the program left behind may hold the pipes open: do not wait for it.
    let grace = Duration::from_secs(2);
    let stdout = tokio::time::timeout(grace, stdout)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let stderr = tokio::time::timeout(grace, stderr)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Reads a pipe to its end, keeping the last 64 KiB.
fn read_bounded(pipe: Option<impl Read>) -> Vec<u8> {
    const KEEP: usize = 64 * 1024;
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else { return kept };
    let mut chunk = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut chunk) {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&chunk[..n]);
        if kept.len() > 2 * KEEP {
            kept.drain(..kept.len() - KEEP);
        }
    }
    kept
}

/// The output trimmed, keeping its last [`MAX_OUTPUT`] bytes (where programs put the error).
fn tail(output: &str) -> String {
    let output = output.trim();
    if output.len() <= MAX_OUTPUT {
        return output.to_string();
    }
    let mut start = output.len() - MAX_OUTPUT;
    while !output.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &output[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_is_bounded_and_char_safe() {
        assert_eq!(tail("  boom \n"), "boom");
        let long = "é".repeat(MAX_OUTPUT);
        let t = tail(&long);
        assert!(
            t.starts_with("...") && t.len() <= MAX_OUTPUT + 3,
            "{}",
            t.len()
        );
    }
}
