//! Page-mode weights, written by `benchmarks/train_page.py` (wcxb-dev only; do not edit).
//! Logistic regressions over the features of `page.rs`, standardisation folded in.

pub const N1: usize = 46;
pub const N2: usize = 19;
pub const NA: usize = 11;
pub const W1: [f64; N1] = [
    0.0779128592,
    -0.286410878,
    -0.332630254,
    0.634897046,
    0.974047789,
    -0.124973751,
    2.06853842,
    0.826047406,
    0.699270183,
    0.231361752,
    -0.96262374,
    -0.292680827,
    -0.508891483,
    -0.158772252,
    0.28339305,
    -0.873940877,
    -0.478642457,
    -0.194069851,
    -1.2607568,
    -0.508879217,
    1.98870459,
    -0.476075806,
    0.256659049,
    -1.13664026,
    0.897533145,
    5.69959611,
    0.105890202,
    0.453660033,
    0.318970602,
    0.382908253,
    1.53211267,
    0.226139504,
    0.0768514177,
    -1.09869502,
    -2.03276282,
    0.108621464,
    -3.28394724,
    0.288989999,
    -0.0951438333,
    -0.427573247,
    0.331017457,
    0.0644071893,
    -0.25021166,
    -2.02970977,
    -0.805016045,
    -1.109974,
];
pub const B1: f64 = -3.11844689;
pub const W2: [f64; N2] = [
    0.205596404,
    -5.98536618,
    1.22681486,
    1.00456039,
    3.29319393,
    3.52170357,
    -15.8869483,
    -14.8512086,
    -0.431266241,
    0.485983527,
    -1.49049151,
    -0.886243837,
    0.0817709066,
    0.180076014,
    -0.684222319,
    -0.0744161019,
    -0.261239054,
    -1.43946193,
    -0.714597047,
];
pub const B2: f64 = 13.6929328;
pub const WA: [f64; NA] = [
    0.385643667,
    2.74342743,
    0.741597265,
    1.1995609,
    2.29839335,
    -3.52737982,
    -7.95293091,
    1.24434567,
    -9.19573851,
    4.27067122,
    10.4286894,
];
pub const BA: f64 = -2.37960585;
/// Threshold of the stage-1 region (a stage-2 feature).
pub const T_REGION: f64 = 0.3;
/// Selection: maximum-sum run of `p2 - T_SELECT - B_MARKER * marker`.
pub const T_SELECT: f64 = 0.35;
pub const B_MARKER: f64 = 1.0;
/// mode="auto": whole-page text when the detector's logit exceeds this, and the text has at
/// least `AUTO_MIN_LINES` non-blank lines.
pub const AUTO_T: f64 = 0.0;
pub const AUTO_MIN_LINES: usize = 20;
