//! Sessions: a request's cookies and its redirects, both off unless asked
//! for, so that a client without them sends its built bytes as they are.
//!
//! A request of a client with a cookie jar goes out with the jar's cookies
//! for its path, and its response's `Set-Cookie` headers go into the jar;
//! a request allowed redirects follows them, on the same origin, one
//! exchange each. Both rebuild the request's bytes (`message.rs`), once
//! per exchange. The hops' loop is `Client::exchange_session`; this is the
//! jar and the reading of a redirect.

#[cfg(feature = "cookies")]
use std::sync::Mutex;

use ::url::Url;
#[cfg(feature = "cookies")]
use cookie_store::{CookieStore, RawCookie};

use crate::error::{Error, ErrorKind};
use crate::response::Response;

/// The most cookies a jar holds; a new one beyond it is ignored.
#[cfg(feature = "cookies")]
pub const MAX_COOKIES: usize = 64;

/// The longest `Set-Cookie` value a jar accepts, name and attributes
/// included: 4 KiB, what RFC 6265 asks a user agent to support at least.
#[cfg(feature = "cookies")]
pub const MAX_COOKIE_LEN: usize = 4096;

/// A client's cookie jar: what its clones share (see
/// [`ClientBuilder::cookies`](crate::ClientBuilder::cookies)).
#[cfg(feature = "cookies")]
#[derive(Default)]
pub(crate) struct Jar {
    store: Mutex<CookieStore>,
}

#[cfg(feature = "cookies")]
impl Jar {
    /// The `Cookie` header's value for a request to `url`, if the jar has
    /// cookies for it.
    pub(crate) fn header(&self, url: &Url) -> Option<String> {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let mut value = String::new();
        for (name, v) in store.get_request_values(url) {
            if !value.is_empty() {
                value.push_str("; ");
            }
            value.push_str(name);
            value.push('=');
            value.push_str(v);
        }
        (!value.is_empty()).then_some(value)
    }

    /// Keeps the cookies `response` sets, received from `url`, within
    /// [`MAX_COOKIES`] and [`MAX_COOKIE_LEN`]; ones that do not parse, or
    /// that RFC 6265 says to ignore (for another domain, say), are ignored.
    pub(crate) fn store(&self, response: &Response, url: &Url) {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        for (name, value) in response.headers() {
            if !name.eq_ignore_ascii_case("set-cookie") || value.len() > MAX_COOKIE_LEN {
                continue;
            }
            let Ok(cookie) = std::str::from_utf8(value).map(RawCookie::parse) else {
                continue;
            };
            let Ok(cookie) = cookie else { continue };
            let known = store.iter_any().any(|c| c.name() == cookie.name());
            if known || store.iter_any().count() < MAX_COOKIES {
                let _ = store.insert_raw(&cookie, url);
            }
        }
    }

    /// The value of the cookie named `name` the jar would send to `url`.
    pub(crate) fn get(&self, name: &str, url: &Url) -> Option<String> {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        store
            .get_request_values(url)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Empties the jar.
    pub(crate) fn clear(&self) {
        self.store.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Where `response`, to a request for `url`, redirects: `None` if it does
/// not (not a 301, 302, 303, 307 or 308, or no `Location` to follow, as
/// curl and reqwest treat it), the path and query on the same origin, or
/// an error for a redirect to another origin, which the client, bound to
/// one target, cannot follow.
pub(crate) fn redirect(response: &Response, url: &Url) -> Option<Result<String, Error>> {
    if !matches!(response.status(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let next = url.join(response.header("location")?).ok()?;
    if next.origin() != url.origin() {
        return Some(Err(Error::new(
            ErrorKind::Redirect,
            "redirect: to another origin (not followed)",
        )));
    }
    let mut target = next.path().to_owned();
    if let Some(query) = next.query() {
        target.push('?');
        target.push_str(query);
    }
    Some(Ok(target))
}
