"""The key bar: the screen's shown bindings on one line, drawn as one widget (Textual's Footer mounts one per key)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """`key description` for every shown binding of the screen; a click on one presses its key."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []
        """Where each key's label sits (start, end column) and the key it presses."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def _shown(self) -> list[tuple[str, str, str]]:
        """(key to press, key as shown, description) per action, the first binding of each, in binding order."""
        seen: set[str] = set()
        shown = []
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if not enabled or binding.action in seen or not (binding.show or key == palette_key):
                continue
            seen.add(binding.action)
            shown.append((key, self.app.get_key_display(binding), binding.description))
        return shown

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        text, spans = Text(no_wrap=True, overflow="ellipsis"), []
        for key, display, description in self._shown():
            start = len(text)
            text.append(f" {display} ", key_style)
            if description:
                text.append(f"{description} ", description_style)
            spans.append((start, len(text), key))
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
