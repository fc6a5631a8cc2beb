//! Idle keep-alive connections, one list per thread, and the optional bound
//! on open connections.
//!
//! A request takes an idle connection from its thread's list and puts it
//! back there when its response is read. There are twice as many lists as
//! cores (rounded up to a power of two), each behind its own lock; threads
//! are numbered as they first use a client and take the list of their
//! number, wrapping around: a runtime's worker threads usually have a list
//! each, and threads beyond the lists' number share them. A task that moved
//! threads meanwhile returns its connection to its new thread's list, so a
//! multi-threaded runtime may hold a few more connections than requests
//! ever in flight; idle connections are closed when the client is dropped.
//!
//! # Idle connections follow the load
//!
//! A list is a stack: a request takes the connection put back last, so
//! under a steady load the same few connections carry the requests and
//! the ones a burst opened sink to the bottom, untouched. Each connection
//! is stamped when it is put back, so a list is in the order of its stamps,
//! oldest at the bottom. Two things close idle connections:
//!
//! - **The idle bound**: a list keeps at most `max_idle` connections; one
//!   put back to a full list is closed, unless a request waits for a
//!   connection under the bound (it is then handed over at once).
//! - **The idle timeout**: a put-back closes the expired connections at the
//!   bottom of its own list (one comparison when none has expired), a
//!   request that finds the top of its list expired closes the whole list
//!   (every connection below is older), and at most every `sweep` interval
//!   (a quarter of the timeout, at most a second) one put-back or request,
//!   whichever thread it runs on, sweeps every list it can lock without
//!   waiting. So when the load falls, the connections it no longer needs
//!   are closed within the timeout plus a sweep interval even on threads
//!   that no longer send requests, as long as any thread still does. A
//!   client that sends nothing at all keeps its idle connections until its
//!   next request or until it is dropped (and the target may close them
//!   first).
//!
//! What this costs a request: a clock read when it takes a connection and
//! another when it puts it back, and a load of one shared counter (the next
//! sweep's time) that changes only when a sweep runs. Connections are
//! closed outside the lists' locks, since closing one under a bound takes
//! the client's lock, which `hand_over` takes before a list's.
//!
//! # The bound
//!
//! With [`ClientBuilder::max_connections`](crate::ClientBuilder::max_connections)
//! every open connection holds a [`Slot`] of the client's [`Limit`]. A
//! request that finds no idle connection on its thread's list looks on the
//! other lists, then opens a connection if a slot is free, and otherwise
//! queues. Queued requests are served first come, first served: each is
//! handed either a connection that another request puts back or the slot
//! of one that closed, and while any waits, a new request queues behind it
//! rather than take an idle connection itself.
//!
//! What the bound costs: a request reads one shared counter (whether any
//! request waits) before it takes an idle connection from its thread's
//! list, and putting a connection back reads it again. Opening or closing a
//! connection, a miss on the thread's own list (which looks at every list)
//! and waiting take the client's lock.
//!
//! A put-back and a request joining the queue cannot miss each other: the
//! request counts itself as waiting before it looks at the lists again, and
//! the put-back pushes its connection before it reads that count, each with
//! a sequentially consistent fence between, so at least one of them sees
//! the other and hands the connection to the oldest waiter. A connection
//! put back to a full list is closed instead, and its slot's release takes
//! the client's lock, under which every queued request is seen: it goes to
//! the oldest waiter as leave to open a connection.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::conn::Conn;

/// A connection as the pool keeps it: stamped when put back, and holding
/// its share of the client's bound on open connections, if it has one.
pub(crate) struct Pooled {
    pub(crate) conn: Conn,
    /// When it was put back in the pool, for the pool's idle timeout.
    idle_since: Instant,
    /// Its share of the client's bound on open connections, if it has one;
    /// dropped after the socket is closed (fields are dropped in order).
    slot: Option<Slot>,
}

impl Pooled {
    /// `conn`, just opened, holding `slot` (its share of the client's bound
    /// on open connections) while it is open.
    pub(crate) fn new(conn: Conn, slot: Option<Slot>) -> Pooled {
        Pooled {
            conn,
            idle_since: Instant::now(),
            slot,
        }
    }

    /// Closes the connection, keeping its share of the bound on open
    /// connections for another.
    pub(crate) fn take_slot(self) -> Option<Slot> {
        self.slot
    }
}

