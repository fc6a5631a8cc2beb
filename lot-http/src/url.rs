//! The base URL: `http[s]://host[:port][/path]`, resolved once.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpStream;

use crate::error::{Error, ErrorKind};

/// A parsed and resolved base URL.
#[derive(Debug)]
pub(crate) struct Base {
    /// Whether the scheme is `https`: the connections speak TLS.
    pub(crate) tls: bool,
    /// The host as the URL names it, without an IPv6 address's brackets:
    /// the name a TLS certificate is checked against.
    #[cfg(feature = "tls")]
    pub(crate) host: String,
    /// The `Host` header's value: the URL's authority as written.
    pub(crate) authority: String,
    /// The path every request's path is appended to, without a trailing `/`
    /// (empty for the root).
    pub(crate) path: String,
    /// Where to connect.
    pub(crate) addrs: Addrs,
}

/// The addresses a host resolved to, in the resolver's order, and which of
/// them accepted the last connection: it is tried first. A name such as
/// `localhost` often resolves to `::1` before `127.0.0.1`, and a target
/// listening on IPv4 alone would otherwise refuse the first attempt of
/// every connection.
#[derive(Debug)]
pub(crate) struct Addrs {
    list: Vec<SocketAddr>,
    /// The index in `list` of the address that accepted last.
    first: AtomicUsize,
}

impl Addrs {
    pub(crate) fn new(list: Vec<SocketAddr>) -> Addrs {
        Addrs {
            list,
            first: AtomicUsize::new(0),
        }
    }

    /// The TCP connection to the first address that accepts, the one that
    /// accepted last tried first and the others after it in the
    /// resolver's order: the first step of opening a connection (the TLS
    /// handshake, for `https`, is the second).
    pub(crate) async fn connect(&self) -> Result<TcpStream, Error> {
        // A hint shared by the client's clones, so relaxed: at worst a
        // connection tries the addresses in the resolver's order.
        let first = self.first.load(Ordering::Relaxed);
        let order = std::iter::once(first).chain((0..self.list.len()).filter(|&i| i != first));
        let mut last = None;
        for i in order {
            let Some(addr) = self.list.get(i) else {
                continue;
            };
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    if i != first {
                        self.first.store(i, Ordering::Relaxed);
                    }
                    return Ok(stream);
                }
                Err(e) => last = Some((addr, e)),
            }
        }
        let (addr, e) = last.expect("a resolved base URL has at least one address");
        Err(Error::io(
            ErrorKind::Connect,
            format!("connect to {addr}"),
            e,
        ))
    }

    #[cfg(test)]
    fn list(&self) -> &[SocketAddr] {
        &self.list
    }
}

const EXPECTED: &str = "expected http://host[:port][/path] or https://host[:port][/path]";

pub(crate) fn parse(url: &str) -> Result<Base, Error> {
    let invalid = |why: &str| {
        Error::new(
            ErrorKind::Url,
            format!("invalid base URL `{}`: {why}", url.escape_debug()),
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid(EXPECTED));
    };
    let tls = scheme.eq_ignore_ascii_case("https");
    if tls && cfg!(not(feature = "tls")) {
        return Err(invalid(
            "https needs lot-http's `tls` feature (on by default), which this build leaves out",
        ));
    }
    if !tls && !scheme.eq_ignore_ascii_case("http") {
        return Err(invalid(&format!(
            "the scheme must be http or https, not `{scheme}`"
        )));
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if path.contains(['?', '#']) {
        return Err(invalid(
            "a base URL has no query or fragment; give them in each request's path",
        ));
    }
    if authority.contains('@') {
        return Err(invalid(
            "user information in the URL is not supported; set an Authorization header",
        ));
    }
    if let Some(c) = path.chars().find(|c| !is_path_char(*c)) {
        return Err(invalid(&format!(
            "the path contains {c:?}; percent-encode it"
        )));
    }
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = split_host_port(authority, default_port).map_err(|why| invalid(&why))?;
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| {
            Error::io(
                ErrorKind::Url,
                format!("cannot resolve `{host}` of base URL `{url}`"),
                e,
            )
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::new(
            ErrorKind::Url,
            format!("`{host}` of base URL `{url}` resolves to no address"),
        ));
    }
    Ok(Base {
        tls,
        #[cfg(feature = "tls")]
        host: host.to_owned(),
        authority: authority.to_owned(),
        path: path.trim_end_matches('/').to_owned(),
        addrs: Addrs::new(addrs),
    })
}

