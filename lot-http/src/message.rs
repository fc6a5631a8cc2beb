//! A built request as a connection sends it, and the two ways a session
//! rewrites one: with the cookies of its jar, and as the next hop of a
//! redirect.

use std::sync::Arc;

/// A built request as a connection sends it: its wire bytes, and what
/// reading its response (and retrying it) depends on. A `Request` is this
/// with its client.
#[derive(Clone, Debug)]
pub(crate) struct Message {
    /// Request line, header lines, the empty line, then the body.
    pub(crate) wire: Arc<[u8]>,
    /// Where the header lines start in `wire`: the request line's length.
    pub(crate) line_len: usize,
    /// Where the body starts in `wire`: after the empty line.
    pub(crate) head_len: usize,
    pub(crate) head: bool,
    pub(crate) idempotent: bool,
    pub(crate) close: bool,
    /// The most response body bytes accepted.
    pub(crate) max_body: u64,
    /// Whether the response body is counted and dropped.
    pub(crate) discard: bool,
    /// The most redirects followed; 0 returns a redirect as it came.
    pub(crate) redirects: u8,
    /// The name its metrics are recorded under: given with
    /// [`RequestBuilder::name`](crate::RequestBuilder::name), or its method
    /// and path without the query.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) name: Arc<str>,
}

/// `HTTP/1.1\r\n` after the request line's path.
const VERSION: &[u8] = b" HTTP/1.1\r\n";

impl Message {
    /// The method, as the request line has it.
    pub(crate) fn method(&self) -> &str {
        let line = &self.wire[..self.line_len];
        let end = line.iter().position(|&b| b == b' ').unwrap_or(0);
        // The builder checked the method is a token: ASCII.
        std::str::from_utf8(&line[..end]).unwrap_or_default()
    }

    /// The path and query, as the request line has it.
    pub(crate) fn target(&self) -> &str {
        let method = self.method().len();
        let line = &self.wire[method + 1..self.line_len - VERSION.len()];
        // The builder checked the path's characters: ASCII.
        std::str::from_utf8(line).unwrap_or_default()
    }

    /// The request with one more header line, `name: value`, after its
    /// own.
    #[cfg_attr(not(feature = "cookies"), allow(dead_code))]
    pub(crate) fn with_header(&self, name: &str, value: &str) -> Message {
        let end = self.head_len - 2;
        let mut wire = Vec::with_capacity(self.wire.len() + name.len() + value.len() + 4);
        wire.extend_from_slice(&self.wire[..end]);
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n\r\n"] {
            wire.extend_from_slice(part);
        }
        wire.extend_from_slice(&self.wire[self.head_len..]);
        Message {
            head_len: end + name.len() + value.len() + 6,
            wire: wire.into(),
            ..self.clone()
        }
    }

    /// The request a redirect with `status` to `target` (a path and query
    /// on the same origin) asks for: the same method, headers and body for
    /// 307 and 308; for 303, and for 301 and 302 after a `POST`, a `GET`
    /// without the body or the headers that describe it (as browsers,
    /// curl and reqwest do).
    pub(crate) fn redirected(&self, status: u16, target: &str) -> Message {
        let method = self.method();
        let to_get = (status == 303 && method != "HEAD")
            || (matches!(status, 301 | 302) && method == "POST");
        let method = if to_get { "GET" } else { method };
        let mut wire = Vec::with_capacity(self.wire.len() + target.len());
        for part in [method.as_bytes(), b" ", target.as_bytes(), VERSION] {
            wire.extend_from_slice(part);
        }
        let line_len = wire.len();
        for line in self.wire[self.line_len..self.head_len - 2].split_inclusive(|&b| b == b'\n') {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            let describes_body = [b"content-length".as_slice(), b"content-type"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n));
            if !(to_get && describes_body) {
                wire.extend_from_slice(line);
            }
        }
        wire.extend_from_slice(b"\r\n");
        let head_len = wire.len();
        if !to_get {
            wire.extend_from_slice(&self.wire[self.head_len..]);
        }
        Message {
            wire: wire.into(),
            line_len,
            head_len,
            head: method == "HEAD",
            idempotent: is_idempotent(method),
            ..self.clone()
        }
    }
}

/// Whether a request with `method` may be sent again without changing what
/// it does (RFC 9110 9.2.2): the ones the client retries once.
pub(crate) fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(wire: &str) -> Message {
        let line_len = wire.find("\r\n").unwrap() + 2;
        let head_len = wire.find("\r\n\r\n").unwrap() + 4;
        Message {
            wire: wire.as_bytes().into(),
            line_len,
            head_len,
            head: false,
            idempotent: false,
            close: false,
            max_body: 1,
            discard: false,
            redirects: 3,
            name: "n".into(),
        }
    }

    fn text(m: &Message) -> &str {
        std::str::from_utf8(&m.wire).unwrap()
    }

    const POST: &str = "POST /a?x=1 HTTP/1.1\r\nhost: h\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nhi";

    #[test]
    fn reads_its_request_line() {
        let m = message(POST);
        assert_eq!((m.method(), m.target()), ("POST", "/a?x=1"));
    }

    #[test]
    fn adds_a_header_after_its_own() {
        let m = message(POST).with_header("cookie", "a=1");
        assert_eq!(
            text(&m),
            "POST /a?x=1 HTTP/1.1\r\nhost: h\r\ncontent-type: text/plain\r\ncontent-length: 2\r\ncookie: a=1\r\n\r\nhi"
        );
        assert_eq!(&m.wire[m.head_len..], b"hi");
    }

    #[test]
    fn a_post_redirected_by_302_or_303_becomes_a_get_without_its_body() {
        for status in [301, 302, 303] {
            let m = message(POST).redirected(status, "/b");
            assert_eq!(text(&m), "GET /b HTTP/1.1\r\nhost: h\r\n\r\n");
            assert_eq!((m.method(), m.target(), m.idempotent), ("GET", "/b", true));
            assert_eq!(m.head_len, m.wire.len());
        }
    }

    #[test]
    fn a_post_redirected_by_307_or_308_keeps_its_method_and_body() {
        for status in [307, 308] {
            let m = message(POST).redirected(status, "/b");
            assert_eq!(
                text(&m),
                "POST /b HTTP/1.1\r\nhost: h\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nhi"
            );
            assert!(!m.idempotent);
        }
    }

    #[test]
    fn a_head_stays_a_head() {
        let m = message("HEAD / HTTP/1.1\r\nhost: h\r\n\r\n").redirected(303, "/c");
        assert_eq!(text(&m), "HEAD /c HTTP/1.1\r\nhost: h\r\n\r\n");
        assert!(m.head);
    }
}
