//! The engine's side of the protocol: [`call`] takes a [`Request`]'s bytes and returns a
//! [`Reply`]'s (with the parts and the zip it names), as the engine module
//! (`src/bin/studio-engine.rs`) exports it to the background worker (`worker.js`), or to the page
//! itself where no worker can start. Key making (all but WebCrypto's), signing, rendering,
//! checking and zipping live here, so the page's own module carries none of that code. Nothing
//! here talks to the page between request and reply: the page splits long work (many keys) into
//! calls of its own.

use studio::check::{BundleFiles, CheckContext};
use studio::pki::{BootstrapToken, KeySet, PrivateKey};
use studio::{Bundle, RenderOptions, SpecFile};

use crate::platform;
use crate::protocol::{decode, encode, report_parts, Reply, Request, Stages, PIECE_BYTES};

/// What the engine answers: the [`Reply`]'s bytes, the parts it names (each its own buffer, so the
/// page decodes one per task), and the zip it names, as a Blob written while it was made.
pub struct Answer {
    pub reply: Vec<u8>,
    pub parts: Vec<Vec<u8>>,
    pub zip: Option<web_sys::Blob>,
}

/// What crosses beside a reply (see [`Answer`]).
#[derive(Default)]
struct Beside {
    parts: Vec<Vec<u8>>,
    zip: Option<web_sys::Blob>,
}

/// Bytes of a zip the module's memory holds before they leave it as a piece of the Blob.
pub const ZIP_PIECE_BYTES: usize = 1 << 20;

/// A zip as the engine writes it, leaving the module's memory a piece at a time as Blobs; the
/// whole zip is one Blob made of them (which copies none of their bytes), so the module never
/// holds more than one piece of it.
pub struct ZipPieces {
    pending: Vec<u8>,
    pieces: js_sys::Array,
}

impl ZipPieces {
    pub fn new() -> ZipPieces {
        ZipPieces { pending: Vec::with_capacity(ZIP_PIECE_BYTES), pieces: js_sys::Array::new() }
    }

    /// How many pieces have left the module so far.
    pub fn pieces(&self) -> u32 {
        self.pieces.length()
    }

    fn hand_out(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // A copy, not a view into the module's memory: handing a JS value to the module can grow
        // that memory and detach a view before the Blob is made.
        let view = js_sys::Uint8Array::from(&self.pending[..]);
        let piece = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&view))
            .map_err(|_| std::io::Error::other("the browser made no Blob of the zip's piece"))?;
        self.pieces.push(&piece);
        self.pending.clear();
        Ok(())
    }

    /// The whole zip, as one Blob of its pieces.
    pub fn finish(mut self) -> Result<web_sys::Blob, String> {
        self.hand_out().map_err(|e| e.to_string())?;
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/zip");
        web_sys::Blob::new_with_blob_sequence_and_options(&self.pieces, &options).map_err(|_| "the browser made no Blob of the zip".to_owned())
    }
}

impl Default for ZipPieces {
    fn default() -> Self {
        ZipPieces::new()
    }
}

