"""Find controls inside a tree of ipywidgets, as a user finds them on screen: by their label."""


def find_control(widget, description):
    """The first widget under ``widget`` whose ``description`` is ``description``."""
    stack = [widget]
    while stack:
        item = stack.pop()
        if getattr(item, "description", None) == description:
            return item
        stack.extend(getattr(item, "children", ()))
    raise LookupError(f"no control labelled {description!r}")
