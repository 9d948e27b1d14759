//! The table the bench is driven by: each category names Gel's bundle, Gel's settings (by
//! parameter NAME and text value, as a user would type them), and the peers from plugins.list
//! each Gel setting is compared against. A new Gel plugin = fill in its category's `setups`.

/// One Gel configuration and the peers it is compared with.
pub struct GelSetup {
    pub label: &'static str,
    /// (parameter name, text value)
    pub settings: &'static [(&'static str, &'static str)],
    /// Peer names from plugins.list.
    pub peers: &'static [&'static str],
}

pub struct Category {
    /// `--plugin` name.
    pub key: &'static str,
    pub aliases: &'static [&'static str],
    /// Category column of plugins.list.
    pub list_category: &'static str,
    pub title: &'static str,
    /// `target/bundled/<gel_bundle>.clap`
    pub gel_bundle: &'static str,
    pub setups: &'static [GelSetup],
    /// Markdown written beside the table: how Gel's settings map to each peer's.
    pub mapping: &'static str,
}

const PANNER_BASE: &[(&str, &str)] = &[
    ("Mode", "Balance"),
    ("Pan", "30R"),
    ("Width", "120"),
    ("Pan Law", "-3 dB (constant power)"),
    ("Mono Maker", "Off"),
];

/// Gel EQ set like the peers' EQ row of plugins.list (parameter names from the EQ contract;
/// alternatives separated by `|` are tried in turn, for value texts a plugin may spell
/// differently).
macro_rules! eq_peer_bands {
    ($($extra:expr),* $(,)?) => {
        &[
            ("Processing", "Zero Latency"),
            ("Output Gain", "0"),
            ("Auto Gain", "Off"),
            ("Band 1 Used", "On"),
            ("Band 1 On", "On"),
            ("Band 1 Type", "Low Cut"),
            ("Band 1 Frequency", "40"),
            ("Band 1 Slope", "12 dB/oct|12"),
            ("Band 1 Q", "0.707"),
            ("Band 2 Used", "On"),
            ("Band 2 On", "On"),
            ("Band 2 Type", "Low Shelf"),
            ("Band 2 Frequency", "100"),
            ("Band 2 Gain", "3"),
            ("Band 2 Q", "0.707"),
            ("Band 3 Used", "On"),
            ("Band 3 On", "On"),
            ("Band 3 Type", "Bell"),
            ("Band 3 Frequency", "250"),
            ("Band 3 Gain", "-3"),
            ("Band 3 Q", "1"),
            ("Band 4 Used", "On"),
            ("Band 4 On", "On"),
            ("Band 4 Type", "Bell"),
            ("Band 4 Frequency", "800"),
            ("Band 4 Gain", "4"),
            ("Band 4 Q", "1"),
            ("Band 5 Used", "On"),
            ("Band 5 On", "On"),
            ("Band 5 Type", "Bell"),
            ("Band 5 Frequency", "2500"),
            ("Band 5 Gain", "-2"),
            ("Band 5 Q", "1"),
            ("Band 6 Used", "On"),
            ("Band 6 On", "On"),
            ("Band 6 Type", "Bell"),
            ("Band 6 Frequency", "6000"),
            ("Band 6 Gain", "3"),
            ("Band 6 Q", "1"),
            ("Band 7 Used", "On"),
            ("Band 7 On", "On"),
            ("Band 7 Type", "High Shelf"),
            ("Band 7 Frequency", "10000"),
            ("Band 7 Gain", "2"),
            ("Band 7 Q", "0.707"),
            ("Band 8 Used", "On"),
            ("Band 8 On", "On"),
            ("Band 8 Type", "High Cut"),
            ("Band 8 Frequency", "18000"),
            ("Band 8 Slope", "12 dB/oct|12"),
            ("Band 8 Q", "0.707"),
            $($extra,)*
        ]
    };
}

const EQ_PEER_BANDS: &[(&str, &str)] = eq_peer_bands!();

