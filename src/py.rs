//! The PyO3 binding: one thin module, `dechaff._core`. Every call into the engine releases
//! the GIL; a batch crosses the boundary once and runs on rayon inside the released section.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::{Cleaned, Engine, EngineOptions, Error, Mode, NormaliseOptions, Removal};

mod result;

create_exception!(_core, DechaffError, PyValueError, "Base class of every dechaff error (a ValueError).");
create_exception!(_core, RuleError, DechaffError, "A rule file or rule is invalid; the message names the rule.");
create_exception!(_core, InputError, DechaffError, "The input cannot be cleaned (for example it exceeds max_bytes).");
create_exception!(_core, OptionError, DechaffError, "An option value is invalid.");

fn to_py_err(e: Error) -> PyErr {
    match &e {
        Error::Rule { .. } => RuleError::new_err(e.to_string()),
        Error::Option { .. } => OptionError::new_err(e.to_string()),
        Error::Input { .. } => InputError::new_err(e.to_string()),
    }
}

/// (start, end, rule id, category), code-point offsets into `normalized`.
type PyRemoval<'a> = (usize, usize, &'a str, &'a str);

fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "article" => Ok(Mode::Article),
        "page" => Ok(Mode::Page),
        "auto" => Ok(Mode::Auto),
        other => Err(OptionError::new_err(format!("unknown engine mode {other:?}: article, page or auto"))),
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Article => "article",
        Mode::Page => "page",
        Mode::Auto => "auto",
    }
}

/// One cleaned document. `text` becomes a Python string at once; the removals stay in Rust until
/// asked for (most pipelines read only `text`, and building them under the GIL was a third of a
/// batch's time). The normalised text is not kept at all: it is made again from the input when
/// first asked for (normalising is a pure function of the input and the engine's options, and a
/// tenth of the cost of cleaning). Keeping it cost a batch its size in memory, freed serially by
/// the caller, and fresh pages for the next.
#[pyclass(frozen, name = "Result", module = "dechaff._core")]
struct PyCleaned {
    text: Py<PyString>,
    /// The input (None for a document that could not be cleaned: its normalised text is "").
    input: Option<Py<PyString>>,
    /// The normalised input, once made.
    normalized: std::sync::OnceLock<String>,
    /// Its length in code points.
    normalized_chars: usize,
    /// Offsets in code points of the normalised text (see [`Kept`]).
    removals: Vec<Removal>,
    metadata: Vec<(String, String)>,
    mode: &'static str,
    lang: Option<String>,
    error: Option<String>,
    /// The engine whose rules the removals' causes index.
    engine: Py<PyEngine>,
}

#[pymethods]
impl PyCleaned {
    /// The clean text ("" when `error` is set).
    #[getter]
    fn text(&self, py: Python<'_>) -> Py<PyString> {
        self.text.clone_ref(py)
    }

    /// Fields found by label rules, as (name, value) pairs.
    #[getter]
    fn metadata(&self) -> Vec<(String, String)> {
        self.metadata.clone()
    }

    /// The mode that ran: "article" or "page".
    #[getter]
    fn mode(&self) -> &'static str {
        self.mode
    }

    /// With language detection, the language whose rules ran ("all": every language's).
    #[getter]
    fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// Why the document could not be cleaned (None: it was).
    #[getter]
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// How many spans were removed (without building them).
    #[getter]
    fn removal_count(&self) -> usize {
        self.removals.len()
    }

    /// The normalised input, which `removals()` index into.
    fn normalized(&self, py: Python<'_>) -> PyResult<&str> {
        self.normalized_text(py)
    }

    /// The removed spans as (start, end, rule id, category), in code points of `normalized()`.
    fn removals(&self) -> Vec<PyRemoval<'_>> {
        self.engine.get().inner.described_removals(&self.removals)
    }

    /// The length of `normalized()` in code points (without making it).
    #[getter]
    fn normalized_chars(&self) -> usize {
        self.normalized_chars
    }

    /// The dict `CleanResult.report()` gives, built without making the normalised text or the
    /// removals Python objects: `removed` (start, end, rule, category of each span), `chars_before`,
    /// `chars_after`, `metadata`, `mode` and, when detected, `lang`.
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let removed = pyo3::types::PyList::empty(py);
        for (start, end, rule, category) in self.removals() {
            let span = PyDict::new(py);
            span.set_item(pyo3::intern!(py, "start"), start)?;
            span.set_item(pyo3::intern!(py, "end"), end)?;
            span.set_item(pyo3::intern!(py, "rule"), rule)?;
            span.set_item(pyo3::intern!(py, "category"), category)?;
            removed.append(span)?;
        }
        // dict(pairs): a repeated name keeps its first place and takes the last value
        let metadata = PyDict::new(py);
        for (name, value) in &self.metadata {
            metadata.set_item(name, value)?;
        }
        let out = PyDict::new(py);
        out.set_item(pyo3::intern!(py, "removed"), removed)?;
        out.set_item(pyo3::intern!(py, "chars_before"), self.normalized_chars)?;
        out.set_item(pyo3::intern!(py, "chars_after"), self.text.bind(py).len()?)?;
        out.set_item(pyo3::intern!(py, "metadata"), metadata)?;
        out.set_item(pyo3::intern!(py, "mode"), self.mode)?;
        if let Some(lang) = &self.lang {
            out.set_item(pyo3::intern!(py, "lang"), lang)?;
        }
        Ok(out)
    }
}