/// Splits `host[:port]` or `[v6][:port]`, with `default_port` when the
/// port is left out.
fn split_host_port(authority: &str, default_port: u16) -> Result<(&str, u16), String> {
    if authority.is_empty() {
        return Err("the host is missing".to_owned());
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return Err("an IPv6 host needs its closing `]`".to_owned());
        };
        match after {
            "" => (v6, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (v6, Some(port)),
                None => return Err(format!("unexpected `{after}` after the IPv6 host")),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing".to_owned());
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._:%".contains(*c)))
    {
        return Err(format!("the host contains {c:?}"));
    }
    let port = match port {
        None => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(format!(
                    "the port must be a number from 1 to 65535, not `{p}`"
                ));
            }
        },
    };
    Ok((host, port))
}

/// Characters a request target may hold as they are: visible ASCII but `#`
/// (a fragment is never sent). Spaces, controls and non-ASCII text must be
/// percent-encoded.
pub(crate) fn is_path_char(c: char) -> bool {
    c.is_ascii_graphic() && c != '#'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_authority_port_and_path() {
        let b = parse("http://127.0.0.1:8080/api/").unwrap();
        assert!(!b.tls);
        assert_eq!(b.authority, "127.0.0.1:8080");
        assert_eq!(b.path, "/api");
        assert_eq!(b.addrs.list(), ["127.0.0.1:8080".parse().unwrap()]);
        let b = parse("HTTP://[::1]").unwrap();
        assert_eq!(b.authority, "[::1]");
        assert_eq!(b.path, "");
        assert_eq!(b.addrs.list(), ["[::1]:80".parse().unwrap()]);
        let b = parse("http://localhost:9").unwrap();
        assert!(
            b.addrs
                .list()
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 9)
        );
    }

    #[test]
    #[cfg(feature = "tls")]
    fn https_defaults_to_port_443() {
        let b = parse("http://127.0.0.1:8080/api/").unwrap();
        assert_eq!(b.host, "127.0.0.1");
        let b = parse("https://localhost/api").unwrap();
        assert!(b.tls);
        assert_eq!(
            (b.host.as_str(), b.authority.as_str()),
            ("localhost", "localhost")
        );
        assert!(b.addrs.list().iter().all(|a| a.port() == 443));
        let b = parse("HTTPS://[::1]:8443").unwrap();
        assert_eq!((b.tls, b.host.as_str()), (true, "::1"));
        assert_eq!(b.addrs.list(), ["[::1]:8443".parse().unwrap()]);
    }

    #[test]
    #[cfg(not(feature = "tls"))]
    fn https_without_the_tls_feature_names_it() {
        let e = parse("https://127.0.0.1/").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Url);
        assert_eq!(
            e.to_string(),
            "invalid base URL `https://127.0.0.1/`: https needs lot-http's `tls` feature \
             (on by default), which this build leaves out"
        );
    }

    #[test]
    fn rejects_what_it_cannot_use_naming_the_value() {
        for (url, expect) in [
            ("127.0.0.1:80", "expected http://host"),
            ("ftp://127.0.0.1/", "http or https, not `ftp`"),
            ("http://", "host is missing"),
            ("http://:80", "host is missing"),
            ("http://127.0.0.1:0/", "not `0`"),
            ("http://127.0.0.1:99999/", "not `99999`"),
            ("http://127.0.0.1:x/", "not `x`"),
            ("http://127.0.0.1:+80/", "not `+80`"),
            ("http://u:p@127.0.0.1/", "user information"),
            ("http://127.0.0.1/?q=1", "no query"),
            ("http://127.0.0.1/a b", "percent-encode"),
            ("http://[::1/", "closing `]`"),
            ("http://ho st/", "host contains ' '"),
        ] {
            let e = parse(url).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Url);
            let text = e.to_string();
            assert!(text.contains(expect), "{url}: {text}");
        }
    }

    /// Addresses of which the first refuses: the first connection falls
    /// back to the second, and later ones go to the second at once, even
    /// once the first accepts again.
    #[tokio::test]
    async fn the_address_that_accepted_last_is_tried_first() {
        // Bound but not listening: the port is held, and refuses.
        let refusing = tokio::net::TcpSocket::new_v4().unwrap();
        refusing.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let refused = refusing.local_addr().unwrap();
        let accepting = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = Addrs::new(vec![refused, accepting.local_addr().unwrap()]);
        let first = addrs.connect().await.unwrap();
        assert_eq!(first.peer_addr().unwrap(), accepting.local_addr().unwrap());
        // The first address accepts now.
        let again = refusing.listen(16).unwrap();
        for _ in 0..3 {
            let stream = addrs.connect().await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), accepting.local_addr().unwrap());
        }
        // Nothing reached the first address since.
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), again.accept());
        assert!(
            waited.await.is_err(),
            "a connection went to the first address"
        );
        // An address that stops accepting is left for the next one.
        drop(accepting);
        let stream = addrs.connect().await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), refused);
    }
}