/// The same 8 bands with the four bells dynamic (threshold −30 dBFS, ratio 4, attack 10 ms,
/// release 150 ms, each on its own range): the cost of dynamic bands beside the static row.
const EQ_DYNAMIC_BANDS: &[(&str, &str)] = eq_peer_bands!(
    ("Band 3 Dynamic", "On"),
    ("Band 3 Threshold", "-30"),
    ("Band 3 Ratio", "4|4.00:1"),
    ("Band 3 Attack", "10"),
    ("Band 3 Release", "150"),
    ("Band 4 Dynamic", "On"),
    ("Band 4 Threshold", "-30"),
    ("Band 4 Ratio", "4|4.00:1"),
    ("Band 4 Attack", "10"),
    ("Band 4 Release", "150"),
    ("Band 5 Dynamic", "On"),
    ("Band 5 Threshold", "-30"),
    ("Band 5 Ratio", "4|4.00:1"),
    ("Band 5 Attack", "10"),
    ("Band 5 Release", "150"),
    ("Band 6 Dynamic", "On"),
    ("Band 6 Threshold", "-30"),
    ("Band 6 Ratio", "4|4.00:1"),
    ("Band 6 Attack", "10"),
    ("Band 6 Release", "150"),
);

/// Gel Compressor at the peers' compressor settings (makeup +3 dB as LSP/Calf/Zam's rows).
const COMP_PEER_SETTINGS: &[(&str, &str)] = &[
    ("Style", "Clean"),
    ("Detection", "Peak"),
    ("Threshold", "-20"),
    ("Ratio", "4|4:1|4.0:1"),
    ("Knee", "6"),
    ("Attack", "10"),
    ("Release", "100"),
    ("Auto Release", "Off"),
    ("Makeup", "3"),
    ("Auto Makeup", "Off"),
    ("Mix", "100"),
    ("Stereo Link", "100"),
    ("Channel Mode", "Stereo"),
    ("Lookahead", "0"),
    ("Sidechain", "Internal"),
    ("SC High-Pass On", "Off"),
    ("SC Low-Pass On", "Off"),
];

/// The same with 5 ms lookahead and the sidechain high-pass on at 100 Hz.
const COMP_LOOKAHEAD_SETTINGS: &[(&str, &str)] = &[
    ("Style", "Clean"),
    ("Detection", "Peak"),
    ("Threshold", "-20"),
    ("Ratio", "4|4:1|4.0:1"),
    ("Knee", "6"),
    ("Attack", "10"),
    ("Release", "100"),
    ("Auto Release", "Off"),
    ("Makeup", "3"),
    ("Auto Makeup", "Off"),
    ("Mix", "100"),
    ("Stereo Link", "100"),
    ("Channel Mode", "Stereo"),
    ("Lookahead", "5"),
    ("Sidechain", "Internal"),
    ("SC High-Pass On", "On"),
    ("SC High-Pass", "100"),
    ("SC Low-Pass On", "Off"),
];