impl PyCleaned {
    /// The normalised input, made from the input on first use (without the GIL) and kept.
    fn normalized_text(&self, py: Python<'_>) -> PyResult<&str> {
        if let Some(n) = self.normalized.get() {
            return Ok(n);
        }
        let made = match &self.input {
            Some(input) => with_text(input.bind(py), |t| self.engine.get().inner.normalise(t))?,
            None => String::new(),
        };
        Ok(self.normalized.get_or_init(|| made))
    }
}

/// Counts over cleaned documents (those without an error), for run statistics: per (rule,
/// category) in first-seen order the removals and their characters, then the characters before
/// and after, how many documents changed and how many non-empty ones became empty.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn tally(
    py: Python<'_>,
    results: Vec<Bound<'_, PyCleaned>>,
) -> PyResult<(Vec<(String, String, u64, u64)>, u64, u64, u64, u64)> {
    let mut by_rule: Vec<(String, String, u64, u64)> = Vec::new();
    let mut index: rustc_hash::FxHashMap<(&str, &str), usize> = Default::default();
    let (mut before, mut after, mut changed, mut emptied) = (0u64, 0u64, 0u64, 0u64);
    for r in &results {
        let r = r.get();
        if r.error.is_some() {
            continue;
        }
        for (start, end, rule, category) in r.removals() {
            let k = *index.entry((rule, category)).or_insert_with(|| {
                by_rule.push((rule.to_string(), category.to_string(), 0, 0));
                by_rule.len() - 1
            });
            by_rule[k].2 += 1;
            by_rule[k].3 += (end - start) as u64;
        }
        let n = r.normalized_chars as u64;
        let m = r.text.bind(py).len()? as u64;
        before += n;
        after += m;
        changed += u64::from(!r.removals.is_empty());
        emptied += u64::from(n > 0 && m == 0);
    }
    Ok((by_rule, before, after, changed, emptied))
}

/// A cleaned document as the binding keeps it: [`Cleaned`] without its text (written into a
/// Python string) and without its normalised text (dropped on the engine's thread; see
/// [`PyCleaned`]), whose length in code points it keeps.
struct Kept {
    /// The removals, their offsets in code points of the normalised text (not bytes).
    removals: Vec<Removal>,
    metadata: Vec<(String, String)>,
    mode: Mode,
    lang: Option<String>,
    normalized_chars: usize,
}

impl Kept {
    /// Split `c` into its text and what the binding keeps.
    fn split(c: Cleaned) -> (String, Kept) {
        let Cleaned { text, normalized, mut removals, metadata, mode, lang } = c;
        let normalized_chars = crate::removals_to_chars(&normalized, &mut removals);
        (text, Kept { removals, metadata, mode, lang, normalized_chars })
    }
}

/// A document's result as a Python object; `text` is its cleaned text, already a Python string,
/// and `input` the text it was cleaned from.
fn to_python(
    py: Python<'_>,
    engine: &Py<PyEngine>,
    r: Result<Kept, Error>,
    mode: Mode,
    input: &Bound<'_, PyString>,
    text: Bound<'_, PyString>,
) -> PyResult<Py<PyCleaned>> {
    let cleaned = match r {
        Ok(c) => PyCleaned {
            text: text.unbind(),
            input: Some(input.clone().unbind()),
            normalized: std::sync::OnceLock::new(),
            normalized_chars: c.normalized_chars,
            removals: c.removals,
            metadata: c.metadata,
            mode: mode_name(c.mode),
            lang: c.lang,
            error: None,
            engine: engine.clone_ref(py),
        },
        Err(e) => PyCleaned {
            text: text.unbind(),
            input: None,
            normalized: std::sync::OnceLock::new(),
            normalized_chars: 0,
            removals: Vec::new(),
            metadata: Vec::new(),
            mode: mode_name(mode),
            lang: None,
            error: Some(e.to_string()),
            engine: engine.clone_ref(py),
        },
    };
    Py::new(py, cleaned)
}