pub(crate) struct Pool {
    /// Idle connections, oldest at the front; requests take from the back.
    lists: Box<[Mutex<VecDeque<Pooled>>]>,
    limit: Option<Arc<Limit>>,
    /// The most idle connections a list keeps.
    max_idle: usize,
    /// How long a connection may stay idle before it is closed.
    idle_timeout: Duration,
    /// The time sweeps are counted from.
    epoch: Instant,
    /// How often (at most) every list is swept, in milliseconds.
    sweep_ms: u64,
    /// When the next sweep is due, in milliseconds since `epoch`.
    next_sweep: AtomicU64,
}

/// What a request gets from the pool.
pub(crate) enum Checkout {
    /// An idle connection that looks usable.
    Idle(Pooled),
    /// Leave to open a connection, with the slot it takes under a bound.
    Open(Option<Slot>),
}

/// The bound on a client's open connections.
pub(crate) struct Limit {
    max: usize,
    /// The queue's length, read without its lock when a connection is put
    /// back.
    waiting: AtomicUsize,
    state: Mutex<LimitState>,
}

struct LimitState {
    /// Connections open or being opened: the slots held.
    open: usize,
    /// Requests waiting for a connection, oldest first. A request that
    /// gives up takes itself out (see `Waiting`); one that gives up while a
    /// connection is being handed to it is skipped: handing to it fails and
    /// the next one is tried.
    waiters: VecDeque<oneshot::Sender<Grant>>,
}

/// What a waiting request is handed.
enum Grant {
    /// An idle connection, with its slot.
    Conn(Pooled),
    /// The slot of a connection that closed: leave to open another.
    Open(Slot),
}

/// A request's place in the queue. Dropped before it was served (the
/// request was cancelled), it leaves the queue, and a connection handed to
/// it meanwhile goes back to the pool rather than being closed.
struct Waiting<'a> {
    pool: &'a Pool,
    receiver: oneshot::Receiver<Grant>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.receiver.is_terminated() {
            // Served.
            return;
        }
        self.receiver.close();
        match self.receiver.try_recv() {
            // Back to the pool with its stamp renewed, unless it has
            // already sat idle past the timeout.
            Ok(Grant::Conn(conn)) if !self.pool.expired(&conn, Instant::now()) => {
                self.pool.put(conn)
            }
            Ok(Grant::Conn(conn)) => drop(conn),
            // Its release hands it to the next waiter.
            Ok(Grant::Open(slot)) => drop(slot),
            // Not served: leave the queue, so that the count of waiting
            // requests (which turns put-backs and new requests to the
            // queue) does not include this one.
            Err(_) => {
                if let Some(limit) = &self.pool.limit {
                    let mut state = lock(&limit.state);
                    state.waiters.retain(|waiter| !waiter.is_closed());
                    limit.waiting.store(state.waiters.len(), Ordering::SeqCst);
                }
            }
        }
    }
}

