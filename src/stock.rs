//! Fresh keys made ahead of Generate. While the form is open the studio makes the keys its next run
//! will need and holds them bound to no role, so a renamed, added or removed worker wastes none;
//! only a change of algorithm leaves some unused (kept for a change back). RSA keys come from
//! WebCrypto (the browser's own threads), every other key from the engine's pool of workers, in
//! batches. A run takes what it needs, waiting for what is still being made, and binds each key to
//! its role. Held in this tab's memory only, like the keys of earlier runs.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use futures::channel::oneshot;
use studio::plan::KeyRequest;
use studio::spec::KeyAlgorithm;
use wasm_bindgen_futures::spawn_local;

use crate::background;
use crate::keygen::{self, HeldKey, Keys};

/// The most RSA keys made ahead of a click: each costs a core about 0.1 s (RSA-2048) to a few
/// seconds (RSA-4096), so a cluster of hundreds makes the rest after the click. Elliptic-curve
/// keys take a fraction of a millisecond each and are all made ahead.
const RSA_AHEAD: usize = 16;

/// Keys per engine call: one RSA key, or a hundred elliptic-curve keys (each call well under a
/// second of a worker's time).
fn batch(algorithm: KeyAlgorithm) -> usize {
    if algorithm.rsa_bits().is_some() {
        1
    } else {
        100
    }
}

#[derive(Default)]
struct Stock {
    /// Made and not yet taken (PKCS#8 DER).
    ready: BTreeMap<KeyAlgorithm, Vec<Rc<[u8]>>>,
    /// Under way.
    making: BTreeMap<KeyAlgorithm, usize>,
    /// What the form's next run would need, as far as it is made ahead.
    ahead: BTreeMap<KeyAlgorithm, usize>,
    /// What the run waiting for keys needs.
    run: BTreeMap<KeyAlgorithm, usize>,
    /// Engine pool places with a batch under way.
    busy: BTreeSet<usize>,
    /// WebCrypto keys under way.
    webcrypto: usize,
    /// Why making keys failed, for the run waiting.
    failure: Option<String>,
    /// Woken whenever keys arrive or making them fails.
    waiting: Vec<oneshot::Sender<()>>,
}

/// Work to start: a WebCrypto key, or a batch at an engine place.
enum Job {
    WebCrypto(KeyAlgorithm, usize),
    Engine(usize, KeyAlgorithm, usize),
}

fn count(map: &BTreeMap<KeyAlgorithm, usize>, algorithm: KeyAlgorithm) -> usize {
    map.get(&algorithm).copied().unwrap_or(0)
}

impl Stock {
    fn ready(&self, algorithm: KeyAlgorithm) -> usize {
        self.ready.get(&algorithm).map_or(0, Vec::len)
    }

    /// How many more keys of `algorithm` to start making.
    fn short(&self, algorithm: KeyAlgorithm) -> usize {
        let wanted = count(&self.ahead, algorithm).max(count(&self.run, algorithm));
        wanted.saturating_sub(self.ready(algorithm) + count(&self.making, algorithm))
    }

    /// The next job to start, if any is needed and a lane is free; the run's keys come first.
    fn next_job(&mut self) -> Option<Job> {
        let algorithms: Vec<KeyAlgorithm> = self.run.keys().chain(self.ahead.keys()).copied().collect();
        for algorithm in algorithms {
            let short = self.short(algorithm);
            if short == 0 {
                continue;
            }
            let job = match algorithm.rsa_bits() {
                Some(bits) if keygen::from_webcrypto(algorithm) => {
                    if self.webcrypto >= keygen::parallelism() {
                        continue;
                    }
                    self.webcrypto += 1;
                    *self.making.entry(algorithm).or_default() += 1;
                    Job::WebCrypto(algorithm, bits)
                }
                _ => {
                    let Some(place) = (0..background::pool_size()).find(|p| !self.busy.contains(p)) else { continue };
                    let keys = short.min(batch(algorithm));
                    self.busy.insert(place);
                    *self.making.entry(algorithm).or_default() += keys;
                    Job::Engine(place, algorithm, keys)
                }
            };
            return Some(job);
        }
        None
    }

    fn wake(&mut self) {
        for waiter in self.waiting.drain(..) {
            let _ = waiter.send(());
        }
    }

    /// Whether no key is being made.
    fn idle(&self) -> bool {
        self.busy.is_empty() && self.webcrypto == 0
    }
}

thread_local! {
    static STOCK: RefCell<Stock> = RefCell::new(Stock::default());
}