/// Code points per slice of a batch cleaned on one thread: each slice's result strings are
/// allocated between its cleaning and its writing, so the texts held in between stay bounded.
/// Measured: one thread runs alike from 16 K to 1 M per slice.
const SLICE_CHARS: usize = 1 << 20;

/// Code points per chunk of a batch cleaned on several threads ([`clean_pipelined`]): small
/// enough that the engine's threads stay busy while the calling thread allocates each chunk's
/// strings, large enough that a chunk's messages and jobs cost nothing beside its cleaning.
const CHUNK_CHARS: usize = 1 << 18;

/// Chunks being cleaned at once, per engine thread ([`clean_pipelined`]): enough to keep every
/// thread busy, and a bound on the cleaned texts held before they are written.
const CHUNKS_PER_THREAD: usize = 2;

/// Split `texts` into runs of about `chars_per_slice` code points.
fn slices(texts: &[Bound<'_, PyString>], chars_per_slice: usize) -> PyResult<Vec<std::ops::Range<usize>>> {
    let mut out = Vec::new();
    let (mut start, mut chars) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        chars += t.len()?;
        if chars >= chars_per_slice {
            out.push(start..i + 1);
            (start, chars) = (i + 1, 0);
        }
    }
    if start < texts.len() {
        out.push(start..texts.len());
    }
    Ok(out)
}

/// CPython's objects, read and written directly: the binding's only unsafe code. A batch reads
/// its strings' code units and fills its results' storage on the engine's threads, with the GIL
/// released; under the GIL it only allocates. Also: taking a result in and out of the cyclic
/// collector's work ([`untrack`], [`track`]).
#[allow(unsafe_code)]
mod storage {
    use pyo3::ffi;
    use pyo3::prelude::*;
    use pyo3::types::{PyAny, PyBytes, PyString, PyStringData};

    use crate::codeunits::{CodeUnits, CodeUnitsMut, Shape};

    /// The code units of `s`, borrowed for as long as `s` is.
    pub fn read<'a>(s: &'a Bound<'_, PyString>) -> PyResult<CodeUnits<'a>> {
        // SAFETY: the slice is the string's own storage, alive while `s` holds the object. A str
        // never changes once made, so other threads may read it without the GIL.
        Ok(match unsafe { s.data() }? {
            PyStringData::Ucs1(b) => CodeUnits::Latin1(b),
            PyStringData::Ucs2(u) => CodeUnits::Ucs2(u),
            PyStringData::Ucs4(u) => CodeUnits::Ucs4(u),
        })
    }

