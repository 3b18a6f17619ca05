//! Traefik's `normalize`: the name sanitiser used for default service names and in templates
//! (defined with the template functions, in `waygate-template`).

pub use waygate_template::normalize;
