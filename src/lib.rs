//! dechaff: strip boilerplate from scraped article text.
//!
//! The engine is pure Rust over `&str`: normalise → segment → scan → decide → assemble.
//! Rules are data (TOML), compiled once into an [`Engine`] that threads share.
//!
//! ```
//! let engine = dechaff::Engine::builtin("en", &dechaff::EngineOptions::default()).unwrap();
//! let out = engine.clean("A long enough first paragraph of the story, with words.\n\nShare this article");
//! assert_eq!(out.text, "A long enough first paragraph of the story, with words.");
//! ```

pub mod assemble;
pub mod chartable;
pub mod codeunits;
pub mod decide;
pub mod error;
pub mod lang;
pub mod normalise;
pub mod offsets;
pub mod page;
pub mod per_thread;
pub mod records;
pub mod rules;
pub mod scan;
pub mod segment;
#[cfg(test)]
mod testing;

#[cfg(feature = "python")]
mod py;

use rayon::prelude::*;

pub use assemble::Removal;
pub use decide::{Cause, DecideOptions};
pub use error::{Error, Result};
pub use normalise::{normalise, NormaliseOptions};
pub use rules::{Rule, CATEGORIES};

use decide::{decide_round, Fate, View};
use scan::{Document, Hit, ScanBuffers, Scanner};

/// The rule files shipped with the Python package, embedded for Rust users and tests.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    ("common.toml", include_str!("../python/dechaff/rules/common.toml")),
    ("en.toml", include_str!("../python/dechaff/rules/en.toml")),
    ("de.toml", include_str!("../python/dechaff/rules/de.toml")),
    ("fr.toml", include_str!("../python/dechaff/rules/fr.toml")),
    ("es.toml", include_str!("../python/dechaff/rules/es.toml")),
    ("it.toml", include_str!("../python/dechaff/rules/it.toml")),
    ("pt.toml", include_str!("../python/dechaff/rules/pt.toml")),
    ("ru.toml", include_str!("../python/dechaff/rules/ru.toml")),
    ("uk.toml", include_str!("../python/dechaff/rules/uk.toml")),
];

/// One thread's view of an [`Engine`] in [`Engine::map_batch`]: cleans with buffers reused from
/// one document to the next.
#[derive(Debug)]
pub struct Worker<'e> {
    engine: &'e Engine,
    buf: ScanBuffers,
}

impl Worker<'_> {
    /// Clean one document in `mode`, as [`Engine::try_clean`] does.
    pub fn clean(&mut self, text: &str, mode: Mode) -> Result<Cleaned> {
        self.engine.check_size(text).map(|_| self.engine.clean_with(text, mode, &mut self.buf))
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.engine.keep_buffers(std::mem::take(&mut self.buf));
    }
}

/// A thread keeps its scan buffers between calls when they hold at most this many bytes (after a
/// huge document they are freed instead).
const KEEP_BUFFER_BYTES: usize = 4 << 20;

/// Rounds of decisions before the engine stops looking for more (it converges in 1–2).
const MAX_ROUNDS: usize = 8;

/// How a document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Already-extracted article text.
    #[default]
    Article,
    /// Whole-page text (one line per block): find the article first, then clean it.
    Page,
    /// Choose between the two per document ([`Engine::detect_page`]).
    Auto,
}

/// Options fixed when an engine is built.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Also apply the rules marked `strict` (riskier kinds).
    pub strict: bool,
    /// Categories whose rules are left out (`"duplicate"` turns de-duplication off).
    pub disable: Vec<String>,
    pub normalise: NormaliseOptions,
    /// Documents larger than this many bytes are refused with [`Error::Input`] (0: no limit).
    pub max_bytes: usize,
    /// Detect each document's language ([`lang::detect`]) and apply only the rules of files
    /// whose `meta.lang` is that language (plus every rule of a file without one of the
    /// [`lang::DETECTABLE`] languages). Undetermined text gets every language's rules.
    pub detect_language: bool,
}

