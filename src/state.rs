//! The app's model and the actions reduced over it (yew's `use_reducer`). The reducer is pure: it
//! reads no clock and no storage; the app's effects load and save the project and hand the time in.

use std::collections::BTreeMap;
use std::rc::Rc;

use studio::check::Report;
use studio::input::{ApiServerInput, CaVerdict, FieldError, LbHostInput, SpecFile, WorkerInput, APISERVER_PORT};
use studio::plan::KeyRequest;
use studio::release::ProfileId;
use studio::spec::CaSource;
use studio::{Bundle, ClusterSpec};
use yew::Reducible;

use crate::keygen::Keys;
use crate::timing::Trace;

/// Where the project's parameters are kept between visits (never private keys).
pub const STORAGE_KEY: &str = "worker-studio.project";

/// Where a saved project that could not be read is kept, so nothing the user typed is lost.
pub const UNREADABLE_KEY: &str = "worker-studio.project.unreadable";

/// The engine's verdict on an imported CA: the certificate and key it examined, when, and what it found.
#[derive(Clone, Debug, PartialEq)]
pub struct Examined {
    pub certificate: String,
    pub key: String,
    pub now: i64,
    pub verdict: CaVerdict,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Idle,
    Keys { done: usize, total: usize },
    /// Keys are made; the worker signs, renders, checks and zips.
    Signing,
    Cancelled,
    Failed(String),
    /// A bundle was made: in how long, with how many new keys (how many of them made ahead of the
    /// click) and how many kept ones, and once the results are on screen, where the time went.
    Done { millis: f64, made: usize, made_ahead: usize, reused: usize, trace: Option<Rc<Trace>> },
}

/// The outcome of one generation run.
pub struct Generated {
    /// The parameters the bundle was made from (the form may have changed meanwhile).
    pub project: SpecFile,
    pub bundle: Rc<Bundle>,
    pub zip: web_sys::Blob,
    pub checks: Rc<Report>,
    pub made: usize,
    pub made_ahead: usize,
    pub reused: usize,
    pub millis: f64,
}

/// The keys the next run needs: every request, in the engine's order, and those no kept key fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPlan {
    pub requests: Vec<KeyRequest>,
    pub missing: Vec<KeyRequest>,
}

impl KeyPlan {
    /// How many kept keys the run reuses.
    pub fn reuse(&self) -> usize {
        self.requests.len() - self.missing.len()
    }
}

/// A bundle the user uploaded to check: the engine's report and the bundle's file paths.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadedBundle {
    pub report: Rc<Report>,
    pub paths: Rc<Vec<String>>,
}

#[derive(Clone, PartialEq)]
pub struct State {
    pub file: SpecFile,
    /// The validated spec while the form has no errors.
    pub spec: Option<Rc<ClusterSpec>>,
    /// Keys of earlier runs, kept in memory only, reused while they fit.
    pub keys: Rc<Keys>,
    /// The engine's verdict on the imported CA.
    pub ca_verdict: Option<Rc<Examined>>,
    /// The time validation judges dates by (unix seconds): when the page loaded, or when the engine
    /// last examined the imported CA.
    pub now: i64,
    /// A saved project that could not be read, with why: shown for the user to copy.
    pub unreadable: Option<(String, String)>,
    /// The project could not be saved in this browser, and why.
    pub not_saved: Option<String>,
    /// Validation errors by field path.
    pub errors: BTreeMap<String, String>,
    pub bundle: Option<Rc<Bundle>>,
    /// The bundle's zip, held by the browser as a file (not in the page's memory).
    pub zip: Option<web_sys::Blob>,
    pub checks: Option<Rc<Report>>,
    pub selected: Option<String>,
    pub progress: Progress,
    /// A problem with the last loaded project file.
    pub load_error: Option<String>,
    /// The parameters changed since the bundle shown was generated.
    pub stale: bool,
    /// The report on a bundle the user uploaded, or why it could not be read.
    pub uploaded: Option<Result<UploadedBundle, String>>,
}

/// A column of the front's host tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Ip,
    Port,
    Interface,
}

/// An edit of the front's lists of API servers and LB hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontEdit {
    ApiServer(usize, Column, String),
    AddApiServer,
    RemoveApiServer(usize),
    LbHost(usize, Column, String),
    AddLbHost,
    RemoveLbHost(usize),
}

