//! Headless interaction tests: drive real egui frames with synthetic input against a mock
//! nice-plug GUI context and check the gestures the host would see.

use std::sync::{Arc, Mutex};

use egui::{Event, Key, Modifiers, PointerButton, Pos2, RawInput, Rect, Vec2};
use gel_ui::{EnumSelector, GelEditorState, Knob, ParamToggle};
use nice_plug::prelude::*;

/// Records begin/set/end calls and applies sets to the parameter, like a host would.
#[derive(Default)]
struct MockHost {
    log: Mutex<Vec<String>>,
}

impl MockHost {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl GuiContextInner for MockHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {
        self.log.lock().unwrap().push("begin".into());
    }
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        self.log
            .lock()
            .unwrap()
            .push(format!("set {normalized:.4}"));
        unsafe { param._internal_set_normalized_value(normalized) };
    }
    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {
        self.log.lock().unwrap().push("end".into());
    }
    fn get_state(&self) -> PluginState {
        unimplemented!("not needed by widgets")
    }
    fn set_state(&self, _state: PluginState) {}
    fn request_restart(&self) {}
}

#[derive(Enum, PartialEq, Clone, Copy, Debug)]
enum Law {
    Linear,
    #[name = "-3 dB"]
    Minus3,
    #[name = "-6 dB"]
    Minus6,
}

#[derive(Params)]
struct TestParams {
    #[persist = "editor-state"]
    editor_state: Arc<GelEditorState>,
    #[id = "pan"]
    pan: FloatParam,
    #[id = "mono"]
    mono: BoolParam,
    #[id = "law"]
    law: EnumParam<Law>,
}

impl Default for TestParams {
    fn default() -> Self {
        Self {
            editor_state: GelEditorState::default_size(600.0, 400.0),
            pan: FloatParam::new(
                "Pan",
                0.0,
                FloatRange::Linear {
                    min: -100.0,
                    max: 100.0,
                },
            )
            .with_unit(" %"),
            mono: BoolParam::new("Mono", false),
            law: EnumParam::new("Law", Law::Minus3),
        }
    }
}

/// Runs frames of a small UI and remembers widget rects from the first frame.
struct Harness {
    ctx: egui::Context,
    time: f64,
    host: MockHost,
    params: TestParams,
}

#[derive(Clone, Copy)]
struct Rects {
    knob: Rect,
    toggle: Rect,
    selector: Rect,
}

impl Harness {
    fn new() -> Self {
        let ctx = egui::Context::default();
        gel_ui::theme::apply(&ctx);
        Self {
            ctx,
            time: 0.0,
            host: MockHost::default(),
            params: TestParams::default(),
        }
    }

    fn frame(&mut self, mut events: Vec<Event>, modifiers: Modifiers) -> Rects {
        self.time += 1.0 / 60.0;
        events.insert(0, Event::ModifiersChanged(modifiers));
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(600.0, 400.0))),
            time: Some(self.time),
            events,
            ..Default::default()
        };
        let mut rects = Rects {
            knob: Rect::NOTHING,
            toggle: Rect::NOTHING,
            selector: Rect::NOTHING,
        };
        let setter = ParamSetter::new(&self.host);
        let params = &self.params;
        let mut output = self.ctx.run_ui(input, |ui| {
            rects.knob = ui.add(Knob::new(&params.pan, &setter)).rect;
            rects.toggle = ui.add(ParamToggle::new(&params.mono, &setter)).rect;
            rects.selector = ui.add(EnumSelector::new(&params.law, &setter)).rect;
        });
        output.textures_delta.clear();
        rects
    }

    fn idle(&mut self) -> Rects {
        self.frame(vec![], Modifiers::NONE)
    }

    fn press(&mut self, pos: Pos2, pressed: bool, modifiers: Modifiers) {
        self.frame(
            vec![Event::PointerButton {
                pos,
                button: PointerButton::Primary,
                pressed,
                modifiers,
            }],
            modifiers,
        );
    }

    fn move_to(&mut self, pos: Pos2, modifiers: Modifiers) {
        self.frame(vec![Event::PointerMoved(pos)], modifiers);
    }

    fn click(&mut self, pos: Pos2) {
        self.move_to(pos, Modifiers::NONE);
        self.press(pos, true, Modifiers::NONE);
        self.press(pos, false, Modifiers::NONE);
    }

    fn drag(&mut self, from: Pos2, dy: f32, modifiers: Modifiers) {
        self.move_to(from, modifiers);
        self.press(from, true, modifiers);
        for i in 1..=4 {
            self.move_to(from + Vec2::new(0.0, dy * i as f32 / 4.0), modifiers);
        }
        self.press(from + Vec2::new(0.0, dy), false, modifiers);
        self.idle();
    }
}

