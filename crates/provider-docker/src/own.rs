//! Best effort: the id of the container the gateway itself runs in, so that its networks can
//! break ties when a backend container is on several networks.
//!
//! Docker puts the container id in `/proc/self/cgroup` (cgroup v1: `…/docker/<id>`) or, with
//! cgroup v2, in `/proc/self/mountinfo` (`…/containers/<id>/hostname`); the default hostname
//! is the id's first 12 characters. Any of them is returned as a prefix to match ids.

/// Candidate id prefixes of our own container (possibly empty when not in a container).
pub(crate) fn own_id_candidates() -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(text) = std::fs::read_to_string("/proc/self/cgroup") {
        out.extend(ids_in(&text));
    }
    if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
        // Only the per-container files (hostname, resolv.conf): overlay layer ids are also
        // 64 hex digits.
        let lines = text.lines().filter(|l| l.contains("/containers/"));
        out.extend(lines.flat_map(ids_in));
    }
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if host.len() >= 12 && host.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push(host.to_string());
        }
    }
    out.dedup();
    out
}

/// 64-hex-digit words in `text`.
fn ids_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 64)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ids_in;

    #[test]
    fn finds_ids_in_cgroup_and_mountinfo() {
        let id = "a".repeat(64);
        let cgroup = format!("12:memory:/docker/{id}\n0::/\n");
        assert_eq!(ids_in(&cgroup), std::slice::from_ref(&id));
        let mountinfo =
            format!("123 45 0:1 /var/lib/docker/containers/{id}/hostname /etc/hostname rw");
        assert_eq!(ids_in(&mountinfo), [id]);
        assert!(ids_in("0::/user.slice/session-1.scope").is_empty());
    }
}