    /// New Python strings whose code units are not written yet: nothing else can see them until
    /// [`Fresh::into_objects`], so [`Fresh::storage`] can hand out their storage to fill.
    pub struct Fresh<'py> {
        objects: Vec<Bound<'py, PyString>>,
    }

    impl<'py> Fresh<'py> {
        /// One string per shape, of its length and character width.
        pub fn new(py: Python<'py>, shapes: impl Iterator<Item = Shape>) -> PyResult<Fresh<'py>> {
            let objects = shapes
                .map(|shape| {
                    let size = ffi::Py_ssize_t::try_from(shape.chars)
                        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too long for a str"))?;
                    // SAFETY: PyUnicode_New returns a new reference, or NULL with an exception set;
                    // the object it returns is a str.
                    unsafe {
                        Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_New(size, shape.max_char))
                            .map(|o| o.cast_into_unchecked::<PyString>())
                    }
                })
                .collect::<PyResult<_>>()?;
            Ok(Fresh { objects })
        }

        /// Each string's storage, in order (`&mut self`: one writer, and no reader).
        pub fn storage(&mut self) -> Vec<CodeUnitsMut<'_>> {
            self.objects
                .iter()
                .map(|s| {
                    let ptr = s.as_ptr();
                    // SAFETY: the object is a compact str made by PyUnicode_New of this length and
                    // kind, and no one else holds it (see the type's doc), so its code units may be
                    // written through this one slice. Its length fits a usize: it came from one.
                    unsafe {
                        let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
                        let data = ffi::PyUnicode_DATA(ptr);
                        match ffi::PyUnicode_KIND(ptr) {
                            ffi::PyUnicode_1BYTE_KIND => {
                                CodeUnitsMut::Latin1(std::slice::from_raw_parts_mut(data.cast(), len))
                            }
                            ffi::PyUnicode_2BYTE_KIND => {
                                CodeUnitsMut::Ucs2(std::slice::from_raw_parts_mut(data.cast(), len))
                            }
                            _ => CodeUnitsMut::Ucs4(std::slice::from_raw_parts_mut(data.cast(), len)),
                        }
                    }
                })
                .collect()
        }

        /// The strings, for Python to see (every one must have been written).
        pub fn into_objects(self) -> Vec<Bound<'py, PyString>> {
            self.objects
        }
    }

    /// Leave `obj` out of the cyclic collector's work until [`track`] (nothing when its type does
    /// not take part in it).
    pub fn untrack(obj: &Bound<'_, PyAny>) {
        // SAFETY: a live object; PyObject_GC_UnTrack requires a type with Py_TPFLAGS_HAVE_GC,
        // checked first, and does nothing to an object that is not tracked.
        unsafe {
            if ffi::PyType_IS_GC(ffi::Py_TYPE(obj.as_ptr())) != 0 {
                ffi::PyObject_GC_UnTrack(obj.as_ptr().cast());
            }
        }
    }

    /// Give `obj`, left out by [`untrack`], back to the cyclic collector (nothing when it is
    /// tracked already, or its type does not take part in it). One call per object, from one
    /// thread: `CleanResult` calls it from the thread whose metadata dict was stored.
    pub fn track(obj: &Bound<'_, PyAny>) {
        // SAFETY: a live, whole object of a type with Py_TPFLAGS_HAVE_GC (checked first).
        // PyObject_GC_Track must not see an object that is tracked already: checked first, and no
        // other call can track it in between (one call per object, above).
        unsafe {
            let ptr = obj.as_ptr();
            if ffi::PyType_IS_GC(ffi::Py_TYPE(ptr)) != 0 && ffi::PyObject_GC_IsTracked(ptr) == 0 {
                ffi::PyObject_GC_Track(ptr.cast());
            }
        }
    }

    /// A new Python bytes object whose bytes are not written yet: as with [`Fresh`], nothing else
    /// can see it until [`FreshBytes::into_object`], so [`FreshBytes::storage`] can hand them out.
    pub struct FreshBytes<'py> {
        object: Bound<'py, PyBytes>,
    }

    impl<'py> FreshBytes<'py> {
        /// `len` bytes.
        pub fn new(py: Python<'py>, len: usize) -> PyResult<FreshBytes<'py>> {
            let size = ffi::Py_ssize_t::try_from(len)
                .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("output too long for bytes"))?;
            // SAFETY: PyBytes_FromStringAndSize with a NULL buffer returns a new reference to a bytes
            // object of `size` (uninitialised) bytes, or NULL with an exception set.
            let object = unsafe {
                Bound::from_owned_ptr_or_err(py, ffi::PyBytes_FromStringAndSize(std::ptr::null(), size))
                    .map(|o| o.cast_into_unchecked::<PyBytes>())
            }?;
            Ok(FreshBytes { object })
        }

        /// The object's bytes, to fill (`&mut self`: one writer, and no reader).
        pub fn storage(&mut self) -> &mut [u8] {
            let ptr = self.object.as_ptr();
            // SAFETY: the object is a bytes object made by `new`, held by no one else (see the
            // type's doc), so its buffer of PyBytes_GET_SIZE bytes may be written through this one
            // slice; its size fits a usize, it came from one.
            unsafe {
                let len = ffi::PyBytes_Size(ptr) as usize;
                std::slice::from_raw_parts_mut(ffi::PyBytes_AsString(ptr).cast::<u8>(), len)
            }
        }

        /// The bytes object, for Python to see (its bytes must have been written).
        pub fn into_object(self) -> Bound<'py, PyBytes> {
            self.object
        }
    }
}

/// `f` of `text` as UTF-8, run without the GIL (a lone surrogate becomes U+FFFD, see
/// [`crate::codeunits::to_utf8`]).
fn with_text<R: Send>(text: &Bound<'_, PyString>, f: impl FnOnce(&str) -> R + Send) -> PyResult<R> {
    let units = storage::read(text)?;
    Ok(text.py().detach(|| f(&crate::codeunits::to_utf8(units))))
}

/// Clean `texts` on the engine's threads, making each cleaned text a Python string (empty for a
/// document that cannot be cleaned). Under the GIL this only reads pointers, allocates the
/// result strings and builds the list; everything that touches characters runs on `threads`,
/// and so does freeing what the results do not keep. On one thread a slice is cleaned, then its
/// strings allocated, then written; on several, [`clean_pipelined`] overlaps these steps.
fn clean_to_python<'py>(
    py: Python<'py>,
    engine: &Engine,
    texts: &[Bound<'py, PyString>],
    threads: usize,
    mode: Mode,
) -> PyResult<Results<'py>> {
    if threads == 1 || texts.len() < 2 {
        clean_in_slices(py, engine, texts, mode)
    } else {
        clean_pipelined(py, engine, texts, threads, mode)
    }
}

/// A batch's results in order: what the binding keeps of each document (or why it could not be
/// cleaned) with its cleaned text as a Python string.
type Results<'py> = Vec<(Result<Kept, Error>, Bound<'py, PyString>)>;

