//! Tempo-synced note values: a musical duration at a tempo, in seconds and samples.
//!
//! Source: the definitions of note values in common time. A *beat* is a quarter note (this is
//! also the unit of the CLAP and VST3 tempo fields, "quarter notes per minute"), so one quarter
//! lasts `60/bpm` seconds and a whole note (one bar of 4/4) `240/bpm` seconds. A dotted note
//! lasts 3/2 of its plain value, a triplet 2/3 (three in the time of two); see any theory text,
//! e.g. E. Taylor, *The AB Guide to Music Theory* part I, §2.1–2.4 (ABRSM, 1989).
//!
//! ```text
//! seconds = 240/bpm · fraction · feel,  fraction ∈ {1/64 … 4},  feel ∈ {1, 3/2, 2/3}
//! ```
//!
//! Worked example: 1/4 at 120 BPM = 240/120 · 1/4 = 0.5 s = 24 000 samples at 48 kHz.

/// Tempo used when the host gives none.
pub const FALLBACK_BPM: f64 = 120.0;

/// Tempi outside this range are clamped (the sync range of common DAWs).
pub const BPM_RANGE: (f64, f64) = (20.0, 999.0);

/// A note value from a 64th note to four bars of 4/4 (one bar = one whole note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteValue {
    /// 1/64 note.
    SixtyFourth,
    /// 1/32 note.
    ThirtySecond,
    /// 1/16 note.
    Sixteenth,
    /// 1/8 note.
    Eighth,
    /// 1/4 note (one beat).
    Quarter,
    /// 1/2 note.
    Half,
    /// Whole note: one bar of 4/4.
    Bar,
    /// Two bars of 4/4.
    TwoBars,
    /// Four bars of 4/4.
    FourBars,
}

impl NoteValue {
    /// Every value, shortest first.
    pub const ALL: [NoteValue; 9] = [
        NoteValue::SixtyFourth,
        NoteValue::ThirtySecond,
        NoteValue::Sixteenth,
        NoteValue::Eighth,
        NoteValue::Quarter,
        NoteValue::Half,
        NoteValue::Bar,
        NoteValue::TwoBars,
        NoteValue::FourBars,
    ];

    /// Length as a fraction of a whole note.
    pub fn whole_notes(self) -> f64 {
        match self {
            NoteValue::SixtyFourth => 1.0 / 64.0,
            NoteValue::ThirtySecond => 1.0 / 32.0,
            NoteValue::Sixteenth => 1.0 / 16.0,
            NoteValue::Eighth => 1.0 / 8.0,
            NoteValue::Quarter => 1.0 / 4.0,
            NoteValue::Half => 1.0 / 2.0,
            NoteValue::Bar => 1.0,
            NoteValue::TwoBars => 2.0,
            NoteValue::FourBars => 4.0,
        }
    }
}

/// Straight, dotted (×3/2) or triplet (×2/3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteFeel {
    /// The plain value.
    Straight,
    /// 3/2 of the plain value.
    Dotted,
    /// 2/3 of the plain value.
    Triplet,
}

impl NoteFeel {
    /// Duration factor: 1, 3/2 or 2/3.
    pub fn factor(self) -> f64 {
        match self {
            NoteFeel::Straight => 1.0,
            NoteFeel::Dotted => 1.5,
            NoteFeel::Triplet => 2.0 / 3.0,
        }
    }
}

/// `bpm` if it is a usable tempo (finite, clamped to [`BPM_RANGE`]), else [`FALLBACK_BPM`].
pub fn sanitize_bpm(bpm: Option<f64>) -> f64 {
    match bpm {
        Some(b) if b.is_finite() && b > 0.0 => b.clamp(BPM_RANGE.0, BPM_RANGE.1),
        _ => FALLBACK_BPM,
    }
}

/// Duration of `value`/`feel` at `bpm` in seconds (see the module docs).
pub fn note_seconds(value: NoteValue, feel: NoteFeel, bpm: f64) -> f64 {
    240.0 / sanitize_bpm(Some(bpm)) * value.whole_notes() * feel.factor()
}

/// Duration of `value`/`feel` at `bpm` in samples at `sample_rate` (fractional, in f64 so long
/// notes at high rates keep their sub-sample part).
pub fn note_samples(value: NoteValue, feel: NoteFeel, bpm: f64, sample_rate: f64) -> f64 {
    note_seconds(value, feel, bpm) * sample_rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_at_120_is_24000_samples_at_48k() {
        let n = note_samples(NoteValue::Quarter, NoteFeel::Straight, 120.0, 48_000.0);
        assert_eq!(n, 24_000.0);
    }

    #[test]
    fn values_and_feels() {
        let bpm = 90.0;
        // 90 BPM: a beat is 2/3 s.
        let q = note_seconds(NoteValue::Quarter, NoteFeel::Straight, bpm);
        assert!((q - 2.0 / 3.0).abs() < 1e-12);
        assert!((note_seconds(NoteValue::Quarter, NoteFeel::Dotted, bpm) - q * 1.5).abs() < 1e-12);
        assert!(
            (note_seconds(NoteValue::Quarter, NoteFeel::Triplet, bpm) - q * 2.0 / 3.0).abs()
                < 1e-12
        );
        // Each value doubles the previous one.
        for w in NoteValue::ALL.windows(2) {
            let a = note_seconds(w[0], NoteFeel::Straight, bpm);
            let b = note_seconds(w[1], NoteFeel::Straight, bpm);
            assert!((b / a - 2.0).abs() < 1e-12);
        }
        // Four bars of 4/4 at 120 BPM: 8 s; a 1/64 note: 31.25 ms.
        assert_eq!(
            note_seconds(NoteValue::FourBars, NoteFeel::Straight, 120.0),
            8.0
        );
        assert_eq!(
            note_seconds(NoteValue::SixtyFourth, NoteFeel::Straight, 120.0),
            0.031_25
        );
        // 137 BPM: 1/4 = 60/137 s, a fractional number of samples.
        let n = note_samples(NoteValue::Quarter, NoteFeel::Straight, 137.0, 48_000.0);
        assert!((n - 48_000.0 * 60.0 / 137.0).abs() < 1e-9);
    }

    #[test]
    fn missing_or_bad_tempo_falls_back() {
        assert_eq!(sanitize_bpm(None), FALLBACK_BPM);
        assert_eq!(sanitize_bpm(Some(f64::NAN)), FALLBACK_BPM);
        assert_eq!(sanitize_bpm(Some(0.0)), FALLBACK_BPM);
        assert_eq!(sanitize_bpm(Some(5.0)), 20.0);
        assert_eq!(sanitize_bpm(Some(137.0)), 137.0);
    }
}
