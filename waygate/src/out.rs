//! Standard output for the CLI commands. `println!` panics when the reader has gone
//! (`waygate check | head`): here a closed pipe only stops the printing, and the command
//! still ends with its own exit status (the verdict of `check`).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output, unless a write already found the pipe closed.
pub(crate) fn print(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            eprintln!("waygate: cannot write to standard output: {e}");
        }
    }
}

/// [`print`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;