/// Cleaned texts, each with the storage of the string it is to be written into (none for a
/// document that could not be cleaned).
type WriteJobs<'f> = Vec<(String, Option<crate::codeunits::CodeUnitsMut<'f>>)>;

/// A cleaned document: its text and what the binding keeps, or why it could not be cleaned;
/// with the shape of its text's string.
type CleanedDoc = (Result<(String, Kept), Error>, Option<crate::codeunits::Shape>);

/// Clean one document given as a Python string's code units.
fn clean_units(worker: &mut crate::Worker<'_>, units: crate::codeunits::CodeUnits<'_>, mode: Mode) -> CleanedDoc {
    use crate::codeunits::{shape, to_utf8};
    let r = worker.clean(&to_utf8(units), mode).map(Kept::split);
    let s = r.as_ref().ok().map(|(text, _)| shape(text));
    (r, s)
}

/// Pair each cleaned text of `cleaned` with the storage of its string in `fresh` (made for
/// them, in order), for [`write_all`]; and what the binding keeps of each document, in order.
fn writing_jobs<'f>(
    fresh: &'f mut storage::Fresh<'_>,
    cleaned: Vec<CleanedDoc>,
) -> (WriteJobs<'f>, Vec<Result<Kept, Error>>) {
    let mut storage = fresh.storage().into_iter();
    let mut jobs = Vec::with_capacity(cleaned.len());
    let kept = cleaned
        .into_iter()
        .map(|(r, _)| {
            r.map(|(text, k)| {
                jobs.push((text, storage.next()));
                k
            })
        })
        .collect();
    (jobs, kept)
}

/// Write each text into its string, then free it (on the thread that wrote it).
fn write_all(jobs: WriteJobs<'_>) {
    for (text, dst) in jobs {
        if let Some(dst) = dst {
            crate::codeunits::write(&text, dst);
        }
    }
}

/// The results in order: each document's kept part with its string (the empty string for a
/// document that could not be cleaned).
fn pair_up<'py>(py: Python<'py>, kept: Vec<Result<Kept, Error>>, fresh: storage::Fresh<'py>, out: &mut Results<'py>) {
    let mut objects = fresh.into_objects().into_iter();
    out.extend(kept.into_iter().map(|r| {
        let text = if r.is_ok() { objects.next() } else { None };
        (r, text.unwrap_or_else(|| PyString::intern(py, "")))
    }));
}

/// [`clean_to_python`] on the calling thread, a slice at a time: clean, allocate, write.
fn clean_in_slices<'py>(
    py: Python<'py>,
    engine: &Engine,
    texts: &[Bound<'py, PyString>],
    mode: Mode,
) -> PyResult<Results<'py>> {
    let mut out = Vec::with_capacity(texts.len());
    for slice in slices(texts, SLICE_CHARS)? {
        let units = texts[slice].iter().map(storage::read).collect::<PyResult<Vec<_>>>()?;
        let cleaned = py.detach(|| engine.map_batch(units, 1, |u, worker| clean_units(worker, u, mode)));
        let mut fresh = storage::Fresh::new(py, cleaned.iter().filter_map(|(_, s)| *s))?;
        let (jobs, kept) = writing_jobs(&mut fresh, cleaned);
        py.detach(|| write_all(jobs));
        pair_up(py, kept, fresh, &mut out);
    }
    Ok(out)
}

/// A message from a job of [`clean_pipelined`] to the calling thread.
enum Done {
    /// A chunk is cleaned: its documents, in order.
    Cleaned(usize, Vec<CleanedDoc>),
    /// A chunk's strings are written.
    Written,
    /// A job ended without its message (it panicked: the scope raises the panic when it ends).
    Lost,
}

/// A job's one message: sent by [`Signal::send`], or as [`Done::Lost`] when the job unwinds
/// first, so the calling thread never waits for a message that cannot come.
struct Signal(Option<std::sync::mpsc::Sender<Done>>);

impl Signal {
    fn send(mut self, done: Done) {
        self.deliver(done);
    }

    /// Send `done` unless a message went already (no receiver: the calling thread has stopped
    /// waiting, which is no error).
    fn deliver(&mut self, done: Done) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(done);
        }
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.deliver(Done::Lost);
    }
}

