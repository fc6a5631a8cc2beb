//! The running iterations of one scenario in one lane of the open model's
//! scheduler: boxed futures in reusable slots, polled by the lane's task.
//!
//! An iteration costs one allocation, its boxed future. A slot (and its
//! waker) is made once and reused by the iterations that follow: the set
//! grows to the most iterations the lane ever ran at once, which the load's
//! in-flight bound bounds. A waker puts its slot's index on the lane's ready
//! list (a mutex of the lane, not shared with other lanes but by the threads
//! that wake its iterations) and wakes the lane's task; the lane polls each
//! ready iteration once per round, in the order they were woken.
//!
//! A wake can outlive the iteration it was meant for, when the slot has
//! been freed or taken by another iteration since: the slot's occupant is
//! then polled once more than it asked for (futures allow that), or, if the
//! slot is free, nothing happens.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

use crate::record::context::catch_iteration_panic;

/// A running iteration's future.
pub(crate) type Boxed = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Polls per [`Slots::poll`] before the lane lets other tasks run.
const ROUND: usize = 1024;

pub(crate) struct Slots {
    slots: Vec<Slot>,
    /// Indices of the slots without a future.
    free: Vec<usize>,
    ready: Arc<Ready>,
    /// Ready indices taken from `ready` and not yet polled.
    pending: VecDeque<usize>,
    /// The buffer a round is polled from, kept for the next round.
    round: Vec<usize>,
    running: usize,
}

struct Slot {
    future: Option<Boxed>,
    waker: Waker,
    wake: Arc<SlotWake>,
}

/// What the wakers of one lane's slots share.
struct Ready {
    /// Indices of the slots woken since the lane last looked.
    woken: Mutex<Vec<usize>>,
    /// The lane's task.
    lane: AtomicWaker,
}

struct SlotWake {
    index: usize,
    /// Whether the slot is on a ready list already, so that a burst of wakes
    /// lists it once.
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl Wake for SlotWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            lock(&self.ready.woken).push(self.index);
            self.ready.lane.wake();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Slots {
    pub(crate) fn new() -> Slots {
        Slots {
            slots: Vec::new(),
            free: Vec::new(),
            ready: Arc::new(Ready {
                woken: Mutex::new(Vec::new()),
                lane: AtomicWaker::new(),
            }),
            pending: VecDeque::new(),
            round: Vec::new(),
            running: 0,
        }
    }

    /// Adds `future`, to be polled first at the next [`poll`](Slots::poll).
    pub(crate) fn push(&mut self, future: Boxed) {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = self.slots.len();
                let wake = Arc::new(SlotWake {
                    index,
                    queued: AtomicBool::new(false),
                    ready: self.ready.clone(),
                });
                self.slots.push(Slot {
                    future: None,
                    waker: Waker::from(wake.clone()),
                    wake,
                });
                index
            }
        };
        let slot = &mut self.slots[index];
        slot.future = Some(future);
        slot.wake.queued.store(true, Ordering::Release);
        self.pending.push_back(index);
        self.running += 1;
    }

    /// Polls the futures pushed or woken since the last poll, each once,
    /// and says how many finished; a finished future is dropped at once.
    /// After [`ROUND`] polls it stops, wakes the lane's task to go on
    /// later, and leaves the rest for the next poll.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> u64 {
        // Registered before the ready list is read: a wake after the read
        // wakes this task again.
        self.ready.lane.register(cx.waker());
        self.pending.extend(lock(&self.ready.woken).drain(..));
        if self.pending.is_empty() {
            return 0;
        }
        let mut round = std::mem::take(&mut self.round);
        round.clear();
        let take = self.pending.len().min(ROUND);
        round.extend(self.pending.drain(..take));
        if !self.pending.is_empty() {
            cx.waker().wake_by_ref();
        }
        let mut finished = 0;
        for &index in &round {
            let slot = &mut self.slots[index];
            let Some(future) = slot.future.as_mut() else {
                // A wake that outlived its iteration.
                continue;
            };
            // Cleared before the poll, so that a wake during it lists the
            // slot again.
            slot.wake.queued.store(false, Ordering::Release);
            let waker = &slot.waker;
            // An iteration catches its own panics (and its future's drop's);
            // this catch only keeps a bug from taking the lane down with it:
            // the iteration then counts as interrupted.
            let polled = catch_unwind(AssertUnwindSafe(|| {
                future.as_mut().poll(&mut Context::from_waker(waker))
            }));
            if !matches!(polled, Ok(Poll::Pending)) {
                drop_quietly(slot.future.take());
                self.free.push(index);
                self.running -= 1;
                finished += 1;
            }
        }
        self.round = round;
        finished
    }

    /// The futures running.
    pub(crate) fn len(&self) -> usize {
        self.running
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        // Iterations cancelled by the graceful stop (or the run's end)
        // record themselves as interrupted as they are dropped; a panic
        // while dropping one does not stop the others'.
        for slot in &mut self.slots {
            drop_quietly(slot.future.take());
        }
    }
}

