//! "Did you mean …?" over the provider's small fixed vocabularies (template fields and
//! functions, constraint functions, provider labels).
//!
//! The shared [`did_you_mean`] allows one edit for short words; here a swap of two adjacent
//! letters (`Nmae`, `Lable`) counts as one edit too, and two edits are allowed, because the
//! candidate lists are tiny and a wrong guess is cheap.

use waygate_config::suggest::did_you_mean;

/// The closest candidate within two edits (adjacent swaps counting as one).
pub(crate) fn suggest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    did_you_mean(input, candidates.clone()).or_else(|| {
        let needle = input.to_ascii_lowercase();
        candidates
            .into_iter()
            .map(|c| (strsim::osa_distance(&needle, &c.to_ascii_lowercase()), c))
            .filter(|&(d, _)| d <= 2 && d < needle.len())
            .min_by_key(|&(d, _)| d)
            .map(|(_, c)| c)
    })
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn swaps_count_as_one_edit() {
        assert_eq!(suggest("Nmae", ["Name", "Labels"]), Some("Name"));
        assert_eq!(suggest("Lable", ["Label", "LabelRegex"]), Some("Label"));
        assert_eq!(suggest("xyz", ["Label"]), None);
    }
}