/// [`clean_to_python`] on several threads, pipelined: the engine's threads clean chunks of the
/// batch while the calling thread allocates the strings of the chunks already cleaned (under
/// the GIL), and each chunk's texts are written into its strings by a job of their own. The
/// calling thread's work thus overlaps the cleaning instead of pausing it between slices, and
/// when that thread must wait for the GIL (another Python thread is running), the engine's
/// threads go on with the chunks in flight.
fn clean_pipelined<'py>(
    py: Python<'py>,
    engine: &Engine,
    texts: &[Bound<'py, PyString>],
    threads: usize,
    mode: Mode,
) -> PyResult<Results<'py>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let units = texts.iter().map(storage::read).collect::<PyResult<Vec<_>>>()?;
    let chunks = slices(texts, CHUNK_CHARS)?;
    let mut fresh: Vec<Option<storage::Fresh<'py>>> = chunks.iter().map(|_| None).collect();
    let mut kept: Vec<Vec<Result<Kept, Error>>> = chunks.iter().map(|_| Vec::new()).collect();
    let stop = AtomicBool::new(false);
    let in_flight = CHUNKS_PER_THREAD * if threads == 0 { rayon::current_num_threads() } else { threads };
    let mut slots: Vec<Option<&mut Option<storage::Fresh<'py>>>> = fresh.iter_mut().map(Some).collect();
    let outcome = engine.in_place_scope(threads, |scope| -> PyResult<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        let clean_chunk = |k: usize| {
            let (units, signal, stop) = (&units[chunks[k].clone()], Signal(Some(tx.clone())), &stop);
            scope.spawn(move |_| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let mut worker = engine.worker();
                let cleaned = units.iter().map(|&u| clean_units(&mut worker, u, mode)).collect();
                signal.send(Done::Cleaned(k, cleaned));
            });
        };
        let mut next = chunks.len().min(in_flight);
        (0..next).for_each(clean_chunk);
        let (mut rx, mut written) = (rx, 0);
        while written < chunks.len() {
            let (message, back) = py.detach(move || (rx.recv(), rx));
            rx = back;
            match message {
                Ok(Done::Cleaned(k, cleaned)) => {
                    let slot = slots[k].take().expect("a chunk is cleaned once");
                    let strings = match storage::Fresh::new(py, cleaned.iter().filter_map(|(_, s)| *s)) {
                        Ok(strings) => slot.insert(strings),
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    };
                    let (jobs, chunk_kept) = writing_jobs(strings, cleaned);
                    kept[k] = chunk_kept;
                    let signal = Signal(Some(tx.clone()));
                    scope.spawn(move |_| {
                        write_all(jobs);
                        signal.send(Done::Written);
                    });
                    if next < chunks.len() {
                        clean_chunk(next);
                        next += 1;
                    }
                }
                Ok(Done::Written) => written += 1,
                Ok(Done::Lost) | Err(_) => {
                    // A job panicked: the scope raises its panic once the others are done.
                    stop.store(true, Ordering::Relaxed);
                    return Ok(());
                }
            }
        }
        Ok(())
    });
    drop(slots);
    outcome?;
    let mut out = Vec::with_capacity(texts.len());
    for (kept, strings) in kept.into_iter().zip(fresh) {
        let strings = strings.expect("every chunk was written");
        pair_up(py, kept, strings, &mut out);
    }
    Ok(out)
}

/// The compiled engine (rules + options). Build once, share across threads.
#[pyclass(frozen, name = "Engine", module = "dechaff._core")]
struct PyEngine {
    inner: Engine,
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (sources, *, strict=false, disable=Vec::new(), ascii_punctuation=false, bullets=false, space_before_punctuation=false, french_spacing=false, max_bytes=0, detect_language=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        sources: Vec<(String, String)>,
        strict: bool,
        disable: Vec<String>,
        ascii_punctuation: bool,
        bullets: bool,
        space_before_punctuation: bool,
        french_spacing: bool,
        max_bytes: usize,
        detect_language: bool,
    ) -> PyResult<Self> {
        let opts = EngineOptions {
            strict,
            disable,
            normalise: NormaliseOptions { ascii_punctuation, bullets, space_before_punctuation, french_spacing },
            max_bytes,
            detect_language,
        };
        let inner = py.detach(|| Engine::new(&sources, opts)).map_err(to_py_err)?;
        Ok(PyEngine { inner })
    }

    /// Clean one document (a lone surrogate becomes U+FFFD, as in [`PyEngine::clean_batch`]).
    #[pyo3(signature = (text, mode="article"))]
    fn clean(slf: &Bound<'_, Self>, text: &Bound<'_, PyString>, mode: &str) -> PyResult<Py<PyCleaned>> {
        let (py, mode) = (slf.py(), parse_mode(mode)?);
        let input = text;
        let Some((r, text)) = clean_to_python(py, &slf.get().inner, std::slice::from_ref(input), 1, mode)?.pop() else {
            return Err(DechaffError::new_err("the engine returned no result"));
        };
        if let Err(e) = &r {
            return Err(to_py_err(e.clone()));
        }
        to_python(py, &slf.clone().unbind(), r, mode, input, text)
    }

