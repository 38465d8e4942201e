//! `dechaff.CleanResult`: what cleaning one document gives, one Rust object per document.
//!
//! A batch makes a result per document under the GIL, so a result must be cheap to make: one
//! allocation, the clean text already a Python string, and everything else kept as the engine
//! gave it until read (most pipelines read only `text`). The metadata dict, the normalised text
//! and the `Removal` tuples are built on first read; each is built once, and two threads reading
//! it at once get the same object. Of a result's fields only the metadata dict (the caller's to
//! change) and a caller-made removals tuple can hold arbitrary objects; `__traverse__` visits both.
//! An engine-made result stays out of the cyclic collector's work until its metadata dict exists;
//! one made from Python values is tracked from the start.

use std::sync::{Mutex, OnceLock, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PySlice, PyString, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use super::{with_text, PyCleaned, PyEngine};
use crate::Removal;

/// What cleaning one document gives.
///
/// ``text`` is the clean text; ``normalized`` the normalised input that ``removals`` index into
/// (code points); ``metadata`` holds fields found on the way (a leaked ``date`` label, the
/// decoding used for bytes, …); ``mode`` the mode that ran; ``lang``, with ``lang="auto"``, the
/// language whose rules ran (``"de"``; ``"all"``: every language's, for text whose language the
/// detector could not tell), else ``None``.
///
/// Results are immutable and compare by value. A result made by a :class:`Cleaner` builds
/// ``metadata``, ``normalized`` and ``removals`` on first access (most pipelines read only
/// ``text``).
#[pyclass(frozen, name = "CleanResult", module = "dechaff")]
pub struct CleanResult {
    text: Py<PyString>,
    mode: Py<PyString>,
    lang: Option<Py<PyString>>,
    /// The metadata dict: given, or made from `found` on first read.
    metadata: OnceLock<Py<PyDict>>,
    /// The fields the engine found, as (name, value) pairs.
    found: Vec<(String, String)>,
    normalized: OnceLock<Py<PyString>>,
    removals: OnceLock<Py<PyTuple>>,
    /// What an engine-made result needs to build `normalized` and `removals`; let go once
    /// `removals` is built (None for a result made from Python values).
    engine_side: Mutex<Option<EngineSide>>,
}

/// An engine-made result's removals as the engine gave them, and what makes its normalised text.
struct EngineSide {
    /// The text that was cleaned: normalising it again gives `normalized`.
    input: Py<PyString>,
    /// Offsets in code points of the normalised text.
    spans: Vec<Removal>,
    normalized_chars: usize,
    /// The engine whose rules the spans' causes index.
    engine: Py<PyEngine>,
}

impl EngineSide {
    /// The spans as (start, end, rule id, category).
    fn described(&self) -> Vec<(usize, usize, String, String)> {
        let engine = &self.engine.get().inner;
        let owned = |(start, end, rule, cat): (usize, usize, &str, &str)| (start, end, rule.to_owned(), cat.to_owned());
        engine.described_removals(&self.spans).into_iter().map(owned).collect()
    }
}

/// What the engine gives for one cleaned document, for [`CleanResult::from_engine`].
pub(super) struct Engined {
    pub(super) text: Py<PyString>,
    pub(super) input: Py<PyString>,
    pub(super) spans: Vec<Removal>,
    pub(super) normalized_chars: usize,
    pub(super) found: Vec<(String, String)>,
    pub(super) mode: Py<PyString>,
    pub(super) lang: Option<Py<PyString>>,
    pub(super) engine: Py<PyEngine>,
}

/// `dechaff.api.Removal`, the named tuple of a removed span.
static REMOVAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl CleanResult {
    /// A result whose metadata, normalised text and removals are built when first read.
    pub(super) fn from_engine(e: Engined, metadata: Option<Py<PyDict>>) -> CleanResult {
        let Engined { text, input, spans, normalized_chars, found, mode, lang, engine } = e;
        CleanResult {
            text,
            mode,
            lang,
            metadata: metadata.map(OnceLock::from).unwrap_or_default(),
            found,
            normalized: OnceLock::new(),
            removals: OnceLock::new(),
            engine_side: Mutex::new(Some(EngineSide { input, spans, normalized_chars, engine })),
        }
    }

    /// `f` of the engine's side, while the result still has it.
    fn with_engine_side<R>(&self, f: impl FnOnce(&EngineSide) -> R) -> Option<R> {
        self.engine_side.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(f)
    }

    fn normalized_text<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        if let Some(n) = self.normalized.get() {
            return Ok(n.bind(py).clone());
        }
        // Made without holding the lock: normalising detaches from the interpreter.
        let (input, engine) = self
            .with_engine_side(|s| (s.input.clone_ref(py), s.engine.clone_ref(py)))
            .expect("a result without its normalised text keeps the engine's side");
        let made = with_text(input.bind(py), |t| engine.get().inner.normalise(t))?;
        let made = PyString::new(py, &made).unbind();
        Ok(self.normalized.get_or_init(|| made).bind(py).clone())
    }

    fn removal_tuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if let Some(r) = self.removals.get() {
            return Ok(r.bind(py).clone());
        }
        let normalized = self.normalized_text(py)?;
        let spans = self.with_engine_side(EngineSide::described);
        // Another thread built them and let the engine's side go in the meantime.
        let Some(spans) = spans else {
            return Ok(self.removals.get().expect("built before the engine's side went").bind(py).clone());
        };
        let removal = REMOVAL.import(py, "dechaff.api", "Removal")?;
        let items = spans
            .into_iter()
            .map(|(start, end, rule, category)| {
                let text = normalized.get_item(PySlice::new(py, start as isize, end as isize, 1))?;
                removal.call1((start, end, rule, category, text))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let made = PyTuple::new(py, items)?.unbind();
        let removals = self.removals.get_or_init(|| made).bind(py).clone();
        // Both are Python objects now: the engine's copies (and the input) can go.
        *self.engine_side.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(removals)
    }

    /// The metadata dict, made on first read. An engine-made result is not tracked by the cyclic
    /// collector until then (see [`CleanResult::untracked`]): the dict is the first of its fields
    /// that can take other objects.
    fn metadata_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let (py, this) = (slf.py(), slf.get());
        if let Some(m) = this.metadata.get() {
            return Ok(m.bind(py).clone());
        }
        let made = PyDict::new(py);
        for (name, value) in &this.found {
            made.set_item(name, value)?;
        }
        let made = made.unbind();
        let mut stored = false;
        let dict = this.metadata.get_or_init(|| {
            stored = true;
            made
        });
        if stored {
            super::storage::track(slf.as_any());
        }
        Ok(dict.bind(py).clone())
    }

    /// `result`, made by the engine, left out of the cyclic collector's work: until its metadata
    /// dict is made it holds strings and tuples of strings and numbers only, which cannot be part
    /// of a cycle. Tracking every result made a batch's collections walk all of them (about 150 ns
    /// per result in all, measured on 100,000 short documents).
    pub(super) fn untracked(result: Bound<'_, Self>) -> Bound<'_, Self> {
        super::storage::untrack(result.as_any());
        result
    }

    /// `len(normalized)`, without making it while the engine's side knows it.
    fn normalized_chars(&self, py: Python<'_>) -> PyResult<usize> {
        if let Some(n) = self.with_engine_side(|s| s.normalized_chars) {
            return Ok(n);
        }
        self.normalized_text(py)?.len()
    }

    /// (text, normalized, removals, metadata, mode, lang): what results compare and pickle by.
    fn key<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let (py, this) = (slf.py(), slf.get());
        PyTuple::new(
            py,
            [
                this.text.bind(py).clone().into_any(),
                this.normalized_text(py)?.into_any(),
                this.removal_tuple(py)?.into_any(),
                Self::metadata_dict(slf)?.into_any(),
                this.mode.bind(py).clone().into_any(),
                this.lang_object(py),
            ],
        )
    }

    fn lang_object<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.lang.as_ref().map_or_else(|| py.None().into_bound(py), |l| l.bind(py).clone().into_any())
    }
}

