//! Dynamic files as Go templates, end to end: routers and services generated with `range`,
//! a branch on an environment variable, sprig functions; a file whose template breaks keeps
//! serving its last good routes.

use std::time::Duration;

use crate::support::{Gw, LOCAL_EP, backend, client, eventually, get};

/// Two backends from a `dict`, a router per name and per extra host, and the `/stage`
/// route sent to `a` in production only.
const TEMPLATE: &str = r#"
{{- $backends := dict "a" "@A@" "b" "@B@" }}
http:
  routers:
{{- range $name, $url := $backends }}
    {{ $name }}:
      rule: Host(`{{ $name }}.{{ env "WG_DOMAIN" | default "local.test" }}`)
      service: {{ $name }}
{{- end }}
{{- range $i, $host := splitList "," (env "WG_EXTRA_HOSTS") }}
    extra-{{ $i }}:
      rule: Host(`{{ $host | trim | lower }}`)
      service: b
{{- end }}
    stage:
      rule: Path(`/stage`)
{{- if eq (env "WG_STAGE") "prod" }}
      service: a
{{- else }}
      service: b
{{- end }}
  services:
{{- range $name, $url := $backends }}
    {{ $name }}:
      loadBalancer:
        servers:
          - url: {{ $url | quote }}
{{- end }}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_templated_file_serves_the_routes_it_generates() {
    let a = backend("a").await;
    let b = backend("b").await;
    let dynamic = TEMPLATE.replace("@A@", &a.url()).replace("@B@", &b.url());
    let env = [
        ("WG_DOMAIN", "example.org"),
        ("WG_EXTRA_HOSTS", "One.test, two.test"),
        ("WG_STAGE", "prod"),
    ];
    let gw = Gw::start_in_dir_env(Gw::dir(), LOCAL_EP, &dynamic, &env);
    let c = client();
    let url = gw.url("web");
    let who = |r: &crate::support::Resp| {
        r.headers
            .get("x-whoami-name")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    for (host, path, want) in [
        ("a.example.org", "/", "a"),
        ("b.example.org", "/", "b"),
        ("one.test", "/", "b"),
        ("two.test", "/", "b"),
        ("anything", "/stage", "a"),
    ] {
        let r = get(&c, &format!("{url}{path}"), host).await;
        assert_eq!(who(&r).as_deref(), Some(want), "{host}{path}: {r:?}");
    }
    let r = get(&c, &format!("{url}/"), "a.local.test").await;
    assert_eq!(
        r.status, 404,
        "the default domain is not used when WG_DOMAIN is set"
    );

    // A broken template: an error with its position, and the last good routes keep serving.
    gw.write_dynamic(&format!("{dynamic}{{{{ if }}}}\n"));
    eventually(Duration::from_secs(5), "template error logged", || async {
        gw.logs().contains("template: missing value for if")
    })
    .await;
    let r = get(&c, &format!("{url}/"), "b.example.org").await;
    assert_eq!(who(&r).as_deref(), Some("b"), "{r:?}");
}