    /// Clean many documents on `threads` threads (0: all cores). A document that cannot be
    /// cleaned gives a result with `error` set in its place; the others are unaffected. A lone
    /// surrogate becomes U+FFFD (a surrogate pair, its character), as in every entry point here.
    #[pyo3(signature = (texts, threads=0, mode="article"))]
    fn clean_batch<'py>(
        slf: &Bound<'py, Self>,
        texts: Vec<Bound<'py, PyString>>,
        threads: usize,
        mode: &str,
    ) -> PyResult<Vec<Py<PyCleaned>>> {
        let (py, mode) = (slf.py(), parse_mode(mode)?);
        let handle = slf.clone().unbind();
        clean_to_python(py, &slf.get().inner, &texts, threads, mode)?
            .into_iter()
            .zip(&texts)
            .map(|((r, text), input)| to_python(py, &handle, r, mode, input, text))
            .collect()
    }

    /// Clean many documents into `dechaff.CleanResult` objects, made here without running Python
    /// code per document. The first document that cannot be cleaned raises `InputError`, as
    /// cleaning them one by one would.
    #[pyo3(signature = (texts, threads=0, mode="article"))]
    fn clean_results<'py>(
        slf: &Bound<'py, Self>,
        texts: Vec<Bound<'py, PyString>>,
        threads: usize,
        mode: &str,
    ) -> PyResult<Vec<Bound<'py, result::CleanResult>>> {
        let (py, mode) = (slf.py(), parse_mode(mode)?);
        let results = clean_to_python(py, &slf.get().inner, &texts, threads, mode)?;
        if let Some(e) = results.iter().find_map(|(r, _)| r.as_ref().err()) {
            return Err(InputError::new_err(e.to_string()));
        }
        let handle = slf.clone().unbind();
        // The few modes and languages, one Python string each.
        let mut words: Vec<(String, Py<PyString>)> = Vec::new();
        let mut name_of = |s: &str| {
            if let Some((_, o)) = words.iter().find(|(w, _)| w == s) {
                return o.clone_ref(py);
            }
            let o = PyString::new(py, s).unbind();
            words.push((s.to_string(), o.clone_ref(py)));
            o
        };
        let mut out = Vec::with_capacity(results.len());
        for ((r, text), input) in results.into_iter().zip(&texts) {
            let Ok(kept) = r else { unreachable!("errors were raised above") };
            let engined = result::Engined {
                text: text.unbind(),
                input: input.clone().unbind(),
                spans: kept.removals,
                normalized_chars: kept.normalized_chars,
                found: kept.metadata,
                mode: name_of(mode_name(kept.mode)),
                lang: kept.lang.as_deref().map(&mut name_of),
                engine: handle.clone_ref(py),
            };
            out.push(result::CleanResult::untracked(Bound::new(py, result::CleanResult::from_engine(engined, None))?));
        }
        Ok(out)
    }

    /// Just the cleaned texts of many documents (documents that cannot be cleaned give None).
    #[pyo3(signature = (texts, threads=0, mode="article"))]
    fn clean_texts<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<Bound<'py, PyString>>,
        threads: usize,
        mode: &str,
    ) -> PyResult<Vec<Option<Bound<'py, PyString>>>> {
        let results = clean_to_python(py, &self.inner, &texts, threads, parse_mode(mode)?)?;
        Ok(results.into_iter().map(|(r, text)| r.is_ok().then_some(text)).collect())
    }

    /// Is `text` whole-page text (menus and teasers around an article)?
    fn detect_page(&self, text: &Bound<'_, PyString>) -> PyResult<bool> {
        with_text(text, |t| self.inner.detect_page(t))
    }

    /// Normalise with this engine's options.
    fn normalize(&self, text: &Bound<'_, PyString>) -> PyResult<String> {
        with_text(text, |t| self.inner.normalise(t))
    }

    /// The active rules as dicts.
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.inner
            .rules()
            .iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("id", &r.id)?;
                d.set_item("category", &r.category)?;
                d.set_item("scope", format!("{:?}", r.scope).to_lowercase())?;
                d.set_item("action", action_name(r.action))?;
                d.set_item("region", region_name(r.region))?;
                let (kind, value): (&str, Vec<String>) = match &r.matcher {
                    crate::rules::Matcher::Phrases(p) => ("phrases", p.clone()),
                    crate::rules::Matcher::Pattern(p) => ("pattern", vec![p.clone()]),
                };
                d.set_item("match", kind)?;
                d.set_item(kind, value)?;
                d.set_item("max_words", (r.max_words != u32::MAX).then_some(r.max_words))?;
                d.set_item("strict", r.strict)?;
                d.set_item("source", &r.source)?;
                d.set_item("note", r.note.as_deref())?;
                Ok(d)
            })
            .collect()
    }

    /// Clean a block of JSON lines (bulk CLI fast path): returns (output lines, fallback lines as
    /// (line index, start, end, output position), (written, bytes in, changed, emptied, chars before,
    /// chars after), [(rule, category, removals, chars)], [(language, records)]). See
    /// `records::clean_jsonl_block`. Only `block[..end]` is read (default: all of it).
    #[pyo3(signature = (block, text_field="text", report_field="dechaff", threads=0, mode="article", end=None))]
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn clean_jsonl<'py>(
        &self,
        py: Python<'py>,
        block: &[u8],
        text_field: &str,
        report_field: &str,
        threads: usize,
        mode: &str,
        end: Option<usize>,
    ) -> PyResult<(
        Bound<'py, pyo3::types::PyBytes>,
        Vec<(usize, usize, usize, usize)>,
        (u64, u64, u64, u64, u64, u64),
        Vec<(String, String, u64, u64)>,
        Vec<(String, u64)>,
    )> {
        use crate::records::{clean_jsonl_block, JsonlOptions};
        let opts =
            JsonlOptions { text_field: text_field.into(), report_field: report_field.into(), mode: parse_mode(mode)? };
        let engine = &self.inner;
        let block = &block[..end.unwrap_or(block.len()).min(block.len())];
        let r = py.detach(|| clean_jsonl_block(engine, block, &opts, threads));
        // the output's one copy, into a bytes object allocated under the GIL and filled without it
        let mut bytes = storage::FreshBytes::new(py, r.len())?;
        let dst = bytes.storage();
        py.detach(|| r.write_to(dst));
        let s = r.stats;
        Ok((
            bytes.into_object(),
            r.fallbacks.iter().map(|f| (f.line, f.start, f.end, f.at)).collect(),
            (s.written, s.bytes_in, s.changed, s.emptied, s.chars_before, s.chars_after),
            s.rules.into_iter().map(|c| (c.rule, c.category, c.removals, c.chars)).collect(),
            s.langs,
        ))
    }
}

