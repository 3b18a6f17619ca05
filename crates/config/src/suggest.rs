//! "Did you mean …?" suggestions by edit distance.

/// The candidate closest to `input` (case-insensitive Levenshtein), if it is close enough to
/// be a plausible typo: at most a third of the input's length, and at least 1, at most 3 edits.
pub fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let needle = input.to_ascii_lowercase();
    let limit = (needle.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&needle, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names() {
        let fields = ["accessLog", "api", "entryPoints", "log"];
        assert_eq!(did_you_mean("accessLogs", fields), Some("accessLog"));
        assert_eq!(did_you_mean("entrypoint", fields), Some("entryPoints"));
        assert_eq!(did_you_mean("ENTRYPOINTS", fields), Some("entryPoints"));
        assert_eq!(did_you_mean("metrics", fields), None);
        assert_eq!(did_you_mean("x", ["api"]), None);
    }
}