pub const CATEGORIES: &[Category] = &[
    Category {
        key: "panner",
        aliases: &["pan", "gel-panner", "stereo"],
        list_category: "pan",
        title: "Panner / stereo tools",
        gel_bundle: "Gel Panner",
        setups: &[
            GelSetup {
                label: "Gel Panner (30R, width 120 %, -3 dB, mono-maker off)",
                settings: PANNER_BASE,
                peers: &["x42_balance"],
            },
            GelSetup {
                label: "Gel Panner (30R, width 120 %, -3 dB, mono-maker 120 Hz)",
                settings: &[
                    ("Mode", "Balance"),
                    ("Pan", "30R"),
                    ("Width", "120"),
                    ("Pan Law", "-3 dB (constant power)"),
                    ("Mono Maker", "On"),
                    ("Mono Below", "120 Hz"),
                ],
                peers: &["calf_stereo_tools"],
            },
        ],
        mapping: "\
| Gel Panner | x42 balance (`balance:0.3,unitygain:2,trim:-1,delayLeft:10`) | Calf Stereo Tools (`balance_out:0.2,slev:1.5,stereo_base:0.3,mpan:0.1`) |
|---|---|---|
| Mode = Balance, Pan = 30R | Balance L/R = 0.3 | Balance Out = 0.2 (its nearest), Mid pan = 0.1 |
| Pan Law = -3 dB (constant power) | Gain Mode = 2 (unity gain, equal power) | (fixed law) |
| Width = 120 % | no width control (the peer does a 10-sample left delay instead) | S Level = 1.5, Stereo Base = 0.3 |
| Mono Maker = Off / On at 120 Hz | no mono-maker | no crossover mono-maker: the whole side path is processed |
| Output = +0 dB | Trim = -1 dB | (unity) |

The two Gel rows are the same plugin with the mono-maker off (compared with x42 balance, which \
has no filter) and on at 120 Hz (compared with Calf Stereo Tools, the heavier all-in-one stereo \
processor). The settings match as closely as the parameters allow; the work each plugin does per \
sample is what is compared.",
    },
    Category {
        key: "eq",
        aliases: &["gel-eq", "equalizer"],
        list_category: "eq",
        title: "EQ (8 bands: HP40, LS100, 4 bells, HS10k, LP18k)",
        gel_bundle: "Gel EQ",
        setups: &[
            GelSetup {
                label: "Gel EQ (8 bands as the peers, zero latency)",
                settings: EQ_PEER_BANDS,
                peers: &[
                    "lsp_para_eq_x16_stereo_IIR",
                    "x42_fil4_stereo",
                    "calf_eq8",
                    "zam_eq2_x2mono",
                ],
            },
            GelSetup {
                label: "Gel EQ (same 8 bands, the 4 bells dynamic: -30 dBFS, 4:1, 10/150 ms)",
                settings: EQ_DYNAMIC_BANDS,
                peers: &[],
            },
        ],
        mapping: "\
| Gel EQ band | LSP Para EQ x16 (IIR) | x42 fil4 | Calf EQ 8 | ZamEQ2 |
|---|---|---|---|---|
| 1: Low Cut 40 Hz, 12 dB/oct, Q 0.707 | `ft_0:2,f_0:40,q_0:0.707` (hi-pass) | `HighPass:1,HPfreq:40` | `hp_active:1,hp_freq:40` | – |
| 2: Low Shelf 100 Hz +3 dB, Q 0.707 | `ft_1:5,f_1:100,g_1:1.413` | `LSfreq:100,LSgain:3` | `ls_freq:100,ls_level:1.413` | `fl:100,boostl:3` |
| 3: Bell 250 Hz −3 dB, Q 1 | `ft_2:1,f_2:250,g_2:0.708,q_2:1` | `freq1:250,gain1:-3` | `p1_freq:250,p1_level:0.708` | `f1:250,boost1:-3` |
| 4: Bell 800 Hz +4 dB, Q 1 | `f_3:800,g_3:1.585` | `freq2:800,gain2:4` | `p2_freq:800,p2_level:1.585` | – |
| 5: Bell 2.5 kHz −2 dB, Q 1 | `f_4:2500,g_4:0.794` | `freq3:2500,gain3:-2` | `p3_freq:2500,p3_level:0.794` | `f2:2500,boost2:4` (its 2nd bell) |
| 6: Bell 6 kHz +3 dB, Q 1 | `f_5:6000,g_5:1.413` | `freq4:6000,gain4:3` | `p4_freq:6000,p4_level:1.413` | – |
| 7: High Shelf 10 kHz +2 dB, Q 0.707 | `ft_6:3,f_6:10000,g_6:1.259` | `HSfreq:10000,HSgain:2` | `hs_freq:10000,hs_level:1.259` | `fh:10000,boosth:2` |
| 8: High Cut 18 kHz, 12 dB/oct, Q 0.707 | `ft_7:4,f_7:18000` (lo-pass) | `LowPass:1,LPfreq:18000` | `lp_active:1,lp_freq:18000` | – |

Processing = Zero Latency (the peers are minimum-phase IIR too); Output 0 dB, auto gain off; \
bands 9–16 unused. ZamEQ2 has only 4 bands (2 bells, 2 shelves), so it does half the work. \
The second Gel row makes bands 3–6 dynamic (no peer has dynamic bands; it is compared with the \
first row, goal under 2×).",
    },
    Category {
        key: "compressor",
        aliases: &["comp", "gel-compressor"],
        list_category: "comp",
        title: "Compressor (-20 dB, 4:1, 10/100 ms)",
        gel_bundle: "Gel Compressor",
        setups: &[
            GelSetup {
                label: "Gel Compressor (-20 dB, 4:1, knee 6, 10/100 ms, peak, no lookahead)",
                settings: COMP_PEER_SETTINGS,
                peers: &[
                    "x42_darc_stereo",
                    "calf_compressor",
                    "zam_compx2",
                    "lsp_compressor_stereo",
                ],
            },
            GelSetup {
                label: "Gel Compressor (same + 5 ms lookahead, SC high-pass 100 Hz)",
                settings: COMP_LOOKAHEAD_SETTINGS,
                peers: &[],
            },
        ],
        mapping: "\
| Gel Compressor | LSP Compressor stereo | Calf Compressor | ZamCompX2 | x42 darc |
|---|---|---|---|---|
| Threshold −20 dB | `al:0.1` | `threshold:0.1` | `thr:-20` | `threshold:-25` (its curve differs) |
| Ratio 4:1, knee 6 dB | `cr:4` (knee: default) | `ratio:4` (knee: default 9 dB) | `rat:4,kn:3` | `Ratio:0.5` (0..1 scale) |
| Attack 10 ms, release 100 ms | `at:10,rt:100` | `attack:10,release:100` | `att:10,rel:100` | `attack:0.01,release:0.1` |
| Makeup +3 dB | `mk:1.413` | `makeup:1.413` | `mak:3` | automatic |
| Peak detection, Clean (feed-forward), stereo link 100 % | peak (default) | RMS (its default) | its detector | RMS |
| Lookahead 0 (row 2: 5 ms, SC high-pass on at 100 Hz) | `sla:0` | – | – | – |

The second Gel row (5 ms lookahead, sidechain high-pass on) is the configuration the issue \
compares with LSP Compressor; its ratio column is against the first row's peers too.",
    },
    Category {
        key: "reverb",
        aliases: &["gel-reverb"],
        list_category: "reverb",
        title: "Reverb (about 2 s)",
        gel_bundle: "Gel Reverb",
        setups: &[GelSetup {
            label: "Gel Reverb (Hall, decay 2 s, mix 30 %)",
            settings: &[
                ("Algorithm", "Hall"),
                ("Decay", "2.00 s"),
                ("Size", "50"),
                ("Pre-Delay", "10"),
                ("Mix", "30"),
                ("Wet Only", "Off"),
                ("Freeze", "Off"),
                ("Ducking", "0"),
            ],
            peers: &[
                "dragonfly_hall",
                "dragonfly_room",
                "dragonfly_plate",
                "calf_reverb",
                "zam_verb_conv",
            ],
        }],
        mapping: "\
| Gel Reverb | peers |
|---|---|
| Algorithm = Hall, Decay = 2 s | Dragonfly Hall `decay:2,size:30`, Calf Reverb `decay_time:2,room_size:2`, Dragonfly Room `decay:1` |
| Mix = 30 % (equal power: dry −1 dB, wet −10.5 dB) | Dragonfly `dry_level:80,late_level:30`, Calf `amount:0.3`, ZamVerb `wetdry:30` |
| Pre-delay 10 ms, modulation 25 % at 0.5 Hz, high multiplier 0.6 above 4 kHz (defaults) | (the peers' defaults) |

Gel's Hall runs an 8-line FDN with Hermite-interpolated modulated reads, Jot absorption \
shelves per line, a 4-stage allpass diffuser per channel and 16 early-reflection taps per \
channel; Dragonfly Hall is Freeverb3's zrev2 (a larger allpass/comb network plus early \
reflections).",
    },
    Category {
        key: "delay",
        aliases: &["gel-delay"],
        list_category: "delay",
        title: "Delay (375 ms, feedback 0.4)",
        gel_bundle: "Gel Delay",
        setups: &[GelSetup {
            label: "Gel Delay (375 ms, feedback 40 %, mix 30 %, loop filters on, no modulation)",
            settings: &[
                ("Sync", "Off"),
                ("Link L/R", "Linked"),
                ("Time", "375 ms"),
                ("Mode", "Stereo"),
                ("Feedback", "40"),
                ("Mix", "30"),
                ("Wet Only", "Off"),
                ("Low Cut", "On"),
                ("Low Cut Freq", "100 Hz"),
                ("High Cut", "On"),
                ("High Cut Freq", "8 kHz"),
                ("Drive", "0"),
                ("Wow", "0"),
                ("Flutter", "0"),
                ("Ducking", "0"),
            ],
            peers: &[
                "lsp_slap_delay_stereo",
                "lsp_comp_delay_stereo",
                "calf_vintage_delay",
                "zam_delay_x2mono",
                "sox_echo",
            ],
        }],
        mapping: "\
| Gel Delay | peers |
|---|---|
| Time = 375 ms, Sync off | Calf Vintage Delay `ms:375`, ZamDelay `time:375`, sox `echo … 375`, LSP Slap Delay tap 1 at 375 ms (tap 0 at 250 ms) |
| Feedback = 40 % | Calf `feedback:0.4`, ZamDelay `feedb:0.4`, sox decay 0.4 (LSP Slap Delay and Compensation Delay have no feedback) |
| Mix = 30 % (equal power: dry −1 dB, wet −6.9 dB) | Calf `amount:0.3`, ZamDelay `drywet:0.3`, LSP `wet:0.5` |
| Low Cut 100 Hz and High Cut 8 kHz on (in the loop) | Calf Vintage Delay has fixed loop filtering; the others none |
| Wow, flutter, ducking, drive off | (none of the peers has them) |

Gel does more work per sample than the simplest peers (two loop filters per channel, the \
loop saturator and write limiter); the CPU column compares the cost of what each plugin does \
at these settings.",
    },
];

pub fn find(name: &str) -> Option<&'static Category> {
    let n = name.to_ascii_lowercase();
    CATEGORIES
        .iter()
        .find(|c| c.key == n || c.aliases.contains(&n.as_str()))
}

