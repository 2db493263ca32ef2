//! [`HeadlessKiosk`] acting through the screens' accessible labels ([`crate::labels`]), as a
//! person would: type into fields, choose from lists, tap buttons. Needs Slint's testing
//! backend, hence the `automation` feature (tests and the demo; never the tablet).

use anyhow::{anyhow, bail};
use i_slint_backend_testing::ElementHandle;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use vrs_protocol::Outcome;

use super::HeadlessKiosk;
use crate::labels;

impl HeadlessKiosk {
    fn find(&self, label: &str) -> anyhow::Result<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.window, label)
            .find(ElementHandle::is_valid)
            .ok_or_else(|| anyhow!("no element labelled {label:?} on {:?}", self.screen()))
    }

    /// Whether an element with this label is on screen.
    pub fn has(&self, label: &str) -> bool {
        self.find(label).is_ok()
    }

    /// The value shown by the element labelled `label` (a text, an input's content, the
    /// selected option of a list).
    pub fn text_of(&self, label: &str) -> anyhow::Result<String> {
        let element = self.find(label)?;
        Ok(element
            .accessible_value()
            .map(|v| v.to_string())
            .unwrap_or_default())
    }

    /// Whether the element labelled `label` is enabled.
    pub fn is_enabled(&self, label: &str) -> anyhow::Result<bool> {
        Ok(self.find(label)?.accessible_enabled().unwrap_or(true))
    }

    /// Taps the centre of the element labelled `label` with a pointer press and release.
    pub fn tap(&self, label: &str) -> anyhow::Result<()> {
        let element = self.find(label)?;
        if element.accessible_enabled() == Some(false) {
            bail!("{label:?} is disabled");
        }
        let pos = element.absolute_position();
        let size = element.size();
        let position = LogicalPosition::new(pos.x + size.width / 2.0, pos.y + size.height / 2.0);
        let window = self.window.window();
        window.dispatch_event(WindowEvent::PointerMoved { position });
        window.dispatch_event(WindowEvent::PointerPressed {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerReleased {
            position,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerExited);
        self.pump();
        Ok(())
    }

    /// Replaces the text of the input labelled `label`.
    pub fn type_into(&self, label: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(label)?;
        element.set_accessible_value(text);
        self.pump();
        Ok(())
    }

    /// Chooses `option` in the list labelled `list`.
    pub fn choose(&self, list: &str, option: &str) -> anyhow::Result<()> {
        let list_element = self.find(list)?;
        let item = list_element
            .query_descendants()
            .match_predicate({
                let option = option.to_owned();
                move |e| e.accessible_label().is_some_and(|l| l == option)
            })
            .find_first()
            .ok_or_else(|| anyhow!("{list:?} has no option {option:?}"))?;
        item.invoke_accessible_default_action();
        self.pump();
        let chosen = self.text_of(list)?;
        if chosen != option {
            bail!("{list:?} shows {chosen:?} after choosing {option:?}");
        }
        Ok(())
    }

    /// Types the login ID and password and taps ログイン. The outcome shows on screen:
    /// [`Screen::Presets`](crate::Screen::Presets) or a [`labels::LOGIN_ERROR`].
    pub fn login(&self, id: &str, password: &str) -> anyhow::Result<()> {
        self.type_into(labels::LOGIN_ID, id)?;
        self.type_into(labels::PASSWORD, password)?;
        self.tap(labels::LOGIN_BUTTON)
    }

    /// Fills the presets form and taps 設定して読み取りへ. The outcome shows on screen:
    /// [`Screen::Scan`](crate::Screen::Scan) or a [`labels::PRESETS_ERROR`].
    pub fn set_presets(
        &self,
        date: &str,
        venue: &str,
        maker: &str,
        lot: &str,
        doctor: &str,
    ) -> anyhow::Result<()> {
        self.type_into(labels::DATE, date)?;
        self.choose(labels::VENUE, venue)?;
        self.choose(labels::MAKER, maker)?;
        self.type_into(labels::LOT, lot)?;
        self.type_into(labels::DOCTOR, doctor)?;
        self.tap(labels::APPLY_PRESETS)
    }

    /// Taps 接種済 or 予診のみ on the confirm screen. The outcome shows on screen:
    /// [`Screen::Registered`](crate::Screen::Registered) or a [`labels::REGISTER_ERROR`].
    pub fn register(&self, outcome: Outcome) -> anyhow::Result<()> {
        self.tap(match outcome {
            Outcome::Vaccinated => labels::VACCINATED,
            Outcome::ScreeningOnly => labels::SCREENING_ONLY,
        })
    }
}