/// Drops `value`, catching a panic of its drop as an iteration's panic is
/// caught (the panic hook reports only the first).
fn drop_quietly<T>(value: T) {
    let _ = catch_iteration_panic(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Ready after being polled `polls` times, waking itself each time
    /// before that; counts its polls and its drop.
    struct Countdown {
        left: usize,
        polls: Arc<AtomicUsize>,
        drops: Arc<AtomicUsize>,
    }

    impl Future for Countdown {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.left == 0 {
                return Poll::Ready(());
            }
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    impl Drop for Countdown {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Counts how often the lane's task is woken.
    struct Lane(AtomicUsize);

    impl Wake for Lane {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn futures_run_to_the_end_and_their_slots_are_reused() {
        let (polls, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let lane = Arc::new(Lane(AtomicUsize::new(0)));
        let waker = Waker::from(lane.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slots = Slots::new();
        for left in [0, 1, 2] {
            slots.push(Box::pin(Countdown {
                left,
                polls: polls.clone(),
                drops: drops.clone(),
            }));
        }
        assert_eq!(slots.len(), 3);
        // Round 1 polls all three; the first is done, the others woke
        // themselves, which wakes the lane.
        assert_eq!(slots.poll(&mut cx), 1);
        assert_eq!(
            (polls.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (3, 1)
        );
        assert!(lane.0.load(Ordering::SeqCst) >= 1);
        assert_eq!(slots.poll(&mut cx), 1);
        assert_eq!(slots.poll(&mut cx), 1);
        assert_eq!(slots.len(), 0);
        assert_eq!(
            (polls.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (6, 3)
        );
        // Nothing woke: nothing is polled.
        assert_eq!(slots.poll(&mut cx), 0);
        assert_eq!(polls.load(Ordering::SeqCst), 6);
        // New futures take the freed slots.
        for _ in 0..3 {
            slots.push(Box::pin(Countdown {
                left: 0,
                polls: polls.clone(),
                drops: drops.clone(),
            }));
        }
        assert_eq!(slots.slots.len(), 3);
        assert_eq!(slots.poll(&mut cx), 3);
        assert_eq!(drops.load(Ordering::SeqCst), 6);
    }

    #[test]
    fn a_round_stops_at_its_size_and_the_rest_follow() {
        let (polls, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let lane = Arc::new(Lane(AtomicUsize::new(0)));
        let waker = Waker::from(lane.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slots = Slots::new();
        for _ in 0..ROUND + 10 {
            slots.push(Box::pin(Countdown {
                left: 0,
                polls: polls.clone(),
                drops: drops.clone(),
            }));
        }
        let woken = lane.0.load(Ordering::SeqCst);
        assert_eq!(slots.poll(&mut cx), ROUND as u64);
        // It asked to be polled again for the rest.
        assert_eq!(lane.0.load(Ordering::SeqCst), woken + 1);
        assert_eq!(slots.poll(&mut cx), 10);
        assert_eq!(slots.len(), 0);
    }

    #[test]
    fn dropping_the_set_drops_what_runs() {
        let (polls, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut slots = Slots::new();
        for _ in 0..5 {
            slots.push(Box::pin(Countdown {
                left: usize::MAX,
                polls: polls.clone(),
                drops: drops.clone(),
            }));
        }
        drop(slots);
        assert_eq!(
            (polls.load(Ordering::SeqCst), drops.load(Ordering::SeqCst)),
            (0, 5)
        );
    }

    #[test]
    fn a_wake_from_another_thread_reaches_the_lane() {
        let lane = Arc::new(Lane(AtomicUsize::new(0)));
        let waker = Waker::from(lane.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slots = Slots::new();
        let stash: Arc<Mutex<Option<Waker>>> = Arc::default();
        let done = Arc::new(AtomicBool::new(false));
        {
            let (stash, done) = (stash.clone(), done.clone());
            slots.push(Box::pin(std::future::poll_fn(move |cx| {
                if done.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                *stash.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            })));
        }
        assert_eq!(slots.poll(&mut cx), 0);
        let before = lane.0.load(Ordering::SeqCst);
        done.store(true, Ordering::SeqCst);
        let theirs = stash.lock().unwrap().take().unwrap();
        std::thread::spawn(move || theirs.wake()).join().unwrap();
        assert_eq!(lane.0.load(Ordering::SeqCst), before + 1);
        assert_eq!(slots.poll(&mut cx), 1);
    }
}