impl FrontEdit {
    fn apply(self, file: &mut SpecFile) {
        let front = &mut file.api_front;
        match self {
            FrontEdit::ApiServer(i, column, value) => {
                if let Some(server) = front.api_servers.get_mut(i) {
                    match column {
                        Column::Name => server.name = value,
                        Column::Ip => server.ip = value,
                        Column::Port | Column::Interface => server.port = studio::input::NumberText(value),
                    }
                }
            }
            FrontEdit::AddApiServer => {
                let n = front.api_servers.len() + 1;
                front.api_servers.push(ApiServerInput { name: format!("master{n:02}"), ip: String::new(), port: u32::from(APISERVER_PORT).into() });
            }
            FrontEdit::RemoveApiServer(i) if i < front.api_servers.len() => {
                front.api_servers.remove(i);
            }
            FrontEdit::LbHost(i, column, value) => {
                if let Some(host) = front.lb_hosts.get_mut(i) {
                    match column {
                        Column::Name => host.name = value,
                        Column::Ip => host.ip = value,
                        Column::Interface | Column::Port => host.interface = value,
                    }
                }
            }
            FrontEdit::AddLbHost => {
                let n = front.lb_hosts.len() + 1;
                let interface = front.lb_hosts.last().map_or_else(|| "eth0".to_owned(), |h| h.interface.clone());
                front.lb_hosts.push(LbHostInput { name: format!("lb{n:02}"), ip: String::new(), interface });
            }
            FrontEdit::RemoveLbHost(i) if i < front.lb_hosts.len() => {
                front.lb_hosts.remove(i);
            }
            FrontEdit::RemoveApiServer(_) | FrontEdit::RemoveLbHost(_) => {}
        }
    }
}

pub enum Action {
    Set(fn(&mut SpecFile, String), String),
    /// An edit of the front's API servers or LB hosts.
    Front(FrontEdit),
    AddWorker,
    RemoveWorker(usize),
    DuplicateWorker(usize),
    SetWorkerName(usize, String),
    SetWorkerIp(usize, String),
    PasteWorkers(String),
    /// A project file the engine read, or why it could not.
    LoadProject(Result<SpecFile, FieldError>),
    /// The saved project, once the engine could read what an older studio saved.
    Restored(SpecFile),
    Reset,
    Progress(Progress),
    /// The keys a run signs with (kept ones and fresh ones), replacing those held.
    KeysReady(Rc<Keys>),
    /// The engine examined an imported CA's certificate and key.
    CaExamined(Rc<Examined>),
    /// The project could not be saved in this browser.
    NotSaved(Option<String>),
    Generated(Box<Generated>),
    /// Where the last run's time went, once its results were on screen.
    Traced(Rc<Trace>),
    /// Forget the kept keys, so the next run makes all keys anew.
    ForgetKeys,
    Select(String),
    /// The engine's report on an uploaded bundle, or why it could not check it.
    Uploaded(Result<UploadedBundle, String>),
}

impl State {
    /// The state a page starts in: the project saved in this browser (`saved`), or the guide's
    /// example; a saved project that cannot be read is kept in [`State::unreadable`].
    pub fn load(saved: Option<String>, now: i64) -> State {
        match saved.map(|text| (SpecFile::from_json(&text), text)) {
            Some((Ok(file), _)) => State::with_file(file, None, now),
            Some((Err(e), text)) => State { unreadable: Some((text, e.to_string())), ..State::with_file(SpecFile::default(), None, now) },
            None => State::with_file(SpecFile::default(), None, now),
        }
    }

    fn with_file(file: SpecFile, load_error: Option<String>, now: i64) -> State {
        let mut state = State {
            file,
            spec: None,
            keys: Rc::new(Keys::default()),
            ca_verdict: None,
            errors: BTreeMap::new(),
            bundle: None,
            zip: None,
            checks: None,
            selected: None,
            progress: Progress::Idle,
            load_error,
            stale: false,
            uploaded: None,
            now,
            unreadable: None,
            not_saved: None,
        };
        state.revalidate();
        state
    }

    fn revalidate(&mut self) {
        let verdict = self.ca_verdict.clone();
        let examined = move |certificate: &str, key: &str| match verdict.as_deref() {
            Some(e) if e.certificate == certificate && e.key == key => e.verdict.clone(),
            _ => Err(FieldError::new("ca.certificate", "is being examined…")),
        };
        match self.file.validate_with(self.now, &examined) {
            Ok(spec) => {
                self.spec = Some(Rc::new(spec));
                self.errors = BTreeMap::new();
            }
            Err(errors) => {
                self.spec = None;
                self.errors = errors.into_iter().map(|FieldError { field, message }| (field, message)).collect();
            }
        }
    }

    /// The project as it is kept in this browser: without the CA key.
    pub fn kept(&self) -> SpecFile {
        let mut kept = self.file.clone();
        kept.ca.key.clear();
        kept
    }

    pub fn generating(&self) -> bool {
        matches!(self.progress, Progress::Keys { .. } | Progress::Signing)
    }

