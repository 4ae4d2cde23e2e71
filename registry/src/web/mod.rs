//! The registry's pages for people: the catalog with search and filters,
//! each server, each version (everything that was verified about it, its
//! tools with their scan findings, the tool surface against the previous
//! version, its runtime profile in every format) and the log. Server-side
//! HTML that works without JavaScript; `copy.js` only adds copy buttons.
//!
//! Every publisher string is hostile: templates escape by default, and
//! free text goes through [`text::Text`], which also shows the characters a
//! reader cannot see. Every page is served with a Content-Security-Policy
//! that allows no inline script or style and nothing from another origin.

pub mod index;
pub mod text;
mod views;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;
use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use index::Filter;
use text::Text;

/// The Content-Security-Policy of every page: same-origin script, style
/// and images only, no inline code, no plugins, no framing, no base URL.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; \
require-trusted-types-for 'script'; trusted-types 'none'";

/// Servers per catalog page.
pub const PAGE_SIZE: usize = 50;

/// Longest search accepted, in bytes (as the list API).
const MAX_SEARCH_LEN: usize = 200;

/// A page, or the page that says why not.
type PageResult = Result<Response, PageError>;

/// A refusal shown as a page: status, title and message.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl PageError {
    fn bad_request(message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::BAD_REQUEST,
            title: "Bad request",
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            message: message.into(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        // Logged in full by the conversion; the page says only what to do.
        let api = ApiError::from(e);
        PageError {
            status: api.status,
            title: "Unavailable",
            message: "The registry cannot read its records right now; try again in a moment."
                .into(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = ErrorPage {
            title: self.title,
            message: &self.message,
        }
        .render()
        .unwrap_or_else(|_| self.message.clone());
        html(self.status, body)
    }
}

/// An HTML response with the pages' security headers.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    security_headers(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
}

/// Most bytes of one page. Every part of a page is bounded by what it
/// shows, but a version's manifest (up to 1 MiB) is shown several ways
/// (tools, six profiles, the manifest); past this the page sends readers
/// to the API instead of holding a huge body per slow client.
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

fn render(page: &impl Template) -> PageResult {
    render_or(page, "/openapi.json")
}

/// Renders `page`, or, past [`MAX_PAGE_BYTES`], a short page pointing to
/// `api_href`, where the same data is served as JSON.
fn render_or(page: &impl Template, api_href: &str) -> PageResult {
    let body = page.render().map_err(|e| {
        tracing::error!(error = %e, "cannot render a page");
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal error",
            message: "The page could not be made; the error is in the registry's log.".into(),
        }
    })?;
    if body.len() > MAX_PAGE_BYTES {
        tracing::warn!(
            bytes = body.len(),
            "a page is too large to serve; the API is named instead"
        );
        let body = ErrorPage {
            title: "Too large to show",
            message: &format!(
                "This page would be {} MiB, more than the {} MiB a page may be. Read it from the API: {api_href}",
                body.len() / (1024 * 1024),
                MAX_PAGE_BYTES / (1024 * 1024)
            ),
        }
        .render()
        .unwrap_or_default();
        return Ok(html(StatusCode::OK, body));
    }
    Ok(html(StatusCode::OK, body))
}

fn bad_query(e: QueryRejection) -> PageError {
    PageError::bad_request(format!(
        "The query string cannot be read: {}",
        e.body_text()
    ))
}

fn bad_path(e: PathRejection) -> PageError {
    PageError::bad_request(format!("The address cannot be read: {}", e.body_text()))
}

/// `GET /static/site.css`
pub async fn stylesheet() -> Response {
    asset(
        include_str!("../../static/site.css"),
        "text/css; charset=utf-8",
    )
}

