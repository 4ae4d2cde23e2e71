//! Every route of the registry, in one place. The table is also what
//! `/openapi.json` is checked against, so a route cannot go undocumented.

use crate::error::ApiError;
use crate::handlers::{admin, audit, catalog, ops, publish, servers, status};
use crate::observe::Observe;
use crate::state::AppState;
use crate::web;
use axum::Router;
use axum::routing::{MethodRouter, get, post};

/// A route: HTTP method and path template.
pub type Route = (&'static str, &'static str);

fn table() -> Vec<(Route, MethodRouter<AppState>)> {
    vec![
        // The official read API.
        (("GET", "/v0.1/servers"), get(servers::list)),
        (
            ("GET", "/v0.1/servers/{name}/versions"),
            get(servers::versions),
        ),
        (
            ("GET", "/v0.1/servers/{name}/versions/{version}"),
            get(servers::version),
        ),
        // The signed catalog and the transparency log.
        (("GET", "/v0.1/catalog"), get(catalog::index)),
        (("GET", "/v0.1/catalog/keys"), get(catalog::keys)),
        (
            ("GET", "/v0.1/catalog/shards/{sha256}"),
            get(catalog::shard),
        ),
        (("GET", "/v0.1/log/checkpoint"), get(catalog::checkpoint)),
        (("GET", "/v0.1/log/entries"), get(catalog::entries)),
        (
            ("GET", "/v0.1/log/proof/consistency"),
            get(catalog::consistency),
        ),
        (
            ("GET", "/v0.1/log/proof/inclusion"),
            get(catalog::inclusion),
        ),
        // Publishing and lifecycle.
        (("POST", "/v0.1/publish"), post(publish::publish)),
        (
            ("POST", "/v0.1/servers/{name}/versions/{version}/yank"),
            post(status::yank),
        ),
        (
            ("POST", "/v0.1/servers/{name}/versions/{version}/unyank"),
            post(status::unyank),
        ),
        (
            ("POST", "/v0.1/servers/{name}/versions/{version}/revoke"),
            post(status::revoke),
        ),
        // Administration.
        (("GET", "/v0.1/audit"), get(audit::list)),
        (
            ("GET", "/v0.1/admin/namespaces"),
            get(admin::list_namespaces),
        ),
        (
            ("POST", "/v0.1/admin/namespaces"),
            post(admin::create_namespace),
        ),
        (("GET", "/v0.1/admin/mirrored"), get(admin::list_mirrored)),
        (("POST", "/v0.1/admin/tokens"), post(admin::create_token)),
        (
            ("POST", "/v0.1/admin/tokens/{id}/revoke"),
            post(admin::revoke_token),
        ),
        // Pages for people (HTML).
        (("GET", "/"), get(web::catalog)),
        (("GET", "/servers/{name}"), get(web::server)),
        (("GET", "/servers/{name}/{version}"), get(web::version)),
        (("GET", "/log"), get(web::log)),
        (("GET", "/static/site.css"), get(web::stylesheet)),
        (("GET", "/static/copy.js"), get(web::script)),
        // Operations.
        (("GET", "/healthz"), get(ops::healthz)),
        (("GET", "/readyz"), get(ops::readyz)),
        (("GET", "/metrics"), get(ops::metrics)),
        (("GET", "/openapi.json"), get(ops::openapi)),
        (("GET", "/openapi.yaml"), get(ops::openapi_yaml)),
    ]
}

/// Every route the router serves.
pub fn routes() -> Vec<Route> {
    table().into_iter().map(|(r, _)| r).collect()
}

/// The application as the server runs it: the router inside the middleware.
pub type App = Observe<Router>;

/// The application: every route, a problem+json 404, and the middleware
/// around them all.
pub fn router(state: AppState) -> App {
    let mut router = Router::new();
    for ((_, path), handler) in table() {
        router = router.route(path, handler);
    }
    let router = router
        .fallback(|| async { ApiError::not_found("no such route; see /openapi.json") })
        .with_state(state.clone());
    Observe::new(router, state, &routes())
}
