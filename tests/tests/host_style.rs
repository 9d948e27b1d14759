//! Host-style fuzzing of all five plugins in both formats under the strict hosts (see
//! `gel_host_tests::host_style`). `GEL_FUZZ_SEED=n` reruns one seed, `GEL_FUZZ_STEPS=n` makes
//! the runs longer.

use gel_host_tests::host_style_fuzz;

host_style_fuzz!(panner, "Gel Panner");
host_style_fuzz!(delay, "Gel Delay");
host_style_fuzz!(reverb, "Gel Reverb");
host_style_fuzz!(compressor, "Gel Compressor");
host_style_fuzz!(eq, "Gel EQ");
