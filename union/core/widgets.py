"""Form widgets that render what WTForms' own render, faster where a page has many.

WTForms' ``Select`` builds every ``<option>`` through ``html_params`` and inspects its own
``render_option`` signature on every render; a queue page with a dozen filters and the
agency catalogue twice renders close to a hundred. This one writes the same markup
directly (a choice's ``render_kw`` still goes through ``html_params``).
"""

from typing import Any

from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms.widgets import Select as _Select
from wtforms.widgets import html_params


class Select(_Select):
    """WTForms' select, with its options written directly."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        options = Markup("").join(map(self.render_option, field._iter_choices_normalized()))
        return Markup("<select {}>{}</select>").format(
            html_params(name=field.name, **kwargs), options
        )

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)  # type: ignore[no-any-return]
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = " selected" if choice.selected else ""
        label = escape(choice.label or choice.value)
        html = f'<option{selected} value="{escape(value)}">{label}</option>'
        return Markup(html)  # noqa: S704  # nosec B704


class SelectField(_SelectField):
    """WTForms' ``SelectField`` with the faster widget."""

    widget = Select()