impl std::io::Write for ZipPieces {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= ZIP_PIECE_BYTES {
            self.hand_out()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bundle's zip, written as it is made (see [`ZipPieces`]).
fn zip(bundle: &Bundle, now: i64) -> Result<web_sys::Blob, String> {
    bundle.write_zip(now, ZipPieces::new()).map_err(|e| e.to_string())?.finish()
}

/// Answers one request; every failure is a [`Reply::Failed`] saying why.
pub fn call(request: &[u8]) -> Answer {
    let (reply, Beside { parts, zip }) = match decode::<Request>(request).and_then(answer) {
        Ok(answered) => answered,
        Err(why) => (Reply::Failed(why), Beside::default()),
    };
    Answer { reply: encode(&reply).or_else(|e| encode(&Reply::Failed(e))).unwrap_or_default(), parts, zip }
}

/// A reply with nothing beside it.
fn plain(reply: Reply) -> Result<(Reply, Beside), String> {
    Ok((reply, Beside::default()))
}

fn answer(request: Request) -> Result<(Reply, Beside), String> {
    match request {
        Request::MakeKeys { algorithms } => {
            let keys = algorithms.into_iter().map(|a| PrivateKey::generate(a).map(|k| k.pkcs8_der().to_vec()));
            plain(Reply::Keys(keys.collect::<Result<_, _>>().map_err(|e| e.to_string())?))
        }
        Request::Generate { project, now, include_ca_key, keys } => generate(&project, now, include_ca_key, &keys),
        Request::Zip { artifacts, now } => {
            let zip = zip(&Bundle { artifacts }, now)?;
            Ok((Reply::Zip, Beside { zip: Some(zip), ..Beside::default() }))
        }
        Request::CheckBundle { zip, now } => {
            let files = BundleFiles::from_zip(&zip).map_err(|e| e.to_string())?;
            let context = CheckContext { now, version: studio::check::version_of(&files), expected_ips: Default::default() };
            let report = studio::check::check(&files, &context);
            plain(Reply::BundleChecked { report, paths: files.entries.into_keys().collect() })
        }
        Request::ExamineCa { certificate, key, now } => plain(Reply::CaExamined(studio::input::examine_imported_ca(&certificate, &key, now))),
        Request::ReadProject { text } => plain(Reply::Project(SpecFile::from_yaml(&text).and_then(|file| file.to_json()))),
        Request::SignCsr { project, csr, now } => {
            let spec = SpecFile::from_json(&project)
                .map_err(|e| e.to_string())?
                .validate(now)
                .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
            plain(Reply::Signed(studio::sign_pasted_csr(&spec, &csr, now)))
        }
        Request::CheckApiserverCert { zip, certificate, now } => {
            let files = BundleFiles::from_zip(&zip).map_err(|e| e.to_string())?;
            let context = CheckContext { now, version: studio::check::version_of(&files), expected_ips: Default::default() };
            plain(Reply::Checked(studio::check::check_apiserver_certificate(&files, &certificate, "the pasted certificate", &context)))
        }
        Request::WriteProject { project } => {
            plain(Reply::ProjectFile(SpecFile::from_json(&project).and_then(|file| file.to_yaml()).map_err(|e| e.to_string())?))
        }
    }
}

/// Times a run's stages as they end.
struct Stopwatch {
    last: f64,
    stages: Stages,
}

impl Stopwatch {
    fn start() -> Self {
        let began = platform::clock();
        Stopwatch { last: began, stages: Stages { began, laps: Vec::new() } }
    }

    fn lap(&mut self, stage: &str) {
        let now = platform::clock();
        self.stages.laps.push((stage.to_owned(), now - self.last));
        self.last = now;
    }
}

fn generate(project: &str, now: i64, include_ca_key: bool, keys_in: &[Vec<u8>]) -> Result<(Reply, Beside), String> {
    let mut watch = Stopwatch::start();
    let spec = SpecFile::from_json(project)
        .map_err(|e| e.to_string())?
        .validate(now)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
    let requests = studio::key_requests(&spec);
    if keys_in.len() != requests.len() {
        return Err(format!("{} keys for {} roles", keys_in.len(), requests.len()));
    }
    let mut keys = KeySet::default();
    for (request, der) in requests.iter().zip(keys_in) {
        keys.insert(request.id.clone(), PrivateKey::from_pkcs8_der(der).map_err(|e| format!("{}: {e}", request.id))?);
    }
    // A bootstrap token from the browser's CSPRNG (WebCrypto's getRandomValues).
    if spec.bootstrap().is_some() {
        keys.set_token(BootstrapToken::generate().map_err(|e| e.to_string())?);
    }
    watch.lap("read");
    let options = RenderOptions { now, include_ca_key };
    let (bundle, report) = studio::generate_staged(&spec, &keys, options, |stage| watch.lap(stage.as_str())).map_err(|e| e.to_string())?;
    let zip = zip(&bundle, now)?;
    watch.lap("zip");
    let mut parts = report_parts(report)?;
    let report_parts = parts.len();
    let mut rest = &bundle.artifacts[..];
    while !rest.is_empty() {
        let mut size = 0;
        let count = rest
            .iter()
            .take_while(|a| {
                let before = size;
                size += a.content.len();
                before < PIECE_BYTES
            })
            .count();
        let (piece, tail) = rest.split_at(count.max(1));
        parts.push(encode(&piece)?);
        rest = tail;
    }
    watch.lap("pack");
    Ok((Reply::Generated { report_parts, stages: watch.stages }, Beside { parts, zip: Some(zip) }))
}