fn gestures(log: &[String]) -> (usize, usize, usize) {
    let count = |p: &str| log.iter().filter(|l| l.starts_with(p)).count();
    (count("begin"), count("set"), count("end"))
}

#[test]
fn knob_drag_is_one_gesture_and_moves_by_sensitivity() {
    let mut h = Harness::new();
    let rects = h.idle();
    h.drag(rects.knob.center(), -40.0, Modifiers::NONE);
    let log = h.host.take();
    let (b, s, e) = gestures(&log);
    assert_eq!((b, e), (1, 1), "one begin and one end: {log:?}");
    assert!(s >= 1, "{log:?}");
    assert_eq!(log.first().unwrap(), "begin");
    assert_eq!(log.last().unwrap(), "end");
    // The drag threshold eats a few points; 40 points up is at most 0.2 of the range.
    let moved = h.params.pan.unmodulated_normalized_value() - 0.5;
    assert!(moved > 0.1 && moved <= 0.2 + 1e-4, "moved {moved}");
}

#[test]
fn shift_drag_is_ten_times_finer() {
    let mut h = Harness::new();
    let rects = h.idle();
    h.drag(rects.knob.center(), -40.0, Modifiers::SHIFT);
    let fine = h.params.pan.unmodulated_normalized_value() - 0.5;
    assert!(fine > 0.0 && fine <= 0.02 + 1e-4, "fine drag moved {fine}");
}

#[test]
fn double_click_resets_to_default() {
    let mut h = Harness::new();
    let rects = h.idle();
    h.drag(rects.knob.center(), -60.0, Modifiers::NONE);
    assert!(h.params.pan.unmodulated_plain_value() > 10.0);
    h.host.take();
    let c = rects.knob.center();
    h.click(c);
    h.click(c);
    h.idle();
    assert!(h.params.pan.unmodulated_plain_value().abs() < 1e-4);
    let log = h.host.take();
    let (b, _, e) = gestures(&log);
    assert_eq!(b, e, "balanced gestures: {log:?}");
}

#[test]
fn typing_a_value_applies_on_enter() {
    let mut h = Harness::new();
    let rects = h.idle();
    // The value text sits under the knob circle.
    let value_pos = Pos2::new(rects.knob.center().x, rects.knob.bottom() + 10.0);
    h.click(value_pos);
    h.idle();
    h.frame(
        vec![Event::Key {
            key: Key::A,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::COMMAND,
        }],
        Modifiers::COMMAND,
    );
    h.frame(vec![Event::Text("-25".into())], Modifiers::NONE);
    h.frame(
        vec![Event::Key {
            key: Key::Enter,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::NONE,
        }],
        Modifiers::NONE,
    );
    h.idle();
    assert!(
        (h.params.pan.unmodulated_plain_value() + 25.0).abs() < 1e-3,
        "pan is {}, log {:?}",
        h.params.pan.unmodulated_plain_value(),
        h.host.take()
    );
}

#[test]
fn escape_cancels_typing() {
    let mut h = Harness::new();
    let rects = h.idle();
    let value_pos = Pos2::new(rects.knob.center().x, rects.knob.bottom() + 10.0);
    h.click(value_pos);
    h.idle();
    assert!(
        h.ctx.memory(|m| m.focused()).is_some(),
        "clicking the value opens a focused text field"
    );
    h.frame(vec![Event::Text("50".into())], Modifiers::NONE);
    h.frame(
        vec![Event::Key {
            key: Key::Escape,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::NONE,
        }],
        Modifiers::NONE,
    );
    h.idle();
    assert_eq!(h.params.pan.unmodulated_plain_value(), 0.0);
    assert!(h.host.take().is_empty());
}