#[pymethods]
impl CleanResult {
    #[new]
    #[pyo3(signature = (text, normalized, removals=None, metadata=None, mode=None, lang=None))]
    fn new(
        text: Bound<'_, PyString>,
        normalized: Bound<'_, PyString>,
        removals: Option<Bound<'_, PyAny>>,
        metadata: Option<Bound<'_, PyDict>>,
        mode: Option<Bound<'_, PyString>>,
        lang: Option<Bound<'_, PyString>>,
    ) -> PyResult<CleanResult> {
        let py = text.py();
        let removals = match removals {
            Some(r) => PyTuple::new(py, r.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
            None => PyTuple::empty(py),
        };
        Ok(CleanResult {
            text: text.unbind(),
            mode: mode.map_or_else(|| pyo3::intern!(py, "article").clone().unbind(), Bound::unbind),
            lang: lang.map(Bound::unbind),
            metadata: OnceLock::from(metadata.unwrap_or_else(|| PyDict::new(py)).unbind()),
            found: Vec::new(),
            normalized: OnceLock::from(normalized.unbind()),
            removals: OnceLock::from(removals.unbind()),
            engine_side: Mutex::new(None),
        })
    }

    /// A result of `raw` (an engine result without an error) with `metadata` and `mode`.
    #[staticmethod]
    fn _from_engine(
        raw: &Bound<'_, PyCleaned>,
        metadata: Bound<'_, PyDict>,
        mode: Bound<'_, PyString>,
    ) -> PyResult<CleanResult> {
        let (py, raw) = (raw.py(), raw.get());
        let Some(input) = &raw.input else {
            return Err(super::InputError::new_err(raw.error.clone().unwrap_or_default()));
        };
        let engined = Engined {
            text: raw.text.clone_ref(py),
            input: input.clone_ref(py),
            spans: raw.removals.clone(),
            normalized_chars: raw.normalized_chars,
            found: Vec::new(),
            mode: mode.unbind(),
            lang: raw.lang.as_deref().map(|l| PyString::new(py, l).unbind()),
            engine: raw.engine.clone_ref(py),
        };
        Ok(CleanResult::from_engine(engined, Some(metadata.unbind())))
    }

    /// The clean text.
    #[getter]
    fn text(&self, py: Python<'_>) -> Py<PyString> {
        self.text.clone_ref(py)
    }

    /// The normalised input: ``removals`` index into it.
    #[getter]
    fn normalized<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        self.normalized_text(py)
    }

