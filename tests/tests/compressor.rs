//! The conformance suite for Gel Compressor (both formats). Compressor-specific tests live in
//! `compressor_behaviour.rs`.

gel_host_tests::conformance_suite!(
    compressor,
    "Gel Compressor",
    gel_host_tests::suite::Expectations {
        clap_id: "org.gel-audio.compressor",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect", "stereo", "compressor"],
        vst3_subcategories: &["Fx", "Dynamics"],
        sample_accurate: true,
        automation_param: "Output Gain",
        // A ±100 FS burst drives ~45 dB of gain reduction, which then releases over the
        // release time (100 ms by default): that is the compressor working, not poisoned state.
        // That NaN/Inf leaves nothing behind after its block is checked in
        // compressor_behaviour.rs (non_finite_input_is_forgotten_after_its_block).
        long_state: true,
    }
);