#[test]
fn wheel_steps_the_knob() {
    let mut h = Harness::new();
    let rects = h.idle();
    h.move_to(rects.knob.center(), Modifiers::NONE);
    h.frame(
        vec![Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: Vec2::new(0.0, 1.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        }],
        Modifiers::NONE,
    );
    let v = h.params.pan.unmodulated_normalized_value();
    assert!((v - 0.52).abs() < 1e-4, "wheel moved to {v}");
    assert_eq!(gestures(&h.host.take()), (1, 1, 1));
}

#[test]
fn toggle_flips_in_one_gesture() {
    let mut h = Harness::new();
    let rects = h.idle();
    h.click(rects.toggle.center());
    assert!(h.params.mono.value());
    assert_eq!(gestures(&h.host.take()), (1, 1, 1));
    h.click(rects.toggle.center());
    assert!(!h.params.mono.value());
}

#[test]
fn selector_picks_the_clicked_segment() {
    let mut h = Harness::new();
    let rects = h.idle();
    assert_eq!(h.params.law.value(), Law::Minus3);
    let third = Pos2::new(
        rects.selector.left() + rects.selector.width() * 5.0 / 6.0,
        rects.selector.center().y,
    );
    h.click(third);
    assert_eq!(h.params.law.value(), Law::Minus6);
    assert_eq!(gestures(&h.host.take()), (1, 1, 1));
}

#[test]
fn params_derive_persists_editor_state() {
    let params = TestParams::default();
    params.editor_state.set_zoom(1.25);
    params.editor_state.set_size(700.0, 450.0);
    let fields = params.serialize_fields();
    let json = fields
        .get("editor-state")
        .expect("persisted under editor-state");

    let restored = TestParams::default();
    restored.deserialize_fields(&fields);
    assert_eq!(restored.editor_state.size(), (700.0, 450.0));
    assert_eq!(restored.editor_state.zoom(), 1.25);
    assert!(json.contains("\"zoom\":1.25"), "{json}");
}

#[test]
fn whole_frame_with_displays_renders_headless() {
    use gel_ui::editor::{draw_frame, UiFn};
    use gel_ui::{
        labelled_row, section, ChannelLevel, CorrelationMeterView, GainReductionMeter, Goniometer,
        LevelMeterView,
    };

    let params = Arc::new(TestParams::default());
    let p = params.clone();
    let points: Vec<(f32, f32)> = (0..512)
        .map(|i| {
            let t = i as f32 * 0.05;
            gel_ui::goniometer::lr_to_ms(t.sin() * 0.7, (t * 1.1).sin() * 0.5)
        })
        .collect();
    let ui_fn: Mutex<UiFn> =
        Mutex::new(Box::new(move |ui: &mut egui::Ui, setter: &ParamSetter| {
            ui.horizontal(|ui| {
                section(ui, "Stereo", |ui| {
                    ui.add(Knob::new(&p.pan, setter).diameter(64.0));
                    labelled_row(ui, "Mono", |ui| ui.add(ParamToggle::new(&p.mono, setter)));
                    labelled_row(ui, "Law", |ui| ui.add(EnumSelector::new(&p.law, setter)));
                });
                section(ui, "Meters", |ui| {
                    let levels = [
                        ChannelLevel {
                            peak_db: -3.0,
                            rms_db: -12.0,
                        },
                        ChannelLevel {
                            peak_db: 1.0,
                            rms_db: -2.0,
                        },
                    ];
                    ui.horizontal(|ui| {
                        ui.add(LevelMeterView::new(&levels).label("Out"));
                        ui.add(GainReductionMeter::new(4.5));
                        ui.add(Goniometer::new(&points).size(140.0));
                    });
                    ui.add(CorrelationMeterView::new(-0.3));
                });
            });
        }));

    let host = MockHost::default();
    let ctx = egui::Context::default();
    gel_ui::theme::apply(&ctx);
    for _ in 0..3 {
        let setter = ParamSetter::new(&host);
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(640.0, 420.0))),
            ..Default::default()
        };
        let mut out = ctx.run_ui(input, |ui| draw_frame(ui, "Gel Panner", &ui_fn, &setter));
        let prims = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
        assert!(prims.len() > 5, "the frame draws something");
        out.textures_delta.clear();
    }
    assert!(
        host.take().is_empty(),
        "drawing alone never touches parameters"
    );
}
