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


def assert_redraws(explorer, settings):
    """Move the controls of ``explorer`` one after the other and require a new picture after each move.

    ``explorer`` is an explorer's box whose second child is its picture (an ``ipywidgets.Image``, as every
    explorer of ``lecture_lib.viz`` builds it); ``settings`` maps a control's label to the value to move it to.
    A move to the value the control already holds, or one the control does not take (outside its range, not
    one of its options), fails: it would prove nothing.
    """
    picture = explorer.children[1]
    for label, value in settings.items():
        control = find_control(explorer, label)
        assert control.value != value, f"{label!r} already holds {value!r}: moving it there proves nothing"
        before = picture.value
        control.value = value
        assert control.value == value, f"{label!r} did not take {value!r} (it holds {control.value!r})"
        assert picture.value != before, f"moving {label!r} to {value!r} did not redraw the picture"


def frames_for(explorer, label, values):
    """The explorer's picture now, then after moving the control labelled ``label`` to each of ``values``.

    For tests that every setting draws its own picture (``len(set(frames)) == len(values) + 1``).
    """
    picture, control = explorer.children[1], find_control(explorer, label)
    frames = [picture.value]
    for value in values:
        control.value = value
        assert control.value == value, f"{label!r} did not take {value!r} (it holds {control.value!r})"
        frames.append(picture.value)
    return frames