/// One open connection's share of a [`Limit`]; dropping it frees the share
/// for the next waiting request.
pub(crate) struct Slot {
    limit: Option<Arc<Limit>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(limit) = self.limit.take() {
            Limit::release(limit);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Limit {
    /// Frees one slot: hands it to the oldest waiter still waiting, or
    /// counts one connection fewer.
    fn release(limit: Arc<Limit>) {
        let mut state = lock(&limit.state);
        while let Some(waiter) = state.waiters.pop_front() {
            let slot = Slot {
                limit: Some(limit.clone()),
            };
            match waiter.send(Grant::Open(slot)) {
                Ok(()) => {
                    limit.waiting.store(state.waiters.len(), Ordering::SeqCst);
                    return;
                }
                // That waiter gave up. The slot it was offered is this one:
                // disarm it rather than release it again.
                Err(Grant::Open(mut slot)) => slot.limit = None,
                // Never dropped here, under the lock its release takes.
                Err(Grant::Conn(_)) => unreachable!("a slot was sent"),
            }
        }
        limit.waiting.store(0, Ordering::SeqCst);
        state.open -= 1;
    }
}

impl Pool {
    /// A pool with at most `max_connections` open at once, or no bound,
    /// keeping at most `max_idle` idle connections per list for at most
    /// `idle_timeout` each.
    pub(crate) fn new(
        max_connections: Option<usize>,
        max_idle: usize,
        idle_timeout: Duration,
    ) -> Pool {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // More lists than cores, so the runtime's worker threads (one per
        // core by default) rarely share one.
        let lists = (0..threads.next_power_of_two() * 2)
            .map(|_| Mutex::new(VecDeque::new()))
            .collect();
        let limit = max_connections.map(|max| {
            Arc::new(Limit {
                max,
                waiting: AtomicUsize::new(0),
                state: Mutex::new(LimitState {
                    open: 0,
                    waiters: VecDeque::new(),
                }),
            })
        });
        let sweep = (idle_timeout / 4).clamp(Duration::from_millis(1), Duration::from_secs(1));
        Pool {
            lists,
            limit,
            max_idle,
            idle_timeout,
            epoch: Instant::now(),
            sweep_ms: sweep.as_millis() as u64,
            next_sweep: AtomicU64::new(0),
        }
    }

    fn list(&self) -> &Mutex<VecDeque<Pooled>> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        let index = INDEX.with(|i| *i);
        &self.lists[index % self.lists.len()]
    }

    fn expired(&self, conn: &Pooled, now: Instant) -> bool {
        now.saturating_duration_since(conn.idle_since) >= self.idle_timeout
    }

    /// Takes the expired connections from the front of `list`, for the
    /// caller to close once the lock is released. Allocates only when some
    /// have expired.
    fn expire(&self, list: &mut VecDeque<Pooled>, now: Instant) -> Vec<Pooled> {
        let stale = list
            .iter()
            .take_while(|conn| self.expired(conn, now))
            .count();
        if stale == 0 {
            Vec::new()
        } else {
            list.drain(..stale).collect()
        }
    }

    /// Closes the expired connections of every list that is not locked
    /// right now, if a sweep is due; see the module's documentation.
    fn sweep(&self, now: Instant) {
        let ms = now.saturating_duration_since(self.epoch).as_millis() as u64;
        let due = self.next_sweep.load(Ordering::Relaxed);
        if ms < due
            || self
                .next_sweep
                .compare_exchange(
                    due,
                    ms + self.sweep_ms,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            // Not due, or another thread is sweeping.
            return;
        }
        for list in self.lists.iter() {
            let mut list = match list.try_lock() {
                Ok(list) => list,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                // In use: its own next put-back expires it.
                Err(TryLockError::WouldBlock) => continue,
            };
            let stale = self.expire(&mut list, now);
            drop(list);
            drop(stale);
        }
    }

    /// An idle connection from `list` that has not expired and that the
    /// target has not closed (or written to) while it sat there; the others
    /// are closed.
    fn take_usable(&self, list: &Mutex<VecDeque<Pooled>>, now: Instant) -> Option<Pooled> {
        loop {
            let mut guard = lock(list);
            let mut conn = guard.pop_back()?;
            if self.expired(&conn, now) {
                // The newest connection of the list expired, so all did.
                let stale: Vec<Pooled> = guard.drain(..).collect();
                drop(guard);
                drop(stale);
                return None;
            }
            drop(guard);
            if conn.conn.is_reusable() {
                return Some(conn);
            }
        }
    }

    /// An idle connection from this thread's list, then from the others.
    fn take_any_usable(&self, now: Instant) -> Option<Pooled> {
        let own = self.list();
        self.take_usable(own, now).or_else(|| {
            self.lists
                .iter()
                .filter(|list| !std::ptr::eq(*list, own))
                .find_map(|list| self.take_usable(list, now))
        })
    }

    /// An idle connection, leave to open one, or (under a bound, with every
    /// slot held) a wait for either.
    pub(crate) async fn checkout(&self) -> Checkout {
        let now = Instant::now();
        self.sweep(now);
        let Some(limit) = &self.limit else {
            return match self.take_usable(self.list(), now) {
                Some(conn) => Checkout::Idle(conn),
                None => Checkout::Open(None),
            };
        };
        // While requests wait, a new one queues behind them.
        if limit.waiting.load(Ordering::SeqCst) == 0 {
            if let Some(conn) = self.take_any_usable(now) {
                return Checkout::Idle(conn);
            }
        }
        let receiver = {
            let mut state = lock(&limit.state);
            // A slot is free only while no request waits: a freed slot goes
            // to the oldest waiter (see `Limit::release`).
            if state.open < limit.max {
                state.open += 1;
                return Checkout::Open(Some(Slot {
                    limit: Some(limit.clone()),
                }));
            }
            let (sender, receiver) = oneshot::channel();
            state.waiters.push_back(sender);
            limit.waiting.store(state.waiters.len(), Ordering::SeqCst);
            receiver
        };
        let mut waiting = Waiting {
            pool: self,
            receiver,
        };
        // A connection put back before this request counted as waiting went
        // to a list, not to a waiter: hand it over now, oldest waiter first.
        fence(Ordering::SeqCst);
        if self.idle() > 0 {
            self.hand_over(limit);
        }
        match (&mut waiting.receiver).await {
            Ok(Grant::Conn(mut conn)) => {
                if !self.expired(&conn, Instant::now()) && conn.conn.is_reusable() {
                    Checkout::Idle(conn)
                } else {
                    Checkout::Open(conn.take_slot())
                }
            }
            Ok(Grant::Open(slot)) => Checkout::Open(Some(slot)),
            // Senders are dropped unsent only with the pool itself, which
            // this request's client keeps alive; open a connection anyway.
            Err(_) => Checkout::Open(None),
        }
    }

    /// Keeps `conn` for the next request, or hands it to one that waits,
    /// or closes it if its thread's list is full.
    pub(crate) fn put(&self, mut conn: Pooled) {
        let now = Instant::now();
        conn.idle_since = now;
        let (refused, stale) = {
            let mut list = lock(self.list());
            let stale = self.expire(&mut list, now);
            // A request waiting for a connection takes this one (see
            // `hand_over` below) rather than open a new one in its slot, so
            // a full list takes it for that moment.
            let wanted = || {
                self.limit
                    .as_ref()
                    .is_some_and(|l| l.waiting.load(Ordering::SeqCst) > 0)
            };
            if list.len() < self.max_idle || wanted() {
                list.push_back(conn);
                (None, stale)
            } else {
                (Some(conn), stale)
            }
        };
        // Closed outside the list's lock (see the module's documentation).
        // Under a bound, closing one hands its slot to the oldest waiter.
        drop(refused);
        drop(stale);
        self.sweep(now);
        let Some(limit) = &self.limit else {
            return;
        };
        fence(Ordering::SeqCst);
        if limit.waiting.load(Ordering::SeqCst) > 0 {
            self.hand_over(limit);
        }
    }

    /// Hands idle connections to waiting requests, oldest first.
    fn hand_over(&self, limit: &Limit) {
        let now = Instant::now();
        // Connections to close, once the client's lock is released: closing
        // one under a bound takes that lock.
        let mut close = Vec::new();
        let mut state = lock(&limit.state);
        while !state.waiters.is_empty() {
            // Expired ones are closed, not handed over; for the rest the
            // waiter checks what it is handed (without a probe here).
            let Some(conn) = std::iter::once(self.list())
                .chain(self.lists.iter())
                .find_map(|list| lock(list).pop_back())
            else {
                break;
            };
            if self.expired(&conn, now) {
                close.push(conn);
                continue;
            }
            let Some(waiter) = state.waiters.pop_front() else {
                unreachable!("the queue is not empty");
            };
            match waiter.send(Grant::Conn(conn)) {
                Ok(()) => {}
                // That waiter gave up: keep the connection for the next, in
                // its place by its stamp (a list is in stamp order), or
                // close it if the list is full.
                Err(Grant::Conn(conn)) => {
                    let mut list = lock(self.list());
                    if list.len() < self.max_idle {
                        let at = list
                            .iter()
                            .rposition(|c| c.idle_since <= conn.idle_since)
                            .map_or(0, |i| i + 1);
                        list.insert(at, conn);
                    } else {
                        close.push(conn);
                    }
                }
                // Never dropped here, under the lock its release takes.
                Err(Grant::Open(_)) => unreachable!("a connection was sent"),
            }
        }
        limit.waiting.store(state.waiters.len(), Ordering::SeqCst);
        drop(state);
        drop(close);
    }

    /// The idle connections across all threads.
    pub(crate) fn idle(&self) -> usize {
        self.lists.iter().map(|l| lock(l).len()).sum()
    }

    /// The connections open or being opened, under a bound.
    pub(crate) fn open(&self) -> Option<usize> {
        self.limit.as_ref().map(|l| lock(&l.state).open)
    }
}
