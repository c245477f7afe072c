"""Helpers shared by the browser journeys."""

from playwright.sync_api import Page

# htmx marks the element of a request in flight and the content it is swapping or settling;
# new content's hx-* attributes are bound only once settling is over.
_HTMX_IDLE = """() => document.readyState === 'complete' && window.htmx !== undefined &&
    !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"""


def htmx_idle(page: Page) -> None:
    """Wait until the page has loaded and htmx has finished every swap, so the next click on
    swapped-in content goes through htmx rather than racing it on a busy machine."""
    page.wait_for_function(_HTMX_IDLE)