/// The result of cleaning one document. Offsets are bytes into `normalized`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub text: String,
    pub normalized: String,
    pub removals: Vec<Removal>,
    /// Fields found by label rules: (name, value).
    pub metadata: Vec<(String, String)>,
    /// The mode that ran: [`Mode::Article`] or [`Mode::Page`] (never `Auto`).
    pub mode: Mode,
    /// With [`EngineOptions::detect_language`]: the language whose rules ran (`"all"`: every
    /// language's, for text whose language is undetermined); otherwise `None`.
    pub lang: Option<String>,
}

/// Turn `removals`' byte offsets into `normalized` into code-point offsets, in place, and return
/// the number of code points in `normalized`.
pub fn removals_to_chars(normalized: &str, removals: &mut [Removal]) -> usize {
    let mut offs: Vec<usize> = removals.iter().flat_map(|r| [r.start, r.end]).collect();
    let chars = offsets::bytes_to_chars(normalized, &mut offs);
    for (r, o) in removals.iter_mut().zip(offs.chunks_exact(2)) {
        (r.start, r.end) = (o[0], o[1]);
    }
    chars
}

/// Languages whose rules apply to a document, one bit per [`lang::DETECTABLE`] entry.
type LangMask = u16;
/// Every rule applies (no detection).
const ALL_LANGS: LangMask = LangMask::MAX;
/// A scanner over some of the engine's rules, with the engine's index of each of them.
type SubScanner = (Scanner, Vec<u32>);

/// Compiled rules plus options. Build once, clean many; `Sync`, so threads share it.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    scanner: Scanner,
    opts: EngineOptions,
    decide: DecideOptions,
    /// Per rule: the language bit of its file, 0 for rules that apply to every language.
    rule_langs: Vec<LangMask>,
    /// Detect languages per document (some rule has a language bit and the option is on).
    gated: bool,
    /// The language bits some rule has.
    lang_bits: LangMask,
    /// Per language bit, built on first use: a scanner over that language's rules and the
    /// language-independent ones, with the engine's index of each of its rules.
    lang_scanners: Vec<std::sync::OnceLock<Option<SubScanner>>>,
    /// Thread pools by size, built on first use: a batch must not pay for spawning threads.
    pools: std::sync::Mutex<Vec<(usize, std::sync::Arc<rayon::ThreadPool>)>>,
    /// Each thread's scan buffers between calls: a batch splits into many rayon jobs, and a call
    /// may clean a single document, so buffers made per job or per call were grown again each time.
    spare_buffers: thread_local::ThreadLocal<std::cell::RefCell<ScanBuffers>>,
}

