//! Which of the binary's pages this process holds, read from `/proc/self/maps` and
//! `/proc/self/pagemap`: the read-only mappings of the executable, and in them the runs of
//! pages that are mapped and still the file's own (not a private copy), which can be dropped
//! from the process and faulted back in unchanged from the page cache.
//!
//! The pages a relocation wrote (RELRO: the `r--p` mapping after the code) are private
//! copies and never part of a run: dropping them would lose the relocations.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// `/proc/self/pagemap`: the page is mapped.
const PRESENT: u64 = 1 << 63;
/// `/proc/self/pagemap`: the page is a file page (or shared anonymous memory), not a
/// private copy.
const FILE_PAGE: u64 = 1 << 61;

/// The `[start, end)` address ranges of the file pages of `exe` this process has mapped, in
/// its read-only private mappings. `None` when the process's maps cannot be read.
pub(super) fn resident_file_runs(page: usize) -> Option<Vec<(usize, usize)>> {
    let exe = std::fs::read_link("/proc/self/exe").ok()?;
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let pagemap = File::open("/proc/self/pagemap").ok()?;
    let mut runs = Vec::new();
    let mut buf = Vec::new();
    for (start, end) in binary_ranges(&maps, exe.to_str()?) {
        let pages = (end - start) / page;
        buf.resize(pages * 8, 0);
        pagemap
            .read_exact_at(&mut buf, (start / page * 8) as u64)
            .ok()?;
        let entries = buf
            .chunks_exact(8)
            .map(|b| u64::from_ne_bytes(b.try_into().unwrap_or_default()));
        runs.extend(file_runs(start, page, entries));
    }
    Some(runs)
}

/// The `[start, end)` address ranges of `exe`'s read-only (`r--`/`r-x`) private mappings in
/// a `/proc/self/maps` text.
fn binary_ranges<'a>(maps: &'a str, exe: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    maps.lines().filter_map(move |line| {
        let mut f = line.split_ascii_whitespace();
        let (range, perms) = (f.next()?, f.next()?);
        let path = f.nth(3)?;
        if path != exe || perms.as_bytes().get(1) != Some(&b'-') {
            return None;
        }
        let (a, b) = range.split_once('-')?;
        Some((
            usize::from_str_radix(a, 16).ok()?,
            usize::from_str_radix(b, 16).ok()?,
        ))
    })
}

/// The runs of mapped file pages among the pagemap `entries` of the pages from `start` on.
fn file_runs(start: usize, page: usize, entries: impl Iterator<Item = u64>) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, e) in entries.enumerate() {
        if e & PRESENT == 0 || e & FILE_PAGE == 0 {
            continue;
        }
        let at = start + i * page;
        match runs.last_mut() {
            Some((_, end)) if *end == at => *end = at + page,
            _ => runs.push((at, at + page)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::{FILE_PAGE, PRESENT, binary_ranges, file_runs};

    #[test]
    fn only_the_binarys_read_only_mappings() {
        let maps = "\
5555d59b3000-5555d5d40000 r--p 00000000 fe:00 10010702                   /usr/bin/waygate
5555d5d41000-5555d6b56000 r-xp 0038d000 fe:00 10010702                   /usr/bin/waygate
5555d6bbf000-5555d6c26000 rw-p 011a1000 fe:00 10010702                   /usr/bin/waygate
5555f0a08000-5555f0a4a000 rw-p 00000000 00:00 0                          [heap]
7f5864c7a000-7f5864dd0000 r-xp 00026000 fe:00 326279                     /usr/lib/x86_64-linux-gnu/libc.so.6
";
        let got: Vec<_> = binary_ranges(maps, "/usr/bin/waygate").collect();
        assert_eq!(
            got,
            vec![
                (0x5555d59b3000, 0x5555d5d40000),
                (0x5555d5d41000, 0x5555d6b56000)
            ]
        );
    }

    #[test]
    fn runs_of_mapped_file_pages_only() {
        let file = PRESENT | FILE_PAGE;
        // Mapped file pages at 0, 1, 3 and 5; a private copy (relocated) at 4; 2 unmapped.
        let entries = [file, file, 0, file, PRESENT, file, FILE_PAGE];
        let got = file_runs(0x1000, 0x1000, entries.into_iter());
        assert_eq!(
            got,
            vec![(0x1000, 0x3000), (0x4000, 0x5000), (0x6000, 0x7000)]
        );
    }
}