/// One LV2 peer from plugins.list.
#[derive(Clone, Debug)]
pub struct Peer {
    pub category: String,
    pub name: String,
    pub uri: String,
    pub params: String,
}

impl Peer {
    /// The Debian package that ships it.
    pub fn package(&self) -> &'static str {
        let n = self.name.as_str();
        if n.starts_with("lsp_") {
            "lsp-plugins-lv2"
        } else if n.starts_with("x42_") || n.contains("x42") {
            "x42-plugins"
        } else if n.starts_with("calf_") {
            "calf-plugins"
        } else if n.starts_with("zam_") {
            "zam-plugins"
        } else if n.starts_with("dragonfly_") {
            "dragonfly-reverb-lv2"
        } else {
            "?"
        }
    }

    pub fn display(&self) -> String {
        let known = [
            ("passthru_x42_stereoroute", "x42 stereoroute (pass-through)"),
            ("lsp_para_eq_x16_stereo_IIR", "LSP Para EQ x16 stereo, IIR"),
            ("x42_fil4_stereo", "x42 fil4"),
            ("calf_eq8", "Calf Equalizer 8 band"),
            ("zam_eq2_x2mono", "ZamEQ2 (2 mono instances)"),
            ("lsp_compressor_stereo", "LSP Compressor stereo"),
            ("calf_compressor", "Calf Compressor"),
            ("zam_compx2", "ZamCompX2"),
            ("x42_darc_stereo", "x42 darc"),
            ("dragonfly_hall", "Dragonfly Hall"),
            ("dragonfly_room", "Dragonfly Room"),
            ("dragonfly_plate", "Dragonfly Plate"),
            ("calf_reverb", "Calf Reverb"),
            ("zam_verb_conv", "ZamVerb"),
            ("lsp_slap_delay_stereo", "LSP Slap Delay"),
            ("lsp_comp_delay_stereo", "LSP Compensation Delay"),
            ("calf_vintage_delay", "Calf Vintage Delay"),
            ("zam_delay_x2mono", "ZamDelay (2 mono instances)"),
            ("calf_stereo_tools", "Calf Stereo Tools"),
            ("x42_balance", "x42 balance"),
        ];
        known
            .iter()
            .find(|(k, _)| *k == self.name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| self.name.clone())
    }
}

/// The LV2 rows of plugins.list (sox rows are not plugins and are left out).
pub fn peers() -> Vec<Peer> {
    include_str!("../plugins.list")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            (f.len() >= 4 && f[2] == "lv2").then(|| Peer {
                category: f[0].to_string(),
                name: f[1].to_string(),
                uri: f[3].to_string(),
                params: f.get(4).copied().unwrap_or("").to_string(),
            })
        })
        .collect()
}