/// Starts every job the stock wants and has a lane for.
fn pump() {
    while let Some(job) = STOCK.with(|s| s.borrow_mut().next_job()) {
        spawn_local(async move {
            match job {
                Job::WebCrypto(algorithm, bits) => {
                    let made = keygen::webcrypto_rsa(bits).await.map(|key| vec![key]);
                    arrived(algorithm, 1, made, |s| s.webcrypto -= 1);
                }
                Job::Engine(place, algorithm, keys) => {
                    let made = background::make_keys_at(place, vec![algorithm; keys]).await;
                    arrived(algorithm, keys, made, |s| {
                        s.busy.remove(&place);
                    });
                }
            }
        });
    }
}

/// A job's end: its keys join the stock (or its failure is kept for the run), its lane is freed,
/// the run waiting hears of it, and the next jobs start.
fn arrived(algorithm: KeyAlgorithm, asked: usize, made: Result<Vec<Vec<u8>>, String>, free: impl FnOnce(&mut Stock)) {
    STOCK.with(|s| {
        let mut s = s.borrow_mut();
        free(&mut s);
        let making = s.making.entry(algorithm).or_default();
        *making = making.saturating_sub(asked);
        match made {
            Ok(keys) => s.ready.entry(algorithm).or_default().extend(keys.into_iter().map(Rc::from)),
            Err(why) => {
                // Not tried again until asked again: a failing engine would fail every time.
                s.ahead.remove(&algorithm);
                s.run.remove(&algorithm);
                if why != keygen::CANCELLED {
                    s.failure = Some(why);
                }
            }
        }
        s.wake();
    });
    pump();
    // Nothing started again: the helpers are not needed until the stock is asked for more.
    if STOCK.with(|s| s.borrow().idle()) {
        background::retire_helpers();
    }
}

fn by_algorithm(requests: &[KeyRequest]) -> BTreeMap<KeyAlgorithm, usize> {
    let mut counts = BTreeMap::new();
    for request in requests {
        *counts.entry(request.algorithm).or_default() += 1;
    }
    counts
}

/// Makes ahead the fresh keys a run for `missing` (the requests no kept key fits) would need,
/// RSA up to [`RSA_AHEAD`]; what is already made counts.
pub fn prepare(missing: &[KeyRequest]) {
    let mut ahead = by_algorithm(missing);
    for (algorithm, keys) in ahead.iter_mut() {
        if algorithm.rsa_bits().is_some() {
            *keys = (*keys).min(RSA_AHEAD);
        }
    }
    STOCK.with(|s| s.borrow_mut().ahead = ahead);
    pump();
}

/// Where a run stands: its keys taken, or waiting with so many ready.
enum Turn {
    Taken(Keys),
    Wait(usize, oneshot::Receiver<()>),
}

/// A fresh key for each of `requests`, bound to its role, and how many were made before this
/// call; waits for those still being made, telling `progress(ready, total)` as they come.
pub async fn take(requests: &[KeyRequest], progress: impl Fn(usize, usize)) -> Result<(Keys, usize), String> {
    let need = by_algorithm(requests);
    let available = |s: &Stock| need.iter().map(|(a, n)| s.ready(*a).min(*n)).sum::<usize>();
    let made_before = STOCK.with(|s| {
        let mut s = s.borrow_mut();
        s.failure = None;
        s.run = need.clone();
        available(&s)
    });
    pump();
    let total = requests.len();
    loop {
        if keygen::cancelled() {
            STOCK.with(|s| s.borrow_mut().run.clear());
            return Err(keygen::CANCELLED.into());
        }
        let waited = STOCK.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(why) = s.failure.take() {
                s.run.clear();
                return Err(why);
            }
            let have = available(&s);
            if have == total {
                let mut keys = Keys::default();
                for request in requests {
                    if let Some(der) = s.ready.get_mut(&request.algorithm).and_then(Vec::pop) {
                        keys.insert(request.id.clone(), HeldKey { algorithm: request.algorithm, pkcs8: der });
                    }
                }
                s.run.clear();
                return Ok(Turn::Taken(keys));
            }
            let (wake, woken) = oneshot::channel();
            s.waiting.push(wake);
            Ok(Turn::Wait(have, woken))
        })?;
        match waited {
            Turn::Taken(keys) => return Ok((keys, made_before)),
            Turn::Wait(have, woken) => {
                progress(have, total);
                // A dropped waker (cancel) ends the wait as well as a wake-up does.
                let _ = woken.await;
            }
        }
    }
}

/// How many fresh keys of `algorithm` are made and not yet taken.
pub fn ready(algorithm: KeyAlgorithm) -> usize {
    STOCK.with(|s| s.borrow().ready(algorithm))
}

/// Stops making keys (Cancel): nothing more is made ahead until the form asks again, the run
/// waiting ends, and keys still arriving join the stock.
pub fn cancel() {
    STOCK.with(|s| {
        let mut s = s.borrow_mut();
        s.ahead.clear();
        s.run.clear();
        s.wake();
    });
}
