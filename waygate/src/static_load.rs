//! Finding and loading the static configuration (reference §2.1, §2.2): `--configFile` (an
//! error if it does not exist), else the search list, else flags, else environment.

use std::path::Path;

use waygate_config::load::{StaticInputs, StaticLoad, load_static, search_paths};

use crate::args::Args;

/// Loads the static configuration; `Err` when the named file cannot be read.
pub(crate) fn load(args: &Args) -> Result<StaticLoad, String> {
    let file = match &args.config_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some((path.clone(), text)),
            Err(e) => return Err(format!("configuration file {path}: {e}")),
        },
        None => {
            let home = std::env::var("HOME").ok();
            let xdg = std::env::var("XDG_CONFIG_HOME").ok();
            search_paths(home.as_deref(), xdg.as_deref())
                .into_iter()
                .find(|p| Path::new(p).is_file())
                .and_then(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        }
    };
    let inputs = StaticInputs {
        file,
        flags: args.flags.clone(),
        env: std::env::vars().collect(),
    };
    Ok(load_static(&inputs))
}
