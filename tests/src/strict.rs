//! Contract bookkeeping for the strict test hosts.
//!
//! A [`Contract`] knows where the plugin is in its lifecycle (created, inactive, being activated,
//! active, processing) and which role the calling thread plays, and records every host call the
//! plugin makes that the CLAP headers (or the VST3 SDK) forbid in that state or on that thread.
//! The hosts check it after each of their own calls into the plugin and panic with the list, so a
//! test fails on the first step that broke the contract. Tests that expect a violation (the
//! latency violator) turn panicking off and read [`Contract::violations`].
//!
//! Threads: the test thread creates the plugin, so it is the main thread. It also makes the
//! audio-thread calls (process, start/stop processing, flush while active); while it is inside
//! one it plays the audio thread, and the CLAP host's `thread-check` extension says so. That is
//! what a real host's audio thread looks like to the plugin: nice-plug asks `thread-check` and
//! defers main-thread work from `process` exactly as it would in a DAW. Any other thread (the
//! plugin's own workers, the editor's window thread) is neither.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Mutex;
use std::thread::{self, ThreadId};

/// Where the plugin is in its lifecycle, as the host drove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Lifecycle {
    /// Created and initialised, not active.
    Inactive = 0,
    /// Inside the host's `activate` call (CLAP `activate`, VST3 `setActive(true)`).
    Activating = 1,
    /// Active, not processing.
    Active = 2,
    /// Active and processing (between start and stop processing).
    Processing = 3,
}

impl Lifecycle {
    fn from_u8(v: u8) -> Lifecycle {
        match v {
            1 => Lifecycle::Activating,
            2 => Lifecycle::Active,
            3 => Lifecycle::Processing,
            _ => Lifecycle::Inactive,
        }
    }

    /// Active in the CLAP sense: activated and not yet deactivated.
    pub fn is_active(self) -> bool {
        matches!(self, Lifecycle::Active | Lifecycle::Processing)
    }
}

/// The role the calling thread plays for a host callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The main (UI) thread, outside any audio-thread call.
    Main,
    /// The test thread while it is inside an audio-thread call.
    Audio,
    /// Any other thread.
    Other,
}

/// The lifecycle, thread roles and recorded violations of one plugin instance.
pub struct Contract {
    main_thread: ThreadId,
    lifecycle: AtomicU8,
    /// Set while the main thread is inside an audio-thread call into the plugin.
    in_audio_call: AtomicBool,
    violations: Mutex<Vec<String>>,
    /// Panic on the test thread at the next check when a violation was recorded.
    panic_on_violation: AtomicBool,
}

impl Default for Contract {
    fn default() -> Self {
        Contract::new()
    }
}

impl Contract {
    /// A contract for a plugin created on the calling thread, which becomes the main thread.
    pub fn new() -> Contract {
        Contract {
            main_thread: thread::current().id(),
            lifecycle: AtomicU8::new(Lifecycle::Inactive as u8),
            in_audio_call: AtomicBool::new(false),
            violations: Mutex::new(Vec::new()),
            panic_on_violation: AtomicBool::new(true),
        }
    }

    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle::from_u8(self.lifecycle.load(Ordering::SeqCst))
    }

    pub fn set_lifecycle(&self, state: Lifecycle) {
        self.lifecycle.store(state as u8, Ordering::SeqCst);
    }

    /// The role of the calling thread right now.
    pub fn role(&self) -> Role {
        if thread::current().id() != self.main_thread {
            Role::Other
        } else if self.in_audio_call.load(Ordering::SeqCst) {
            Role::Audio
        } else {
            Role::Main
        }
    }

    /// Run `call` as an audio-thread call: host callbacks made inside it come from the audio
    /// thread.
    pub fn audio_call<T>(&self, call: impl FnOnce() -> T) -> T {
        let was = self.set_audio_call(true);
        let result = call();
        self.set_audio_call(was);
        result
    }

    /// Mark the start (`true`) or end of an audio-thread call made by the main thread; returns
    /// the previous mark (for hosts whose borrows do not fit [`Contract::audio_call`]).
    pub fn set_audio_call(&self, inside: bool) -> bool {
        self.in_audio_call.swap(inside, Ordering::SeqCst)
    }

    /// Record a violation: `call` is what the plugin called, `rule` the sentence of the
    /// specification it broke.
    pub fn violation(&self, call: &str, rule: &str) {
        let entry = format!(
            "{call} (state {:?}, {:?} thread): {rule}",
            self.lifecycle(),
            self.role()
        );
        if let Ok(mut list) = self.violations.lock() {
            list.push(entry);
        }
    }

    /// `call` must come from the main thread (outside any audio-thread call).
    pub fn require_main_thread(&self, call: &str, rule: &str) {
        if self.role() != Role::Main {
            self.violation(call, rule);
        }
    }

    /// `call` must come from the audio thread, inside an audio-thread call.
    pub fn require_audio_thread(&self, call: &str, rule: &str) {
        if self.role() != Role::Audio {
            self.violation(call, rule);
        }
    }

    /// `call` must not come from the audio thread.
    pub fn forbid_audio_thread(&self, call: &str, rule: &str) {
        if self.role() == Role::Audio {
            self.violation(call, rule);
        }
    }

    /// Every violation recorded so far.
    pub fn violations(&self) -> Vec<String> {
        self.violations
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// Whether [`Contract::check`] panics on a recorded violation (the default) or leaves the
    /// list for the test to read.
    pub fn set_panic_on_violation(&self, panic: bool) {
        self.panic_on_violation.store(panic, Ordering::SeqCst);
    }

    /// Panic with every violation so far, unless panicking is off or the thread is already
    /// panicking. `after` names the host step that just ran.
    pub fn check(&self, after: &str) {
        if !self.panic_on_violation.load(Ordering::SeqCst) || thread::panicking() {
            return;
        }
        let list = self.violations();
        if !list.is_empty() {
            panic!(
                "the plugin broke the host contract (seen after {after}):\n  {}",
                list.join("\n  ")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_calling_thread_and_audio_calls() {
        let contract = Contract::new();
        assert_eq!(contract.role(), Role::Main);
        assert_eq!(contract.audio_call(|| contract.role()), Role::Audio);
        assert_eq!(contract.role(), Role::Main);
        let other = thread::scope(|s| s.spawn(|| contract.role()).join().unwrap());
        assert_eq!(other, Role::Other);
    }

    #[test]
    fn a_main_thread_call_from_the_audio_thread_is_recorded_and_fails_the_check() {
        let contract = Contract::new();
        contract.require_main_thread("latency.changed", "[main-thread]");
        assert!(contract.violations().is_empty());
        contract.audio_call(|| contract.require_main_thread("latency.changed", "[main-thread]"));
        let list = contract.violations();
        assert_eq!(list.len(), 1);
        assert!(list[0].contains("Audio thread"), "{list:?}");
        let panicked = std::panic::catch_unwind(|| contract.check("process")).is_err();
        assert!(panicked, "check must fail the test on a recorded violation");
        contract.set_panic_on_violation(false);
        contract.check("process");
    }
}
