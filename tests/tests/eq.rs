//! The conformance suite for Gel EQ (both formats). EQ-specific tests live in
//! `eq_behaviour.rs`.

gel_host_tests::conformance_suite!(
    eq,
    "Gel EQ",
    gel_host_tests::suite::Expectations {
        clap_id: "org.gel-audio.eq",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect", "stereo", "equalizer"],
        vst3_subcategories: &["Fx", "EQ"],
        sample_accurate: true,
        automation_param: "Output Gain",
        long_state: false,
    }
);
