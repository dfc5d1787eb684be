"""Self-check of the browser harness: Chromium starts and renders a page served by live_server."""

from playwright.sync_api import expect


def test_admin_login_page_renders_the_login_form_in_chromium(live_server, page):
    page.goto(live_server.url + "/admin/login/")

    expect(page.locator("form#login-form")).to_be_visible()
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
