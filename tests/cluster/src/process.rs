//! Processes the tests start: each logs to a file, is ended by its PID when dropped (SIGTERM, then
//! SIGKILL after a bounded wait), and every wait on one is bounded and shows the log on failure.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a process may take to end after SIGTERM before it gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A long-running component (etcd, kube-apiserver, a kubelet, ...).
pub struct Process {
    pub name: String,
    child: Mutex<Child>,
    pub log: PathBuf,
}

impl Process {
    /// Starts `argv` with stdout and stderr in `log`.
    pub fn start(name: &str, argv: &[String], log: &Path) -> Process {
        let out = File::create(log).unwrap_or_else(|e| panic!("{name}: creating {}: {e}", log.display()));
        let err = out.try_clone().unwrap_or_else(|e| panic!("{name}: {e}"));
        let child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: starting {}: {e}", argv[0]));
        Process { name: name.to_owned(), child: Mutex::new(child), log: log.to_owned() }
    }

    pub fn pid(&self) -> u32 {
        self.child.lock().map(|c| c.id()).unwrap_or(0)
    }

    /// The exit status, if the process has ended.
    pub fn exited(&self) -> Option<ExitStatus> {
        self.child.lock().ok()?.try_wait().ok().flatten()
    }

    /// The last `lines` lines of the log.
    pub fn tail(&self, lines: usize) -> String {
        tail_of(&self.log, lines)
    }

    /// Ends the process by its PID: SIGTERM, then SIGKILL if it is still there after the grace time.
    pub fn stop(&self) {
        let Ok(mut child) = self.child.lock() else { return };
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        signal(child.id(), libc::SIGTERM);
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Process {
    /// SIGTERM only: the process ends in its own time (an API server drains first).
    pub fn terminate(&self) {
        if self.exited().is_none() {
            signal(self.pid(), libc::SIGTERM);
        }
    }

    /// SIGKILL, as a crash ends it; waits until it is gone.
    pub fn kill(&self) {
        let Ok(mut child) = self.child.lock() else { return };
        if child.try_wait().ok().flatten().is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- {} (pid {}) log tail: {}\n{}", self.name, self.pid(), self.log.display(), self.tail(40));
        }
        self.stop();
    }
}

pub fn signal(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a PID this test started and has not reaped yet.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// The last `lines` lines of a file (at most its last 64 KiB).
pub fn tail_of(path: &Path, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else { return format!("({} is missing)", path.display()) };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(65_536)));
    let mut text = String::new();
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    text.push_str(&String::from_utf8_lossy(&bytes));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// What a finished command printed.
#[derive(Clone, Debug)]
pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// Both streams, for messages.
    pub fn text(&self) -> String {
        format!("exit {:?}\nstdout: {}\nstderr: {}", self.status, self.stdout.trim_end(), self.stderr.trim_end())
    }
}

/// Runs a command to its end, killed after `timeout`.
pub fn run(argv: &[String], env: &[(&str, &str)], timeout: Duration) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"));
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", argv[0]));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let mut stderr = read(&err_path);
    if status.is_none() {
        stderr.push_str(&format!("\n(killed after {timeout:?}: {})", argv.join(" ")));
    }
    Output { status, stdout: read(&out_path), stderr }
}

/// Runs a command that must succeed; panics with its output otherwise.
pub fn must(argv: &[String]) -> String {
    let out = run(argv, &[], Duration::from_secs(60));
    assert!(out.success(), "{} failed: {}", argv.join(" "), out.text());
    out.stdout
}

/// Words as owned strings, for argv literals.
pub fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Polls `probe` until it returns `Ok`, for at most `timeout`. Fails early if one of `watched`
/// ends, and on failure shows the last error and the tail of every watched process's log.
pub fn wait_until<T>(what: &str, timeout: Duration, watched: &[&Process], mut probe: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    let mut last = String::from("(not tried)");
    while start.elapsed() < timeout {
        match probe() {
            Ok(value) => return value,
            Err(e) => last = e,
        }
        if let Some(gone) = watched.iter().find(|p| p.exited().is_some()) {
            panic!("waiting for {what}: {} ended ({:?}); last try: {last}\n{}", gone.name, gone.exited(), logs(watched));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("waiting for {what}: not within {timeout:?}; last try: {last}\n{}", logs(watched));
}

fn logs(watched: &[&Process]) -> String {
    watched.iter().map(|p| format!("--- {} log tail ({}):\n{}\n", p.name, p.log.display(), p.tail(30))).collect()
}
