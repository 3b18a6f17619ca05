//! ACME certificate resolvers (`certificatesResolvers.<name>.acme`, reference §1.13, §9).
//!
//! Each resolver runs as one task ([`resolver`]) that behaves like a provider: it sends full
//! snapshots, named `<resolver>.acme`, whose `tls.certificates` are the certificates it holds,
//! so they reach the certificate store through the same merge → compile → swap path as file
//! certificates. It watches the merged configuration to learn which domains its routers need
//! ([`domains`]), restores its account and certificates from `acme.json` ([`storage`]),
//! orders what is missing or due for renewal ([`order`], [`renewal`]) with a per-domain
//! exponential backoff, and publishes challenges to the data plane
//! (`waygate_proxy::acme::AcmeChallenges`) or to DNS ([`dns`]).

pub mod account;
pub mod cert;
pub mod client;
pub mod dns;
pub mod domains;
pub mod keys;
pub mod order;
pub mod renewal;
pub mod resolver;
pub mod storage;

pub use self::resolver::spawn_all;