impl Engine {
    /// Build an engine from rule files given as `(name, TOML text)`.
    pub fn new(sources: &[(String, String)], opts: EngineOptions) -> Result<Engine> {
        for d in &opts.disable {
            if !rules::CATEGORIES.contains(&d.as_str()) && !d.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(Error::option("disable", format!("{d:?} is not a category name")));
            }
        }
        let rules = rules::load_rules(sources, opts.strict, &opts.disable)?;
        let scanner = Scanner::new(&rules)?;
        let dedup = !opts.disable.iter().any(|d| d == "duplicate");
        let decide = DecideOptions {
            dedup,
            dedup_exact: dedup && opts.strict,
            bullets: opts.normalise.bullets,
            ..DecideOptions::default()
        };
        let rule_langs: Vec<LangMask> = rules.iter().map(|r| lang_bit(r.lang.as_deref())).collect();
        let gated = opts.detect_language && rule_langs.iter().any(|&b| b != 0);
        // French needs its space before ; : ! ?, and the pack that runs is known only per
        // document: with detection, that space always stays (one normalisation for every text).
        let mut opts = opts;
        opts.normalise.french_spacing |= opts.detect_language;
        let lang_bits = rule_langs.iter().fold(0, |m, &b| m | b);
        let lang_scanners = (0..lang::DETECTABLE.len()).map(|_| std::sync::OnceLock::new()).collect();
        Ok(Engine {
            rules,
            scanner,
            opts,
            decide,
            rule_langs,
            gated,
            lang_bits,
            lang_scanners,
            pools: std::sync::Mutex::default(),
            spare_buffers: thread_local::ThreadLocal::new(),
        })
    }

    /// An engine over the built-in rule files for `lang` (plus the language-independent ones).
    /// `"auto"`: every language's rules, chosen per document by [`lang::detect`].
    pub fn builtin(lang: &str, opts: &EngineOptions) -> Result<Engine> {
        let wanted = format!("{lang}.toml");
        if lang != "auto" && !BUILTIN_RULES.iter().any(|(n, _)| *n == wanted) {
            return Err(Error::option("lang", format!("no built-in rules for {lang:?}")));
        }
        let sources: Vec<(String, String)> = BUILTIN_RULES
            .iter()
            .filter(|(n, _)| lang == "auto" || *n == "common.toml" || *n == wanted)
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut opts = opts.clone();
        opts.detect_language |= lang == "auto";
        opts.normalise.french_spacing |= lang == "fr";
        Engine::new(&sources, opts)
    }

    /// The active rules, in matching order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The options the engine was built with.
    pub fn options(&self) -> &EngineOptions {
        &self.opts
    }

    /// `removals` as reported: (start, end, rule id, category), offsets in code points of
    /// `normalized` (the text the removals' byte offsets index).
    pub fn reported_removals(&self, normalized: &str, removals: &[Removal]) -> Vec<(usize, usize, &str, &str)> {
        let mut in_chars = removals.to_vec();
        removals_to_chars(normalized, &mut in_chars);
        self.described_removals(&in_chars)
    }

    /// `removals` with their rule id and category: (start, end, rule id, category), offsets as
    /// they are.
    pub fn described_removals(&self, removals: &[Removal]) -> Vec<(usize, usize, &str, &str)> {
        removals
            .iter()
            .map(|r| {
                let (id, cat) = self.describe(r.cause);
                (r.start, r.end, id, cat)
            })
            .collect()
    }

    /// Rule id and category of a removal cause.
    pub fn describe(&self, cause: Cause) -> (&str, &str) {
        match cause {
            Cause::Rule(i) => {
                let r = &self.rules[i as usize];
                (&r.id, &r.category)
            }
            Cause::Duplicate => ("dedup.exact", "duplicate"),
            Cause::OutsideBody => ("page.outside_body", "page"),
            Cause::TruncatedDuplicate => ("dedup.truncated", "duplicate"),
        }
    }

    /// Normalise text with this engine's options.
    pub fn normalise(&self, text: &str) -> String {
        normalise(text, &self.opts.normalise)
    }

    /// Clean one already-extracted article.
    pub fn clean(&self, text: &str) -> Cleaned {
        self.clean_with(text, Mode::Article, &mut self.worker().buf)
    }

    /// Clean one document in the given mode.
    pub fn clean_mode(&self, text: &str, mode: Mode) -> Cleaned {
        self.clean_with(text, mode, &mut self.worker().buf)
    }

    /// Clean one document, refusing documents above `max_bytes`.
    pub fn try_clean(&self, text: &str, mode: Mode) -> Result<Cleaned> {
        self.check_size(text)?;
        Ok(self.clean_mode(text, mode))
    }

    /// Is `text` whole-page text (rather than an extracted article)? Used by [`Mode::Auto`].
    pub fn detect_page(&self, text: &str) -> bool {
        let normalized = normalise(text, &self.opts.normalise);
        let active = if self.gated { self.mask_for(lang::detect(&normalized)) } else { ALL_LANGS };
        let (views, hits) = self.scan(&mut Document::new(&normalized), &mut self.worker().buf, active);
        page::looks_like_page(&self.page_lines(&normalized, &views, &hits))
    }

    fn check_size(&self, text: &str) -> Result<()> {
        if self.opts.max_bytes > 0 && text.len() > self.opts.max_bytes {
            return Err(Error::Input {
                message: format!("document of {} bytes exceeds max_bytes={}", text.len(), self.opts.max_bytes),
            });
        }
        Ok(())
    }

    /// Clean many documents, in parallel on `threads` threads (0: all cores, 1: this thread).
    /// The result equals cleaning each document alone, in order.
    pub fn clean_batch<S: AsRef<str> + Sync>(&self, texts: &[S], mode: Mode, threads: usize) -> Vec<Result<Cleaned>> {
        self.map_batch(texts.iter().collect(), threads, |t, worker| worker.clean(t.as_ref(), mode))
    }

    /// `f` of every item, in order, computed on `threads` threads (0: all cores, 1: this
    /// thread). Each thread passes `f` its own [`Worker`], whose buffers its documents reuse.
    /// For callers that do more per document than clean it, such as the Python binding, which
    /// also converts the document's text there.
    pub fn map_batch<T: Send, R: Send>(
        &self,
        items: Vec<T>,
        threads: usize,
        f: impl Fn(T, &mut Worker<'_>) -> R + Sync,
    ) -> Vec<R> {
        if threads == 1 || items.len() < 2 {
            let mut w = self.worker();
            return items.into_iter().map(|t| f(t, &mut w)).collect();
        }
        self.in_pool(threads, || items.into_par_iter().map_init(|| self.worker(), |w, t| f(t, w)).collect())
    }

    /// A worker with this thread's spare buffers (returned to the thread when it is dropped).
    fn worker(&self) -> Worker<'_> {
        Worker { engine: self, buf: self.spare_buffers.get_or_default().take() }
    }

    /// Keep `buf` as this thread's spare buffers, unless it grew too large.
    fn keep_buffers(&self, buf: ScanBuffers) {
        if buf.retained_bytes() <= KEEP_BUFFER_BYTES {
            self.spare_buffers.get_or_default().replace(buf);
        }
    }

    /// Run `f` in the engine's pool of `threads` threads (0: rayon's global pool): the parallel
    /// iterators inside it run on those threads.
    pub(crate) fn in_pool<R: Send>(&self, threads: usize, f: impl FnOnce() -> R + Send) -> R {
        match (threads > 0).then(|| self.pool(threads)).flatten() {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Run `op` on this thread with a scope whose spawned jobs run in the engine's pool of
    /// `threads` threads (0: rayon's global pool); returns once they are all done.
    #[cfg(feature = "python")]
    pub(crate) fn in_place_scope<'scope, R>(&self, threads: usize, op: impl FnOnce(&rayon::Scope<'scope>) -> R) -> R {
        match (threads > 0).then(|| self.pool(threads)).flatten() {
            Some(pool) => pool.in_place_scope(op),
            None => rayon::in_place_scope(op),
        }
    }

    /// The engine's pool of `threads` threads (None if it cannot be built: use the global pool).
    fn pool(&self, threads: usize) -> Option<std::sync::Arc<rayon::ThreadPool>> {
        let mut pools = self.pools.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
            return Some(p.clone());
        }
        let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok()?);
        pools.push((threads, pool.clone()));
        Some(pool)
    }

    /// Segment and scan normalised text: the line views and the rule hits they index.
    fn scan(&self, doc: &mut Document<'_>, buf: &mut ScanBuffers, active: LangMask) -> (Vec<View>, Vec<Hit>) {
        let (mut views, mut hits) = (Vec::new(), Vec::new());
        self.scan_into(doc, buf, active, (&mut Vec::new(), &mut views, &mut hits));
        (views, hits)
    }

    /// Segment and scan normalised text into the line views and the rule hits they index
    /// (`lines`: scratch).
    fn scan_into(
        &self,
        doc: &mut Document<'_>,
        buf: &mut ScanBuffers,
        active: LangMask,
        (lines, views, hits): (&mut Vec<segment::Line>, &mut Vec<View>, &mut Vec<Hit>),
    ) {
        let text = doc.text;
        scan::scan_document_into(text, lines, views, hits, |at, words, first, hits| {
            self.scan_line(doc, at, words, first, buf, hits, active)
        });
    }

    fn page_lines<'t>(&self, text: &'t str, views: &[View], hits: &[Hit]) -> Vec<page::PageLine<'t>> {
        views
            .iter()
            .map(|v| page::PageLine {
                text: &text[v.start..v.end],
                feat: v.feat,
                marked: v.hit_hi > v.hit_lo,
                tail_marked: hits[v.hit_lo as usize..v.hit_hi as usize]
                    .iter()
                    .any(|h| self.rules[h.rule as usize].action == rules::Action::CutTail),
                blank_before: v.blank_before,
            })
            .collect()
    }

    fn clean_with(&self, input: &str, mode: Mode, buf: &mut ScanBuffers) -> Cleaned {
        let page = |lines: &[page::PageLine<'_>]| Some(page::select_lines(lines));
        let auto = |lines: &[page::PageLine<'_>]| page::auto_select(lines);
        let select: Option<&page::Selector> = match mode {
            Mode::Article => None,
            Mode::Page => Some(&page),
            Mode::Auto => Some(&auto),
        };
        self.clean_selecting(input, buf, select)
    }

    /// Scan the first view again with the first-line rules when it was not scanned as first.
    fn rescan_first(
        &self,
        doc: &mut Document<'_>,
        views: &mut [View],
        hits: &mut Vec<Hit>,
        buf: &mut ScanBuffers,
        at: &mut Option<usize>,
        active: LangMask,
    ) {
        let Some(v) = views.first_mut() else { return };
        if *at != Some(v.start) {
            let lo = hits.len() as u32;
            self.scan_line(doc, v.start..v.end, v.feat.words, true, buf, hits, active);
            (v.hit_lo, v.hit_hi) = (lo, hits.len() as u32);
            *at = Some(v.start);
        }
    }

    /// Scan the line at `at` in `doc`, keeping only the hits of rules that apply to the active
    /// languages.
    #[allow(clippy::too_many_arguments)]
    fn scan_line(
        &self,
        doc: &mut Document<'_>,
        at: std::ops::Range<usize>,
        words: u32,
        first: bool,
        buf: &mut ScanBuffers,
        hits: &mut Vec<Hit>,
        active: LangMask,
    ) {
        let lo = hits.len();
        if active == ALL_LANGS || active == self.lang_bits {
            self.scanner.scan_line_at(doc, at, words, first, buf, hits);
            return;
        }
        if let Some((scanner, index)) = self.lang_scanner(active) {
            scanner.scan_line_at(doc, at, words, first, buf, hits);
            for h in &mut hits[lo..] {
                h.rule = index[h.rule as usize];
            }
            return;
        }
        // No scanner of its own (cannot happen once the full scanner compiled): filter.
        self.scanner.scan_line_at(doc, at, words, first, buf, hits);
        let mut keep = lo;
        for i in lo..hits.len() {
            let bit = self.rule_langs[hits[i].rule as usize];
            if bit == 0 || bit & active != 0 {
                hits.swap(keep, i);
                keep += 1;
            }
        }
        hits.truncate(keep);
    }

    /// The scanner of one language's rules (plus the language-independent ones).
    fn lang_scanner(&self, active: LangMask) -> Option<&SubScanner> {
        if active.count_ones() != 1 {
            return None;
        }
        let slot = self.lang_scanners.get(active.trailing_zeros() as usize)?;
        slot.get_or_init(|| {
            let index: Vec<u32> = (0..self.rules.len() as u32)
                .filter(|&i| self.rule_langs[i as usize] == 0 || self.rule_langs[i as usize] == active)
                .collect();
            let rules: Vec<Rule> = index.iter().map(|&i| self.rules[i as usize].clone()).collect();
            Scanner::new(&rules).ok().map(|s| (s, index))
        })
        .as_ref()
    }

    /// The language bits for a detected language: its own when some rule has it; undetermined
    /// text, or a language without rules, gets every language's rules.
    fn mask_for(&self, detected: Option<&str>) -> LangMask {
        match lang_bit(detected) {
            bit if bit & self.lang_bits != 0 => bit,
            _ => self.lang_bits,
        }
    }

    /// Clean one document; `select` picks the article's lines of whole-page text (no selector,
    /// or a selector that returns `None`: the text is an article, article mode runs).
    ///
    /// With language detection, the rules of the input's language run (every language's when
    /// it is undetermined). When the decisions settle, the surviving text is read again: if it
    /// reads as another language, that language's rules take over and decisions go on. The
    /// output therefore reads as the language whose rules made no change to it, and cleaning it
    /// again detects that language and changes nothing.
    fn clean_selecting(&self, input: &str, buf: &mut ScanBuffers, select: Option<&page::Selector>) -> Cleaned {
        let normalized = normalise(input, &self.opts.normalise);
        if !self.gated {
            return self.clean_in(normalized, buf, select, ALL_LANGS, false).0;
        }
        let first = self.mask_for(lang::detect(&normalized));
        let (mut out, mask) = self.clean_in(normalized, buf, select, first, true);
        out.lang = Some(self.lang_name(mask));
        out
    }

    /// `"de"` for one language's bit, `"all"` for every language's.
    fn lang_name(&self, mask: LangMask) -> String {
        if mask.count_ones() == 1 {
            lang::DETECTABLE[mask.trailing_zeros() as usize].to_string()
        } else {
            "all".to_string()
        }
    }

    /// Clean normalised text with the rules of `active` (`detected`: `active` is what the
    /// text reads as, so an unchanged text need not be read again).
    fn clean_in(
        &self,
        normalized: String,
        buf: &mut ScanBuffers,
        select: Option<&page::Selector>,
        mut active: LangMask,
        detected: bool,
    ) -> (Cleaned, LangMask) {
        let text = normalized.as_str();
        // The document's gate indexes: built once per scanner, used by every scan of its lines.
        let mut doc = Document::reuse(text, std::mem::take(&mut buf.spares));
        let DocVecs { mut lines, mut views, mut next, mut hits, mut fate } = std::mem::take(&mut buf.vecs);
        self.scan_into(&mut doc, buf, active, (&mut lines, &mut views, &mut hits));
        let mut first_scanned = views.first().map(|v| v.start);
        let mut removals = Vec::new();
        let selected = select.and_then(|f| f(&self.page_lines(text, &views, &hits)));
        let ran = if selected.is_some() { Mode::Page } else { Mode::Article };
        if let Some(keep) = selected {
            let kept = &mut next;
            kept.clear();
            let mut blank_pending = false;
            for (v, k) in views.iter().zip(keep) {
                if k {
                    kept.push(View { blank_before: (v.blank_before || blank_pending) && !kept.is_empty(), ..*v });
                    blank_pending = false;
                } else {
                    removals.push(Removal { start: v.start, end: v.end, cause: Cause::OutsideBody });
                    blank_pending |= v.blank_before;
                }
            }
            std::mem::swap(&mut views, &mut next);
        }
        // First-line rules were scanned on the document's first line only: the line that becomes
        // first (page selection, a removal) is scanned again as first, as cleaning the output would.
        self.rescan_first(&mut doc, &mut views, &mut hits, buf, &mut first_scanned, active);
        let mut found = Vec::new();
        let mut out = None;
        for _ in 0..MAX_ROUNDS + 2 * lang::DETECTABLE.len() {
            decide_round(text, &views, &hits, &self.rules, &self.decide, &mut found, &mut fate);
            if fate.iter().all(|f| *f == Fate::Keep) {
                let settled = assemble::assemble(text, &views);
                let unchanged = detected && removals.is_empty() && settled == text;
                let reads_as = if self.gated && !unchanged { self.mask_for(lang::detect(&settled)) } else { active };
                if reads_as == active {
                    out = Some(settled);
                    break;
                }
                // The surviving text reads as another language: its rules take over.
                active = reads_as;
                hits.clear();
                for (i, v) in views.iter_mut().enumerate() {
                    v.hit_lo = hits.len() as u32;
                    self.scan_line(&mut doc, v.start..v.end, v.feat.words, i == 0, buf, &mut hits, active);
                    v.hit_hi = hits.len() as u32;
                }
                first_scanned = views.first().map(|v| v.start);
                continue;
            }
            next.clear();
            let mut blank_pending = false;
            for (v, &f) in views.iter().zip(&fate) {
                match f {
                    Fate::Keep => {
                        next.push(View { blank_before: (v.blank_before || blank_pending) && !next.is_empty(), ..*v });
                        blank_pending = false;
                    }
                    Fate::Drop(cause) => {
                        removals.push(Removal { start: v.start, end: v.end, cause });
                        blank_pending |= v.blank_before;
                    }
                    Fate::Strip { len, cause } => {
                        let rest = &text[v.start + len..v.end];
                        let skip = rest.len() - rest.trim_start().len();
                        let new_start = v.start + len + skip;
                        if new_start >= v.end {
                            removals.push(Removal { start: v.start, end: v.end, cause });
                            blank_pending |= v.blank_before;
                            continue;
                        }
                        removals.push(Removal { start: v.start, end: new_start, cause });
                        let lo = hits.len() as u32;
                        let rest = &text[new_start..v.end];
                        let feat = segment::features(rest);
                        self.scan_line(&mut doc, new_start..v.end, feat.words, next.is_empty(), buf, &mut hits, active);
                        next.push(View {
                            start: new_start,
                            end: v.end,
                            blank_before: (v.blank_before || blank_pending) && !next.is_empty(),
                            feat,
                            hit_lo: lo,
                            hit_hi: hits.len() as u32,
                        });
                        blank_pending = false;
                    }
                }
            }
            std::mem::swap(&mut views, &mut next);
            self.rescan_first(&mut doc, &mut views, &mut hits, buf, &mut first_scanned, active);
        }
        buf.spares = doc.into_spares();
        let out = out.unwrap_or_else(|| assemble::assemble(text, &views));
        buf.vecs = DocVecs { lines, views, next, hits, fate };
        let removals = assemble::merge_removals(
            text,
            removals,
            |c| matches!(c, Cause::Rule(r) if self.rules[r as usize].action == rules::Action::CutTail),
        );
        let metadata = found.into_iter().map(|(k, s, e)| (k, text[s..e].to_string())).collect();
        (Cleaned { text: out, normalized, removals, metadata, mode: ran, lang: None }, active)
    }
}

/// The vectors cleaning one document fills, kept between documents with a thread's scan buffers
/// (a short document made a dozen of them otherwise). Each is emptied where it is filled
/// (`segment_into`, `scan_document_into`, `decide_round`, and before page selection and each
/// round's survivors), so what one document left in them is never read.
#[derive(Debug, Default)]
pub(crate) struct DocVecs {
    lines: Vec<segment::Line>,
    views: Vec<View>,
    /// The views that survive a round (or page selection), swapped with `views`.
    next: Vec<View>,
    hits: Vec<Hit>,
    fate: Vec<Fate>,
}

impl DocVecs {
    /// Bytes these vectors hold allocated.
    pub(crate) fn retained_bytes(&self) -> usize {
        use std::mem::size_of;
        self.lines.capacity() * size_of::<segment::Line>()
            + (self.views.capacity() + self.next.capacity()) * size_of::<View>()
            + self.hits.capacity() * size_of::<Hit>()
            + self.fate.capacity() * size_of::<Fate>()
    }
}

/// The bit of a language in [`lang::DETECTABLE`] (0: not one of them, the rule always applies).
fn lang_bit(lang: Option<&str>) -> LangMask {
    lang.and_then(|l| lang::DETECTABLE.iter().position(|d| *d == l)).map_or(0, |i| 1 << i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::builtin("en", &EngineOptions::default()).unwrap()
    }

    #[test]
    fn each_thread_keeps_its_scan_buffers_between_calls_unless_they_grew_large() {
        let e = engine();
        let kept = |e: &Engine| e.spare_buffers.get().map_or(0, |b| b.borrow().retained_bytes());
        assert_eq!(kept(&e), 0);
        let doc =
            "Officials approved the budget on Monday after a long debate, the council said.\n\nShare this article\n";
        let first = e.clean(doc);
        assert!(kept(&e) > 0, "a call leaves its buffers to the next one");
        let again = e.clean_batch(&[doc, doc, doc], Mode::Article, 2);
        assert!(again.iter().all(|r| r.as_ref().is_ok_and(|c| c.text == first.text && c.removals == first.removals)));
        e.keep_buffers(ScanBuffers::holding(KEEP_BUFFER_BYTES + 1));
        assert!(kept(&e) > 0 && kept(&e) <= KEEP_BUFFER_BYTES, "large buffers are freed, not kept");
        e.keep_buffers(ScanBuffers::holding(KEEP_BUFFER_BYTES / 2));
        assert!(kept(&e) >= KEEP_BUFFER_BYTES / 2);
    }

    #[test]
    fn builtin_rules_compile() {
        assert!(engine().rules().len() > 50);
        assert!(Engine::builtin("xx", &EngineOptions::default()).is_err());
    }

    #[test]
    fn removal_spans_and_idempotence() {
        let e = engine();
        let doc = "date 2023-04-02 The council met on Monday to vote on the budget for next year, officials said.\n\nShare this article\n\nThe vote passed by a wide margin after a long debate in the chamber about roads and schools.";
        let out = e.clean(doc);
        assert!(out.text.starts_with("The council met"), "{}", out.text);
        assert!(!out.text.contains("Share this article"));
        assert_eq!(out.metadata, vec![("date".to_string(), "2023-04-02".to_string())]);
        for r in &out.removals {
            assert!(out.normalized.is_char_boundary(r.start) && out.normalized.is_char_boundary(r.end));
        }
        assert_eq!(e.clean(&out.text).text, out.text);
        assert!(e.clean(&out.text).removals.is_empty());
    }

    #[test]
    fn documents_too_large_for_the_gate_index_are_cleaned_alike() {
        // Lines that the indexed gates decide (a contains phrase, an agency credit, an e-mail
        // contact), around a body long enough to exceed the index's limit, or not.
        let e = engine();
        let chaff = [
            "We use cookies to improve your experience on our site.",
            "Firefighters at the scene on Monday. (Photo: Jane Doe/AFP via Getty Images)",
            "You can reach the author at jane.doe@example.com",
        ];
        let body = "The council met on Monday to vote on the budget for next year, officials said.";
        let doc = |lines: usize| {
            let mut parts = vec![body.to_string(); lines];
            for (i, c) in chaff.iter().enumerate() {
                parts.insert(1 + i * 2, (*c).to_string());
            }
            parts.join("\n\n")
        };
        let (small, large) = (e.clean(&doc(6)), e.clean(&doc(scan::MAX_INDEXED_BYTES / body.len() + 10)));
        assert!(doc(6).len() < scan::MAX_INDEXED_BYTES && large.normalized.len() > scan::MAX_INDEXED_BYTES);
        let rules = |c: &Cleaned| c.removals.iter().map(|r| format!("{:?}", r.cause)).collect::<Vec<_>>();
        assert_eq!(rules(&small).len(), chaff.len());
        assert_eq!(rules(&small), rules(&large));
        for c in chaff {
            assert!(!small.text.contains(c) && !large.text.contains(c), "{c}");
        }
    }

    #[test]
    fn the_normalised_text_is_the_normalised_input() {
        // The Python binding drops `normalized` and makes it again with `Engine::normalise`.
        let detecting = Engine::builtin("auto", &EngineOptions::default());
        let docs = [
            "date 2023-04-02  Le conseil s'est réuni lundi : le budget ?\r\n\n\nShare this article",
            "Menu\nHome\nNews\n\nThe council met on Monday to vote on the budget for next year, officials said.\nCookies",
            "Президент выступил\u{00a0}в понедельник.\n\nПоделиться",
            "e\u{301}\u{200b} \t x",
            "",
        ];
        for e in [engine(), detecting.unwrap()] {
            for mode in [Mode::Article, Mode::Page, Mode::Auto] {
                for doc in docs {
                    assert_eq!(e.clean_mode(doc, mode).normalized, e.normalise(doc), "{mode:?} {doc:?}");
                }
            }
        }
    }

    #[test]
    fn batch_equals_single() {
        let e = engine();
        let docs = ["One.\n\nTweet", "Two paragraphs here.\nAdvertisement\nMore text.", ""];
        let batch = e.clean_batch(&docs, Mode::Article, 2);
        for (d, b) in docs.iter().zip(batch) {
            assert_eq!(b.unwrap(), e.clean(d));
        }
    }

    #[test]
    fn max_bytes_is_enforced() {
        let e = Engine::builtin("en", &EngineOptions { max_bytes: 10, ..Default::default() }).unwrap();
        assert!(matches!(e.try_clean("more than ten bytes", Mode::Article), Err(Error::Input { .. })));
        assert!(e.try_clean("short", Mode::Page).is_ok());
    }
}