    /// The removed spans, in input order.
    #[getter]
    fn removals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.removal_tuple(py)
    }

    /// Fields found on the way (a leaked ``date`` label, the decoding used for bytes, …).
    #[getter]
    fn metadata<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        Self::metadata_dict(slf)
    }

    /// The mode that ran: ``article``, ``page`` or ``html``.
    #[getter]
    fn mode(&self, py: Python<'_>) -> Py<PyString> {
        self.mode.clone_ref(py)
    }

    /// With ``lang="auto"``, the language whose rules ran, else None.
    #[getter]
    fn lang<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.lang_object(py)
    }

    /// True when cleaning removed something (normalisation alone does not count).
    #[getter]
    fn changed(&self, py: Python<'_>) -> PyResult<bool> {
        if let Some(n) = self.with_engine_side(|s| !s.spans.is_empty()) {
            return Ok(n);
        }
        Ok(!self.removal_tuple(py)?.is_empty())
    }

    /// Characters of the normalised text that cleaning removed.
    #[getter]
    fn chars_removed(&self, py: Python<'_>) -> PyResult<isize> {
        let before = self.normalized_chars(py)? as isize;
        Ok(before - self.text.bind(py).len()? as isize)
    }

    /// A JSON-ready summary: removed spans with rule ids and categories, sizes, metadata (and
    /// ``lang`` when it was detected).
    fn report<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let (py, this) = (slf.py(), slf.get());
        // Spans from the engine while it has them: the normalised text is not needed.
        let from_engine = this.with_engine_side(EngineSide::described);
        let removed = pyo3::types::PyList::empty(py);
        let add = |start: Bound<'py, PyAny>, end, rule, category| -> PyResult<()> {
            let span = PyDict::new(py);
            span.set_item(pyo3::intern!(py, "start"), start)?;
            span.set_item(pyo3::intern!(py, "end"), end)?;
            span.set_item(pyo3::intern!(py, "rule"), rule)?;
            span.set_item(pyo3::intern!(py, "category"), category)?;
            removed.append(span)
        };
        match from_engine {
            Some(spans) => {
                for (start, end, rule, category) in spans {
                    let o = |v: usize| v.into_pyobject(py).map(|v| v.into_any());
                    add(
                        o(start)?,
                        o(end)?,
                        PyString::new(py, &rule).into_any(),
                        PyString::new(py, &category).into_any(),
                    )?;
                }
            }
            None => {
                for r in this.removal_tuple(py)?.iter() {
                    let field = |name: &str| r.getattr(name);
                    add(field("start")?, field("end")?, field("rule")?, field("category")?)?;
                }
            }
        }
        let out = PyDict::new(py);
        out.set_item(pyo3::intern!(py, "removed"), removed)?;
        out.set_item(pyo3::intern!(py, "chars_before"), this.normalized_chars(py)?)?;
        out.set_item(pyo3::intern!(py, "chars_after"), this.text.bind(py).len()?)?;
        out.set_item(pyo3::intern!(py, "metadata"), Self::metadata_dict(slf)?.copy()?)?;
        out.set_item(pyo3::intern!(py, "mode"), this.mode.bind(py))?;
        if let Some(lang) = &this.lang {
            out.set_item(pyo3::intern!(py, "lang"), lang.bind(py))?;
        }
        Ok(out)
    }

    fn __eq__<'py>(slf: &Bound<'py, Self>, other: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let Ok(other) = other.cast::<CleanResult>() else {
            return Ok(py.NotImplemented());
        };
        let equal = Self::key(slf)?.eq(Self::key(other)?)?;
        Ok(pyo3::types::PyBool::new(py, equal).to_owned().into_any().unbind())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let key = Self::key(slf)?;
        let r = |i: usize| -> PyResult<String> { Ok(key.get_item(i)?.repr()?.to_string()) };
        Ok(format!(
            "CleanResult(text={}, normalized={}, removals={}, metadata={}, mode={}, lang={})",
            r(0)?,
            r(1)?,
            r(2)?,
            r(3)?,
            r(4)?,
            r(5)?
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        Ok((slf.get_type(), Self::key(slf)?))
    }

    fn __setattr__(&self, name: Bound<'_, PyString>, _value: Bound<'_, PyAny>) -> PyResult<()> {
        Err(pyo3::exceptions::PyAttributeError::new_err(format!(
            "CleanResult is immutable: cannot set {}",
            name.repr()?
        )))
    }

    fn __delattr__(&self, name: Bound<'_, PyString>) -> PyResult<()> {
        Err(pyo3::exceptions::PyAttributeError::new_err(format!(
            "CleanResult is immutable: cannot delete {}",
            name.repr()?
        )))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(m) = self.metadata.get() {
            visit.call(m)?;
        }
        if let Some(r) = self.removals.get() {
            visit.call(r)?;
        }
        Ok(())
    }
}
