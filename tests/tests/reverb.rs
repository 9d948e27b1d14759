//! The conformance suite for Gel Reverb (both formats). Reverb-specific tests live in
//! `reverb_behaviour.rs`.

gel_host_tests::conformance_suite!(
    reverb,
    "Gel Reverb",
    gel_host_tests::suite::Expectations {
        clap_id: "org.gel-audio.reverb",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect", "stereo", "reverb"],
        vst3_subcategories: &["Fx", "Reverb"],
        sample_accurate: true,
        automation_param: "Output",
        // A reverb remembers seconds of input: after a bad block it cannot match a fresh
        // instance within one block. That NaN/Inf clears the tank is checked by the suite's
        // finiteness checks and in gel-dsp.
        long_state: true,
    }
);