/// `GET /static/copy.js`
pub async fn script() -> Response {
    asset(
        include_str!("../../static/copy.js"),
        "text/javascript; charset=utf-8",
    )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    security_headers(headers);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// One filter checkbox.
struct FilterView {
    value: &'static str,
    label: &'static str,
    count: usize,
    checked: bool,
}

/// One row of the catalog table.
struct RowView {
    href: String,
    name: Text,
    version: Text,
    status: Option<&'static str>,
    versions: usize,
    badges: Vec<(&'static str, &'static str)>,
    unverified: Option<(Text, Text)>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    title: String,
    q: String,
    filters: Vec<FilterView>,
    rows: Vec<RowView>,
    count_text: String,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /?q=&filter=&page=`: the catalog, searched by name and filtered.
pub async fn catalog(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> PageResult {
    let Query(pairs) = query.map_err(bad_query)?;
    let mut q = String::new();
    let mut filters: Vec<Filter> = Vec::new();
    let mut page = 1usize;
    for (key, value) in &pairs {
        match key.as_str() {
            "q" => {
                if value.len() > MAX_SEARCH_LEN {
                    return Err(PageError::bad_request(format!(
                        "The search is longer than {MAX_SEARCH_LEN} bytes; search for part of a server name."
                    )));
                }
                q = value
                    .chars()
                    // No server name holds one: they could only hide text.
                    .filter(|c| !c.is_control() && !mcp_trust::tools::scan::chars::is_hidden(*c))
                    .collect::<String>()
                    .trim()
                    .to_owned();
            }
            "filter" => {
                let filter = Filter::parse(value).ok_or_else(|| {
                    PageError::bad_request(format!(
                        "There is no filter `{}`; the filters are: {}.",
                        mcp_trust::tools::scan::excerpt(value, 40),
                        Filter::ALL.map(Filter::value).join(", ")
                    ))
                })?;
                if !filters.contains(&filter) {
                    filters.push(filter);
                }
            }
            "page" => {
                page = value.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    PageError::bad_request("`page` must be a whole number from 1.")
                })?;
            }
            _ => {}
        }
    }
    filters.sort();
    let index = state.web.get(&state.catalog, &state.store).await?;
    let matching = index.search(&q, &filters);
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    if page > pages {
        return Err(PageError::not_found(format!(
            "There is no page {page}: the search has {pages} page(s)."
        )));
    }
    let rows = matching
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|r| RowView {
            href: text::server_href(&r.name),
            name: Text::of(r.name.as_str()),
            version: Text::of(r.version.as_str()),
            status: r.status.map(|s| s.as_str()),
            versions: r.versions,
            badges: r.badges(),
            unverified: r
                .unverified
                .as_ref()
                .map(|(source, code)| (Text::of(source.as_str()), Text::of(code.as_str()))),
        })
        .collect();
    let link = |p: usize| {
        let mut href = format!("/?q={}", text::encode(&q));
        for f in &filters {
            href.push_str("&filter=");
            href.push_str(f.value());
        }
        if p > 1 {
            href.push_str(&format!("&page={p}"));
        }
        href
    };
    let total = matching.len();
    let count_text = match (total, q.is_empty() && filters.is_empty()) {
        (1, true) => "1 server in the catalog.".to_owned(),
        (n, true) => format!("{n} servers in the catalog."),
        (1, false) => "1 server matches.".to_owned(),
        (n, false) => format!("{n} servers match."),
    };
    render(&CatalogPage {
        title: if q.is_empty() {
            "Servers".into()
        } else {
            format!(
                "Servers matching “{}”",
                mcp_trust::tools::scan::excerpt(&q, 60)
            )
        },
        filters: Filter::ALL
            .into_iter()
            .enumerate()
            .map(|(i, f)| FilterView {
                value: f.value(),
                label: f.label(),
                count: index.counts[i],
                checked: filters.contains(&f),
            })
            .collect(),
        rows,
        count_text,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        q,
    })
}

/// `GET /servers/{name}`: every version with its status history, and the
/// upstream versions that were not verified.
pub async fn server(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> PageResult {
    let Path(name) = path.map_err(bad_path)?;
    let page = views::server_page(&state, &name).await?;
    render(&page)
}

/// `GET /servers/{name}/{version}`: everything verified about one version.
pub async fn version(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> PageResult {
    let Path((name, version)) = path.map_err(bad_path)?;
    let api = text::api_version_href(&name, &version);
    match views::version_page(&state, &name, &version).await? {
        views::VersionOrUnverified::Verified(page) => render_or(&*page, &api),
        views::VersionOrUnverified::Unverified(page) => render(&page),
    }
}

/// `GET /log`: the latest checkpoint, its cosignatures, how to verify.
pub async fn log(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    render(&views::log_page(&state, &headers))
}
