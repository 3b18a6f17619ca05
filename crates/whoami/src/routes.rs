//! One module per endpoint family; `service` picks among them by path.

pub(crate) mod data;
pub(crate) mod health;
pub(crate) mod stream;
pub(crate) mod whoami;
pub(crate) mod ws;