    /// The errors of the fields under `prefix` (`workers` holds `workers[2].ip`).
    pub fn errors_under(&self, prefix: &str) -> BTreeMap<String, String> {
        self.errors.iter().filter(|(path, _)| path.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// What the next run makes and reuses, while the form is valid (a plan of the whole cluster:
    /// the page computes it once per spec and keys).
    pub fn key_plan(&self) -> Option<Rc<KeyPlan>> {
        let requests = studio::key_requests(self.spec.as_deref()?);
        let missing = requests.iter().filter(|r| self.keys.get(r).is_none()).cloned().collect();
        Some(Rc::new(KeyPlan { requests, missing }))
    }

    /// The imported CA's certificate and key when the engine has yet to examine them.
    pub fn ca_to_examine(&self) -> Option<(String, String)> {
        let ca = &self.file.ca;
        let texts = (ca.certificate.clone(), ca.key.clone());
        let examined = self.ca_verdict.as_deref().is_some_and(|e| (&e.certificate, &e.key) == (&texts.0, &texts.1));
        // An empty key is examined too: a bootstrap-token join trusts the certificate alone.
        (ca.source.trim() == CaSource::Import.as_str() && !ca.certificate.trim().is_empty() && !examined).then_some(texts)
    }
}

/// Parses `name ip` lines (spaces, tabs or commas between), skipping blank lines and `#` comments.
pub fn parse_worker_lines(text: &str) -> Vec<WorkerInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.split(|c: char| c.is_whitespace() || c == ',').filter(|p| !p.is_empty());
            WorkerInput { name: parts.next().unwrap_or_default().to_owned(), ip: parts.next().unwrap_or_default().to_owned() }
        })
        .collect()
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let mut edited = true;
        match action {
            Action::Set(set, value) => set(&mut next.file, value),
            Action::Front(edit) => edit.apply(&mut next.file),
            Action::AddWorker => {
                let n = next.file.workers.len() + 1;
                next.file.workers.push(WorkerInput { name: format!("worker{n:02}"), ip: String::new() });
            }
            Action::RemoveWorker(i) if i < next.file.workers.len() => {
                next.file.workers.remove(i);
            }
            Action::DuplicateWorker(i) if i < next.file.workers.len() => {
                let copy = next.file.workers[i].clone();
                next.file.workers.insert(i + 1, copy);
            }
            Action::SetWorkerName(i, v) if i < next.file.workers.len() => next.file.workers[i].name = v,
            Action::SetWorkerIp(i, v) if i < next.file.workers.len() => next.file.workers[i].ip = v,
            Action::PasteWorkers(text) => {
                let rows = parse_worker_lines(&text);
                if !rows.is_empty() {
                    next.file.workers = rows;
                }
            }
            Action::LoadProject(read) => match read {
                Ok(file) => return Rc::new(State { unreadable: next.unreadable.clone(), ..State::with_file(file, None, next.now) }),
                Err(e) => {
                    next.load_error = Some(format!("The project file was not loaded: {e}"));
                    edited = false;
                }
            },
            Action::Restored(file) => return Rc::new(State::with_file(file, None, next.now)),
            Action::Reset => {
                let profile = ProfileId::parse(&next.file.profile).unwrap_or(ProfileId::Guide2016);
                return Rc::new(State { unreadable: next.unreadable.clone(), ..State::with_file(SpecFile::defaults(profile), None, next.now) });
            }
            Action::Progress(progress) => {
                next.progress = progress;
                edited = false;
            }
            Action::Generated(run) => {
                let Generated { project, bundle, zip, checks, made, made_ahead, reused, millis } = *run;
                next.checks = Some(checks);
                next.selected = bundle.artifacts.first().map(|a| a.zip_path());
                next.bundle = Some(bundle);
                next.zip = Some(zip);
                next.progress = Progress::Done { millis, made, made_ahead, reused, trace: None };
                next.stale = project != next.file;
                edited = false;
            }
            Action::KeysReady(keys) => {
                next.keys = keys;
                edited = false;
            }
            Action::Traced(run) => {
                if let Progress::Done { trace, .. } = &mut next.progress {
                    *trace = Some(run);
                }
                edited = false;
            }
            Action::Select(path) => {
                next.selected = Some(path);
                edited = false;
            }
            Action::ForgetKeys => {
                next.keys = Rc::new(Keys::default());
                edited = false;
            }
            Action::CaExamined(examined) => {
                next.now = examined.now;
                next.ca_verdict = Some(examined);
                next.revalidate();
                edited = false;
            }
            Action::NotSaved(why) => {
                next.not_saved = why;
                edited = false;
            }
            Action::Uploaded(report) => {
                next.uploaded = Some(report);
                edited = false;
            }
            _ => edited = false,
        }
        if edited {
            next.load_error = None;
            next.stale = next.bundle.is_some();
            next.revalidate();
        }
        Rc::new(next)
    }
}
