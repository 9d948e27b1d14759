//! The conformance suite for Gel Delay (both formats). Delay-specific tests live in
//! `delay_behaviour.rs`.

gel_host_tests::conformance_suite!(
    delay,
    "Gel Delay",
    gel_host_tests::suite::Expectations {
        clap_id: "org.gel-audio.delay",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect", "stereo", "delay"],
        vst3_subcategories: &["Fx", "Delay"],
        sample_accurate: true,
        automation_param: "Output",
        // Echoes of up to 4 s (and a frozen loop) legitimately outlive a block: what went in
        // before a bad block keeps sounding. That NaN/Inf clears the loop is checked in
        // delay_behaviour.rs.
        long_state: true,
    }
);
