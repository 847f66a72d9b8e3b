"""What every form of the site shares."""

from __future__ import annotations


class DescribedErrors:
    """Each field with an error is marked invalid and described by its message's element
    (`id_<name>_error`, which the templates render beside the field)."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is None or field.widget.is_hidden:
                continue
            described = f"id_{name}_error" + (f" id_{name}_helptext" if field.help_text else "")
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": described})
