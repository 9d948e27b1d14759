//! The conformance suite for Gel Panner (both formats). Panner-specific tests live elsewhere.

gel_host_tests::conformance_suite!(
    panner,
    "Gel Panner",
    gel_host_tests::suite::Expectations {
        clap_id: "org.gel-audio.panner",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect", "stereo", "utility"],
        vst3_subcategories: &["Fx"],
        sample_accurate: true,
        automation_param: "Output",
        long_state: false,
    }
);
