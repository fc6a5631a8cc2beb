//! A precise sleep for the arrival scheduler.
//!
//! tokio's timer has a resolution of 1 ms and rounds a sleep up to the next
//! tick, so a batch of arrivals would start up to a millisecond after its
//! instants (on a quiet machine; more under load). On Linux the pacer is a
//! `timerfd` registered with the runtime's reactor: the kernel makes it
//! readable at the deadline to its high-resolution timer, which wakes the
//! worker parked in `epoll` directly. No extra thread, no cross-thread
//! wake-up, one timer syscall per batch and never one per arrival.
//! Elsewhere the scheduler uses tokio's timer. Like the signal handling and
//! every network client, the pacer needs a runtime with I/O enabled
//! (`#[tokio::main]`, `#[tokio::test]` and `Builder::enable_all` enable
//! it); on one without, registering it panics with tokio's message saying
//! to call `enable_io` (see [`Executor::run`](crate::Executor::run)).
//!
//! The scheduler (`open.rs`) sleeps until the next arrival's instant, but
//! not sooner than a short gap after its last wake-up (`wake_gap`: enough for
//! about 128 arrivals, fewer under a tight in-flight bound, between 50 µs and
//! 1 ms): sparse arrivals start at
//! their instant (to the kernel timer's tens of microseconds), dense ones in
//! batches, which keeps a wake-up's cost (a worker's park and unpark) off
//! every arrival.

#[cfg(target_os = "linux")]
mod imp {
    use std::os::fd::{AsFd, AsRawFd, RawFd};
    use std::time::Instant;

    use nix::sys::time::TimeSpec;
    use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
    use tokio::io::unix::AsyncFd;

    struct Fd(TimerFd);

    impl AsRawFd for Fd {
        fn as_raw_fd(&self) -> RawFd {
            self.0.as_fd().as_raw_fd()
        }
    }

    /// The pacer of one scheduler.
    pub(crate) struct Pacer {
        fd: AsyncFd<Fd>,
    }

    impl Pacer {
        /// A pacer, or `None` where a timerfd cannot be had (the caller then
        /// falls back to tokio's timer).
        ///
        /// # Panics
        ///
        /// On a runtime without I/O, as tokio's own I/O types do.
        pub(crate) fn start() -> Option<Pacer> {
            let timer = TimerFd::new(
                ClockId::CLOCK_MONOTONIC,
                TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
            )
            .ok()?;
            // SAFETY: `register` needs the descriptor `as_raw_fd` returns to be
            // open, to stay the same file description, and to be the one
            // returned on every call, for as long as the `AsyncFd` lives.
            // `Fd` owns its `TimerFd` (which closes it only when dropped),
            // hands out no `&mut` to it, and is never replaced: `AsyncFd`
            // drops it, deregistered, when it is dropped itself.
            #[allow(unsafe_code)]
            let fd = unsafe { AsyncFd::register(Fd(timer)) }.ok()?;
            Some(Pacer { fd })
        }

        /// Completes at `deadline`, to the kernel's high-resolution timer.
        pub(crate) async fn sleep_until(&self, deadline: Instant) {
            let now = Instant::now();
            if deadline <= now {
                return;
            }
            let wait = TimeSpec::from_duration(deadline - now);
            if self
                .fd
                .get_ref()
                .0
                .set(Expiration::OneShot(wait), TimerSetTimeFlags::empty())
                .is_err()
            {
                return tokio::time::sleep_until(deadline.into()).await;
            }
            // The expiration count is never read: setting the timer resets
            // it, and each expiration is a new readiness event. Readiness
            // is cleared instead, which keeps any event newer than the one
            // seen; readiness before the deadline is left over from the
            // previous one.
            loop {
                let Ok(mut ready) = self.fd.readable().await else {
                    return tokio::time::sleep_until(deadline.into()).await;
                };
                ready.clear_ready();
                if Instant::now() >= deadline {
                    return;
                }
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::time::Instant;

    /// No precise timer here: the scheduler uses tokio's.
    pub(crate) struct Pacer;

    impl Pacer {
        pub(crate) fn start() -> Option<Pacer> {
            None
        }

        pub(crate) async fn sleep_until(&self, deadline: Instant) {
            tokio::time::sleep_until(deadline.into()).await
        }
    }
}

pub(crate) use imp::Pacer;

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn wakes_at_the_deadline_not_at_the_next_millisecond() {
        let pacer = Pacer::start().expect("timerfd is available on Linux");
        let mut late = Vec::new();
        for _ in 0..50 {
            let deadline = Instant::now() + Duration::from_micros(300);
            pacer.sleep_until(deadline).await;
            let now = Instant::now();
            assert!(now >= deadline);
            late.push(now - deadline);
        }
        late.sort();
        // Loose, for a loaded machine: the median wake is well under tokio's 1 ms tick.
        assert!(late[25] < Duration::from_millis(1), "{:?}", late[25]);
    }

    #[tokio::test]
    async fn a_cancelled_sleep_does_not_end_the_next_one_early() {
        let pacer = Pacer::start().expect("timerfd is available on Linux");
        let short = Instant::now() + Duration::from_millis(1);
        // Abandon a sleep, let its deadline pass, then sleep again.
        let _ = tokio::time::timeout(Duration::from_micros(100), pacer.sleep_until(short)).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
        let deadline = Instant::now() + Duration::from_millis(5);
        pacer.sleep_until(deadline).await;
        assert!(Instant::now() >= deadline);
    }

    #[tokio::test]
    async fn a_past_deadline_is_ready_at_once() {
        let pacer = Pacer::start().expect("timerfd is available on Linux");
        pacer.sleep_until(Instant::now()).await;
    }
}
