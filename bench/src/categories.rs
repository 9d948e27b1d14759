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
        setups: &[],
        mapping: "Gel EQ is not built yet: its settings will mirror the peers' 8 bands \
(HP 40 Hz, low shelf 100 Hz +3 dB, bells 250 Hz -3 dB, 800 Hz +4 dB, 2.5 kHz -2 dB, 6 kHz +3 dB, \
high shelf 10 kHz +2 dB, LP 18 kHz).",
    },
    Category {
        key: "compressor",
        aliases: &["comp", "gel-compressor"],
        list_category: "comp",
        title: "Compressor (-20 dB, 4:1, 10/100 ms)",
        gel_bundle: "Gel Compressor",
        setups: &[],
        mapping: "Gel Compressor is not built yet: threshold -20 dB, ratio 4:1, attack 10 ms, \
release 100 ms, makeup +3 dB, like the peers.",
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