fn action_name(a: crate::rules::Action) -> &'static str {
    use crate::rules::Action::*;
    match a {
        DropLine => "drop_line",
        CutTail => "cut_tail",
        StripPrefix => "strip_prefix",
        Caption => "caption",
    }
}

fn region_name(r: crate::rules::Region) -> &'static str {
    use crate::rules::Region::*;
    match r {
        Anywhere => "anywhere",
        Head => "head",
        Tail => "tail",
        FirstLine => "first_line",
    }
}

/// Normalise text without building an engine.
#[pyfunction]
#[pyo3(signature = (text, *, ascii_punctuation=false, bullets=false, space_before_punctuation=false, french_spacing=false))]
fn normalize(
    text: &Bound<'_, PyString>,
    ascii_punctuation: bool,
    bullets: bool,
    space_before_punctuation: bool,
    french_spacing: bool,
) -> PyResult<String> {
    let opts = NormaliseOptions { ascii_punctuation, bullets, space_before_punctuation, french_spacing };
    with_text(text, |t| crate::normalise(t, &opts))
}

/// Newlines in `data[..end]` (default: all of it), counted without the GIL.
#[pyfunction]
#[pyo3(signature = (data, end=None))]
fn count_lines(py: Python<'_>, data: &[u8], end: Option<usize>) -> usize {
    let data = &data[..end.unwrap_or(data.len()).min(data.len())];
    py.detach(|| memchr::memchr_iter(b'\n', data).count())
}

/// The language of `text` ("en", "de", "fr", "es", "it", "pt", "ru", "uk"), or None when the
/// detector cannot tell (too few function words, or another script).
#[pyfunction]
fn detect_language(text: &Bound<'_, PyString>) -> PyResult<Option<&'static str>> {
    with_text(text, crate::lang::detect)
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_class::<PyCleaned>()?;
    m.add_class::<result::CleanResult>()?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(detect_language, m)?)?;
    m.add_function(wrap_pyfunction!(count_lines, m)?)?;
    m.add_function(wrap_pyfunction!(tally, m)?)?;
    m.add("LANGUAGES", crate::lang::DETECTABLE.to_vec())?;
    m.add("DechaffError", m.py().get_type::<DechaffError>())?;
    m.add("RuleError", m.py().get_type::<RuleError>())?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("OptionError", m.py().get_type::<OptionError>())?;
    m.add("CATEGORIES", crate::CATEGORIES.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "__all__",
        vec![
            "CATEGORIES",
            "CleanResult",
            "DechaffError",
            "Engine",
            "InputError",
            "LANGUAGES",
            "OptionError",
            "Result",
            "RuleError",
            "count_lines",
            "detect_language",
            "normalize",
            "tally",
        ],
    )?;
    Ok(())
}
