//! [`Dashboard`], the reporter that serves the live page.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lot_report::html::ChartData;
use lot_report::{BoxError, Interval, Reporter, Start, Summary, async_trait};

use crate::error::Error;
use crate::server::serve;
use crate::state::{Shared, event, summary_event};

/// How long [`Reporter::summary`] waits, at most, for the open pages to
/// take the final report before the run goes on to its end (and the server
/// with it).
pub const FINAL_DELIVERY: Duration = Duration::from_secs(2);

/// A live web dashboard of a run, as a [`Reporter`].
///
/// [`bind`](Dashboard::bind) listens at once (so a bad or busy address is
/// an error before any load is sent); the server starts with the run
/// ([`Reporter::start`]) and stops when the dashboard is dropped, at the
/// end of the run. See the [crate docs](crate) for what it serves.
pub struct Dashboard {
    addr: SocketAddr,
    listener: Option<std::net::TcpListener>,
    shared: Arc<Shared>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// The socket address `text` names: `IP:PORT`, `localhost:PORT`, or a port
/// alone (on 127.0.0.1).
fn parse(text: &str) -> Option<SocketAddr> {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    if let Ok(port) = text.parse::<u16>() {
        return Some(SocketAddr::new(loopback, port));
    }
    let port = text.strip_prefix("localhost:")?.parse::<u16>().ok()?;
    Some(SocketAddr::new(loopback, port))
}

impl Dashboard {
    /// Listens on `addr`: `IP:PORT` (`127.0.0.1:5665`; `0.0.0.0:5665` for
    /// every interface, which anyone who can reach the machine may then
    /// read: the dashboard has no authentication), `localhost:PORT`, or a
    /// port alone, on 127.0.0.1. Port 0 picks a free one
    /// ([`local_addr`](Dashboard::local_addr) says which).
    pub fn bind(addr: &str) -> Result<Dashboard, Error> {
        let socket = parse(addr.trim()).ok_or_else(|| Error::invalid(addr))?;
        let listener = std::net::TcpListener::bind(socket).map_err(|e| Error::bind(addr, e))?;
        let addr = listener.local_addr().map_err(|e| Error::bind(addr, e))?;
        Ok(Dashboard {
            addr,
            listener: Some(listener),
            shared: Arc::new(Shared::new()),
            server: None,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL, such as `http://127.0.0.1:5665/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

#[async_trait]
impl Reporter for Dashboard {
    fn name(&self) -> String {
        format!("dashboard ({})", self.url())
    }

    /// Yes: the page shows every threshold on the run so far.
    fn wants_snapshot(&self) -> bool {
        true
    }

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        self.shared.lock().data = ChartData::from_start(start);
        if let Some(listener) = self.listener.take() {
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            self.server = Some(tokio::spawn(serve(listener, self.shared.clone())));
        }
        Ok(())
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        let (name, json) = {
            let mut inner = self.shared.lock();
            let before = inner.data.points();
            let added = inner.data.push_interval(interval);
            // With no page open there is nobody to tell: a page that opens
            // later starts from the data (`Shared::snapshot`), which has
            // this interval already.
            if self.shared.open_streams() == 0 {
                return Ok(());
            }
            if inner.data.points() < before + usize::from(added) {
                // Thinned: the pages' points no longer line up with these.
                ("data", inner.data.to_json())
            } else {
                ("interval", inner.data.tail(usize::from(added)).to_json())
            }
        };
        self.shared.send(event(name, &json, false));
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        let watched = {
            let mut inner = self.shared.lock();
            inner.data = ChartData::from_summary(summary);
            inner.ended = Some(Arc::new(summary.clone()));
            self.shared.open_streams() > 0
        };
        // Rendered only for a page to take: one that opens later renders it
        // then (the results are kept, and a stream counted open by now gets
        // the event).
        if let Some(report) = watched.then(|| self.shared.report()).flatten() {
            self.shared.send(summary_event(&report));
        }
        // Each open page's stream ends once it has taken the report; give
        // them a moment to, and the bytes a moment more to leave.
        let deadline = Instant::now() + FINAL_DELIVERY;
        while self.shared.open_streams() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for (text, want) in [
            ("127.0.0.1:5665", Some("127.0.0.1:5665")),
            ("0.0.0.0:80", Some("0.0.0.0:80")),
            ("[::1]:5665", Some("[::1]:5665")),
            ("5665", Some("127.0.0.1:5665")),
            ("localhost:5665", Some("127.0.0.1:5665")),
            ("example.com:5665", None),
            ("127.0.0.1", None),
            ("127.0.0.1:99999", None),
            ("", None),
        ] {
            assert_eq!(
                parse(text).map(|a| a.to_string()).as_deref(),
                want,
                "{text}"
            );
        }
    }

    #[test]
    fn errors_name_the_address() {
        let e = Dashboard::bind("nowhere:1").err().expect("invalid");
        assert!(e.is_invalid_address());
        assert_eq!(
            e.to_string(),
            "invalid dashboard address `nowhere:1`; expected IP:PORT (such as 127.0.0.1:5665), localhost:PORT, or a port"
        );
        let taken = Dashboard::bind("127.0.0.1:0").expect("a free port");
        let busy = taken.local_addr().to_string();
        let e = Dashboard::bind(&busy).err().expect("in use");
        assert!(e.is_bind());
        assert!(
            e.to_string()
                .starts_with(&format!("cannot listen on `{busy}` for the dashboard: ")),
            "{e}"
        );
    }
}
