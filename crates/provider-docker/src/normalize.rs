//! Traefik's `normalize`: the name sanitiser used for default service names and in templates.

/// Joins the runs of letters and digits with `-`: every run of other characters becomes one
/// `-`, and leading or trailing ones disappear (Go's `strings.FieldsFunc` + `Join`, as in
/// Traefik): `web_shop` → `web-shop`, `/my_app.1` → `my-app-1`.
pub fn normalize(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn runs_of_separators_become_one_dash() {
        assert_eq!(normalize("web_shop"), "web-shop");
        assert_eq!(normalize("/my_app.1"), "my-app-1");
        assert_eq!(normalize("a__..b"), "a-b");
        assert_eq!(normalize("plain"), "plain");
        assert_eq!(normalize("-x-"), "x");
    }
}
