//! Fuzzes the flat-key decoder: arbitrary `key=value` lines as Docker labels, CLI flags,
//! environment variables and KV pairs, decoded into the dynamic and static models.
//! Also feeds the same text to the YAML and TOML readers. Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use waygate_config::flat::{encode, env_to_node, flags_to_node, kv_to_node, labels_to_node};
use waygate_config::format::{parse_toml, parse_yaml};
use waygate_config::load::{StaticInputs, decode_dynamic, load_static};
use waygate_config::static_config::TOP_LEVEL;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pairs: Vec<(&str, &str)> = text
        .lines()
        .map(|l| l.split_once('=').unwrap_or((l, "true")))
        .collect();

    let (labels, _) = labels_to_node(pairs.iter().map(|(k, v)| (*k, *v)));
    let load = decode_dynamic(&labels, "fuzz", "docker");
    let _ = encode(&waygate_config::flat::to_node(&load.config));

    let (kv, _) = kv_to_node(pairs.iter().map(|(k, v)| (*k, *v)), "traefik");
    let _ = decode_dynamic(&kv, "fuzz", "etcd");

    let (env, _) = env_to_node(pairs.iter().map(|(k, v)| (*k, *v)), TOP_LEVEL);
    let _ = waygate_config::decode::<waygate_config::static_config::StaticConfig>(&env, "", "env");

    let (flags, _) = flags_to_node(pairs.iter().map(|(k, v)| (k.trim_start_matches('-'), *v)));
    let _ = decode_dynamic(&flags, "fuzz", "file");
    let inputs = StaticInputs {
        flags: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..StaticInputs::default()
    };
    let _ = load_static(&inputs);

    if let Ok(node) = parse_yaml(text) {
        let _ = decode_dynamic(&node, "fuzz.yml", "file");
    }
    if let Ok(node) = parse_toml(text) {
        let _ = decode_dynamic(&node, "fuzz.toml", "file");
    }
});
