//! The PyO3 binding: one thin module, `dechaff._core`. Every call into the engine releases
//! the GIL; a batch crosses the boundary once and runs on rayon inside the released section.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{offsets, Cleaned, Engine, EngineOptions, Error, Mode, NormaliseOptions};

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
type PyRemoval = (usize, usize, String, String);
/// (text, normalized, removals, metadata, mode that ran, error message, languages whose rules ran).
type PyCleaned = (String, String, Vec<PyRemoval>, Vec<(String, String)>, &'static str, Option<String>, Option<String>);

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

fn convert(engine: &Engine, c: Cleaned) -> PyCleaned {
    let mut offs: Vec<usize> = c.removals.iter().flat_map(|r| [r.start, r.end]).collect();
    offsets::bytes_to_chars(&c.normalized, &mut offs);
    let removals = c
        .removals
        .iter()
        .zip(offs.chunks_exact(2))
        .map(|(r, o)| {
            let (id, cat) = engine.describe(r.cause);
            (o[0], o[1], id.to_string(), cat.to_string())
        })
        .collect();
    (c.text, c.normalized, removals, c.metadata, mode_name(c.mode), None, c.lang)
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

    /// Clean one document: (text, normalized, removals, metadata, mode, None, languages).
    #[pyo3(signature = (text, mode="article"))]
    fn clean(&self, py: Python<'_>, text: String, mode: &str) -> PyResult<PyCleaned> {
        let (engine, mode) = (&self.inner, parse_mode(mode)?);
        py.detach(|| engine.try_clean(&text, mode).map(|c| convert(engine, c))).map_err(to_py_err)
    }

    /// Clean many documents on `threads` threads (0: all cores). A document that cannot be
    /// cleaned gives ("", "", [], [], mode, message) in its place; the others are unaffected.
    #[pyo3(signature = (texts, threads=0, mode="article"))]
    fn clean_batch(&self, py: Python<'_>, texts: Vec<String>, threads: usize, mode: &str) -> PyResult<Vec<PyCleaned>> {
        let (engine, mode) = (&self.inner, parse_mode(mode)?);
        Ok(py.detach(|| {
            engine
                .clean_batch(&texts, mode, threads)
                .into_iter()
                .map(|r| match r {
                    Ok(c) => convert(engine, c),
                    Err(e) => {
                        let error = Some(e.to_string());
                        (String::new(), String::new(), Vec::new(), Vec::new(), mode_name(mode), error, None)
                    }
                })
                .collect()
        }))
    }

    /// Just the cleaned texts of many documents (documents that cannot be cleaned give None).
    #[pyo3(signature = (texts, threads=0, mode="article"))]
    fn clean_texts(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        threads: usize,
        mode: &str,
    ) -> PyResult<Vec<Option<String>>> {
        let (engine, mode) = (&self.inner, parse_mode(mode)?);
        Ok(py
            .detach(|| engine.clean_batch(&texts, mode, threads).into_iter().map(|r| r.ok().map(|c| c.text)).collect()))
    }

    /// Is `text` whole-page text (menus and teasers around an article)?
    fn detect_page(&self, py: Python<'_>, text: String) -> bool {
        let engine = &self.inner;
        py.detach(|| engine.detect_page(&text))
    }

    /// Normalise with this engine's options.
    fn normalize(&self, py: Python<'_>, text: String) -> String {
        let engine = &self.inner;
        py.detach(|| engine.normalise(&text))
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
    /// chars after), [(rule, category, removals, chars)]). See `records::clean_jsonl_block`.
    #[pyo3(signature = (block, text_field="text", report_field="dechaff", threads=0, mode="article"))]
    #[allow(clippy::type_complexity)]
    fn clean_jsonl<'py>(
        &self,
        py: Python<'py>,
        block: &[u8],
        text_field: &str,
        report_field: &str,
        threads: usize,
        mode: &str,
    ) -> PyResult<(
        Bound<'py, pyo3::types::PyBytes>,
        Vec<(usize, usize, usize, usize)>,
        (u64, u64, u64, u64, u64, u64),
        Vec<(String, String, u64, u64)>,
    )> {
        use crate::records::{clean_jsonl_block, JsonlOptions};
        let opts =
            JsonlOptions { text_field: text_field.into(), report_field: report_field.into(), mode: parse_mode(mode)? };
        let engine = &self.inner;
        let r = py.detach(|| clean_jsonl_block(engine, block, &opts, threads));
        let s = r.stats;
        Ok((
            pyo3::types::PyBytes::new(py, &r.out),
            r.fallbacks.iter().map(|f| (f.line, f.start, f.end, f.at)).collect(),
            (s.written, s.bytes_in, s.changed, s.emptied, s.chars_before, s.chars_after),
            s.rules.into_iter().map(|c| (c.rule, c.category, c.removals, c.chars)).collect(),
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
    py: Python<'_>,
    text: String,
    ascii_punctuation: bool,
    bullets: bool,
    space_before_punctuation: bool,
    french_spacing: bool,
) -> String {
    let opts = NormaliseOptions { ascii_punctuation, bullets, space_before_punctuation, french_spacing };
    py.detach(|| crate::normalise(&text, &opts))
}

/// The language of `text` ("en", "de", "fr", "es", "it", "pt", "ru", "uk"), or None when the
/// detector cannot tell (too few function words, or another script).
#[pyfunction]
fn detect_language(py: Python<'_>, text: String) -> Option<&'static str> {
    py.detach(|| crate::lang::detect(&text))
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(detect_language, m)?)?;
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
            "DechaffError",
            "Engine",
            "InputError",
            "LANGUAGES",
            "OptionError",
            "RuleError",
            "detect_language",
            "normalize",
        ],
    )?;
    Ok(())
}
