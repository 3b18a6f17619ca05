//! A new read of a file shares the HTTP routers, services and middlewares that did not change
//! with the file's last good version: the item decoded again is dropped here, on the reading
//! thread, and the last good one (the same `Arc`) goes on.
//!
//! Every read decodes every item afresh, so without this each reload of 10,000 routers made
//! 20,000 new items: the aggregator compared each with its previous definition, value by
//! value, then freed all the previous ones on its own thread while the new table compiled,
//! and the heap was left fragmented by the churn. Shared, an unchanged item is recognised by
//! its pointer downstream (qualification, validation, the runtime table's reuse).

use std::collections::BTreeMap;
use std::sync::Arc;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::sorted::seek;

/// Replaces each HTTP item of `new` that equals the item of the same name in `old` by
/// `old`'s.
pub(super) fn unchanged(new: &mut DynamicConfig, old: &DynamicConfig) {
    let (Some(new), Some(old)) = (new.http.as_mut(), old.http.as_ref()) else {
        return;
    };
    items(&mut new.routers, &old.routers);
    items(&mut new.services, &old.services);
    items(&mut new.middlewares, &old.middlewares);
}

/// Both maps are sorted by name: `old` is walked beside `new`, not searched.
///
/// The map is built anew, its names copied while the decoded map still holds its pages:
/// then the decoded map, its names and the duplicate items are freed together and leave
/// whole pages free for the trim after the reload. Kept in place, the decoded names stayed
/// scattered among the freed duplicates, and each reload left megabytes of partly used
/// pages (10,000 routers, five reloads: 12 MiB more anonymous memory than heap in use).
fn items<T: PartialEq>(new: &mut BTreeMap<String, Arc<T>>, old: &BTreeMap<String, Arc<T>>) {
    let mut old = old.iter().peekable();
    let rebuilt = new
        .iter()
        .map(|(name, item)| {
            let item = match seek(&mut old, name) {
                Some(before) if Arc::ptr_eq(before, item) || before == item => before,
                _ => item,
            };
            (name.clone(), item.clone())
        })
        .collect();
    *new = rebuilt;
}

#[cfg(test)]
mod tests {
    use waygate_config::dynamic::{HttpConfig, Router};

    use super::*;

    fn config(routers: &[(&str, &str)]) -> DynamicConfig {
        let routers = routers
            .iter()
            .map(|(name, rule)| {
                let r = Router {
                    rule: (*rule).to_string(),
                    service: "s".to_string(),
                    ..Router::default()
                };
                ((*name).to_string(), Arc::new(r))
            })
            .collect();
        DynamicConfig {
            http: Some(HttpConfig {
                routers,
                ..HttpConfig::default()
            }),
            ..DynamicConfig::default()
        }
    }

    #[test]
    fn equal_items_are_the_old_ones_changed_and_new_ones_are_not() {
        let old = config(&[("a", "Host(`a`)"), ("b", "Host(`b`)"), ("d", "Host(`d`)")]);
        let mut new = config(&[("b", "Host(`b`)"), ("c", "Host(`c`)"), ("d", "Host(`x`)")]);
        unchanged(&mut new, &old);
        let old = &old.http.expect("http").routers;
        let new = &new.http.expect("http").routers;
        assert!(Arc::ptr_eq(&old["b"], &new["b"]));
        assert!(!Arc::ptr_eq(&old["d"], &new["d"]));
        assert_eq!(new["d"].rule, "Host(`x`)");
        assert_eq!(new["c"].rule, "Host(`c`)");
        assert_eq!(new.len(), 3);
    }
}
