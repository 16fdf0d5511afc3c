//! Where a run's time went, from the click on Generate to the results on screen: the page's own
//! steps on its clock, the engine's stages as it reports them. Shown after a run, and left as User
//! Timing measures (`studio: <step>`) for DevTools' performance panel and `make bench`.

use crate::platform;
use crate::protocol::Stages;

/// One run's steps in order, each with its milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub steps: Vec<(String, f64)>,
    started: f64,
    last: f64,
}

impl Trace {
    /// A trace starting now (the click).
    pub fn start() -> Self {
        let now = platform::clock();
        Trace { steps: Vec::new(), started: now, last: now }
    }

    fn record(&mut self, step: &str, start: f64, end: f64) {
        let millis = (end - start).max(0.0);
        platform::measure(&format!("studio: {step}"), start, start + millis);
        self.steps.push((step.to_owned(), millis));
    }

    /// Ends the step under way, named `step`.
    pub fn lap(&mut self, step: &str) {
        let now = platform::clock();
        self.record(step, self.last, now);
        self.last = now;
    }

    /// Ends the engine's round trip, which `stages` tell the inside of: the way there (request
    /// encoded, posted, queued and read), each stage, and the way back (reply posted and read).
    pub fn engine(&mut self, stages: &Stages) {
        let now = platform::clock();
        let began = stages.began.clamp(self.last, now);
        self.record("to the engine", self.last, began);
        let mut at = began;
        for (stage, millis) in &stages.laps {
            self.record(&format!("engine {stage}"), at, at + millis);
            at += millis;
        }
        self.record("back to the page", at.min(now), now);
        self.last = now;
    }

    /// Milliseconds from the click to the last step's end.
    pub fn total(&self) -> f64 {
        self.last - self.started
    }
}
